// One HTTPS POST to an RSP server (SGP.22 v2.5 §6.1: HTTPS with server authentication; the eIM is the TLS
// client, checklist §3.8). The server certificate is verified against the configured trust anchors (the
// GSMA CI certificates of the PKI) unless the server's configuration says otherwise (labs; warned on every
// call). Failures are classified by whether the request may have reached the server: only a connection
// that never completed its TLS handshake is retried, because ES9+ AuthenticateClient and
// GetBoundProfilePackage must never be sent twice once the server may have acted.
import { request } from 'node:https';
import type { Logger } from '../services/deps.ts';
import type { RspFailure } from '../services/rsp-client.ts';

export interface Endpoint {
  /** Base URL, e.g. https://smdp.example.com or https://127.0.0.1:8443. */
  url: string;
  /** TLS server name (SNI and certificate check); default the URL host. */
  servername?: string;
  /** PEM trust anchors for the server certificate. */
  ca: string;
  /** Labs only: accept any server certificate. */
  insecureSkipVerify?: boolean;
  /** Whole exchange, connect to last byte of the answer. */
  timeoutMs: number;
  /** Extra attempts after a connection failure before anything was sent. */
  connectRetries: number;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array;
}

export type HttpOutcome = { answer: HttpAnswer; failure?: undefined } | { answer?: undefined; failure: RspFailure };

/** Certificate problems are not transient: never retried, reported as transport failures. */
const TLS_VERIFY_CODES = /CERT|SIGNATURE|SELF_SIGNED|ALTNAME|VERIFY|ISSUER/;

function postOnce(ep: Endpoint, path: string, headers: Record<string, string>, body: Uint8Array): Promise<HttpOutcome> {
  const target = new URL(path, ep.url.endsWith('/') ? ep.url : `${ep.url}/`);
  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    const done = (o: HttpOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(o);
    };
    const req = request(
      {
        protocol: 'https:',
        host: target.hostname.replace(/^\[|\]$/g, ''),
        port: target.port || 443,
        path: `${target.pathname}${target.search}`,
        method: 'POST',
        ca: ep.ca,
        rejectUnauthorized: !ep.insecureSkipVerify,
        ...(ep.servername ? { servername: ep.servername } : {}),
        headers: { ...headers, 'Content-Length': String(body.length) },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done({ answer: { status: res.statusCode ?? 0, headers: res.headers, body: new Uint8Array(Buffer.concat(chunks)) } }));
        res.on('error', (err) => done({ failure: { kind: 'transport', message: `answer broken off: ${err.message}` } }));
      },
    );
    req.on('socket', (socket) => socket.once('secureConnect', () => (connected = true)));
    const timer = setTimeout(() => {
      done({ failure: connected ? { kind: 'timeout', message: `no answer within ${ep.timeoutMs} ms` } : { kind: 'unreachable', message: `no connection within ${ep.timeoutMs} ms` } });
      req.destroy();
    }, ep.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? '';
      if (!connected && TLS_VERIFY_CODES.test(code)) done({ failure: { kind: 'transport', message: `TLS: ${err.message} (${code})` } });
      else if (!connected) done({ failure: { kind: 'unreachable', message: `${err.message}${code ? ` (${code})` : ''}` } });
      else done({ failure: { kind: 'transport', message: `connection lost after the request was sent: ${err.message}` } });
    });
    req.end(body);
  });
}

/** POSTs `body`; retries only while no connection could be made (nothing was sent). */
export async function post(ep: Endpoint, path: string, headers: Record<string, string>, body: Uint8Array, log: Logger): Promise<HttpOutcome> {
  if (ep.insecureSkipVerify) log.warn('TLS server certificate NOT verified for this RSP server (insecureSkipVerify; labs only)', { url: ep.url });
  let outcome = await postOnce(ep, path, headers, body);
  for (let retry = 1; retry <= ep.connectRetries && outcome.failure?.kind === 'unreachable'; retry++) {
    await new Promise((r) => setTimeout(r, 200 * retry));
    outcome = await postOnce(ep, path, headers, body);
  }
  return outcome;
}
