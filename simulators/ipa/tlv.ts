// Splicing TLVs: the IPA forwards what the eUICC and the servers produced byte for byte (SGP.32 v1.2
// §3.x: signatures cover the bytes as produced; checklist §1.3), so messages are assembled from received
// TLVs rather than decoded and re-encoded.

import { readHeader, tlv } from '../../src/asn1/tlv.ts';

export interface Child {
  /** The tag octets as lowercase hex ('5f37', 'a0', '30'). */
  tag: string;
  /** The whole TLV. */
  tlv: Uint8Array;
  /** The content octets. */
  value: Uint8Array;
}

function tagLength(buf: Uint8Array, pos: number): number {
  if ((buf[pos]! & 0x1f) !== 0x1f) return 1;
  let n = 1;
  while (buf[pos + n]! & 0x80) n++;
  return n + 1;
}

function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The outer tag of a TLV, as hex. */
export function tagOf(bytes: Uint8Array): string {
  return hexOf(bytes.subarray(0, tagLength(bytes, 0)));
}

/** The content octets of one TLV. */
export function contentOf(bytes: Uint8Array): Uint8Array {
  const h = readHeader(bytes, 0, bytes.length);
  return bytes.subarray(h.contentStart, h.contentEnd);
}

/** The TLVs inside one constructed TLV, in order. */
export function children(bytes: Uint8Array): Child[] {
  const outer = readHeader(bytes, 0, bytes.length);
  const out: Child[] = [];
  for (let p = outer.contentStart; p < outer.contentEnd; ) {
    const h = readHeader(bytes, p, outer.contentEnd);
    out.push({ tag: hexOf(bytes.subarray(p, p + tagLength(bytes, p))), tlv: bytes.subarray(p, h.end), value: bytes.subarray(h.contentStart, h.contentEnd) });
    p = h.end;
  }
  return out;
}

/** The first child with this tag (or the n-th, 0-based). */
export function child(bytes: Uint8Array, tag: string, nth = 0): Child | undefined {
  return children(bytes).filter((c) => c.tag === tag)[nth];
}

/** The same content under another tag (e.g. the eUICC's BF41 as A1 inside CancelSessionRequestEsipa). */
export function retag(bytes: Uint8Array, tag: number[]): Uint8Array {
  return tlv(tag, contentOf(bytes));
}

export { tlv };
