// The SM-DS functions: ES11.InitiateAuthentication and ES11.AuthenticateClient (SGP.22 v2.5 §5.8.1,
// §5.8.2: event retrieval answering eventEntries), ES12.RegisterEvent and ES12.DeleteEvent (§5.7.1, §5.7.2).

import type { RSPDefinitions as R } from '../../src/asn1/index.ts';
import { toHex } from '../../src/lib/bytes.ts';
import { AuthCheckError, initiate, selectCredentials, verifyClient } from '../common/mutual-authentication.ts';
import { RspFunctionError } from '../common/rsp-error.ts';
import type { SmdsContext } from './context.ts';
import { authenticateClientError, smdsError } from './errors.ts';

export interface RegisterEventInput {
  eid: string;
  eventId: string;
  rspServerAddress: string;
  forwardingIndicator?: boolean;
}

export interface SmdsFunctions {
  initiateAuthentication(req: R.InitiateAuthenticationRequest): Promise<R.InitiateAuthenticationOkEs9>;
  authenticateClient(req: R.AuthenticateClientRequest): Promise<R.AuthenticateClientOkEs11>;
  registerEvent(input: RegisterEventInput): Promise<void>;
  deleteEvent(eid: string, eventId: string): Promise<void>;
}

async function initiateAuthentication(ctx: SmdsContext, req: R.InitiateAuthenticationRequest): Promise<R.InitiateAuthenticationOkEs9> {
  // SGP.22 v2.5 §5.8.1: the address the eUICC was told must be this SM-DS (case-insensitive).
  if (req.smdpAddress.toLowerCase() !== ctx.address.toLowerCase()) throw smdsError('initiateAuthentication', 'invalidDpAddress', `${req.smdpAddress} is not this SM-DS (${ctx.address})`);
  if (req.euiccInfo1.svn[0] !== 2 && req.euiccInfo1.svn[0] !== 3) throw smdsError('initiateAuthentication', 'euiccVersionNotSupportedByDp', `eUICC SVN ${toHex(req.euiccInfo1.svn)}`);
  let set;
  try {
    set = selectCredentials(req.euiccInfo1, ctx.credentials);
  } catch (err) {
    if (err instanceof AuthCheckError) throw smdsError('initiateAuthentication', 'ciPKNotSupported', err.message);
    throw err;
  }
  const { session, ok } = await initiate(ctx.sessions.newTransactionId(), req.euiccChallenge, ctx.address, set);
  ctx.sessions.put(session);
  ctx.recorder.record({ type: 'initiated', transactionId: toHex(session.transactionId).toUpperCase() });
  return ok;
}

/**
 * SGP.22 v2.5 §5.8.2: after the common checks, matchingId = an EventID names one event of this EID
 * (eventIdUnknown otherwise); no or an empty matchingId asks for all events of the EID.
 */
async function authenticateClient(ctx: SmdsContext, req: R.AuthenticateClientRequest): Promise<R.AuthenticateClientOkEs11> {
  const session = ctx.sessions.get(req.transactionId);
  if (!session) throw smdsError('authenticateClient', 'invalidTransactionId', `no ES11 session for ${toHex(req.transactionId)}`);
  let auth;
  try {
    auth = await verifyClient(session, req.authenticateServerResponse, ctx.trustAnchors, ctx.now());
  } catch (err) {
    if (err instanceof AuthCheckError) throw authenticateClientError(err.failure, err.message);
    throw err;
  }
  ctx.sessions.delete(session.transactionId);
  const records = ctx.events.forEid(auth.eid).filter((e) => !auth.matchingId || e.eventId === auth.matchingId);
  if (auth.matchingId && records.length === 0) throw smdsError('authenticateClient', 'eventIdUnknown', `no event ${auth.matchingId} for EID ${auth.eid}`);
  const eventEntries = records.map((e) => ({ eventId: e.eventId, rspServerAddress: e.rspServerAddress }));
  ctx.recorder.record({ type: 'retrieved', transactionId: toHex(session.transactionId).toUpperCase(), eid: auth.eid, eventIds: eventEntries.map((e) => e.eventId) });
  return { transactionId: session.transactionId, eventEntries };
}

async function registerEvent(ctx: SmdsContext, input: RegisterEventInput): Promise<void> {
  const added = ctx.events.register({ eid: input.eid, eventId: input.eventId, rspServerAddress: input.rspServerAddress, forwardingIndicator: input.forwardingIndicator ?? false });
  if (!added) throw smdsError('registerEvent', 'eventIdAlreadyUsed', `event ${input.eventId} is already registered`);
  ctx.recorder.record({ type: 'registered', eventId: input.eventId, eid: input.eid, rspServerAddress: input.rspServerAddress });
}

async function deleteEvent(ctx: SmdsContext, eid: string, eventId: string): Promise<void> {
  if (!ctx.events.delete(eid, eventId)) throw smdsError('deleteEvent', 'eventIdUnknown', `no event ${eventId} for EID ${eid}`);
  ctx.recorder.record({ type: 'deleted', eventId, eid });
}

function recorded<A extends unknown[], T>(ctx: SmdsContext, fn: (ctx: SmdsContext, ...a: A) => Promise<T>): (...a: A) => Promise<T> {
  return async (...a) => {
    try {
      return await fn(ctx, ...a);
    } catch (err) {
      if (err instanceof RspFunctionError) ctx.recorder.record({ type: 'rejected', function: err.function, error: err.errorName, status: err.status });
      throw err;
    }
  };
}

export function smdsFunctions(ctx: SmdsContext): SmdsFunctions {
  return {
    initiateAuthentication: recorded(ctx, initiateAuthentication),
    authenticateClient: recorded(ctx, authenticateClient),
    registerEvent: recorded(ctx, registerEvent),
    deleteEvent: recorded(ctx, deleteEvent),
  };
}
