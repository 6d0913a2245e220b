// A fleet of lightweight ESipa clients: raw TLS sockets writing pre-built HTTP/1.1 requests and reading
// the answer by Content-Length, so the load generator costs far less than the server it measures.
// Modes: `keepalive` (one connection per client, polls back to back), `connect` (a new TLS connection per
// poll, as a sleepy device does) and `resume` (the same, resuming its previous TLS session with a ticket).
import { connect, createSecureContext, type ConnectionOptions, type TLSSocket } from 'node:tls';

export type FleetMode = 'keepalive' | 'connect' | 'resume';

export interface FleetOptions {
  url: string;
  /** PEM trust anchor for the server certificate (issued for "localhost"). */
  ca: string;
  path: string;
  /** One request body per device; a device is picked at random for each poll. */
  bodies: Uint8Array[];
  /** Every answer must be exactly this body (the bench fails otherwise). */
  expect?: Uint8Array;
  connections: number;
  durationMs: number;
  mode: FleetMode;
  /** Poll every device once, in order, then stop (a warm-up pass), instead of random devices. */
  once?: boolean;
}

export interface FleetResult {
  requests: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

function requestBytes(o: FleetOptions, host: string, close: boolean): Buffer[] {
  return o.bodies.map((body) =>
    Buffer.concat([
      Buffer.from(
        `POST ${o.path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: gsma-rsp-ipad bench\r\nContent-Type: application/x-gsma-rsp-asn1\r\n` +
          `X-Admin-Protocol: gsma/rsp/v2.1.0\r\nContent-Length: ${body.length}\r\n${close ? 'Connection: close\r\n' : ''}\r\n`,
        'latin1',
      ),
      body,
    ]),
  );
}

/** Reads one HTTP response (status line, headers, Content-Length body) from the socket's data events. */
export class ResponseReader {
  private buf: Buffer | undefined;
  status = 0;
  body: Buffer | undefined;

  /** Returns true once the whole response has arrived. */
  push(chunk: Buffer): boolean {
    this.buf = this.buf ? Buffer.concat([this.buf, chunk]) : chunk;
    const end = this.buf.indexOf(CRLFCRLF);
    if (end < 0) return false;
    const head = this.buf.toString('latin1', 0, end);
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    const length = m ? Number(m[1]) : 0;
    if (this.buf.length < end + 4 + length) return false;
    this.status = Number(head.slice(9, 12));
    this.body = this.buf.subarray(end + 4, end + 4 + length);
    this.buf = undefined;
    return true;
  }
}

export async function runFleet(o: FleetOptions): Promise<FleetResult> {
  const u = new URL(o.url);
  const host = `${u.hostname}:${u.port}`;
  const reqs = requestBytes(o, host, o.mode !== 'keepalive');
  // One secure context for every connection: building one per connection (parsing the CA) would cost more
  // than the handshake itself.
  const tlsOptions: ConnectionOptions = { host: u.hostname, port: Number(u.port), secureContext: createSecureContext({ ca: o.ca }), servername: 'localhost' };
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const end = start + o.durationMs;
  const check = (r: ResponseReader): void => {
    if (r.status !== 200 || (o.expect && !r.body!.equals(o.expect))) throw new Error(`unexpected answer: HTTP ${r.status} ${r.body?.toString('hex').slice(0, 80)}`);
  };

  let next = 0;
  let done = false;
  const pick = (): Buffer => {
    if (!o.once) return reqs[Math.floor(Math.random() * reqs.length)]!;
    if (next + 1 >= reqs.length) done = true;
    return reqs[next++ % reqs.length]!;
  };
  const going = (): boolean => !done && performance.now() < end;

  /** One client on one kept-alive connection. */
  const keepAlive = async (): Promise<void> => {
    while (going()) {
      const socket = await open(tlsOptions);
      try {
        while (going()) {
          const t = performance.now();
          const r = await exchange(socket, pick());
          check(r);
          latencies.push(performance.now() - t);
        }
      } catch (e) {
        if (e instanceof Error && e.message.startsWith('unexpected answer')) throw e;
        errors++;
      } finally {
        socket.destroy();
      }
    }
  };

  /** One client opening a new connection for every poll (resuming its last TLS session in `resume` mode). */
  const perPoll = async (): Promise<void> => {
    let session: Buffer | undefined;
    while (going()) {
      const t = performance.now();
      let socket: TLSSocket | undefined;
      try {
        socket = await open(o.mode === 'resume' && session ? { ...tlsOptions, session } : tlsOptions, (s) => (session = s));
        const r = await exchange(socket, pick());
        check(r);
        latencies.push(performance.now() - t);
      } catch (e) {
        if (e instanceof Error && e.message.startsWith('unexpected answer')) throw e;
        errors++;
      } finally {
        socket?.destroy();
      }
    }
  };

  await Promise.all(Array.from({ length: o.connections }, () => (o.mode === 'keepalive' ? keepAlive() : perPoll())));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return { requests: latencies.length, errors, seconds, perSecond: latencies.length / seconds, p50ms: q(0.5), p99ms: q(0.99) };
}

export function open(options: ConnectionOptions, onSession?: (s: Buffer) => void): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect(options, () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.setNoDelay(true);
    if (onSession) socket.on('session', onSession);
    socket.once('error', reject);
  });
}

export function exchange(socket: TLSSocket, request: Buffer): Promise<ResponseReader> {
  return new Promise((resolve, reject) => {
    const reader = new ResponseReader();
    const onData = (chunk: Buffer): void => {
      if (!reader.push(chunk)) return;
      cleanup();
      resolve(reader);
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(e);
    };
    const onClose = (): void => onError(new Error('connection closed before the answer'));
    const cleanup = (): void => {
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.write(request);
  });
}
