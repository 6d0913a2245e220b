// Writing ESipa answers: fixed header names and media types, headers passed to writeHead as one flat
// array so Node builds no header object per response.
import type { ServerResponse } from 'node:http';
import type { Fault } from './errors.ts';

/** SGP.32 v1.2 §6.2 / checklist §5.1: the ASN.1 binding's media type, on request and response. */
export const ASN1_MEDIA_TYPE = 'application/x-gsma-rsp-asn1';
/** SGP.32 v1.2 §6.4 / checklist §5.2: the JSON binding answers `application/json;charset=UTF-8`. */
export const JSON_MEDIA_TYPE = 'application/json;charset=UTF-8';
const TEXT_MEDIA_TYPE = 'text/plain;charset=UTF-8';

/** Echoed when the IPA sent no X-Admin-Protocol (the value TT and OE use). */
export const DEFAULT_ADMIN_PROTOCOL = 'gsma/rsp/v2.1.0';

const CONTENT_TYPE = 'Content-Type';
const CONTENT_LENGTH = 'Content-Length';
const ADMIN_PROTOCOL = 'X-Admin-Protocol';

export function sendBody(res: ServerResponse, contentType: string, adminProtocol: string, body: Uint8Array): void {
  res.writeHead(200, [CONTENT_TYPE, contentType, CONTENT_LENGTH, String(body.length), ADMIN_PROTOCOL, adminProtocol]);
  res.end(body);
}

/** HandleNotification: no response data (SGP.32 v1.2 §6.3.2.4, §6.4.1.7; OR answers 204). */
export function sendNoContent(res: ServerResponse, adminProtocol: string): void {
  res.writeHead(204, [ADMIN_PROTOCOL, adminProtocol]);
  res.end();
}

export function sendFault(res: ServerResponse, fault: Fault, adminProtocol: string, allow?: string): void {
  const text = Buffer.from(fault.text + '\n', 'utf8');
  const headers = [CONTENT_TYPE, TEXT_MEDIA_TYPE, CONTENT_LENGTH, String(text.length), ADMIN_PROTOCOL, adminProtocol];
  if (allow !== undefined) headers.push('Allow', allow);
  // The body of a refused request may still be arriving: closing is the only way not to read it.
  if (fault.close) headers.push('Connection', 'close');
  res.writeHead(fault.status, headers);
  res.end(text);
}
