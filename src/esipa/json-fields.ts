// Field encodings of the ESipa JSON binding (SGP.32 v1.2 §6.4.1; checklist §5.2). Sources: IX
// `esipa_json.c` (an IPA), TT `esipa_Types_JSON.ttcn` (osmocom's eIM/IPA test suite), OR `gsma_json.go` (an eIM).
//
// - an ASN.1 object is base64 of its complete DER TLV (`euiccPackageRequest` = base64 of BF51 ...). On input it
//   is decoded with the codec from those bytes, so signed sub-structures keep the bytes the eUICC signed.
// - TransactionId (transactionId, eimTransactionId): hex, upper case on output; either case accepted.
// - eidValue: 32 hex digits (IX writes "32 decimal digits", OR and TT parse hex; an EID's nibbles are
//   decimal digits, so both read the same).
// - a primitive OCTET STRING carried for its value (euiccChallenge; on output serverSignature1,
//   smdpSignature2, euiccCiPKIdentifierToBeUsed, hashCc): base64 of the value only, no tag or length.
// - strings (smdpAddress, matchingId) and integers (stateChangeCause, eimPackageError) as JSON values.
//
// Every check that fails names the field: `field transactionId: ...` with HTTP 400.
import { type Asn1Type, Asn1Error, rawBytes } from '../asn1/index.ts';
import { fromBase64, fromHex, toBase64, toHex } from '../lib/bytes.ts';
import { EidError, INVALID_EID, MISSING_EID } from './eid-errors.ts';
import { RequestError } from './errors.ts';

export type JsonObject = Record<string, unknown>;

function bad(name: string, problem: string): RequestError {
  return new RequestError(400, `field ${name}: ${problem}`);
}

/** The request body: one JSON object. A SyntaxError escapes to the error mapper as 400. */
export function parseJsonObject(body: Uint8Array): JsonObject {
  if (body.length === 0) throw new RequestError(400, 'empty body: expected a JSON object');
  const value: unknown = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.length).toString('utf8'));
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new RequestError(400, 'the body is not a JSON object');
  return value as JsonObject;
}

function stringField(obj: JsonObject, name: string, required: boolean): string | undefined {
  const v = obj[name];
  if (v === undefined || v === null) {
    if (required) throw bad(name, 'missing');
    return undefined;
  }
  if (typeof v !== 'string') throw bad(name, `expected a string, got ${typeof v}`);
  return v;
}

export function requiredString(obj: JsonObject, name: string): string {
  return stringField(obj, name, true)!;
}

export function optionalString(obj: JsonObject, name: string): string | undefined {
  return stringField(obj, name, false);
}

const HEX = /^(?:[0-9A-Fa-f]{2})+$/;

function hexBytes(name: string, text: string, min: number, max: number): Uint8Array {
  if (!HEX.test(text)) throw bad(name, 'expected an even number of hex digits');
  const bytes = fromHex(text);
  if (bytes.length < min || bytes.length > max) throw bad(name, `expected ${min === max ? min : `${min} to ${max}`} bytes, got ${bytes.length}`);
  return bytes;
}

/** TransactionId ::= OCTET STRING (SIZE(1..16)) (SGP.22 v2.5 §2.5.3), as hex. */
export function transactionIdIn(obj: JsonObject, name: string, required: true): Uint8Array;
export function transactionIdIn(obj: JsonObject, name: string, required: false): Uint8Array | undefined;
export function transactionIdIn(obj: JsonObject, name: string, required: boolean): Uint8Array | undefined {
  const text = stringField(obj, name, required);
  return text === undefined ? undefined : hexBytes(name, text, 1, 16);
}

export function hexIn(obj: JsonObject, name: string, size: number): Uint8Array | undefined {
  const text = stringField(obj, name, false);
  return text === undefined ? undefined : hexBytes(name, text, size, size);
}

/**
 * eidValue: 16 bytes as 32 hex digits. Problems are EidErrors: the bindings answer them with the function's
 * missingEid / invalidEid code (eid-errors.ts).
 */
export function eidIn(obj: JsonObject, name: string, required: boolean): Uint8Array | undefined {
  const v = obj[name];
  if (v === undefined || v === null) {
    if (required) throw new EidError(MISSING_EID, `field ${name}: missing`);
    return undefined;
  }
  if (typeof v !== 'string' || !/^[0-9A-Fa-f]{32}$/.test(v)) throw new EidError(INVALID_EID, `field ${name}: expected 32 hex digits`);
  return fromHex(v);
}

function base64Bytes(name: string, text: string): Uint8Array {
  try {
    return fromBase64(text);
  } catch (err) {
    throw bad(name, `not base64 (${(err as Error).message})`);
  }
}

/** The bytes of a required base64 member, not yet decoded as ASN.1. */
export function base64BytesIn(obj: JsonObject, name: string): Uint8Array {
  const bytes = base64Bytes(name, requiredString(obj, name));
  if (bytes.length === 0) throw bad(name, 'empty');
  return bytes;
}

/** A primitive value carried as base64 of its bytes (euiccChallenge: 16 raw bytes). */
export function base64ValueIn(obj: JsonObject, name: string, size: number): Uint8Array {
  const bytes = base64Bytes(name, requiredString(obj, name));
  if (bytes.length !== size) throw bad(name, `expected ${size} bytes, got ${bytes.length}`);
  return bytes;
}

/** An ASN.1 object carried as base64 of its DER TLV, decoded with the codec (raw bytes kept). */
export function tlvIn<T>(obj: JsonObject, name: string, type: Asn1Type<T>, required: true): T;
export function tlvIn<T>(obj: JsonObject, name: string, type: Asn1Type<T>, required: false): T | undefined;
export function tlvIn<T>(obj: JsonObject, name: string, type: Asn1Type<T>, required: boolean): T | undefined {
  const text = stringField(obj, name, required);
  return text === undefined ? undefined : decodeTlv(name, base64Bytes(name, text), type);
}

export function decodeTlv<T>(name: string, bytes: Uint8Array, type: Asn1Type<T>): T {
  if (bytes.length === 0) throw bad(name, `empty: expected a ${type.name} TLV`);
  try {
    return type.decode(bytes);
  } catch (err) {
    if (err instanceof Asn1Error) throw bad(name, err.message);
    throw err;
  }
}

export function booleanIn(obj: JsonObject, name: string): boolean | undefined {
  const v = obj[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw bad(name, `expected true or false, got ${typeof v}`);
  return v;
}

export function integerIn(obj: JsonObject, name: string): number | undefined {
  const v = obj[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw bad(name, 'expected an integer');
  return v;
}

// ---- output

export function transactionIdOut(bytes: Uint8Array): string {
  return toHex(bytes).toUpperCase();
}

export function base64ValueOut(bytes: Uint8Array): string {
  return toBase64(bytes);
}

/**
 * base64 of the object's DER TLV. A value decoded from received bytes (an SM-DP+'s serverSigned1,
 * smdpSigned2, ...) is sent as received: the eUICC verifies the signature over exactly those bytes.
 */
export function tlvOut<T>(type: Asn1Type<T>, value: T): string {
  return toBase64(rawBytes(value) ?? type.encode(value));
}
