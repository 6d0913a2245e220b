// BER/DER tag-length-value primitives. Decoding accepts the BER forms real IPAs send
// (non-minimal lengths, indefinite lengths on constructed values); encoding is DER only.

import { readTlvHeader } from './runtime.ts';

export const CLASS_UNIVERSAL = 0;
export const CLASS_APPLICATION = 1;
export const CLASS_CONTEXT = 2;
export const CLASS_PRIVATE = 3;

/** Most nested TLVs the decoder follows before giving up (bounds recursion on hostile input). */
export const MAX_DEPTH = 64;

/** A tag (class, number) packed into one number: class * 2^26 + number. The constructed flag is kept apart. */
export function tagKey(cls: number, num: number): number {
  return cls * 0x4000000 + num;
}

/** Result of reading one TLV header. */
export interface TlvHeader {
  /** (class, number) packed by tagKey. */
  key: number;
  constructed: boolean;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the content (for indefinite length, before the end-of-contents octets). */
  contentEnd: number;
  /** Offset just past the whole TLV. */
  end: number;
}

/**
 * Reads a TLV header at `pos`; the TLV must end at or before `limit`. The codec's own header reader does
 * the work (one implementation of the BER rules: non-minimal and indefinite lengths accepted, long-form
 * tags below 31 refused, depth bounded).
 */
export function readHeader(buf: Uint8Array, pos: number, limit: number): TlvHeader {
  return readTlvHeader(buf, pos, limit);
}

/** One TLV in a run of consecutive TLVs. */
export interface TlvPart {
  /** The tag octets as one number, e.g. 0x30, 0xbf36, 0x5f37. */
  tag: number;
  /** The whole TLV. */
  bytes: Uint8Array;
  /** Its content octets. */
  value: Uint8Array;
}

/** The consecutive TLVs in buf[start, end), e.g. the children of a constructed value. */
export function tlvParts(buf: Uint8Array, start = 0, end = buf.length): TlvPart[] {
  const out: TlvPart[] = [];
  for (let p = start; p < end; ) {
    const h = readHeader(buf, p, end);
    let tag = 0;
    for (let i = p; i < h.contentStart && i < p + 4; i++) {
      tag = tag * 256 + buf[i]!;
      if (i > p && !(buf[i]! & 0x80)) break;
      if (i === p && (buf[i]! & 0x1f) !== 0x1f) break;
    }
    out.push({ tag, bytes: buf.subarray(p, h.end), value: buf.subarray(h.contentStart, h.contentEnd) });
    p = h.end;
  }
  return out;
}

/** The identifier octets of a tag in DER. */
export function tagBytes(cls: number, num: number, constructed: boolean): Uint8Array {
  const lead = (cls << 6) | (constructed ? 0x20 : 0);
  if (num < 31) return Uint8Array.of(lead | num);
  const groups: number[] = [];
  let n = num;
  groups.unshift(n & 0x7f);
  n = Math.floor(n / 128);
  while (n > 0) {
    groups.unshift((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  return Uint8Array.from([lead | 0x1f, ...groups]);
}

/** DER length octets. */
export function lengthBytes(len: number): Uint8Array {
  if (len < 0x80) return Uint8Array.of(len);
  const out: number[] = [];
  let n = len;
  while (n > 0) {
    out.unshift(n & 0xff);
    n = Math.floor(n / 256);
  }
  return Uint8Array.from([0x80 | out.length, ...out]);
}

/** Builds a complete DER TLV from tag octets (e.g. `[0x5f, 0x37]`) and content. */
export function tlv(tag: number[] | Uint8Array, content: Uint8Array): Uint8Array {
  const l = lengthBytes(content.length);
  const out = new Uint8Array(tag.length + l.length + content.length);
  out.set(tag, 0);
  out.set(l, tag.length);
  out.set(content, tag.length + l.length);
  return out;
}

/** Human form of a packed tag, e.g. `[APPLICATION 26]` or `[CONTEXT 0]`. */
export function describeTag(key: number): string {
  const cls = Math.floor(key / 0x4000000);
  const num = key % 0x4000000;
  return `[${['UNIVERSAL', 'APPLICATION', 'CONTEXT', 'PRIVATE'][cls]} ${num}]`;
}
