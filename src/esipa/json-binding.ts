// ESipa JSON binding (SGP.32 v1.2 §6.4; checklist §5.2): `POST /gsma/rsp2/esipa/<function>` with a JSON
// object whose members map one to one onto the fields of the ASN.1 request. The request is turned into the
// same typed value the ASN.1 binding decodes, the same EsipaFunctions method runs, and its typed answer is
// turned back into JSON. Field mapping: json-requests.ts / json-responses.ts; status codes: json-status.ts.
import type { EsipaContext, EsipaFunctions } from '../services/esipa-functions.ts';
import type { BindingAnswer } from './asn1-binding.ts';
import { EidError, INVALID_EID, MISSING_EID } from './eid-errors.ts';
import { InternalError, RequestError } from './errors.ts';
import { type JsonObject, parseJsonObject } from './json-fields.ts';
import * as In from './json-requests.ts';
import * as Out from './json-responses.ts';

export interface JsonFunction {
  /** The path segment after /gsma/rsp2/esipa/. */
  readonly name: string;
  /** JSON request → typed request; throws RequestError naming the field. */
  decode(o: JsonObject): unknown;
  /** Calls the function; the answer as JSON, or null for 204. */
  run(f: EsipaFunctions, request: unknown, ctx: EsipaContext): Promise<JsonObject | null>;
}

function fn<Req, Ans>(
  name: string,
  decode: (o: JsonObject) => Req,
  call: (f: EsipaFunctions, r: Req, ctx: EsipaContext) => Promise<Ans>,
  encode: (a: Ans) => JsonObject | null,
): JsonFunction {
  return {
    name,
    decode,
    async run(f, request, ctx) {
      return encode(await call(f, request as Req, ctx));
    },
  };
}

/**
 * The seven functions the eIM serves (SGP.32 v1.2 §6.4.1.1-3, 5-8). The eighth path,
 * `transferEimPackage` (§6.4.1.4), is served by the IPA: in inject mode the eIM is the client that POSTs it
 * to the IPA, so the eIM has no such resource and answers 404 (see TRANSFER_EIM_PACKAGE).
 */
export const JSON_FUNCTIONS: ReadonlyMap<string, JsonFunction> = new Map(
  [
    fn('getEimPackage', In.getEimPackageIn, (f, r, c) => f.getEimPackage(r, c), Out.getEimPackageOut),
    fn('provideEimPackageResult', In.provideEimPackageResultIn, (f, r, c) => f.provideEimPackageResult(r, c), Out.provideEimPackageResultOut),
    fn('handleNotification', In.handleNotificationIn, (f, r, c) => f.handleNotification(r, c), () => null),
    fn('initiateAuthentication', In.initiateAuthenticationIn, (f, r, c) => f.initiateAuthentication(r, c), Out.initiateAuthenticationOut),
    fn('authenticateClient', In.authenticateClientIn, (f, r, c) => f.authenticateClient(r, c), Out.authenticateClientOut),
    fn('getBoundProfilePackage', In.getBoundProfilePackageIn, (f, r, c) => f.getBoundProfilePackage(r, c), Out.getBoundProfilePackageOut),
    fn('cancelSession', In.cancelSessionIn, (f, r, c) => f.cancelSession(r, c), Out.cancelSessionOut),
  ].map((f) => [f.name, f] as const),
);

export const TRANSFER_EIM_PACKAGE = 'transferEimPackage';

const encoder = new TextEncoder();

export async function handleJson(jf: JsonFunction, body: Uint8Array, functions: EsipaFunctions, ctx: EsipaContext): Promise<BindingAnswer> {
  const obj = parseJsonObject(body);
  let request: unknown;
  try {
    request = jf.decode(obj);
  } catch (err) {
    const eidAnswer = err instanceof EidError ? eidAnswerFor(jf.name, err.eidCode) : undefined;
    if (eidAnswer === undefined) throw err;
    return encoder.encode(JSON.stringify(eidAnswer));
  }
  let answer: JsonObject | null;
  try {
    answer = await jf.run(functions, request, ctx);
  } catch (err) {
    if (err instanceof RequestError) throw err;
    throw new InternalError(err);
  }
  return answer === null ? null : encoder.encode(JSON.stringify(answer));
}

/** The JSON answer for an eidValue problem (eid-errors.ts): GetEimPackage missingEid/invalidEid, ProvideEimPackageResult invalidEid. */
function eidAnswerFor(fn: string, code: typeof INVALID_EID | typeof MISSING_EID): JsonObject | undefined {
  if (fn === 'getEimPackage') return Out.getEimPackageOut({ eimPackageError: code });
  if (fn === 'provideEimPackageResult') return Out.provideEimPackageResultOut({ provideEimPackageResultError: code });
  return undefined;
}
