// Key derivation for the BPP secure channel (BSP, formerly SCP03t).

import { lengthBytes } from '../asn1/tlv.ts';
import { concatBytes } from '../lib/bytes.ts';
import { sha256 } from './engine.ts';

/** ANSI X9.63 KDF with SHA-256 (BSI TR-03111 §4.3.3): K = H(Z ‖ counter32 ‖ sharedInfo) ‖ … truncated to `length`. */
export function x963Kdf(sharedSecret: Uint8Array, sharedInfo: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const counter = new Uint8Array(4);
  for (let i = 1, off = 0; off < length; i++, off += 32) {
    new DataView(counter.buffer).setUint32(0, i);
    out.set(sha256(sharedSecret, counter, sharedInfo).subarray(0, Math.min(32, length - off)), off);
  }
  return out;
}

export interface BspSessionKeys {
  sEnc: Uint8Array;
  sMac: Uint8Array;
  initialMacChainingValue: Uint8Array;
}

/**
 * SGP.22 v2.5 §2.6.4.2 (numbering as in pySim's reference for v3.0): shared info =
 * keyType ‖ keyLength ‖ LV(hostId) ‖ LV(EID); the KDF output is split, in this order, into the
 * initial MAC chaining value, S-ENC and S-MAC, each `keyLength` (16) bytes.
 */
export function deriveBspKeys(sharedSecret: Uint8Array, keyType: number, keyLength: number, hostId: Uint8Array, eid: Uint8Array): BspSessionKeys {
  const sharedInfo = concatBytes(Uint8Array.of(keyType, keyLength), lengthBytes(hostId.length), hostId, lengthBytes(eid.length), eid);
  const k = x963Kdf(sharedSecret, sharedInfo, 3 * keyLength);
  return {
    initialMacChainingValue: k.slice(0, keyLength),
    sEnc: k.slice(keyLength, 2 * keyLength),
    sMac: k.slice(2 * keyLength, 3 * keyLength),
  };
}
