// The SGP.22 ASN.1 binding shared by the simulated SM-DP+ and SM-DS (SGP.22 v2.5 §6.6; checklist §6.2):
// POST /gsma/rsp2/asn1, `application/x-gsma-rsp-asn1`, the body one RemoteProfileProvisioningRequest
// ('A2' wrapper around BF39 | BF3B | BF3A | BF41 | BF3D) and the answer one
// RemoteProfileProvisioningResponse. Function errors are the response CHOICE's error INTEGER with
// HTTP 200; an undecodable body is 400 (checklist §5.5). `asn1ErrorResponse` is this binding's one mapper.

import { Asn1Error, RSPDefinitions as R } from '../../src/asn1/index.ts';
import type { FailureScript } from './failure-script.ts';
import type { SimRequest, SimResponse } from './http-server.ts';
import { adminProtocolOf } from './json-binding.ts';
import { type ErrorTable, MalformedRequestError, RspFunctionError } from './rsp-error.ts';

export const ASN1_PATH = '/gsma/rsp2/asn1';
export const ASN1_CONTENT_TYPE = 'application/x-gsma-rsp-asn1';

type Request = R.RemoteProfileProvisioningRequest;
export type Asn1Alternative = Request extends infer U ? (U extends Record<infer K, unknown> ? K & string : never) : never;
type ValueOf<K extends Asn1Alternative> = Extract<Request, Record<K, unknown>>[K];

export interface Asn1Route<K extends Asn1Alternative> {
  fn: string;
  /** The answer, or null for "no response data" (HandleNotification → 204). */
  handle(value: ValueOf<K>): Promise<R.RemoteProfileProvisioningResponse | null>;
  /** The response carrying the function's error INTEGER. */
  error(code: number): R.RemoteProfileProvisioningResponse;
}

export type Asn1Routes = { [K in Asn1Alternative]?: Asn1Route<K> };

/** InitiateAuthentication on the ASN.1 binding: the same for ES9+ and ES11 (SGP.22 v2.5 §5.6.1 / §5.8.1). */
export function initiateAuthenticationRoute(initiate: (req: R.InitiateAuthenticationRequest) => Promise<R.InitiateAuthenticationOkEs9>): Asn1Route<'initiateAuthenticationRequest'> {
  return {
    fn: 'initiateAuthentication',
    handle: async (v) => ({ initiateAuthenticationResponse: { initiateAuthenticationOk: await initiate(v) } }),
    error: (code) => ({ initiateAuthenticationResponse: { initiateAuthenticationError: code } }),
  };
}

export interface Asn1DispatchOptions {
  routes: Asn1Routes;
  script: FailureScript;
  errorTables: Readonly<Record<string, ErrorTable>>;
  onCall?: (fn: string, path: string) => void;
}

function answer(value: R.RemoteProfileProvisioningResponse, adminProtocol: string): SimResponse {
  return { status: 200, headers: { 'Content-Type': ASN1_CONTENT_TYPE, 'X-Admin-Protocol': adminProtocol }, body: R.RemoteProfileProvisioningResponse.encode(value) };
}

/** The ASN.1 binding's error mapper: a protocol error → the function's error INTEGER; unreadable inner data → undefinedError(127). */
export function asn1ErrorResponse<K extends Asn1Alternative>(err: unknown, route: Asn1Route<K>, adminProtocol: string): SimResponse {
  if (err instanceof RspFunctionError) return answer(route.error(err.asn1Code), adminProtocol);
  if (err instanceof MalformedRequestError || err instanceof Asn1Error) return answer(route.error(127), adminProtocol);
  throw err;
}

/** Runs one ASN.1-binding request; undefined when the path is not the ASN.1 endpoint. */
export async function dispatchAsn1(req: SimRequest, options: Asn1DispatchOptions): Promise<SimResponse | undefined> {
  if (req.path !== ASN1_PATH) return undefined;
  if (req.method !== 'POST') return { status: 405, headers: { Allow: 'POST' } };
  const adminProtocol = adminProtocolOf(req);
  if (!adminProtocol) return { status: 400 };
  if (!String(req.headers['content-type'] ?? '').toLowerCase().startsWith(ASN1_CONTENT_TYPE)) return { status: 415 };
  let decoded: Request;
  try {
    decoded = R.RemoteProfileProvisioningRequest.decode(req.body);
  } catch (err) {
    if (err instanceof Asn1Error) return { status: 400 };
    throw err;
  }
  const [alternative, value] = Object.entries(decoded)[0] as [Asn1Alternative, unknown];
  const route = options.routes[alternative] as Asn1Route<Asn1Alternative> | undefined;
  if (!route) return { status: 400 }; // e.g. CancelSession sent to the SM-DS
  options.onCall?.(route.fn, req.path);
  try {
    const scripted = await options.script.apply(route.fn, 'asn1', options.errorTables);
    if (scripted.kind === 'drop') return { drop: true };
    if (scripted.kind === 'http') return { status: scripted.status };
    if (scripted.kind === 'error') throw scripted.error;
    const out = await route.handle(value as never);
    if (out === null) return { status: 204, headers: { 'X-Admin-Protocol': adminProtocol } };
    return answer(out, adminProtocol);
  } catch (err) {
    return asn1ErrorResponse(err, route, adminProtocol);
  }
}
