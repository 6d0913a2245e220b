// Builds the eIM packages exactly as they leave (SGP.32 v1.2 §2.11): the GetEimPackageResponse
// alternative TLV (BF51 / BF52 / BF54), stored verbatim so a re-delivery is byte-identical.
import { SGP32Definitions as S } from '../asn1/index.ts';
import { tlv } from '../asn1/tlv.ts';
import { eimSignature, type AssociationToken } from '../crypto/signatures.ts';
import type { Signer } from '../crypto/signer.ts';
import { concatBytes, fromHex } from '../lib/bytes.ts';
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
