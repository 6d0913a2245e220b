// ProfileDownloadTriggerRequest (SGP.32 v1.2 §2.11.3) → where to download from, and the
// ProfileDownloadTriggerResult the IPA reports after a direct download (§2.11.3, checklist §2.6).

import { RSPDefinitions as R, SGP32Definitions as S } from '../../src/asn1/index.ts';
import { concatBytes } from '../../src/lib/bytes.ts';
import type { Es10Card } from '../euicc/es10-card.ts';
import { tlv } from './tlv.ts';

export interface ActivationCode {
  smdpAddress: string;
  matchingId: string;
  smdpOid?: string;
  confirmationCodeRequired: boolean;
}

/** SGP.22 v2.5 §4.1: "1$<SM-DP+ address>$<AC token>[$<SM-DP+ OID>[$<CC required flag>]]". */
export function parseActivationCode(ac: string): ActivationCode {
  const parts = ac.split('$');
  if (parts[0] !== '1' || parts.length < 3 || !parts[1]) throw new TypeError(`not an activation code: ${ac}`);
  return { smdpAddress: parts[1], matchingId: parts[2]!, ...(parts[3] ? { smdpOid: parts[3] } : {}), confirmationCodeRequired: parts[4] === '1' };
}

export interface DownloadTarget {
  /** Absent: the eIM decides (indirect, eIM-held download data). */
  smdpAddress?: string;
  matchingId?: string;
  confirmationCodeRequired: boolean;
  eimTransactionId?: Uint8Array;
}

/** Where a trigger points: its activation code, the eUICC's default SM-DP+, or an SM-DS. */
export async function targetOf(card: Es10Card, bf54: Uint8Array): Promise<DownloadTarget> {
  const trigger = S.ProfileDownloadTriggerRequest.decode(bf54);
  const base = { confirmationCodeRequired: false, ...(trigger.eimTransactionId ? { eimTransactionId: trigger.eimTransactionId } : {}) };
  const data = trigger.profileDownloadData;
  if (data && 'activationCode' in data) {
    const ac = parseActivationCode(data.activationCode);
    return { ...base, smdpAddress: ac.smdpAddress, matchingId: ac.matchingId, confirmationCodeRequired: ac.confirmationCodeRequired };
  }
  const addresses = R.EuiccConfiguredAddressesResponse.decode(await card.transmit(R.EuiccConfiguredAddressesRequest.encode({})));
  if (data && 'contactDefaultSmdp' in data) {
    // SGP.22 v2.5 §3.1.3.1: the default SM-DP+ address, no matchingId.
    return addresses.defaultDpAddress ? { ...base, smdpAddress: addresses.defaultDpAddress } : base;
  }
  // contactSmds, or an empty BF54 (checklist §2.6 ⚠️: "go to the SM-DS"): the given SM-DS, else the root SM-DS.
  const smds = data && 'contactSmds' in data ? data.contactSmds.smdsAddress : undefined;
  return { ...base, smdpAddress: smds ?? addresses.rootDsAddress };
}

/** ProfileDownloadTriggerResult BF54 { 82 eimTransactionId, BF37 the eUICC's PIR as produced }. */
export function triggerResultWithPir(eimTransactionId: Uint8Array | undefined, pir: Uint8Array): Uint8Array {
  return tlv([0xbf, 0x54], concatBytes(eimTransactionId ? tlv([0x82], eimTransactionId) : new Uint8Array(), pir));
}

/** ProfileDownloadTriggerResult with profileDownloadError (SGP.32 v1.2: undefinedError(127) and the failing answer). */
export function triggerResultWithError(eimTransactionId: Uint8Array | undefined, errorResponse?: Uint8Array, reason = 127): Uint8Array {
  return S.EimPackageResult.encode({
    profileDownloadTriggerResult: {
      ...(eimTransactionId ? { eimTransactionId } : {}),
      profileDownloadTriggerResultData: { profileDownloadError: { profileDownloadErrorReason: reason, ...(errorResponse ? { errorResponse } : {}) } },
    },
  });
}
