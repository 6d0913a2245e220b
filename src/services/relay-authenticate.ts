// ESipa AuthenticateClient → ES9+' AuthenticateClient (SM-DP+) or ES11' AuthenticateClient (SM-DS event
// retrieval) (SGP.32 v1.2 §3.2, §6.3.2.2; checklist §4.2, §4.3). Correlated by the server's transactionId.
// The eUICC certificate in the response binds the session to its eUICC and is cached for verifying the
// ProfileInstallationResult later.
import { SGP32Definitions as S, verbatim } from '../asn1/index.ts';
import { parseCertificate } from '../crypto/certificate.ts';
import { randomBytes } from '../crypto/engine.ts';
import type { Euicc } from '../domain/records.ts';
import { bytesEqual } from '../lib/bytes.ts';
import type { DownloadSession } from './download-session-ports.ts';
import { checkEuiccCertificate } from './euicc-keys.ts';
import { emit } from './events.ts';
import { authenticateServerResponseDer, certificatesOf, UnrelayableError } from './relay-der.ts';
import { closeSession, findSession, type RelayContext } from './relay-context.ts';
import { esipaErrorFor, relayErrorFor, type RelayedFunction, UNDEFINED_ERROR } from './relay-errors.ts';
import type { RspFailure } from './rsp-client.ts';

const ERR = { eidMismatch: 7, invalidTransactionId: 10, eventIdUnknown: 56 } as const;
const refuse = (code: number): S.AuthenticateClientResponseEsipa => ({ authenticateClientErrorEsipa: code });

export async function relayAuthenticateClient(ctx: RelayContext, req: S.AuthenticateClientRequestEsipa): Promise<S.AuthenticateClientResponseEsipa> {
  const session = await findSession(ctx.deps, req.transactionId, ['initiated']);
  if (!session) return refuse(ERR.invalidTransactionId);
  const bound = await bindEuicc(ctx, session, req.authenticateServerResponse);
  if (bound === 'mismatch') return refuse(ERR.eidMismatch);
  let asr: Uint8Array;
  try {
    asr = authenticateServerResponseDer(req.authenticateServerResponse, bound);
  } catch (err) {
    if (!(err instanceof UnrelayableError)) throw err;
    const failure: RspFailure = { kind: 'transport', message: `not relayed: ${err.message}` };
    return fail(ctx, session, 'authenticateClient', failure, UNDEFINED_ERROR);
  }
  if (session.detail?.server === 'smds') return retrieveEvents(ctx, session, req.transactionId, asr);
  const answer = await ctx.client.authenticateClient(session.smdpAddress, req.transactionId, asr);
  if (answer.failure) return fail(ctx, session, 'authenticateClient', answer.failure);
  await ctx.deps.store.updateDownloadSession(session.id, { state: 'authenticated' });
  const ok = answer.ok;
  // hashCc is left out: the eIM holds no Confirmation Code (orders carry none); the eUICC/IPA supplies it.
  return {
    authenticateClientOkDPEsipa: {
      transactionId: ok.transactionId,
      ...(ok.profileMetadata ? { profileMetaData: verbatim(ok.profileMetadata) } : {}),
      smdpSigned2: verbatim(ok.smdpSigned2),
      smdpSignature2: ok.smdpSignature2,
      smdpCertificate: verbatim(ok.smdpCertificate),
    },
  };
}

/**
 * Checklist §4.3: the SM-DS answers eventEntries; the first event becomes a ProfileDownloadTriggerRequest
 * with the activation code `1$<rspServerAddress>$<eventId>` (SGP.22 v2.5 §4.1, §3.6.2: the EventID is the
 * matchingId at that server) and a fresh eimTransactionId, which the IPA's next InitiateAuthentication carries.
 */
