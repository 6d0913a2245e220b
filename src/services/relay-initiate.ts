// ESipa InitiateAuthentication → ES9+' / ES11' InitiateAuthentication (SGP.32 v1.2 §3.2, §6.3.2.1;
// checklist §4.2). The eimTransactionId ties the request to its download order; the eIM fills in the
// server address (activation code, SM-DS, default SM-DP+) and EUICCInfo1 (cache) when the IPA leaves them
// out, drops the eimTransactionId, and hands the server's signed answer back byte for byte.
import { RSPDefinitions as R, SGP32Definitions as S, verbatim } from '../asn1/index.ts';
import { toHex } from '../lib/bytes.ts';
import type { DownloadSession } from './download-session-ports.ts';
import { cachedEuiccInfo1, closeSession, type DownloadOrderRequest, type DownloadTarget, findDownloadTarget, latestEuiccData, parseActivationCode, type RelayContext } from './relay-context.ts';
import { esipaErrorFor, relayErrorFor, UNDEFINED_ERROR } from './relay-errors.ts';
import type { RspFailure } from './rsp-client.ts';

const ERR = { smdpAddressMismatch: 50, invalidEimTransactionId: 52, undefinedError: UNDEFINED_ERROR } as const;
const refuse = (code: number): S.InitiateAuthenticationResponseEsipa => ({ initiateAuthenticationErrorEsipa: code });

interface Plan {
  address: string | undefined;
  server: 'smdp' | 'smds';
  matchingId?: string;
}

/** Where the order sends the eUICC (SGP.32 v1.2 §2.11.3 ProfileDownloadData). */
async function planFor(ctx: RelayContext, target: DownloadTarget): Promise<Plan> {
  if (target.triggered) return { address: target.triggered.smdpAddress, server: 'smdp', ...(target.triggered.matchingId ? { matchingId: target.triggered.matchingId } : {}) };
  const request = target.order.request as DownloadOrderRequest;
  if ('activationCode' in request) {
    const ac = parseActivationCode(request.activationCode);
    return { address: ac?.smdpAddress, server: 'smdp', ...(ac?.matchingId ? { matchingId: ac.matchingId } : {}) };
  }
  if ('contactSmds' in request) return { address: request.contactSmds.smdsAddress ?? ctx.options.defaultSmdsAddress, server: 'smds' };
  // contactDefaultSmdp: the default SM-DP+ address the eUICC reported in IpaEuiccData (81), when known.
  const address = await latestEuiccData(ctx.deps, target.euicc.id, 'defaultSmdpAddress');
  return { address: typeof address === 'string' && address ? address : undefined, server: 'smdp' };
}

export async function relayInitiateAuthentication(ctx: RelayContext, req: S.InitiateAuthenticationRequestEsipa): Promise<S.InitiateAuthenticationResponseEsipa> {
  const { deps } = ctx;
  let target: DownloadTarget | undefined;
  if (req.eimTransactionId) {
    target = await findDownloadTarget(deps, req.eimTransactionId);
    if (!target) {
      deps.log.warn('InitiateAuthentication for an unknown or closed eimTransactionId', { eimTransactionId: toHex(req.eimTransactionId) });
      return refuse(ERR.invalidEimTransactionId);
    }
  } else if (!req.smdpAddress || !req.euiccInfo1) {
    // Interpretation (SGP.32 v1.2 §3.2): without an eimTransactionId the eIM has no order to fill the gaps from.
    return refuse(ERR.invalidEimTransactionId);
  }
  const plan: Plan = target ? await planFor(ctx, target) : { address: req.smdpAddress, server: 'smdp' };
  const address = req.smdpAddress ?? plan.address;
  const euiccInfo1 = req.euiccInfo1 ? R.EUICCInfo1.encode(req.euiccInfo1) : target ? await cachedEuiccInfo1(deps, target.euicc.id) : undefined;
  if (!address || !euiccInfo1) {
    const missing = !address ? 'the server address' : 'EUICCInfo1';
    deps.log.warn(`InitiateAuthentication: the IPA left out ${missing} and the eIM does not know it`, { orderId: target?.order.id });
    return refuse(ERR.undefinedError);
  }
  const base = {
    orderId: target?.order.id ?? null,
    euiccId: target?.euicc.id ?? null,
    eimTransactionId: req.eimTransactionId ?? null,
    smdpAddress: address,
    matchingId: plan.matchingId ?? null,
  };
  const detail = { server: plan.server, ...(req.euiccInfo1 ? { euiccInfo1: toHex(euiccInfo1) } : {}) };
  const answer = await ctx.client.initiateAuthentication(address, req.euiccChallenge, euiccInfo1);
  if (answer.failure) return failed(ctx, target?.triggered, { ...base, detail }, address, answer.failure);
  const ok = answer.ok;
  // Checklist §4.2: the server that signed must be the one the eIM asked (smdpAddressMismatch otherwise).
  const signedAddress = R.ServerSigned1.decode(ok.serverSigned1).serverAddress;
  if (signedAddress.toLowerCase() !== address.toLowerCase()) {
    const failure: RspFailure = { kind: 'rejected', message: `serverSigned1.serverAddress is ${signedAddress}, not ${address}` };
    return failed(ctx, target?.triggered, { ...base, detail }, address, failure, ERR.smdpAddressMismatch);
  }
  const session = { ...base, smdpTransactionId: toHex(ok.transactionId), state: 'initiated' as const, detail };
  if (target?.triggered) await deps.store.updateDownloadSession(target.triggered.id, session);
  else await deps.store.insertDownloadSession(session);
  deps.log.info('relayed InitiateAuthentication', { server: address, role: plan.server, transactionId: session.smdpTransactionId, orderId: base.orderId });
  return {
    initiateAuthenticationOkEsipa: {
      transactionId: ok.transactionId,
      serverSigned1: verbatim(ok.serverSigned1),
      serverSignature1: ok.serverSignature1,
      euiccCiPKIdentifierToBeUsed: ok.euiccCiPKIdToBeUsed,
      serverCertificate: verbatim(ok.serverCertificate),
      ...(plan.matchingId ? { matchingId: plan.matchingId } : {}),
    },
  };
}

async function failed(
  ctx: RelayContext,
  triggered: DownloadSession | undefined,
  values: Omit<DownloadSession, 'id' | 'state' | 'smdpTransactionId' | 'createdAt' | 'updatedAt'>,
  address: string,
  failure: RspFailure,
  code = esipaErrorFor('initiateAuthentication', failure),
): Promise<S.InitiateAuthenticationResponseEsipa> {
  const error = relayErrorFor('initiateAuthentication', address, failure, code);
  ctx.deps.log.warn('InitiateAuthentication failed', { ...error.details });
  const session = triggered ?? (await ctx.deps.store.insertDownloadSession({ ...values, state: 'failed' }));
  await closeSession(ctx, { ...session, detail: values.detail }, 'failed', { status: 'failed', error }, { failure: error.details });
  return refuse(code);
}
