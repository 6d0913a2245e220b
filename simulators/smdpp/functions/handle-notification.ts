// ES9+.HandleNotification, SM-DP+ side (SGP.22 v2.5 §5.6.4): the PIR or other signed notification is
// verified and recorded; whatever the outcome the caller gets 204 (SGP.22 v2.5 §6.3, no response data),
// so a bad signature is flagged in the record, not answered.

import { RSPDefinitions as R, rawBytes } from '../../../src/asn1/index.ts';
import { certificatePublicKey } from '../../../src/crypto/certificate.ts';
import { validateCertificatePath } from '../../../src/crypto/certificates.ts';
import { CertificateError } from '../../../src/crypto/errors.ts';
import { euiccNotificationSignature, euiccSignPIR } from '../../../src/crypto/signatures.ts';
import { toHex } from '../../../src/lib/bytes.ts';
import { parseCertificateValue } from '../../common/certificates.ts';
import type { SmdppContext } from '../context.ts';
import type { SmdppEvent } from '../events.ts';

type NotificationEvent = Extract<SmdppEvent, { type: 'notification' }>;

function metadataFields(m: R.NotificationMetadata): Pick<NotificationEvent, 'seqNumber' | 'operation' | 'iccid'> {
  return { seqNumber: Number(m.seqNumber), operation: [...m.profileManagementOperation], ...(m.iccid ? { iccid: toHex(m.iccid) } : {}) };
}

/** SGP.22 v2.5 §5.6.4 with §5.7.6: euiccSignPIR over the BF27 received, with the PK.EUICC of the session. */
async function profileInstallationResult(ctx: SmdppContext, pir: R.ProfileInstallationResult): Promise<NotificationEvent> {
  const data = pir.profileInstallationResultData;
  const session = ctx.sessions.get(data.transactionId);
  const problems: string[] = [];
  let verified = false;
  if (!session?.euiccCertificate) {
    problems.push('no RSP session for this transactionId: the signature cannot be checked');
  } else {
    const signed = rawBytes(data) ?? R.ProfileInstallationResultData.encode(data);
    verified = euiccSignPIR.verify(certificatePublicKey(session.euiccCertificate), pir.euiccSignPIR, signed);
    if (!verified) problems.push('euiccSignPIR does not verify with PK.EUICC');
    // SGP.22 v2.5 §5.7.6: smdpOid is the OID of CERT.DPpb (the SM-DP+ that bound the profile).
    if (session.set.oid && data.smdpOid !== session.set.oid) problems.push(`smdpOid ${data.smdpOid} is not this SM-DP+ (${session.set.oid})`);
  }
  const success = 'successResult' in data.finalResult;
  const entry = session?.entry;
  if (verified && entry && !entry.reusable) entry.state = success ? 'installed' : 'failed';
  if (session) ctx.sessions.delete(session.transactionId);
  if (verified && entry?.registerSmdsEvent) await ctx.smds?.deleteEvent(entry); // SGP.22 v2.5 §3.6.3 event deletion
  const errorReason = 'errorResult' in data.finalResult ? data.finalResult.errorResult.errorReason : undefined;
  return {
    type: 'notification',
    kind: 'profileInstallationResult',
    verified: verified && problems.length === 0,
    problems,
    ...metadataFields(data.notificationMetadata),
    transactionId: toHex(data.transactionId).toUpperCase(),
    ...(session?.eid ? { eid: session.eid } : {}),
    ...(entry ? { matchingId: entry.matchingId } : {}),
    finalResult: success ? 'success' : 'error',
    ...(errorReason === undefined ? {} : { errorReason }),
  };
}

/** SGP.22 v2.5 §5.6.4 with §5.7.10: the certificates travel with the notification; chain to any configured CI. */
async function otherSignedNotification(ctx: SmdppContext, n: R.OtherSignedNotification): Promise<NotificationEvent> {
  const problems: string[] = [];
  let eid: string | undefined;
  let verified = false;
  try {
    const euicc = parseCertificateValue(n.euiccCertificate);
    const path = await validateCertificatePath(euicc, 'euicc', { trustAnchors: ctx.trustAnchors, intermediates: [parseCertificateValue(n.eumCertificate)], time: ctx.now() });
    eid = path.eid;
    const signed = rawBytes(n.tbsOtherNotification) ?? R.NotificationMetadata.encode(n.tbsOtherNotification);
    verified = euiccNotificationSignature.verify(certificatePublicKey(euicc), n.euiccNotificationSignature, signed);
    if (!verified) problems.push('euiccNotificationSignature does not verify with PK.EUICC');
  } catch (err) {
    if (!(err instanceof CertificateError)) throw err;
    problems.push(`eUICC certificate: ${err.message}`);
  }
  return { type: 'notification', kind: 'otherSignedNotification', verified, problems, ...metadataFields(n.tbsOtherNotification), ...(eid ? { eid } : {}) };
}

export async function handleNotification(ctx: SmdppContext, pending: R.PendingNotification): Promise<void> {
  const event = 'profileInstallationResult' in pending ? await profileInstallationResult(ctx, pending.profileInstallationResult) : await otherSignedNotification(ctx, pending.otherSignedNotification);
  ctx.recorder.record(event);
}