async function retrieveEvents(ctx: RelayContext, session: DownloadSession, transactionId: Uint8Array, asr: Uint8Array): Promise<S.AuthenticateClientResponseEsipa> {
  const answer = await ctx.client.retrieveEvents(session.smdpAddress, transactionId, asr);
  if (answer.failure) return fail(ctx, session, 'authenticateClientEs11', answer.failure);
  const events = answer.ok;
  const [event] = events;
  if (!event) {
    // Interpretation: no event for this eUICC is eventIdUnknown(56) on ESipa (SGP.32 v1.2 AuthenticateClientResponseEsipa).
    const failure: RspFailure = { kind: 'rejected', message: 'the SM-DS holds no event for this eUICC' };
    return fail(ctx, session, 'authenticateClientEs11', failure, ERR.eventIdUnknown, { events });
  }
  if (events.length > 1) ctx.deps.log.warn('the SM-DS returned several events; the first is used', { events });
  const eimTransactionId = randomBytes(16);
  const trigger: S.ProfileDownloadTriggerRequest = { profileDownloadData: { activationCode: `1$${event.rspServerAddress}$${event.eventId}` }, eimTransactionId };
  await ctx.deps.store.transaction(async (tx) => {
    await tx.updateDownloadSession(session.id, { state: 'done', detail: { ...(session.detail ?? { server: 'smds' }), events } });
    await tx.insertDownloadSession({
      orderId: session.orderId,
      euiccId: session.euiccId,
      eimTransactionId,
      smdpAddress: event.rspServerAddress,
      matchingId: event.eventId,
      state: 'triggered',
      detail: { server: 'smdp' },
    });
  });
  ctx.deps.log.info('SM-DS event turned into a download trigger', { eventId: event.eventId, server: event.rspServerAddress, orderId: session.orderId });
  return { authenticateClientOkDSEsipa: { transactionId, profileDownloadTrigger: trigger } };
}

/** The eUICC of the session, from its certificate (checked against the order's eUICC); its certificates are cached when they validate. */
async function bindEuicc(ctx: RelayContext, session: DownloadSession, asr: S.AuthenticateServerResponse): Promise<Euicc | undefined | 'mismatch'> {
  const { store } = ctx.deps;
  let euicc = session.euiccId !== null ? await store.findEuiccById(session.euiccId) : undefined;
  const certs = certificatesOf(asr);
  if (!certs) return euicc;
  let eid: string | undefined;
  try {
    eid = parseCertificate(certs.euicc).subjectSerialNumber;
  } catch {
    return euicc; // the SM-DP+ judges the certificate
  }
  if (euicc && eid && eid !== euicc.eid) {
    const error = { code: 'ERR_EID_MISMATCH', message: `the download for ${euicc.eid} was answered by eUICC ${eid}`, details: { eid } };
    await closeSession(ctx, session, 'failed', { status: 'failed', error }, { failure: error.details });
    return 'mismatch';
  }
  if (!euicc && eid) {
    euicc = await store.findEuiccByEid(eid);
    if (euicc) await store.updateDownloadSession(session.id, { euiccId: euicc.id });
  }
  if (euicc && !(euicc.euiccCertificate && bytesEqual(euicc.euiccCertificate, certs.euicc))) {
    const check = await checkEuiccCertificate(ctx.deps, euicc.eid, certs.euicc, certs.eum ?? euicc.eumCertificate);
    if (check.ok) {
      const { id, tenantId, eid: euiccEid } = euicc;
      await store.transaction(async (tx) => {
        await tx.updateEuicc(id, { euiccCertificate: certs.euicc, eumCertificate: certs.eum ?? euicc!.eumCertificate });
        await emit(tx, tenantId, 'euicc.certificatesLearned', { type: 'euicc', id: euiccEid }, { eid: euiccEid });
      });
      euicc = { ...euicc, euiccCertificate: certs.euicc, eumCertificate: certs.eum ?? euicc.eumCertificate };
    } else ctx.deps.log.warn('eUICC certificate in AuthenticateServerResponse does not validate; not cached', { eid: euicc.eid, code: check.code });
  }
  return euicc;
}

async function fail(
  ctx: RelayContext,
  session: DownloadSession,
  fn: RelayedFunction,
  failure: RspFailure,
  code = esipaErrorFor(fn, failure),
  detail: Record<string, unknown> = {},
): Promise<S.AuthenticateClientResponseEsipa> {
  const error = relayErrorFor(fn, session.smdpAddress, failure, code);
  ctx.deps.log.warn('AuthenticateClient failed', { ...error.details, transactionId: session.smdpTransactionId });
  await closeSession(ctx, session, 'failed', { status: 'failed', error }, { failure: error.details, ...detail });
  return refuse(code);
}

