// ECDSA signature encodings. SGP.22/SGP.32 carry signatures in 5F37 as plain r‖s, 32+32 bytes,
// left-padded (BSI TR-03111 §5.2.1; SGP.22 v2.5 §2.6.5, checklist §3.1); X.509 and OpenSSL use
// DER SEQUENCE { INTEGER r, INTEGER s } (RFC 5480 / X9.62).

import { readHeader, tlv } from '../asn1/tlv.ts';
import { CryptoError } from './errors.ts';

/** Size of r and s for the 256-bit curves we support. */
export const SCALAR_BYTES = 32;

function derInteger(unsigned: Uint8Array): Uint8Array {
  let i = 0;
  while (i < unsigned.length - 1 && unsigned[i] === 0) i++;
  const v = unsigned.subarray(i);
  return tlv([0x02], v[0]! & 0x80 ? Uint8Array.from([0, ...v]) : v);
}

/** Plain r‖s (64 bytes) → DER SEQUENCE {r, s}. */
export function rawToDer(raw: Uint8Array): Uint8Array {
  if (raw.length !== 2 * SCALAR_BYTES) throw new CryptoError('ERR_SIGNATURE_FORMAT', `plain signature must be ${2 * SCALAR_BYTES} bytes, got ${raw.length}`);
  const r = derInteger(raw.subarray(0, SCALAR_BYTES));
  const s = derInteger(raw.subarray(SCALAR_BYTES));
  const body = new Uint8Array(r.length + s.length);
  body.set(r);
  body.set(s, r.length);
  return tlv([0x30], body);
}

function readScalar(der: Uint8Array, pos: number, limit: number, out: Uint8Array, at: number): number {
  const h = readHeader(der, pos, limit);
  if (der[pos] !== 0x02) throw new CryptoError('ERR_SIGNATURE_FORMAT', 'expected INTEGER in ECDSA signature');
  let v = der.subarray(h.contentStart, h.contentEnd);
  if (v.length === 0 || v[0]! & 0x80) throw new CryptoError('ERR_SIGNATURE_FORMAT', 'r or s is empty or negative');
  while (v.length > 1 && v[0] === 0) v = v.subarray(1);
  if (v.length > SCALAR_BYTES) throw new CryptoError('ERR_SIGNATURE_FORMAT', `r or s longer than ${SCALAR_BYTES} bytes`);
  out.set(v, at + SCALAR_BYTES - v.length);
  return h.end;
}

/** DER SEQUENCE {r, s} → plain r‖s (64 bytes, each half left-padded with zeros). */
export function derToRaw(der: Uint8Array): Uint8Array {
  try {
    const seq = readHeader(der, 0, der.length);
    if (der[0] !== 0x30 || seq.end !== der.length) throw new CryptoError('ERR_SIGNATURE_FORMAT', 'not a single DER SEQUENCE');
    const out = new Uint8Array(2 * SCALAR_BYTES);
    let p = readScalar(der, seq.contentStart, seq.contentEnd, out, 0);
    p = readScalar(der, p, seq.contentEnd, out, SCALAR_BYTES);
    if (p !== seq.contentEnd) throw new CryptoError('ERR_SIGNATURE_FORMAT', 'trailing bytes inside the signature SEQUENCE');
    return out;
  } catch (err) {
    if (err instanceof CryptoError) throw err;
    throw new CryptoError('ERR_SIGNATURE_FORMAT', `malformed DER signature: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Accepts a received signature in either form and returns r‖s. The plain form is what the specs
 * require; DER is accepted as a fallback because some eUICCs emit it (checklist §3.4, OR log).
 */
export function normaliseSignature(sig: Uint8Array): Uint8Array {
  if (sig.length === 2 * SCALAR_BYTES) return sig;
  if (sig[0] === 0x30) return derToRaw(sig);
  throw new CryptoError('ERR_SIGNATURE_FORMAT', `signature of ${sig.length} bytes is neither r||s nor DER`);
}
