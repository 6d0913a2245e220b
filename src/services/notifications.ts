// Intake of eUICC notifications (SGP.22 v2.5 PendingNotification, SGP.32 v1.2 compact variants): stored
// verbatim with their seqNumber and address, verified where the eUICC key is known, acknowledged once
// stored. Forwarding to the notificationAddress (ES9+ HandleNotification) works from the stored rows.
import { PKIX1Explicit88, RSPDefinitions as R, SGP32Definitions as S, rawBytes, verbatim } from '../asn1/index.ts';
import { euiccNotificationSignature, euiccSignPIR } from '../crypto/signatures.ts';
import { iccidFromBytes } from '../domain/identifiers.ts';
import { toHex } from '../lib/bytes.ts';
import type { Euicc, NotificationRecord } from '../domain/records.ts';
import type { ServiceDeps } from './deps.ts';
import { euiccPublicKey } from './euicc-keys.ts';

const EVENT_NAMES: Record<string, string> = {
  notificationInstall: 'install',
  notificationEnable: 'enable',
  notificationDisable: 'disable',
  notificationDelete: 'delete',
};

export interface NotificationIntake {
  record: NotificationRecord;
  /** seqNumber to acknowledge (SGP.32 v1.2 EimAcknowledgements). */
  ack: number | undefined;
  /** For a ProfileInstallationResult: the SM-DP+ transactionId and the final result. */
  installation?: { transactionId: Uint8Array; success: boolean; iccid: string | null; aid?: string; error?: { bppCommandId: number; errorReason: number } };
}

/** The exact bytes of a notification as received, rebuilt around its signed part. */
function notificationDer(n: S.PendingNotification): Uint8Array {
  if ('profileInstallationResult' in n) {
    const pir = n.profileInstallationResult;
    return R.ProfileInstallationResult.encode({ ...pir, profileInstallationResultData: verbatim(rawBytes(pir.profileInstallationResultData)!) });
  }
  if ('otherSignedNotification' in n) {
    const o = n.otherSignedNotification;
    return R.OtherSignedNotification.encode({
      ...o,
      tbsOtherNotification: verbatim(rawBytes(o.tbsOtherNotification)!),
      euiccCertificate: certificateVerbatim(o.euiccCertificate),
      eumCertificate: certificateVerbatim(o.eumCertificate),
    });
  }
  return S.PendingNotification.encode(n);
}

/** A decoded Certificate re-encoded with its TBS bytes as received (the issuer's signature covers them). */
export function certificateVerbatim(c: PKIX1Explicit88.Certificate): PKIX1Explicit88.Certificate {
  const tbs = rawBytes(c.tbsCertificate);
  return tbs ? { ...c, tbsCertificate: verbatim(tbs) } : c;
}

export function certificateDer(c: PKIX1Explicit88.Certificate): Uint8Array {
  return PKIX1Explicit88.Certificate.encode(certificateVerbatim(c));
}

export async function takeNotification(deps: ServiceDeps, euicc: Euicc | undefined, n: S.PendingNotification): Promise<NotificationIntake> {
  let metadata: R.NotificationMetadata | undefined;
  let verified = false;
  let installation: NotificationIntake['installation'];
  const key = euicc ? await euiccPublicKey(deps, euicc) : undefined;
  if ('profileInstallationResult' in n) {
    const pir = n.profileInstallationResult;
    const data = pir.profileInstallationResultData;
    metadata = data.notificationMetadata;
    // SGP.22 v2.5 §5.7.2 / §2.6.x: euiccSignPIR over the ProfileInstallationResultData as received.
    verified = !!key && euiccSignPIR.verify(key, pir.euiccSignPIR, rawBytes(data)!);
    const fr = data.finalResult;
    installation =
      'successResult' in fr
        ? { transactionId: data.transactionId, success: true, iccid: metadata.iccid ? iccidFromBytes(metadata.iccid) : null, aid: toHex(fr.successResult.aid) }
        : { transactionId: data.transactionId, success: false, iccid: metadata.iccid ? iccidFromBytes(metadata.iccid) : null, error: { bppCommandId: Number(fr.errorResult.bppCommandId), errorReason: Number(fr.errorResult.errorReason) } };
  } else if ('otherSignedNotification' in n) {
    const o = n.otherSignedNotification;
    metadata = o.tbsOtherNotification;
    verified = !!key && euiccNotificationSignature.verify(key, o.euiccNotificationSignature, rawBytes(o.tbsOtherNotification)!);
  } else if ('compactOtherSignedNotification' in n) {
    const o = n.compactOtherSignedNotification;
    metadata = o.tbsOtherNotification;
    verified = !!key && euiccNotificationSignature.verify(key, o.euiccNotificationSignature, rawBytes(o.tbsOtherNotification)!);
  }
  const event = metadata ? (EVENT_NAMES[metadata.profileManagementOperation[0] ?? ''] ?? 'other') : 'install';
  const seq = metadata ? Number(metadata.seqNumber) : seqOfCompact(n);
  if (!verified && key) deps.log.warn('notification signature does not verify', { eid: euicc?.eid, seq });
  const record = await deps.store.insertNotification({
    euiccId: euicc?.id ?? null,
    seqNumber: seq ?? null,
    event,
    iccid: metadata?.iccid ? iccidFromBytes(metadata.iccid) : null,
    notificationAddress: metadata?.notificationAddress ?? null,
    der: notificationDer(n),
    verified,
  });
  return { record, ack: seq, ...(installation ? { installation } : {}) };
}

function seqOfCompact(n: S.PendingNotification): number | undefined {
  return 'compactProfileInstallationResult' in n ? Number(n.compactProfileInstallationResult.compactProfileInstallationResultData.seqNumber) : undefined;
}

