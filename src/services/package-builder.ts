// Builds the eIM packages exactly as they leave (SGP.32 v1.2 §2.11): the GetEimPackageResponse
// alternative TLV (BF51 / BF52 / BF54), stored verbatim so a re-delivery is byte-identical.
import { SGP32Definitions as S } from '../asn1/index.ts';
import { lengthBytes, tlv } from '../asn1/tlv.ts';
import { eimSignature, type AssociationToken } from '../crypto/signatures.ts';
import type { Signer } from '../crypto/signer.ts';
import { bytesEqual, fromHex } from '../lib/bytes.ts';
import { euiccPackageValue, type OrderRequest } from '../domain/operations.ts';

/** SGP.32 v1.2 §3.2: the largest counterValue an eUICC accepts. */
export const MAX_COUNTER_VALUE = 0x7fffff;

export interface EuiccPackageInput {
  eimId: string;
  eid: Uint8Array;
  counterValue: number;
  eimTransactionId: Uint8Array;
  request: OrderRequest;
  associationToken?: AssociationToken;
  signer: Signer;
}

/**
 * EuiccPackageRequest (BF51): DER(euiccPackageSigned) and eimSignature over it followed by the
 * association token TLV, `84 01 00` when none is configured (SGP.32 v1.2 §2.11.1, §3.1).
 */
export async function buildEuiccPackageRequest(input: EuiccPackageInput): Promise<Uint8Array> {
  const signed = S.EuiccPackageSigned.encode({
    eimId: input.eimId,
    eidValue: input.eid,
    counterValue: input.counterValue,
    eimTransactionId: input.eimTransactionId,
    euiccPackage: euiccPackageValue(input.request),
  });
  const signature = await eimSignature.sign(input.signer, signed, input.associationToken);
  return euiccPackageRequestTlv(signed, signature);
}

/**
 * DER(euiccPackageSigned) for one request sent to many eUICCs: the eimId and euiccPackage TLVs are encoded
 * once and only the EID, counterValue and eimTransactionId change (a bulk order builds a million of them).
 * Checked once against the codec's encoding, so the bytes are exactly what buildEuiccPackageRequest signs.
 */
export function euiccPackageSignedEncoder(eimId: string, request: OrderRequest): (eid: Uint8Array, counterValue: number, eimTransactionId: Uint8Array) => Uint8Array {
  const eimIdTlv = tlv([0x80], new TextEncoder().encode(eimId));
  const euiccPackage = S.EuiccPackage.encode(euiccPackageValue(request));
  // One allocation per package: the fixed TLVs copied in, the EID, counter and transaction id written between them.
  const encode = (eid: Uint8Array, counterValue: number, eimTransactionId: Uint8Array): Uint8Array => {
    if (eid.length > 127 || eimTransactionId.length > 127) throw new RangeError('eidValue and eimTransactionId are short OCTET STRINGs');
    const counterLength = counterValue < 0x80 ? 1 : counterValue < 0x8000 ? 2 : counterValue < 0x800000 ? 3 : 4;
    const content = eimIdTlv.length + 2 + eid.length + 2 + counterLength + 2 + eimTransactionId.length + euiccPackage.length;
    const header = lengthBytes(content);
    const out = new Uint8Array(1 + header.length + content);
    let o = 0;
    out[o++] = 0x30;
    out.set(header, o);
    o += header.length;
    out.set(eimIdTlv, o);
    o += eimIdTlv.length;
    out[o++] = 0x5a;
    out[o++] = eid.length;
    out.set(eid, o);
    o += eid.length;
    out[o++] = 0x81;
    out[o++] = counterLength;
    for (let i = counterLength - 1; i >= 0; i--) out[o++] = Math.floor(counterValue / 256 ** i) & 0xff;
    out[o++] = 0x82;
    out[o++] = eimTransactionId.length;
    out.set(eimTransactionId, o);
    o += eimTransactionId.length;
    out.set(euiccPackage, o);
    return out;
  };
  // Checked against the codec: around each length boundary of the counter, and with its top bit set.
  for (const counterValue of [0, 0x7f, 0x80, 0x7fff, 0x8000, 0x7fffff]) {
    const sample = { eimId, eidValue: new Uint8Array(16).fill(0x89), counterValue, eimTransactionId: new Uint8Array(16).fill(0xa5), euiccPackage: euiccPackageValue(request) };
    if (!bytesEqual(encode(sample.eidValue, sample.counterValue, sample.eimTransactionId), S.EuiccPackageSigned.encode(sample))) {
      throw new TypeError('euiccPackageSignedEncoder disagrees with the codec');
    }
  }
  return encode;
}

/** EuiccPackageRequest (BF51) from DER(euiccPackageSigned) and its 64-byte eimSignature. */
export function euiccPackageRequestTlv(euiccPackageSigned: Uint8Array, signature: Uint8Array): Uint8Array {
  if (signature.length > 127) throw new RangeError('eimSignature is 64 bytes');
  const content = euiccPackageSigned.length + 3 + signature.length;
  const header = lengthBytes(content);
  const out = new Uint8Array(2 + header.length + content);
  out[0] = 0xbf;
  out[1] = 0x51;
  out.set(header, 2);
  let o = 2 + header.length;
  out.set(euiccPackageSigned, o);
  o += euiccPackageSigned.length;
  out[o++] = 0x5f;
  out[o++] = 0x37;
  out[o++] = signature.length;
  out.set(signature, o);
  return out;
}

/** IpaEuiccDataRequest (BF52), SGP.32 v1.2 §2.11.2: unsigned, correlated by eimTransactionId. */
export function buildIpaEuiccDataRequest(request: Extract<OrderRequest, { kind: 'euiccData' }>, eimTransactionId: Uint8Array): Uint8Array {
  const value: S.IpaEuiccDataRequest = {
    tagList: fromHex(request.tags.join('')),
    eimTransactionId,
  } as S.IpaEuiccDataRequest;
  const v = value as Record<string, unknown>;
  if (request.notificationSeqNumber !== undefined) v.searchCriteriaNotification = { seqNumber: request.notificationSeqNumber };
  if (request.resultSeqNumber !== undefined) v.searchCriteriaEuiccPackageResult = { seqNumber: request.resultSeqNumber };
  return S.IpaEuiccDataRequest.encode(value);
}

/** ProfileDownloadTriggerRequest (BF54), SGP.32 v1.2 §2.11.3: always carries the eimTransactionId. */
export function buildProfileDownloadTrigger(request: Extract<OrderRequest, { kind: 'download' }>, eimTransactionId: Uint8Array): Uint8Array {
  const profileDownloadData =
    'activationCode' in request
      ? { activationCode: request.activationCode }
      : 'contactDefaultSmdp' in request
        ? { contactDefaultSmdp: null }
        : { contactSmds: request.contactSmds.smdsAddress ? { smdsAddress: request.contactSmds.smdsAddress } : {} };
  return S.ProfileDownloadTriggerRequest.encode({ profileDownloadData, eimTransactionId } as S.ProfileDownloadTriggerRequest);
}
