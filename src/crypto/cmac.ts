// AES-CMAC (NIST SP 800-38B, RFC 4493), computed as the last block of AES-CBC with a zero IV over
// the message whose final block is XORed with subkey K1 (complete block) or padded and XORed with K2.

import { aesCbcEncrypt } from './engine.ts';

const ZERO = new Uint8Array(16);

function double(block: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = ((block[i]! << 1) | (i < 15 ? block[i + 1]! >> 7 : 0)) & 0xff;
  if (block[0]! & 0x80) out[15] ^= 0x87;
  return out;
}

export function aesCmac(key: Uint8Array, message: Uint8Array): Uint8Array {
  const k1 = double(aesCbcEncrypt(key, ZERO, ZERO));
  const blocks = Math.max(1, Math.ceil(message.length / 16));
  const complete = message.length > 0 && message.length % 16 === 0;
  const padded = new Uint8Array(blocks * 16);
  padded.set(message);
  if (!complete) padded[message.length] = 0x80;
  const sub = complete ? k1 : double(k1);
  const last = (blocks - 1) * 16;
  for (let i = 0; i < 16; i++) padded[last + i] ^= sub[i]!;
  return aesCbcEncrypt(key, ZERO, padded).slice(last, last + 16);
}
