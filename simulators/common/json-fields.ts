// ASN.1 objects inside JSON-binding fields (SGP.22 v2.5 §6.5.2; checklist §4.2, §6.1): base64 of the
// complete DER TLV (euiccInfo1 = BF20…, serverSigned1 = 30…, serverSignature1 = 5F37…, euiccCiPKIdToBeUsed
// = 04 14…, as osmo-smdpp and lpac exchange them), except euiccChallenge, which is base64 of the 16 raw bytes.

import { Asn1Error, type Asn1Type, PKIX1Explicit88 as P, RSPDefinitions as R } from '../../src/asn1/index.ts';
import { tlv } from '../../src/asn1/tlv.ts';
import { type JsonObject, b64, field, hexTransactionId } from './json-binding.ts';
import { MalformedRequestError } from './rsp-error.ts';

/** Decodes a base64 DER field as `type`; a decode failure names the field. */
export function asn1Field<T>(o: JsonObject, name: string, type: Asn1Type<T>): T {
  const bytes = field.base64(o, name);
  try {
    return type.decode(bytes);
  } catch (err) {
    if (err instanceof Asn1Error) throw new MalformedRequestError(`${name}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** The value of a single TLV field with the given leading tag bytes (e.g. 5F37 → the signature). */
export function tlvValueField(o: JsonObject, name: string, tag: number[]): Uint8Array {
  const bytes = field.base64(o, name);
  const head = tag.length;
  const ok = bytes.length > head && tag.every((t, i) => bytes[i] === t);
  if (!ok) throw new MalformedRequestError(`${name} must be a ${tag.map((t) => t.toString(16)).join('')} TLV`);
  const len = bytes[head]!;
  const start = len < 0x80 ? head + 1 : head + 1 + (len & 0x7f);
  return bytes.subarray(start);
}

/** 5F37 TLV of a signature value, as serverSignature1 / smdpSignature2 travel in JSON (osmo-smdpp). */
export const signatureTlv = (value: Uint8Array) => tlv([0x5f, 0x37], value);
/** 04 TLV of a SubjectKeyIdentifier, as euiccCiPKIdToBeUsed travels in JSON (osmo-smdpp). */
export const keyIdTlv = (value: Uint8Array) => tlv([0x04], value);

export function challengeField(o: JsonObject, name = 'euiccChallenge'): Uint8Array {
  const c = field.base64(o, name);
  if (c.length !== 16) throw new MalformedRequestError(`${name} must be 16 bytes`);
  return c;
}

/** The JSON fields of an InitiateAuthentication answer, the same for ES9+ and ES11 (SGP.22 v2.5 §6.5.2.6). */
export function initiateAuthenticationFields(ok: R.InitiateAuthenticationOkEs9): JsonObject {
  return {
    transactionId: hexTransactionId(ok.transactionId),
    serverSigned1: b64(R.ServerSigned1.encode(ok.serverSigned1)),
    serverSignature1: b64(signatureTlv(ok.serverSignature1)),
    euiccCiPKIdToBeUsed: b64(keyIdTlv(ok.euiccCiPKIdToBeUsed)),
    serverCertificate: b64(P.Certificate.encode(ok.serverCertificate)),
  };
}
