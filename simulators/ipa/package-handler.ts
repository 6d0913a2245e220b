// What the IPA does with one eIM package on the eUICC (SGP.32 v1.2 §3.1.1 / §3.3 / §6.3.2.7), shared by
// retrieve mode (GetEimPackage) and inject mode (TransferEimPackage). Each function returns the
// EimPackageResult TLV to send, spliced from the eUICC's own TLVs.

import { SGP32Definitions as S, RSPDefinitions as R } from '../../src/asn1/index.ts';
import { concatBytes } from '../../src/lib/bytes.ts';
import type { Es10Card } from '../euicc/es10-card.ts';
import type { IpaEuiccDataOptions } from '../euicc/ipa-euicc-data.ts';
import { child, children, tlv } from './tlv.ts';

/** The eUICC as the IPA drives it: ES10 commands, plus the IpaEuiccData assembly the virtual eUICC offers. */
export interface IpaCard extends Es10Card {
  /** SGP.32 v1.2 §2.11.2.2: the IpaEuiccDataResponse (BF52) for a request, with the IPA's own data. */
  ipaEuiccData(request: Uint8Array, options: IpaEuiccDataOptions): Uint8Array;
}

/** EimPackageResultResponseError codes (SGP.32 v1.2 §2.11.2). */
export const INVALID_PACKAGE_FORMAT = 1;

/** eimTransactionId inside a package TLV as received (BF51 { 30 { … 82 } }, BF52 { … 83 }, BF54 { … 82 }), if readable. */
export function transactionIdIn(pkg: Uint8Array): Uint8Array | undefined {
  try {
    if (pkg[0] === 0xbf && pkg[1] === 0x51) return child(child(pkg, '30')!.tlv, '82')?.value;
    if (pkg[0] === 0xbf && pkg[1] === 0x52) return child(pkg, '83')?.value;
    if (pkg[0] === 0xbf && pkg[1] === 0x54) return child(pkg, '82')?.value;
  } catch {
    // unreadable package: no transaction id to echo
  }
  return undefined;
}

/** EimPackageResultResponseError (A0 { 80 eimTransactionId?, 02 code }): the IPA could not use the package. */
export function packageError(pkg: Uint8Array, code: number): Uint8Array {
  const txid = transactionIdIn(pkg);
  return S.EimPackageResult.encode({ eimPackageResultResponseError: { ...(txid ? { eimTransactionId: txid } : {}), eimPackageResultErrorCode: code } });
}

export interface EuiccPackageOutcome {
  /** EuiccPackageResult (BF51) or ePRAndNotifications (30 { BF51, A0 … }). */
  result: Uint8Array;
  /** The eUICC's BF51 as it returned it. */
  epr: Uint8Array;
  /** seqNumbers of the pending notifications sent with it. */
  notifications: number[];
}

function seqNumberOf(notification: Uint8Array): number | undefined {
  try {
    const n = S.PendingNotification.decode(notification);
    if ('profileInstallationResult' in n) return Number(n.profileInstallationResult.profileInstallationResultData.notificationMetadata.seqNumber);
    if ('otherSignedNotification' in n) return Number(n.otherSignedNotification.tbsOtherNotification.seqNumber);
  } catch {
    // not one we can read: sent anyway, the eIM decides
  }
  return undefined;
}

/**
 * ES10b.LoadEuiccPackage (SGP.32 v1.2 §5.9.1) with the BF51 as received, then the pending notifications
 * (ES10b.RetrieveNotificationsList, §5.9.11): sent together as ePRAndNotifications (v1.2 encoding,
 * §6.3.2.7), the A0 list spliced from the eUICC's BF2B as it returned it.
 */
export async function runEuiccPackage(card: Es10Card, bf51: Uint8Array): Promise<EuiccPackageOutcome> {
  const epr = await card.transmit(bf51);
  const list = await card.transmit(S.RetrieveNotificationsListRequest.encode({}));
  const a0 = child(list, 'a0');
  const items = a0 ? children(a0.tlv) : [];
  if (!a0 || items.length === 0) return { result: epr, epr, notifications: [] };
  const notifications = items.map((c) => seqNumberOf(c.tlv)).filter((n): n is number => n !== undefined);
  return { result: tlv([0x30], concatBytes(epr, a0.tlv)), epr, notifications };
}

/** IpaEuiccDataRequest → IpaEuiccDataResponse (BF52), with this IPA's capabilities and device info. */
export function runIpaEuiccData(card: IpaCard, bf52: Uint8Array, options: IpaEuiccDataOptions): Uint8Array {
  return card.ipaEuiccData(bf52, options);
}

/**
 * EimAcknowledgements (SGP.32 v1.2 §2.11.2, checklist §2.7): the eIM has what these seqNumbers name, so the
 * IPA deletes them on the eUICC (ES10b.RemoveNotificationFromList; results and notifications share the
 * seqNumber space). Returns the ones the eUICC had.
 */
export async function removeAcknowledged(card: Es10Card, seqNumbers: number[]): Promise<number[]> {
  const removed: number[] = [];
  for (const seqNumber of seqNumbers) {
    const r = R.NotificationSentResponse.decode(await card.transmit(R.NotificationSentRequest.encode({ seqNumber })));
    if (Number(r.deleteNotificationStatus) === 0) removed.push(seqNumber);
  }
  return removed;
}
