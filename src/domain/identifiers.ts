// EIDs and ICCIDs: their text forms and the bytes that travel.
import { fromHex, toHex } from '../lib/bytes.ts';
import { invalid } from './errors.ts';

/** An EID as text: 32 decimal digits (GSMA SGP.29; the 16 bytes in hex). */
export type Eid = string;

const EID_TEXT = /^[0-9]{32}$/;

/** GSMA SGP.29 §2: the last two digits make the 32-digit number equal 1 modulo 97. */
export function eidCheckDigitsValid(eid: Eid): boolean {
  let r = 0;
  for (let i = 0; i < eid.length; i++) r = (r * 10 + (eid.charCodeAt(i) - 48)) % 97;
  return r === 1;
}

/** Parses an EID given as text; throws ERR_VALIDATION naming `field`. */
export function parseEid(text: unknown, field = 'eid'): Eid {
  if (typeof text !== 'string' || !EID_TEXT.test(text)) throw invalid(field, 'an EID is 32 decimal digits');
  if (!eidCheckDigitsValid(text)) throw invalid(field, 'the EID check digits are wrong (GSMA SGP.29)');
  return text;
}

/** The EID of the 16 bytes of an eidValue, or undefined when they are not a well-formed EID. */
export function eidFromBytes(bytes: Uint8Array): Eid | undefined {
  if (bytes.length !== 16) return undefined;
  const text = toHex(bytes);
  return EID_TEXT.test(text) && eidCheckDigitsValid(text) ? text : undefined;
}

export function eidToBytes(eid: Eid): Uint8Array {
  return fromHex(eid);
}

/** An ICCID as text: 18 to 20 digits (ITU-T E.118), possibly ending in F padding removed. */
export type Iccid = string;

/** ICCID text -> the 10 bytes of SGP.22 `Iccid` (nibble-swapped BCD, padded with F). */
export function iccidToBytes(iccid: Iccid, field = 'iccid'): Uint8Array {
  if (typeof iccid !== 'string' || !/^[0-9]{18,20}$/.test(iccid)) throw invalid(field, 'an ICCID is 18 to 20 digits');
  const padded = iccid.padEnd(20, 'f');
  const out = new Uint8Array(10);
  for (let i = 0; i < 10; i++) out[i] = parseInt(padded[2 * i + 1]! + padded[2 * i]!, 16);
  return out;
}

/** The 10 bytes of an SGP.22 `Iccid` -> ICCID text (trailing F padding dropped). */
export function iccidFromBytes(bytes: Uint8Array): Iccid {
  let s = '';
  for (const b of bytes) s += (b & 0x0f).toString(16) + (b >> 4).toString(16);
  return s.replace(/f+$/, '');
}
