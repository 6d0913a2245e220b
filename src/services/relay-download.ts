// ESipa GetBoundProfilePackage and CancelSession → ES9+' (SGP.32 v1.2 §3.2, §6.3.2.3, §6.3.2.5; checklist
// §4.1, §4.2). Correlated by the SM-DP+ transactionId. Neither call is ever sent twice: the SM-DP+ may have
// acted on the first (a bound package counts against the order; a cancellation closes it).
import { SGP32Definitions as S, verbatim } from '../asn1/index.ts';
import type { DownloadSession } from './download-session-ports.ts';
import { cancelReasonOf, cancelSessionResponseDer, prepareDownloadResponseDer, UnrelayableError } from './relay-der.ts';
import { closeSession, findSession, type RelayContext } from './relay-context.ts';
import { esipaErrorFor, relayErrorFor, UNDEFINED_ERROR } from './relay-errors.ts';
import type { RspFailure } from './rsp-client.ts';

/** SGP.22 v2.5 CancelSessionReason. */
const CANCEL_REASONS: Record<number, string> = {
  0: 'endUserRejection',
  1: 'postponed',
  2: 'timeout',
  3: 'pprNotAllowed',
  4: 'metadataMismatch',
  5: 'loadBppExecutionError',
  127: 'undefinedReason',
};

function unrelayable(err: unknown): RspFailure {
  if (!(err instanceof UnrelayableError)) throw err;
  return { kind: 'transport', message: `not relayed: ${err.message}` };
}

export async function relayGetBoundProfilePackage(ctx: RelayContext, req: S.GetBoundProfilePackageRequestEsipa): Promise<S.GetBoundProfilePackageResponseEsipa> {
  const refuse = (code: number): S.GetBoundProfilePackageResponseEsipa => ({ getBoundProfilePackageErrorEsipa: code });
  const session = await findSession(ctx.deps, req.transactionId, ['authenticated']);
  if (!session) return refuse(95); // invalidTransactionId
  const fail = async (failure: RspFailure, code = esipaErrorFor('getBoundProfilePackage', failure)) => {
    const error = relayErrorFor('getBoundProfilePackage', session.smdpAddress, failure, code);
    ctx.deps.log.warn('GetBoundProfilePackage failed', { ...error.details, transactionId: session.smdpTransactionId });
    await closeSession(ctx, session, 'failed', { status: 'failed', error }, { failure: error.details });
    return refuse(code);
  };
  let pdr: Uint8Array;
  try {
    pdr = prepareDownloadResponseDer(req.prepareDownloadResponse, req.transactionId);
  } catch (err) {
    return fail(unrelayable(err), UNDEFINED_ERROR);
  }
  const answer = await ctx.client.getBoundProfilePackage(session.smdpAddress, req.transactionId, pdr);
  if (answer.failure) return fail(answer.failure);
  await ctx.deps.store.updateDownloadSession(session.id, { state: 'bppDelivered' });
  return { getBoundProfilePackageOkEsipa: { transactionId: answer.ok.transactionId ?? req.transactionId, boundProfilePackage: verbatim(answer.ok.boundProfilePackage) } };
}

/**
 * The eUICC cancelled the session (SGP.22 v2.5 §3.0.2): relayed to the SM-DP+, and the order is closed as
 * cancelled with the reason the eUICC signed, whatever the SM-DP+ answers (the eUICC side is gone either way).
 */
export async function relayCancelSession(ctx: RelayContext, req: S.CancelSessionRequestEsipa): Promise<S.CancelSessionResponseEsipa> {
  const session = await findSession(ctx.deps, req.transactionId, ['initiated', 'authenticated', 'bppDelivered']);
  if (!session) return { cancelSessionError: 1 }; // invalidTransactionId
  const reason = cancelReasonOf(req.cancelSessionResponse);
  let csr: Uint8Array | undefined;
  let failure: RspFailure | undefined;
  try {
    csr = cancelSessionResponseDer(req.cancelSessionResponse);
  } catch (err) {
    failure = unrelayable(err);
  }
  if (csr) {
    const answer = await ctx.client.cancelSession(session.smdpAddress, req.transactionId, csr);
    failure = answer.failure;
  }
  const code = failure ? esipaErrorFor('cancelSession', failure) : undefined;
  await closeCancelled(ctx, session, reason, failure, code);
  return code === undefined ? { cancelSessionOk: {} } : { cancelSessionError: code };
}

async function closeCancelled(ctx: RelayContext, session: DownloadSession, reason: number | undefined, failure: RspFailure | undefined, code: number | undefined): Promise<void> {
  const name = reason === undefined ? 'no reason given' : `${CANCEL_REASONS[reason] ?? 'reason'} (${reason})`;
  const relay = failure ? relayErrorFor('cancelSession', session.smdpAddress, failure, code!) : undefined;
  if (relay) ctx.deps.log.warn('CancelSession was not accepted by the SM-DP+', { ...relay.details });
  const error = {
    code: 'ERR_DOWNLOAD_CANCELLED',
    message: `the eUICC cancelled the download: ${name}`,
    details: { ...(reason === undefined ? {} : { cancelSessionReason: reason, reason: CANCEL_REASONS[reason] }), ...(relay ? { smdp: relay.details } : {}) },
  };
  await closeSession(ctx, session, 'cancelled', { status: 'cancelled', error }, { ...(reason === undefined ? {} : { cancelSessionReason: reason }), ...(relay ? { failure: relay.details } : {}) });
}
