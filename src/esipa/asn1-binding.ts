// ESipa ASN.1 binding (SGP.32 v1.2 §6.3; checklist §1.1, §5.1): the body is one EsipaMessageFromIpaToEim,
// i.e. the function's own TLV (BF39, BF4F, ...; the CHOICE alternative tags equal the types' tags, so there
// is no wrapper), and the answer is one EsipaMessageFromEimToIpa, or nothing for HandleNotification.
//
// The decoded request goes to the functions as is: signed sub-structures keep the bytes received.
import { SGP32Definitions as S } from '../asn1/index.ts';
import type { EsipaContext, EsipaFunctions } from '../services/esipa-functions.ts';
import { eidAnswerFor } from './eid-errors.ts';
import { InternalError, RequestError } from './errors.ts';

/** What a binding hands back to the server: an answer body, or `null` for 204 No Content. */
export type BindingAnswer = Uint8Array | null;

const Message = S.EsipaMessageFromIpaToEim;
const Answer = S.EsipaMessageFromEimToIpa;

/** Decodes the body; an Asn1Error escapes to the error mapper as 400 (it names code, path and offset). */
export function decodeEsipaRequest(body: Uint8Array): S.EsipaMessageFromIpaToEim {
  if (body.length === 0) throw new RequestError(400, 'empty body: expected one DER-encoded EsipaMessageFromIpaToEim');
  return Message.decode(body);
}

export async function handleAsn1(body: Uint8Array, functions: EsipaFunctions, ctx: EsipaContext): Promise<BindingAnswer> {
  let msg: S.EsipaMessageFromIpaToEim;
  try {
    msg = decodeEsipaRequest(body);
  } catch (err) {
    const eidAnswer = eidAnswerFor(err);
    if (eidAnswer === undefined) throw err;
    return Answer.encode(eidAnswer);
  }
  try {
    return await dispatch(msg, functions, ctx);
  } catch (err) {
    if (err instanceof RequestError) throw err;
    throw new InternalError(err);
  }
}

/** The function name of a decoded request, for logs. */
export function functionOf(msg: S.EsipaMessageFromIpaToEim): string {
  for (const k in msg) return k;
  return '?';
}

// One branch per EsipaMessageFromIpaToEim alternative (SGP.32 v1.2 §6.3.1). GetEimPackage first: it is
// what an idle IPA sends on every poll.
async function dispatch(msg: S.EsipaMessageFromIpaToEim, f: EsipaFunctions, ctx: EsipaContext): Promise<BindingAnswer> {
  if ('getEimPackageRequest' in msg) {
    return Answer.encode({ getEimPackageResponse: await f.getEimPackage(msg.getEimPackageRequest, ctx) });
  }
  if ('provideEimPackageResult' in msg) {
    return Answer.encode({ provideEimPackageResultResponse: await f.provideEimPackageResult(msg.provideEimPackageResult, ctx) });
  }
  if ('handleNotificationEsipa' in msg) {
    await f.handleNotification(msg.handleNotificationEsipa, ctx);
    return null;
  }
  if ('initiateAuthenticationRequestEsipa' in msg) {
    return Answer.encode({ initiateAuthenticationResponseEsipa: await f.initiateAuthentication(msg.initiateAuthenticationRequestEsipa, ctx) });
  }
  if ('authenticateClientRequestEsipa' in msg) {
    return Answer.encode({ authenticateClientResponseEsipa: await f.authenticateClient(msg.authenticateClientRequestEsipa, ctx) });
  }
  if ('getBoundProfilePackageRequestEsipa' in msg) {
    return Answer.encode({ getBoundProfilePackageResponseEsipa: await f.getBoundProfilePackage(msg.getBoundProfilePackageRequestEsipa, ctx) });
  }
  if ('cancelSessionRequestEsipa' in msg) {
    return Answer.encode({ cancelSessionResponseEsipa: await f.cancelSession(msg.cancelSessionRequestEsipa, ctx) });
  }
  // transferEimPackageResponse is the IPA's answer to the eIM's own TransferEimPackage call (inject mode,
  // SGP.32 v1.2 §6.3.3.1): it arrives as the HTTP response of that call, never as a request to the eIM.
  throw new RequestError(400, 'transferEimPackageResponse is not a request: it answers the eIM\'s TransferEimPackage (inject mode)');
}
