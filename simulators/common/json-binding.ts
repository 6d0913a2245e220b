// The SGP.22 JSON binding shared by the simulated SM-DP+ and SM-DS (SGP.22 v2.5 §6.5; checklist §4.2,
// §6.1): POST application/json, `X-Admin-Protocol: gsma/rsp/v2.x.y` accepted and echoed, every answer
// a JSON object whose header.functionExecutionStatus says Executed-Success or Failed with
// statusCodeData. Function outcomes travel with HTTP 200; 4xx only for transport faults (checklist §5.5).
// `jsonErrorResponse` is the one error mapper of this binding.

import { fromBase64, fromHex, toBase64, toHex } from '../../src/lib/bytes.ts';
import type { FailureScript } from './failure-script.ts';
import type { SimRequest, SimResponse } from './http-server.ts';
import { type ErrorTable, MALFORMED_STATUS, MalformedRequestError, RspFunctionError, type StatusCodeData } from './rsp-error.ts';

export const JSON_CONTENT_TYPE = 'application/json;charset=UTF-8';
/** What we answer when the client sent no X-Admin-Protocol. */
export const DEFAULT_ADMIN_PROTOCOL = 'gsma/rsp/v2.5.0';
/** SGP.22 v2.5 §6.5.1: any v2 protocol version is accepted (checklist §5.1: OE's exact match is too strict). */
const ADMIN_PROTOCOL = /^gsma\/rsp\/v2\.\d+\.\d+$/;

export type JsonObject = Record<string, unknown>;

/** A JSON function: its name (for scripting and error tables) and the handler; `null` = 204 No Content. */
export interface JsonRoute {
  fn: string;
  handle(body: JsonObject): Promise<JsonObject | null>;
}

/** The request's X-Admin-Protocol: its value, the default when absent, or undefined when unacceptable. */
export function adminProtocolOf(req: SimRequest): string | undefined {
  const v = req.headers['x-admin-protocol'];
  if (v === undefined) return DEFAULT_ADMIN_PROTOCOL;
  return typeof v === 'string' && ADMIN_PROTOCOL.test(v.trim()) ? v.trim() : undefined;
}

export function parseJsonObject(body: Uint8Array): JsonObject {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (err) {
    throw new MalformedRequestError(`body is not JSON: ${(err as Error).message}`, { cause: err });
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new MalformedRequestError('body is not a JSON object');
  return v as JsonObject;
}

/** Field readers: a missing or mistyped field is a MalformedRequestError naming it. */
export const field = {
  string(o: JsonObject, name: string): string {
    const v = o[name];
    if (typeof v !== 'string') throw new MalformedRequestError(v === undefined ? `missing ${name}` : `${name} must be a string`);
    return v;
  },
  optionalString(o: JsonObject, name: string): string | undefined {
    return o[name] === undefined ? undefined : field.string(o, name);
  },
  base64(o: JsonObject, name: string): Uint8Array {
    const s = field.string(o, name);
    try {
      return fromBase64(s);
    } catch (err) {
      throw new MalformedRequestError(`${name} is not base64`, { cause: err });
    }
  },
  /** SGP.22 v2.5 §6.5.2: transactionId is the hex string of the TransactionId bytes (1..16). */
  transactionId(o: JsonObject, name = 'transactionId'): Uint8Array {
    const s = field.string(o, name);
    if (!/^([0-9A-Fa-f]{2}){1,16}$/.test(s)) throw new MalformedRequestError(`${name} must be 1..16 bytes of hex`);
    return fromHex(s);
  },
};

/** SGP.22 v2.5 §6.5.2: transactionId in responses as upper-case hex (osmo-smdpp, checklist §5.2). */
export const hexTransactionId = (id: Uint8Array): string => toHex(id).toUpperCase();
export const b64 = toBase64;

export function jsonSuccess(fields: JsonObject): JsonObject {
  return { header: { functionExecutionStatus: { status: 'Executed-Success' } }, ...fields };
}

export function jsonFailed(status: StatusCodeData): JsonObject {
  return { header: { functionExecutionStatus: { status: 'Failed', statusCodeData: status } } };
}

function jsonAnswer(body: JsonObject, adminProtocol: string): SimResponse {
  return { status: 200, headers: { 'Content-Type': JSON_CONTENT_TYPE, 'X-Admin-Protocol': adminProtocol }, body: JSON.stringify(body) };
}

/** The JSON binding's error mapper: protocol errors → 200 Failed; anything else is rethrown (→ bare 500). */
export function jsonErrorResponse(err: unknown, adminProtocol: string): SimResponse {
  if (err instanceof RspFunctionError) return jsonAnswer(jsonFailed(err.status), adminProtocol);
  if (err instanceof MalformedRequestError) {
    const [subjectCode, reasonCode] = err.message.startsWith('missing') ? MALFORMED_STATUS.missing : MALFORMED_STATUS.invalid;
    return jsonAnswer(jsonFailed({ subjectCode, reasonCode, message: err.message }), adminProtocol);
  }
  throw err;
}

export interface JsonDispatchOptions {
  routes: Readonly<Record<string, JsonRoute>>;
  script: FailureScript;
  errorTables: Readonly<Record<string, ErrorTable>>;
  /** Called for every function call, before it runs. */
  onCall?: (fn: string, path: string) => void;
}

/** Runs one JSON-binding request. Returns undefined when no route matches the path. */
export async function dispatchJson(req: SimRequest, options: JsonDispatchOptions): Promise<SimResponse | undefined> {
  const route = options.routes[req.path];
  if (!route) return undefined;
  if (req.method !== 'POST') return { status: 405, headers: { Allow: 'POST' } };
  const adminProtocol = adminProtocolOf(req);
  if (!adminProtocol) return { status: 400 };
  if (!String(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) return { status: 415 };
  options.onCall?.(route.fn, req.path);
  try {
    const scripted = await options.script.apply(route.fn, 'json', options.errorTables);
    if (scripted.kind === 'drop') return { drop: true };
    if (scripted.kind === 'http') return { status: scripted.status };
    if (scripted.kind === 'error') throw scripted.error;
    const out = await route.handle(parseJsonObject(req.body));
    // SGP.22 v2.5 §6.3: a notification is acknowledged with 204 and an empty body.
    if (out === null) return { status: 204, headers: { 'X-Admin-Protocol': adminProtocol } };
    return jsonAnswer(out, adminProtocol);
  } catch (err) {
    return jsonErrorResponse(err, adminProtocol);
  }
}
