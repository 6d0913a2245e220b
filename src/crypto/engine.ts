// The crypto engine: the only file in src/crypto that imports node:. Everything else in src/crypto
// (and the simulators) reaches OpenSSL through these few functions, so another engine (WebCrypto
// plus a brainpool library, an HSM client) can replace this file without touching protocol code.
// Node's OpenSSL-backed crypto is used because WebCrypto has no brainpoolP256r1 (checklist §3.5).

import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  randomBytes as nodeRandomBytes,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import { CryptoError } from './errors.ts';

/** The two curves SGP.22 v2.5 §2.6.5 / SGP.32 v1.2 allow for ECDSA and ECKA. */
export type Curve = 'P-256' | 'brainpoolP256r1';
export const CURVES: readonly Curve[] = ['P-256', 'brainpoolP256r1'];

/** An EC public key; `point` is the uncompressed point 04‖X‖Y (65 bytes), `spki` its SubjectPublicKeyInfo DER. */
export interface EcPublicKey {
  readonly curve: Curve;
  readonly point: Uint8Array;
  readonly spki: Uint8Array;
  /** Engine-specific handle (a node KeyObject here); opaque to everything else. */
  readonly handle: unknown;
}

export interface EcPrivateKey {
  readonly curve: Curve;
  readonly publicKey: EcPublicKey;
  readonly handle: unknown;
}

const OPENSSL_CURVE: Record<Curve, string> = { 'P-256': 'prime256v1', brainpoolP256r1: 'brainpoolP256r1' };

function curveOf(key: KeyObject): Curve {
  if (key.asymmetricKeyType !== 'ec') throw new CryptoError('ERR_KEY_CURVE', `not an EC key (${key.asymmetricKeyType})`);
  const named = key.asymmetricKeyDetails?.namedCurve;
  if (named === 'prime256v1' || named === 'P-256') return 'P-256';
  if (named === 'brainpoolP256r1') return 'brainpoolP256r1';
  throw new CryptoError('ERR_KEY_CURVE', `unsupported curve ${named ?? '?'}`);
}

function wrapPublic(key: KeyObject): EcPublicKey {
  const curve = curveOf(key);
  const spki = new Uint8Array(key.export({ format: 'der', type: 'spki' }));
  // An uncompressed P-256/brainpoolP256r1 point is always the last 65 bytes of the SPKI.
  return { curve, spki, point: spki.subarray(spki.length - 65), handle: key };
}

function wrapPrivate(key: KeyObject): EcPrivateKey {
  return { curve: curveOf(key), publicKey: wrapPublic(createPublicKey(key)), handle: key };
}

function keyObject(key: EcPublicKey | EcPrivateKey): KeyObject {
  return key.handle as KeyObject;
}

/** Imports a private key: PEM ("PRIVATE KEY" or "EC PRIVATE KEY") or DER PKCS#8 / SEC1. */
export function importPrivateKey(key: string | Uint8Array, derType: 'pkcs8' | 'sec1' = 'pkcs8'): EcPrivateKey {
  try {
    const ko = typeof key === 'string' ? createPrivateKey(key) : createPrivateKey({ key: Buffer.from(key), format: 'der', type: derType });
    return wrapPrivate(ko);
  } catch (err) {
    if (err instanceof CryptoError) throw err;
    throw new CryptoError('ERR_KEY_FORMAT', `cannot read private key: ${(err as Error).message}`, { cause: err });
  }
}

/** Imports a public key from PEM ("PUBLIC KEY") or DER SubjectPublicKeyInfo. */
export function importPublicKey(key: string | Uint8Array): EcPublicKey {
  try {
    const ko = typeof key === 'string' ? createPublicKey(key) : createPublicKey({ key: Buffer.from(key), format: 'der', type: 'spki' });
    return wrapPublic(ko);
  } catch (err) {
    if (err instanceof CryptoError) throw err;
    throw new CryptoError('ERR_KEY_FORMAT', `cannot read public key: ${(err as Error).message}`, { cause: err });
  }
}

export function generateKeyPair(curve: Curve): EcPrivateKey {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: OPENSSL_CURVE[curve] });
  return wrapPrivate(privateKey);
}

/** PKCS#8 DER of a private key (for writing key files). */
export function exportPkcs8(key: EcPrivateKey): Uint8Array {
  return new Uint8Array(keyObject(key).export({ format: 'der', type: 'pkcs8' }));
}

/** ECDSA with SHA-256; returns the plain r‖s form (BSI TR-03111), 64 bytes. */
export function ecdsaSign(key: EcPrivateKey, data: Uint8Array): Uint8Array {
  return nodeSign('sha256', data, { key: keyObject(key), dsaEncoding: 'ieee-p1363' });
}

/** Verifies a plain r‖s ECDSA-SHA256 signature. */
export function ecdsaVerify(key: EcPublicKey, data: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  return nodeVerify('sha256', data, { key: keyObject(key), dsaEncoding: 'ieee-p1363' }, signature);
}

/** ECKA-DH (BSI TR-03111): the shared secret Z is the X coordinate of d·Q (32 bytes). */
export function ecdh(privateKey: EcPrivateKey, publicKey: EcPublicKey): Uint8Array {
  if (privateKey.curve !== publicKey.curve) throw new CryptoError('ERR_KEY_CURVE', `ECDH between ${privateKey.curve} and ${publicKey.curve}`);
  return new Uint8Array(diffieHellman({ privateKey: keyObject(privateKey), publicKey: keyObject(publicKey) }));
}

export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** AES-128-CBC without padding (the caller pads); data length must be a multiple of 16. */
export function aesCbcEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const c = createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

export function aesCbcDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const d = createDecipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([d.update(data), d.final()]));
}

export function randomBytes(n: number): Uint8Array {
  return new Uint8Array(nodeRandomBytes(n));
}
