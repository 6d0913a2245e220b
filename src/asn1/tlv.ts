// BER/DER tag-length-value primitives. Decoding accepts the BER forms real IPAs send
// (non-minimal lengths, indefinite lengths on constructed values); encoding is DER only.

import { Asn1Error } from './errors.ts';

export const CLASS_UNIVERSAL = 0;
export const CLASS_APPLICATION = 1;
export const CLASS_CONTEXT = 2;
export const CLASS_PRIVATE = 3;

/** Most nested TLVs the decoder follows before giving up (bounds recursion on hostile input). */
export const MAX_DEPTH = 64;

/** Largest tag number accepted (fits comfortably in a JS number; SGP tags stay below 128). */
const MAX_TAG_NUMBER = 0x1fffff;

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
 * Reads a TLV header at `pos`; the TLV must end at or before `limit`.
 * Indefinite lengths are resolved by walking the nested TLVs up to the end-of-contents marker.
 */
export function readHeader(buf: Uint8Array, pos: number, limit: number, depth = 0): TlvHeader {
  if (pos >= limit) throw new Asn1Error('ERR_ASN1_TRUNCATED', 'expected a tag, found the end of the input', pos);
  const first = buf[pos]!;
  const cls = first >> 6;
  const constructed = (first & 0x20) !== 0;
  let num = first & 0x1f;
  let p = pos + 1;
  if (num === 0x1f) {
    num = 0;
    let b: number;
    let count = 0;
    do {
      if (p >= limit) throw new Asn1Error('ERR_ASN1_TRUNCATED', 'tag runs past the end of the input', pos);
      b = buf[p++]!;
      if (count === 0 && b === 0x80) throw new Asn1Error('ERR_ASN1_TAG', 'tag number has a leading zero group', pos);
      num = num * 128 + (b & 0x7f);
      if (num > MAX_TAG_NUMBER) throw new Asn1Error('ERR_ASN1_TAG', 'tag number too large', pos);
      count++;
    } while (b & 0x80);
  }
  if (p >= limit) throw new Asn1Error('ERR_ASN1_TRUNCATED', 'expected a length, found the end of the input', p);
  let len = buf[p++]!;
  if (len === 0x80) {
    if (!constructed) throw new Asn1Error('ERR_ASN1_LENGTH', 'indefinite length on a primitive value', p - 1);
    if (depth >= MAX_DEPTH) throw new Asn1Error('ERR_ASN1_DEPTH', `nesting deeper than ${MAX_DEPTH}`, pos);
    let q = p;
    for (;;) {
      if (q + 1 < limit && buf[q] === 0 && buf[q + 1] === 0) break;
      if (q >= limit) throw new Asn1Error('ERR_ASN1_TRUNCATED', 'indefinite length without end-of-contents', pos);
      q = readHeader(buf, q, limit, depth + 1).end;
    }
    return { key: tagKey(cls, num), constructed, contentStart: p, contentEnd: q, end: q + 2 };
  }
  if (len > 0x80) {
    const n = len & 0x7f;
    if (n > 4) throw new Asn1Error('ERR_ASN1_LENGTH', `length field of ${n} bytes is too long`, p - 1);
    if (p + n > limit) throw new Asn1Error('ERR_ASN1_TRUNCATED', 'length field runs past the end of the input', p - 1);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p++]!;
  } else if (len === 0xff) {
    throw new Asn1Error('ERR_ASN1_LENGTH', 'reserved length octet 0xff', p - 1);
  }
  const end = p + len;
  if (end > limit) throw new Asn1Error('ERR_ASN1_TRUNCATED', `length ${len} runs past the end of the enclosing value`, pos);
  return { key: tagKey(cls, num), constructed, contentStart: p, contentEnd: end, end };
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
