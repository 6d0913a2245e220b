// Loading EC keys: PEM or DER, private keys as PKCS#8 or SEC1 (RFC 5915), public keys as
// SubjectPublicKeyInfo (RFC 5480) or as the bare uncompressed point that SGP.22 messages carry
// (e.g. 5F49 euiccOtpk / smdpOtpk).

import { readHeader, tlv } from '../asn1/tlv.ts';
import { concatBytes, fromBase64, toBase64 } from '../lib/bytes.ts';
import { type Curve, type EcPrivateKey, type EcPublicKey, importPrivateKey, importPublicKey } from './engine.ts';
import { CryptoError } from './errors.ts';

export interface PemBlock {
  label: string;
  der: Uint8Array;
}

/** All PEM blocks in a text, in order. */
export function pemDecodeAll(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push({ label: m[1]!, der: fromBase64(m[2]!) });
  return out;
}

export function pemEncode(label: string, der: Uint8Array): string {
  const b64 = toBase64(der).replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** 1.2.840.10045.2.1 id-ecPublicKey (RFC 5480). */
const OID_EC_PUBLIC_KEY = Uint8Array.of(0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01);
/** Curve OIDs: secp256r1 1.2.840.10045.3.1.7 and brainpoolP256r1 1.3.36.3.3.2.8.1.1.7 (RFC 5639). */
export const CURVE_OID_DER: Record<Curve, Uint8Array> = {
  'P-256': Uint8Array.of(0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07),
  brainpoolP256r1: Uint8Array.of(0x06, 0x09, 0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x07),
};

/** DER private key: PKCS#8 has `INTEGER 0, SEQUENCE algorithm`, SEC1 has `INTEGER 1, OCTET STRING`. */
function derPrivateKeyType(der: Uint8Array): 'pkcs8' | 'sec1' {
  try {
    const outer = readHeader(der, 0, der.length);
    const version = readHeader(der, outer.contentStart, outer.contentEnd);
    return der[version.end] === 0x04 ? 'sec1' : 'pkcs8';
  } catch (err) {
    throw new CryptoError('ERR_KEY_FORMAT', `not a DER private key: ${(err as Error).message}`, { cause: err });
  }
}

/** Loads a private key from PEM text (PKCS#8 "PRIVATE KEY" or SEC1 "EC PRIVATE KEY") or DER bytes. */
export function loadPrivateKey(key: string | Uint8Array): EcPrivateKey {
  if (typeof key !== 'string') return importPrivateKey(key, derPrivateKeyType(key));
  const block = pemDecodeAll(key).find((b) => b.label === 'PRIVATE KEY' || b.label === 'EC PRIVATE KEY');
  if (!block) throw new CryptoError('ERR_KEY_FORMAT', 'no PRIVATE KEY or EC PRIVATE KEY block in the PEM text');
  return importPrivateKey(block.der, block.label === 'PRIVATE KEY' ? 'pkcs8' : 'sec1');
}

/** Loads a public key from PEM "PUBLIC KEY" text or DER SubjectPublicKeyInfo. */
export function loadPublicKey(key: string | Uint8Array): EcPublicKey {
  if (typeof key !== 'string') return importPublicKey(key);
  const block = pemDecodeAll(key).find((b) => b.label === 'PUBLIC KEY');
  if (!block) throw new CryptoError('ERR_KEY_FORMAT', 'no PUBLIC KEY block in the PEM text');
  return importPublicKey(block.der);
}

/** A public key from an uncompressed point 04‖X‖Y as carried in 5F49 (SGP.22 v2.5 §5.7.13 otPK). */
export function publicKeyFromPoint(curve: Curve, point: Uint8Array): EcPublicKey {
  if (point.length !== 65 || point[0] !== 0x04) throw new CryptoError('ERR_KEY_FORMAT', `expected a 65-byte uncompressed point, got ${point.length} bytes`);
  const algorithm = tlv([0x30], concatBytes(OID_EC_PUBLIC_KEY, CURVE_OID_DER[curve]));
  const bits = tlv([0x03], concatBytes(Uint8Array.of(0), point));
  return importPublicKey(tlv([0x30], concatBytes(algorithm, bits)));
}
