// An operator API with the event feed, the WebSocket stream and (optionally) the webhook dispatcher
// on a test eIM, plus a WebSocket client and a webhook receiver for the event tests.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { attachEventStream, type EventStream, type EventStreamOptions } from '../../src/api/event-stream.ts';
import { allRoutes } from '../../src/api/routes/index.ts';
import { createApiServer, type ApiServer } from '../../src/api/server.ts';
import { createApiKey } from '../../src/services/api-keys.ts';
import type { Role } from '../../src/domain/records.ts';
import { EventFeed, type EventFeedOptions } from '../../src/services/event-feed.ts';
import { emit } from '../../src/services/events.ts';
import type { Repositories } from '../../src/services/ports.ts';
import type { TestEim } from './eim.ts';

export interface EventsApi {
  api: ApiServer;
  feed: EventFeed;
  stream: EventStream;
  key(tenantId: string, role?: Role): Promise<string>;
  call(method: string, path: string, key: string | undefined, body?: unknown): Promise<{ status: number; body: any }>;
  wsUrl(query?: string): string;
  close(): Promise<void>;
}

export async function startEventsApi(eim: TestEim, opts: { feed?: EventFeedOptions; stream?: Partial<EventStreamOptions> } = {}): Promise<EventsApi> {
  const feed = new EventFeed(eim.deps.store, { pollMs: 20, graceMs: 50, ...opts.feed });
  let stream!: EventStream;
  const api = await createApiServer({
    deps: eim.deps,
    routes: allRoutes(eim.deps, { events: feed }),
    host: '127.0.0.1',
    port: 0,
    rateLimit: { perSecond: 10_000, burst: 10_000 },
    attach: (server) => (stream = attachEventStream(server, { deps: eim.deps, feed, ...opts.stream })),
  });
  feed.start();
  return {
    api,
    feed,
    stream,
    key: async (tenantId, role = 'admin') => (await createApiKey(eim.deps, { tenantId, role, name: `${role} key` })).key,
    async call(method, path, key, body) {
      const res = await fetch(api.url + path, {
        method,
        headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    wsUrl: (query = '') => `${api.url.replace('http:', 'ws:')}/api/v1/events/stream${query}`,
    async close() {
      stream.close();
      await feed.stop();
      await api.close();
    },
  };
}

/** A valid EID (SGP.29 check digits) numbered n. */
export function eidFor(n: number): string {
  const body = `89049032${String(n).padStart(22, '0')}`;
  const r = Number(BigInt(body + '00') % 97n);
  return body + String(98 - r).padStart(2, '0');
}

/** Writes one event the way services do. */
export function emitTest(store: Repositories, tenantId: string, type: string, n: number): Promise<void> {
  return emit(store, tenantId, type, { type: 'test', id: String(n) }, { n });
}

export interface StreamClient {
  ws: WebSocket;
  messages: any[];
  events(): any[];
  waitFor(pred: (msgs: any[]) => boolean, timeoutMs?: number): Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/** Opens the stream; resolves once open, or rejects with the HTTP status of a refused upgrade. */
export function openStream(url: string, auth: { key?: string; protocols?: string[] }): Promise<StreamClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, auth.protocols ?? [], auth.key ? { headers: { authorization: `Bearer ${auth.key}` } } : {});
    const messages: any[] = [];
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
    ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
    ws.on('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.on('error', reject);
    ws.on('open', () =>
      resolve({
        ws,
        messages,
        closed,
        events: () => messages.filter((m) => m.kind === 'event').map((m) => m.event),
        close: () => ws.close(),
        async waitFor(pred, timeoutMs = 5000) {
          const until = Date.now() + timeoutMs;
          while (!pred(messages)) {
            if (Date.now() > until) throw new Error(`timed out; got ${JSON.stringify(messages).slice(0, 500)}`);
            await new Promise((r) => setTimeout(r, 10));
          }
        },
      }),
    );
  });
}

export interface ReceivedRequest {
  at: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A webhook receiver on 127.0.0.1: `respond` decides each answer (a status, or 'hang' to never answer). */
export async function startReceiver(respond: (req: ReceivedRequest, n: number) => number | 'hang' = () => 200): Promise<{ url: string; received: ReceivedRequest[]; server: Server; close(): Promise<void> }> {
  const received: ReceivedRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { at: Date.now(), headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      const answer = respond(r, received.length);
      if (answer !== 'hang') res.writeHead(answer).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
