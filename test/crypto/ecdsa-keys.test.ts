import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { derToRaw, normaliseSignature, rawToDer } from '../../src/crypto/ecdsa.ts';
import { CURVES, ecdsaVerify, exportPkcs8, generateKeyPair } from '../../src/crypto/engine.ts';
import { CryptoError } from '../../src/crypto/errors.ts';
import { loadPrivateKey, loadPublicKey, pemEncode, publicKeyFromPoint } from '../../src/crypto/keys.ts';
import { FileKeySigner } from '../../src/crypto/signer.ts';
import { fromHex, toHex } from '../../src/lib/bytes.ts';
import { openssl, tempDir, writeBytes } from './helpers.ts';

const tmp = tempDir();
afterAll(tmp.cleanup);
const OPENSSL_CURVE = { 'P-256': 'prime256v1', brainpoolP256r1: 'brainpoolP256r1' } as const;
const data = new TextEncoder().encode('SGP.32 v1.2 eimSignature test data');

describe('r||s <-> DER', () => {
  it('adds a 00 before a high bit and strips leading zeros (X9.62 INTEGER rules)', () => {
    const raw = fromHex('00'.repeat(31) + '01' + 'ff'.repeat(32));
    const der = rawToDer(raw);
    expect(toHex(der)).toBe('3026020101022100' + 'ff'.repeat(32));
    expect(toHex(derToRaw(der))).toBe(toHex(raw));
  });
  it('left-pads short integers back to 32 bytes', () => {
    const der = fromHex('3006020105020107');
    expect(toHex(derToRaw(der))).toBe('00'.repeat(31) + '05' + '00'.repeat(31) + '07');
  });
  it('rejects malformed encodings with ERR_SIGNATURE_FORMAT', () => {
    for (const bad of ['3006020105', '30060201050201', '300702010502010700', '3023022100' + 'ff'.repeat(33), '3006020185020107']) {
      expect(() => derToRaw(fromHex(bad)), bad).toThrowError(expect.objectContaining({ code: 'ERR_SIGNATURE_FORMAT' }) as Error);
    }
    expect(() => rawToDer(new Uint8Array(63))).toThrow(CryptoError);
    expect(() => normaliseSignature(new Uint8Array(10))).toThrow(CryptoError);
  });
});

describe.each(CURVES)('ECDSA on %s', (curve) => {
  const key = generateKeyPair(curve);
  const signer = new FileKeySigner(key);
  const pubPem = join(tmp.dir, `${curve}.pub.pem`);
  writeBytes(pubPem, pemEncode('PUBLIC KEY', key.publicKey.spki));

  it('our r||s signature verifies with openssl after r||s → DER', async () => {
    const sig = await signer.sign(data);
    expect(sig.length).toBe(64);
    const f = writeBytes(join(tmp.dir, `${curve}.data`), data);
    const s = writeBytes(join(tmp.dir, `${curve}.sig`), rawToDer(sig));
    expect(openssl(['dgst', '-sha256', '-verify', pubPem, '-signature', s, f]).out).toContain('Verified OK');
    sig[5] ^= 1;
    writeBytes(s, rawToDer(sig));
    expect(openssl(['dgst', '-sha256', '-verify', pubPem, '-signature', s, f]).ok).toBe(false);
  });

  it('an openssl signature verifies with our layer after DER → r||s', () => {
    const keyPem = writeBytes(join(tmp.dir, `${curve}.key.pem`), pemEncode('PRIVATE KEY', exportPkcs8(key)));
    const f = writeBytes(join(tmp.dir, `${curve}.data2`), data);
    const s = join(tmp.dir, `${curve}.sig2`);
    expect(openssl(['dgst', '-sha256', '-sign', keyPem, '-out', s, f]).ok).toBe(true);
    const raw = derToRaw(new Uint8Array(readFileSync(s)));
    expect(ecdsaVerify(key.publicKey, data, raw)).toBe(true);
    expect(ecdsaVerify(key.publicKey, data.subarray(1), raw)).toBe(false);
  });

  it('loads SEC1 and PKCS#8 PEM written by openssl, and SPKI / bare points', () => {
    const sec1 = join(tmp.dir, `${curve}.sec1.pem`);
    const p8 = join(tmp.dir, `${curve}.p8.pem`);
    const spki = join(tmp.dir, `${curve}.spki.pem`);
    expect(openssl(['ecparam', '-name', OPENSSL_CURVE[curve], '-genkey', '-noout', '-out', sec1]).ok).toBe(true);
    expect(openssl(['pkcs8', '-topk8', '-nocrypt', '-in', sec1, '-out', p8]).ok).toBe(true);
    expect(openssl(['ec', '-in', sec1, '-pubout', '-out', spki]).ok).toBe(true);
    const a = loadPrivateKey(readFileSync(sec1, 'utf8'));
    const b = loadPrivateKey(readFileSync(p8, 'utf8'));
    const c = loadPublicKey(readFileSync(spki, 'utf8'));
    expect(a.curve).toBe(curve);
    expect(toHex(b.publicKey.point)).toBe(toHex(a.publicKey.point));
    expect(toHex(c.point)).toBe(toHex(a.publicKey.point));
    expect(toHex(publicKeyFromPoint(curve, c.point).spki)).toBe(toHex(c.spki));
    expect(toHex(loadPrivateKey(exportPkcs8(a)).publicKey.point)).toBe(toHex(a.publicKey.point));
  });
});

describe('key errors', () => {
  it('ERR_KEY_FORMAT for text that is not a key, ERR_KEY_CURVE for P-384', () => {
    expect(() => loadPrivateKey('hello')).toThrowError(expect.objectContaining({ code: 'ERR_KEY_FORMAT' }) as Error);
    expect(() => loadPublicKey(new Uint8Array([0x30, 0x00]))).toThrowError(expect.objectContaining({ code: 'ERR_KEY_FORMAT' }) as Error);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => loadPrivateKey(p384)).toThrowError(expect.objectContaining({ code: 'ERR_KEY_CURVE' }) as Error);
    expect(() => publicKeyFromPoint('P-256', new Uint8Array(64))).toThrowError(expect.objectContaining({ code: 'ERR_KEY_FORMAT' }) as Error);
  });
});
