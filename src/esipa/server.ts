// The ESipa listener (GitHub issue 5 §1): its own node:https (or, for a lab, node:http) server, apart from
// the operator API. Bare node:http rather than express: ESipa polling is the hot path and the bodies are
// tiny, where a framework's per-request work dominates.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { type Logger, silentLogger } from '../services/deps.ts';
import type { EsipaFunctions } from '../services/esipa-functions.ts';
import { type ExchangeConfig, handleRequest } from './exchange.ts';

export interface EsipaServerOptions {
  functions: EsipaFunctions;
  /**
   * The eIM's ESipa TLS certificate and key (PEM), e.g. the eimTls entry of a PKI directory. HTTPS is the
   * binding SGP.32 v1.2 §6.1 defines (TLS 1.2 minimum, checklist §3.8); `false` serves plain HTTP, for a lab.
   */
  tls: { cert: string | Uint8Array; key: string | Uint8Array } | false;
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** Largest request body accepted (default 256 KiB: an AuthenticateClient with certificates is ~3 KB). */
  maxBodyBytes?: number;
  logger?: Logger;
  /** How long an idle keep-alive connection stays open (default 30 s). */
  keepAliveTimeoutMs?: number;
  /**
   * Idle polls (GetEimPackage answered noEimPackageAvailable, by far the most common request) are counted
   * and logged as one line every this many ms ('esipa idle polls', with the count), not one line each;
   * 0 logs each idle poll like any other request. Default 60 s.
   */
  idlePollSummaryMs?: number;
}

export interface EsipaServer {
  /** `https://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  server: Server;
  /** Stops accepting, closes idle connections, resolves when the last open one has closed. */
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

// An IPA keeps one connection for a whole procedure (GetEimPackage ... HandleNotification, checklist §5.1),
// a few requests seconds apart; between polls (minutes to days) nothing should hold a socket and a TLS
// session open. 30 s covers a procedure over a slow link; the IPA reconnects (with TLS session resumption)
// for the next poll.
const DEFAULT_KEEP_ALIVE_MS = 30_000;
// Headers must arrive within this long of the connection (or of the previous response); slow NB-IoT links
// are given more than the usual few seconds.
const HEADERS_TIMEOUT_MS = 40_000;
const REQUEST_TIMEOUT_MS = 60_000;

export async function createEsipaServer(opts: EsipaServerOptions): Promise<EsipaServer> {
  if (!opts || typeof opts.functions !== 'object' || opts.functions === null) throw new TypeError('createEsipaServer: functions is required');
  if (opts.tls === undefined) throw new TypeError('createEsipaServer: tls must be { cert, key }, or false for plain HTTP in a lab');
  if (opts.tls !== false && (!opts.tls.cert || !opts.tls.key)) throw new TypeError('createEsipaServer: tls needs both cert and key');
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) throw new TypeError('createEsipaServer: maxBodyBytes must be a positive integer');
  const log = opts.logger ?? silentLogger;

  const summaryMs = opts.idlePollSummaryMs ?? 60_000;
  const idlePolls = summaryMs > 0 ? { count: 0 } : undefined;
  const cfg: ExchangeConfig = { functions: opts.functions, log, maxBodyBytes, ...(idlePolls ? { idlePolls } : {}) };
  const summarise = (): void => {
    if (!idlePolls || idlePolls.count === 0) return;
    log.info('esipa idle polls', { count: idlePolls.count, seconds: summaryMs / 1000 });
    idlePolls.count = 0;
  };
  const summaryTimer = idlePolls ? setInterval(summarise, summaryMs) : undefined;
  summaryTimer?.unref();
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => handleRequest(cfg, req, res);
  const server: Server = opts.tls
    ? createHttpsServer({ cert: toPem(opts.tls.cert), key: toPem(opts.tls.key), minVersion: 'TLSv1.2' }, onRequest)
    : createHttpServer(onRequest);

  server.keepAliveTimeout = opts.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_MS;
  server.headersTimeout = Math.max(HEADERS_TIMEOUT_MS, server.keepAliveTimeout + 1000);
  server.requestTimeout = Math.max(REQUEST_TIMEOUT_MS, server.headersTimeout);
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => onClientError(err, socket, log));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  log.info('esipa: listening', { url: `${opts.tls ? 'https' : 'http'}://${host}:${port}`, maxBodyBytes });
  return {
    url: `${opts.tls ? 'https' : 'http'}://${host}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        clearInterval(summaryTimer);
        server.close((err) => {
          summarise();
          if (err) reject(err);
          else resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

function toPem(v: string | Uint8Array): string | Buffer {
  return typeof v === 'string' ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Unparseable HTTP, oversized headers, timeouts: a short plain-text answer, then close (never HTML). */
function onClientError(err: NodeJS.ErrnoException, socket: Socket, log: Logger): void {
  log.warn('esipa: client error', { code: err.code, remoteAddress: socket.remoteAddress });
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, text] =
    err.code === 'HPE_HEADER_OVERFLOW' ? ['431 Request Header Fields Too Large', 'request headers too large']
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? ['408 Request Timeout', 'request timeout']
    : ['400 Bad Request', 'malformed HTTP request'];
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: ${text.length + 1}\r\nConnection: close\r\n\r\n${text}\n`);
}
