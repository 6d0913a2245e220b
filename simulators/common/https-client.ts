// A small HTTPS client for the RSP bindings: the SM-DP+ simulator uses it for ES12 towards the SM-DS
// simulator, tests use it to play the LPA/eIM side. The server is authenticated against the given CI
// certificates; `servername` names the host the certificate is for when connecting to an IP literal
// (the test PKI's TLS certificates are issued for "localhost").

import { request } from 'node:https';
import { ASN1_CONTENT_TYPE, ASN1_PATH } from './asn1-binding.ts';
import { DEFAULT_ADMIN_PROTOCOL } from './json-binding.ts';

export interface ClientOptions {
  /** PEM CI certificate(s) the server's TLS certificate must chain to. */
  ca: string;
  /** TLS server name (SNI and certificate check); default "localhost" for IP literals, else the URL host. */
  servername?: string;
  adminProtocol?: string;
  timeoutMs?: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
}

export interface ClientResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array;
}

function isIpLiteral(host: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(':');
}

export function post(url: string, contentType: string, body: Uint8Array, options: ClientOptions): Promise<ClientResponse> {
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        protocol: 'https:',
        host,
        port: target.port || 443,
        path: `${target.pathname}${target.search}`,
        method: 'POST',
        ca: options.ca,
        servername: options.servername ?? (isIpLiteral(host) ? 'localhost' : host),
        headers: {
          'Content-Type': contentType,
          'Content-Length': String(body.length),
          'X-Admin-Protocol': options.adminProtocol ?? DEFAULT_ADMIN_PROTOCOL,
          ...(options.headers ?? {}),
        },
        timeout: options.timeoutMs ?? 10_000,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: new Uint8Array(Buffer.concat(chunks)) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${options.timeoutMs ?? 10_000} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** POSTs a JSON object; `json` is the parsed answer when there is a body. */
export async function postJson(baseUrl: string, path: string, body: unknown, options: ClientOptions): Promise<ClientResponse & { json?: Record<string, unknown> }> {
  const res = await post(`${baseUrl}${path}`, 'application/json', new TextEncoder().encode(JSON.stringify(body)), options);
  if (res.body.length === 0) return res;
  return { ...res, json: JSON.parse(new TextDecoder().decode(res.body)) as Record<string, unknown> };
}

/** POSTs one DER RemoteProfileProvisioningRequest to the ASN.1 endpoint. */
export function postAsn1(baseUrl: string, der: Uint8Array, options: ClientOptions): Promise<ClientResponse> {
  return post(`${baseUrl}${ASN1_PATH}`, ASN1_CONTENT_TYPE, der, options);
}
