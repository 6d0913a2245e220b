// The HTTPS front shared by the simulators: one handler per server, bounded request bodies, scripted
// transport faults (delay, dropped connection), and no HTML ever — a failure is either a protocol
// answer built by the binding's error mapper, or a bare status with an empty body (style.md).

import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TlsMaterial } from './tls.ts';

export interface SimRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  headers: IncomingHttpHeaders;
  body: Uint8Array;
}

export type SimResponse =
  | { status: number; headers?: Record<string, string>; body?: Uint8Array | string }
  /** Close the connection without answering (a scripted dropped connection). */
  | { drop: true };

export type SimHandler = (req: SimRequest) => Promise<SimResponse>;

export interface HttpsServerOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  tls: TlsMaterial;
  handler: SimHandler;
  /** Largest accepted request body; bigger requests get 413 (default 2 MiB). */
  maxBodyBytes?: number;
  /** Where unexpected errors go (default: stderr). */
  log?: (line: string) => void;
}

export interface RunningServer {
  /** https://host:port, without a trailing slash. */
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, out: SimResponse): void {
  if ('drop' in out) {
    res.socket?.destroy();
    return;
  }
  const body = out.body === undefined ? undefined : typeof out.body === 'string' ? Buffer.from(out.body, 'utf8') : Buffer.from(out.body);
  res.writeHead(out.status, { ...(out.headers ?? {}), 'Content-Length': String(body?.length ?? 0) });
  res.end(body);
}

export async function startHttpsServer(options: HttpsServerOptions): Promise<RunningServer> {
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const server: Server = createServer({ cert: options.tls.cert, key: options.tls.key }, (req, res) => {
    void (async () => {
      let body: Uint8Array;
      try {
        body = await readBody(req, limit);
      } catch (err) {
        if (err instanceof BodyTooLarge) send(res, { status: 413, headers: { Connection: 'close' } });
        else res.socket?.destroy();
        return;
      }
      const path = (req.url ?? '/').split('?')[0]!;
      try {
        send(res, await options.handler({ method: req.method ?? 'GET', path, headers: req.headers, body }));
      } catch (err) {
        // Unknown errors: a bare 500, details in the log only (style.md).
        log(`simulator: ${req.method} ${path}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        if (!res.headersSent) send(res, { status: 500 });
      }
    })();
  });
  server.on('tlsClientError', () => {}); // a client that rejects our certificate is its business
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `https://${hostForUrl}:${port}`,
    host: options.host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Parses "HOST:PORT" (IPv6 as "[::1]:443"). */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(listen);
  if (!m) throw new TypeError(`--listen must be HOST:PORT, not ${listen}`);
  const port = Number(m[3]);
  if (port > 65535) throw new TypeError(`port ${port} is out of range`);
  return { host: m[1] ?? m[2]!, port };
}
