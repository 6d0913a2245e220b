// The BPP protection protocol (BSP; "SCP03t" in SGP.22 v2.x): AES-128 encryption and C-MAC with
// MAC chaining over TLV segments, keyed by ECKA-DH + X9.63 KDF. This file holds the per-segment
// channel; bound-profile-package.ts assembles and opens whole BoundProfilePackages.

import { lengthBytes, readHeader } from '../asn1/tlv.ts';
import { bytesEqual, concatBytes } from '../lib/bytes.ts';
import { aesCmac } from './cmac.ts';
import { aesCbcDecrypt, aesCbcEncrypt } from './engine.ts';
import { CryptoError } from './errors.ts';
import type { BspSessionKeys } from './kdf.ts';

/** SGP.22 v2.5 §2.5.3 (v3.0 numbering per pySim): a segment is at most 1020 bytes including tag, length and MAC. */
export const MAX_SEGMENT_SIZE = 1020;
/** SGP.22 v2.5 §2.6.4.4: the C-MAC sent is the 8 most significant bytes of the full AES-CMAC. */
export const MAC_LENGTH = 8;
const BLOCK = 16;
/** Largest length octets a segment can need: 82 xx xx. */
const HEADER_MAX = 1 + 3;
/** Largest plaintext of a MAC-only segment: 1020 - tag/length - MAC. */
export const MAX_MAC_ONLY_PAYLOAD = MAX_SEGMENT_SIZE - HEADER_MAX - MAC_LENGTH; // 1008
/** Largest plaintext of an encrypted segment: padding adds 1..16 bytes and the result must fit 1008. */
export const MAX_ENCRYPTED_PAYLOAD = Math.floor(MAX_MAC_ONLY_PAYLOAD / BLOCK) * BLOCK - 1; // 1007

const ZERO_IV = new Uint8Array(BLOCK);

/** SGP.22 v2.5 §2.6.4.4: pad with 80 then 00 to a multiple of 16 (always at least one byte). */
function pad(data: Uint8Array): Uint8Array {
  const out = new Uint8Array((Math.floor(data.length / BLOCK) + 1) * BLOCK);
  out.set(data);
  out[data.length] = 0x80;
  return out;
}

function unpad(data: Uint8Array): Uint8Array {
  let i = data.length - 1;
  while (i >= 0 && data.length - i <= BLOCK && data[i] === 0) i--;
  if (i < 0 || data[i] !== 0x80 || data.length - i > BLOCK) throw new CryptoError('ERR_BSP_PADDING', 'decrypted segment does not end in 80 00.. padding');
  return data.subarray(0, i);
}

/**
 * One direction of a BSP session. Both sides keep the same state: the MAC chaining value (the full
 * 16-byte CMAC of the previous segment) and the block counter used for the ICV, which advances for
 * every segment, MAC-only ones included (SGP.22 v2.5 §2.6.4.4; matches pySim's third-party vectors).
 */
export class BspChannel {
  readonly #sEnc: Uint8Array;
  readonly #sMac: Uint8Array;
  #macChain: Uint8Array;
  #blockCounter = 1;

  constructor(keys: BspSessionKeys) {
    this.#sEnc = keys.sEnc;
    this.#sMac = keys.sMac;
    this.#macChain = keys.initialMacChainingValue;
  }

  /** ICV = AES(S-ENC, block counter as a 16-byte big-endian number). */
  #nextIcv(): Uint8Array {
    const block = new Uint8Array(BLOCK);
    new DataView(block.buffer).setUint32(BLOCK - 4, this.#blockCounter++);
    return aesCbcEncrypt(this.#sEnc, ZERO_IV, block);
  }

  /** C-MAC over MAC chain ‖ tag ‖ final length ‖ data; updates the chain with the full CMAC. */
  #mac(header: Uint8Array, data: Uint8Array): Uint8Array {
    const full = aesCmac(this.#sMac, concatBytes(this.#macChain, header, data));
    this.#macChain = full;
    return full.subarray(0, MAC_LENGTH);
  }

  /** Builds one segment `tag L [encrypted] data C-MAC`. */
  protectSegment(tag: number, plaintext: Uint8Array, encrypt: boolean): Uint8Array {
    const limit = encrypt ? MAX_ENCRYPTED_PAYLOAD : MAX_MAC_ONLY_PAYLOAD;
    if (plaintext.length > limit) throw new CryptoError('ERR_BSP_SEGMENT', `segment payload of ${plaintext.length} bytes exceeds ${limit}`);
    const body = encrypt ? aesCbcEncrypt(this.#sEnc, this.#nextIcv(), pad(plaintext)) : plaintext;
    if (!encrypt) this.#blockCounter++;
    const header = concatBytes(Uint8Array.of(tag), lengthBytes(body.length + MAC_LENGTH));
    return concatBytes(header, body, this.#mac(header, body));
  }

  /** Splits `data` into as few segments as the 1020-byte limit allows. */
  protect(tag: number, data: Uint8Array, encrypt: boolean): Uint8Array[] {
    const limit = encrypt ? MAX_ENCRYPTED_PAYLOAD : MAX_MAC_ONLY_PAYLOAD;
    const out: Uint8Array[] = [];
    for (let off = 0; off < data.length || out.length === 0; off += limit) out.push(this.protectSegment(tag, data.subarray(off, off + limit), encrypt));
    return out;
  }

  /** Checks the C-MAC of one received segment and returns its plaintext (decrypted when `encrypted`). */
  openSegment(segment: Uint8Array, expectedTag: number, encrypted: boolean): Uint8Array {
    if (segment.length > MAX_SEGMENT_SIZE) throw new CryptoError('ERR_BSP_SEGMENT', `segment of ${segment.length} bytes exceeds ${MAX_SEGMENT_SIZE}`);
    if (segment[0] !== expectedTag) throw new CryptoError('ERR_BSP_SEGMENT', `expected tag ${expectedTag.toString(16)}, got ${segment[0]?.toString(16)}`);
    const h = readHeader(segment, 0, segment.length);
    if (h.end !== segment.length || h.contentEnd - h.contentStart < MAC_LENGTH) throw new CryptoError('ERR_BSP_SEGMENT', 'segment is not one TLV ending in a C-MAC');
    const header = segment.subarray(0, h.contentStart);
    const body = segment.subarray(h.contentStart, h.contentEnd - MAC_LENGTH);
    const mac = segment.subarray(h.contentEnd - MAC_LENGTH, h.contentEnd);
    if (!bytesEqual(this.#mac(header, body), mac)) throw new CryptoError('ERR_BSP_MAC', `C-MAC mismatch on a ${expectedTag.toString(16)} segment`);
    if (!encrypted) {
      this.#blockCounter++;
      return body;
    }
    if (body.length === 0 || body.length % BLOCK !== 0) throw new CryptoError('ERR_BSP_PADDING', 'encrypted segment is not a whole number of blocks');
    return unpad(aesCbcDecrypt(this.#sEnc, this.#nextIcv(), body));
  }

  /** Opens a run of segments and concatenates their plaintext. */
  open(segments: Uint8Array[], expectedTag: number, encrypted: boolean): Uint8Array {
    return concatBytes(...segments.map((s) => this.openSegment(s, expectedTag, encrypted)));
  }
}
