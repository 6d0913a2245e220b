// The end of a relayed download (SGP.32 v1.2 §3.2; checklist §4.1): the IPA hands over the eUICC's
// ProfileInstallationResult with ESipa HandleNotification. Matched to its session by the SM-DP+
// transactionId it carries, verified with the eUICC's key (cached at AuthenticateClient), and the
// download order completes: done with the ICCID, or failed with bppCommandId / errorReason. The
// notification itself is stored like any other and forwarded to its notificationAddress.
import type { SGP32Definitions as S } from '../asn1/index.ts';
import { takeNotification } from './notifications.ts';
import { applyInventory } from './package-results.ts';
import { closeSession, findSession, type RelayContext } from './relay-context.ts';

/** True when the notification completed a relayed session; false leaves it to the core (late or unrelated PIRs). */
export async function takeInstallationResult(ctx: RelayContext, request: S.HandleNotificationEsipa): Promise<boolean> {
  if (!('pendingNotification' in request) || !('profileInstallationResult' in request.pendingNotification)) return false;
  const n = request.pendingNotification;
  const data = n.profileInstallationResult.profileInstallationResultData;
  const session = await findSession(ctx.deps, data.transactionId, ['bppDelivered']);
  if (!session || session.euiccId === null) return false;
  const euicc = await ctx.deps.store.findEuiccById(session.euiccId);
  if (!euicc) return false;
  const intake = await takeNotification(ctx.deps, euicc, n);
  ctx.notificationStored();
  const inst = intake.installation!;
  if (!intake.record.verified && euicc.verificationPolicy === 'enforce') {
    // SGP.32 v1.2 §3.4 (as for package results): only a verified result changes state.
    ctx.deps.log.warn('ProfileInstallationResult not verified: order left open', { eid: euicc.eid, transactionId: session.smdpTransactionId });
    return true;
  }
  if (inst.success && inst.iccid) {
    const profile = { iccid: inst.iccid, isdpAid: inst.aid ?? null, state: 'disabled' as const, profileClass: null, profileName: null, serviceProviderName: null, nickname: null, fallbackAttribute: false };
    await ctx.deps.store.transaction((tx) => applyInventory(tx, euicc.id, [{ kind: 'upsert', profiles: [profile] }]));
  }
  const outcome = { iccid: inst.iccid, isdpAid: inst.aid, smdpTransactionId: session.smdpTransactionId, smdpAddress: session.smdpAddress };
  if (inst.success) await closeSession(ctx, session, 'done', { status: 'done', outcome });
  else {
    const { bppCommandId, errorReason } = inst.error!;
    const error = { code: 'ERR_INSTALLATION', message: `the profile was not installed (bppCommandId ${bppCommandId}, errorReason ${errorReason})`, details: { bppCommandId, errorReason } };
    await closeSession(ctx, session, 'failed', { status: 'failed', outcome, error }, { failure: error.details });
  }
  ctx.deps.log.info('relayed download finished', { eid: euicc.eid, success: inst.success, iccid: inst.iccid, orderId: session.orderId });
  return true;
}
