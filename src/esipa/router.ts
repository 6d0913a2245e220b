// Which ESipa resource a request names, and the header checks that come before reading its body.
import type { IncomingMessage } from 'node:http';
import { RequestError } from './errors.ts';
import { JSON_FUNCTIONS, type JsonFunction, TRANSFER_EIM_PACKAGE } from './json-binding.ts';
import { ASN1_MEDIA_TYPE } from './respond.ts';

/** SGP.32 v1.2 §6.2 / checklist §5.1: the one ASN.1-binding resource. */
export const ASN1_PATH = '/gsma/rsp2/asn1';
/** SGP.32 v1.2 §6.4.1 / checklist §5.2: one JSON-binding resource per function. */
export const JSON_PREFIX = '/gsma/rsp2/esipa/';

export type Route = { binding: 'asn1' } | { binding: 'json'; fn: JsonFunction };

const ASN1_ROUTE: Route = { binding: 'asn1' };
const JSON_ROUTES = new Map<string, Route>([...JSON_FUNCTIONS].map(([name, fn]) => [name, { binding: 'json', fn }]));

export function pathOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** The route for a path; RequestError 404 naming the problem otherwise. */
export function routeOf(path: string): Route {
  if (path === ASN1_PATH) return ASN1_ROUTE;
  if (path.startsWith(JSON_PREFIX)) {
    const name = path.slice(JSON_PREFIX.length);
    const route = JSON_ROUTES.get(name);
    if (route) return route;
    // The IPA serves transferEimPackage (inject mode, SGP.32 v1.2 §6.4.1.4), the eIM only calls it: there is
    // no such resource here, hence 404 rather than 405 (no method would be allowed on it).
    if (name === TRANSFER_EIM_PACKAGE) throw new RequestError(404, 'transferEimPackage is served by the IPA (inject mode), not by the eIM');
    throw new RequestError(404, `unknown ESipa function '${name.slice(0, 64)}'`);
  }
  throw new RequestError(404, `no ESipa resource at ${path.slice(0, 100)}`);
}

/** The media type without parameters, lower case ("Application/JSON; charset=utf-8" → "application/json"). */
function mediaType(header: string | undefined): string {
  if (header === undefined) return '';
  const semi = header.indexOf(';');
  return (semi < 0 ? header : header.slice(0, semi)).trim().toLowerCase();
}

/** SGP.32 v1.2 §6.2 / §6.4: `application/x-gsma-rsp-asn1` or `application/json`, else 415 (as OE). */
export function checkContentType(route: Route, header: string | undefined): void {
  if (route.binding === 'asn1') {
    if (header === ASN1_MEDIA_TYPE || mediaType(header) === ASN1_MEDIA_TYPE) return;
    throw new RequestError(415, `Content-Type must be ${ASN1_MEDIA_TYPE}, got ${header === undefined ? 'none' : `'${header.slice(0, 80)}'`}`);
  }
  if (mediaType(header) === 'application/json') return;
  throw new RequestError(415, `Content-Type must be application/json, got ${header === undefined ? 'none' : `'${header.slice(0, 80)}'`}`);
}

// SGP.32 v1.2 §6.1 (via SGP.22 v2.5 §6.2/§6.5.1, checklist §5.1): X-Admin-Protocol is `gsma/rsp/v<x.y.z>`.
// Any 2.x is accepted and echoed (OE insisting on v2.1.0 is too strict; TT sends v2.1.0, OR echoes what
// it gets); another major version, or text that is not a version, is refused with 400. A missing header is
// accepted: some IPAs omit it and nothing in the message depends on it. The JSON binding gets the same
// check: SGP.22 v2.5 §6.5.1 carries the header there too.
const ADMIN_PROTOCOL = /^gsma\/rsp\/v2(?:\.\d{1,4}){1,2}$/;

/** The X-Admin-Protocol value to echo, or undefined when the request had none. */
export function checkAdminProtocol(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header[0] ?? '' : header.trim();
  if (ADMIN_PROTOCOL.test(value)) return value;
  throw new RequestError(400, `unsupported X-Admin-Protocol '${value.slice(0, 40)}': expected gsma/rsp/v2.x.y`);
}

/** Content-Length against the limit, before reading anything (413 and close: the body is not read). */
export function checkDeclaredLength(req: IncomingMessage, maxBodyBytes: number): number | undefined {
  const header = req.headers['content-length'];
  if (header === undefined) return undefined;
  const n = Number(header);
  if (n > maxBodyBytes) throw new RequestError(413, `request body of ${n} bytes exceeds the limit of ${maxBodyBytes}`, true);
  return n;
}
