// Builds the eIM packages exactly as they leave (SGP.32 v1.2 §2.11): the GetEimPackageResponse
// alternative TLV (BF51 / BF52 / BF54), stored verbatim so a re-delivery is byte-identical.
import { SGP32Definitions as S } from '../asn1/index.ts';
import { tlv } from '../asn1/tlv.ts';
import { eimSignature, type AssociationToken } from '../crypto/signatures.ts';
import type { Signer } from '../crypto/signer.ts';
import { bytesEqual, concatBytes, fromHex } from '../lib/bytes.ts';
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
  return tlv([0xbf, 0x51], concatBytes(signed, tlv([0x5f, 0x37], signature)));
}

/**
 * DER(euiccPackageSigned) for one request sent to many eUICCs: the eimId and euiccPackage TLVs are encoded
 * once and only the EID, counterValue and eimTransactionId change (a bulk order builds a million of them).
 * Checked once against the codec's encoding, so the bytes are exactly what buildEuiccPackageRequest signs.
 */
export function euiccPackageSignedEncoder(eimId: string, request: OrderRequest): (eid: Uint8Array, counterValue: number, eimTransactionId: Uint8Array) => Uint8Array {
  const eimIdTlv = tlv([0x80], new TextEncoder().encode(eimId));
  const euiccPackage = S.EuiccPackage.encode(euiccPackageValue(request));
  const encode = (eid: Uint8Array, counterValue: number, eimTransactionId: Uint8Array): Uint8Array =>
    tlv([0x30], concatBytes(eimIdTlv, tlv([0x5a], eid), tlv([0x81], integerContent(counterValue)), tlv([0x82], eimTransactionId), euiccPackage));
  const sample = { eimId, eidValue: new Uint8Array(16), counterValue: 0x8000, eimTransactionId: new Uint8Array(16), euiccPackage: euiccPackageValue(request) };
  if (!bytesEqual(encode(sample.eidValue, sample.counterValue, sample.eimTransactionId), S.EuiccPackageSigned.encode(sample))) {
    throw new TypeError('euiccPackageSignedEncoder disagrees with the codec');
  }
  return encode;
}

/** EuiccPackageRequest (BF51) from DER(euiccPackageSigned) and its 64-byte eimSignature. */
export function euiccPackageRequestTlv(euiccPackageSigned: Uint8Array, signature: Uint8Array): Uint8Array {
  return tlv([0xbf, 0x51], concatBytes(euiccPackageSigned, tlv([0x5f, 0x37], signature)));
}

/** DER content of a non-negative INTEGER: minimal, with a leading zero when the high bit is set. */
function integerContent(n: number): Uint8Array {
  const bytes: number[] = [];
  do {
    bytes.unshift(n % 256);
    n = Math.floor(n / 256);
  } while (n > 0);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return Uint8Array.from(bytes);
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
