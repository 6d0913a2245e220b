// Pending notifications and stored package results: creation (signed), listing, retrieval and removal.
// SGP.22 v2.5 §2.8 / §5.7.9-§5.7.11 (ListNotification, RetrieveNotificationsList, RemoveNotificationFromList)
// as extended by SGP.32 v1.2 §5.9.11 (the euiccPackageResults search criterion).

import { RSPDefinitions as R, SGP32Definitions as S } from '../../src/asn1/index.ts';
import { tlv } from '../../src/asn1/tlv.ts';
import { euiccNotificationSignature } from '../../src/crypto/signatures.ts';
import { concatBytes, fromHex, toHex } from '../../src/lib/bytes.ts';
import { type CardContext, intValue } from './context.ts';
import { metadataOf, type NotificationEventName, type ProfileEvent } from './profiles.ts';
import type { NotificationRecord } from './state.ts';

/** The address the profile's metadata names for this operation (SGP.22 v2.5 §4.4 NotificationConfigurationInformation). */
function notificationAddress(event: ProfileEvent): string | undefined {
  const info = metadataOf(event.profile).notificationConfigurationInfo ?? [];
  return info.find((n) => n.profileManagementOperation.includes(event.event))?.notificationAddress;
}

/**
 * Signs and stores an OtherSignedNotification for each event whose profile asks for one (SGP.22 v2.5 §2.8:
 * no configured address, no notification). Returns the seqNumbers created.
 */
export async function notifyProfileEvents(ctx: CardContext, events: ProfileEvent[]): Promise<number[]> {
  const created: number[] = [];
  for (const e of events) {
    const address = notificationAddress(e);
    if (address === undefined) continue;
    const seqNumber = ctx.nextSeqNumber();
    const tbs = R.NotificationMetadata.encode({ seqNumber, profileManagementOperation: [e.event], notificationAddress: address, iccid: fromHex(e.profile.iccid) });
    const cred = ctx.credentials.primary;
    const signature = await euiccNotificationSignature.sign(cred.signer, tbs);
    // OtherSignedNotification (SGP.22 v2.5 §5.7.10): spliced so the certificates keep their exact bytes.
    const der = tlv([0x30], concatBytes(tbs, tlv([0x5f, 0x37], signature), cred.euicc.der, cred.eum.der));
    store(ctx, { seqNumber, event: e.event, notificationAddress: address, iccid: e.profile.iccid, der: toHex(der) });
    created.push(seqNumber);
  }
  return created;
}

export function store(ctx: CardContext, record: NotificationRecord): void {
  ctx.state.notifications.push(record);
  ctx.changed();
}

function matches(n: NotificationRecord, event: R.NotificationEvent | undefined): boolean {
  return !event || event.includes(n.event as NotificationEventName);
}

/** Stored notifications, optionally by seqNumber or by operation. */
export function selectNotifications(ctx: CardContext, criteria?: { seqNumber: number | bigint } | { profileManagementOperation: R.NotificationEvent }): NotificationRecord[] {
  if (!criteria) return ctx.state.notifications;
  if ('seqNumber' in criteria) return ctx.state.notifications.filter((n) => n.seqNumber === intValue(criteria.seqNumber));
  return ctx.state.notifications.filter((n) => matches(n, criteria.profileManagementOperation));
}

/** Stored EuiccPackageResults, optionally by seqNumber. */
export function selectPackageResults(ctx: CardContext, seqNumber?: number | bigint): Uint8Array[] {
  const wanted = seqNumber === undefined ? undefined : intValue(seqNumber);
  return ctx.state.packageResults.filter((r) => wanted === undefined || r.seqNumber === wanted).map((r) => fromHex(r.der));
}

/** ES10b.RetrieveNotificationsList (SGP.32 v1.2 §5.9.11): BF2B response, spliced from the stored signed bytes. */
export function retrieveNotificationsList(ctx: CardContext, request: S.RetrieveNotificationsListRequest): Uint8Array {
  const c = request.searchCriteria;
  if (c && 'euiccPackageResults' in c) return tlv([0xbf, 0x2b], tlv([0xa2], concatBytes(...selectPackageResults(ctx))));
  const found = selectNotifications(ctx, c);
  // Interpretation: seqNumbers are shared, so a seqNumber that names a stored package result returns that result.
  if (c && 'seqNumber' in c && found.length === 0) {
    const results = selectPackageResults(ctx, c.seqNumber);
    if (results.length > 0) return tlv([0xbf, 0x2b], tlv([0xa2], concatBytes(...results)));
  }
  return tlv([0xbf, 0x2b], tlv([0xa0], concatBytes(...found.map((n) => fromHex(n.der)))));
}

/** ES10b.ListNotification (SGP.22 v2.5 §5.7.9): the metadata of the stored notifications. */
export function listNotification(ctx: CardContext, request: R.ListNotificationRequest): Uint8Array {
  const list = ctx.state.notifications
    .filter((n) => matches(n, request.profileManagementOperation))
    .map((n) => ({ seqNumber: n.seqNumber, profileManagementOperation: [n.event] as R.NotificationEvent, notificationAddress: n.notificationAddress, ...(n.iccid ? { iccid: fromHex(n.iccid) } : {}) }));
  return R.ListNotificationResponse.encode({ notificationMetadataList: list });
}

/**
 * ES10b.RemoveNotificationFromList (SGP.22 v2.5 §5.7.11, NotificationSentRequest BF30). SGP.32 v1.2 uses the
 * same seqNumber space for stored EuiccPackageResults, which the IPA deletes the same way once acknowledged.
 */
export function removeNotificationFromList(ctx: CardContext, request: R.NotificationSentRequest): Uint8Array {
  const seq = intValue(request.seqNumber);
  const before = ctx.state.notifications.length + ctx.state.packageResults.length;
  ctx.state.notifications = ctx.state.notifications.filter((n) => n.seqNumber !== seq);
  ctx.state.packageResults = ctx.state.packageResults.filter((r) => r.seqNumber !== seq);
  const removed = before !== ctx.state.notifications.length + ctx.state.packageResults.length;
  if (removed) ctx.changed();
  return R.NotificationSentResponse.encode({ deleteNotificationStatus: removed ? 0 : 1 });
}
