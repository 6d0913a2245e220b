// ES9+.CancelSession, SM-DP+ side (SGP.22 v2.5 §5.6.5): verify euiccCancelSessionSignature with the
// session's PK.EUICC, the smdpOid (OID of CERT.DPauth) and the signed transactionId, then end the session.

import { RSPDefinitions as R, rawBytes } from '../../../src/asn1/index.ts';
import { certificatePublicKey } from '../../../src/crypto/certificate.ts';
import { euiccCancelSessionSignature } from '../../../src/crypto/signatures.ts';
import { bytesEqual, toHex } from '../../../src/lib/bytes.ts';
import type { SmdppContext, SmdppSession } from '../context.ts';
import { es9Error } from '../errors.ts';

/** CancelSessionReason postponed(1) and timeout(2) leave the order downloadable; others close it (interpretation of SGP.22 v2.5 §3.1.5). */
const RETRYABLE_REASONS = new Set([1, 2]);

function endSession(ctx: SmdppContext, session: SmdppSession, reason: number | undefined, verified: boolean): void {
  const entry = session.entry;
  if (entry && !entry.reusable && verified) entry.state = reason !== undefined && RETRYABLE_REASONS.has(reason) ? 'released' : 'failed';
  ctx.sessions.delete(session.transactionId);
  ctx.recorder.record({ type: 'cancelled', transactionId: toHex(session.transactionId).toUpperCase(), verified, ...(reason === undefined ? {} : { reason }), ...(entry ? { matchingId: entry.matchingId } : {}) });
  if (entry?.registerSmdsEvent && verified && entry.state === 'failed') void ctx.smds?.deleteEvent(entry);
}

export async function cancelSession(ctx: SmdppContext, req: R.CancelSessionRequestEs9): Promise<void> {
  const session = ctx.sessions.get(req.transactionId);
  if (!session) throw es9Error('cancelSession', 'invalidTransactionId', `no RSP session for ${toHex(req.transactionId)}`);
  const response = req.cancelSessionResponse;
  if ('cancelSessionResponseError' in response) {
    // The eUICC could not cancel (e.g. invalidTransactionId on its side): nothing signed to check.
    endSession(ctx, session, undefined, false);
    return;
  }
  const ok = response.cancelSessionResponseOk;
  const signed = ok.euiccCancelSessionSigned;
  if (!session.euiccCertificate) {
    endSession(ctx, session, signed.reason, false); // before AuthenticateClient the SM-DP+ has no PK.EUICC yet
    return;
  }
  const bytes = rawBytes(signed) ?? R.EuiccCancelSessionSigned.encode(signed);
  if (!euiccCancelSessionSignature.verify(certificatePublicKey(session.euiccCertificate), ok.euiccCancelSessionSignature, bytes)) {
    throw es9Error('cancelSession', 'euiccSignatureInvalid', 'euiccCancelSessionSignature does not verify with PK.EUICC');
  }
  if (session.set.oid && signed.smdpOid !== session.set.oid) throw es9Error('cancelSession', 'invalidSmdpOid', `smdpOid ${signed.smdpOid} is not this SM-DP+ (${session.set.oid})`);
  if (!bytesEqual(signed.transactionId, session.transactionId)) throw es9Error('cancelSession', 'invalidTransactionId', 'the signed transactionId differs from the session');
  endSession(ctx, session, signed.reason, true);
}
