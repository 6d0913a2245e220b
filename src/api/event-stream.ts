// The live event stream (issue 6 §3): a WebSocket at /api/v1/events/stream on the API's HTTP server.
//
//   GET /api/v1/events/stream?after=<event id>&type=<prefixes>   (Upgrade: websocket)
//   auth: `Authorization: Bearer <key>`, or for browsers (which cannot set headers on a WebSocket)
//         the subprotocols `eim-events, bearer.<key>`; the server then selects `eim-events`. Keys are
//         not accepted in the query string: URLs end up in proxy and access logs.
//   server -> client (JSON text frames):
//         {"kind":"event","event":{id,type,subject,data,createdAt}}  in id order, each once
//         {"kind":"live","cursor":<id>}   once: the backlog after `after` has been sent
//   resume: reconnect with ?after=<id of the last event processed>; without `after` only new events come.
//   close codes: 4001 key revoked, 4008 slow consumer (reconnect with after=), 1011 internal error,
//         1001 server shutting down. Pings every heartbeatMs; a client that misses a pong is dropped.
// Refusals before the upgrade are plain HTTP with the API's JSON error body: 401, 400, 429.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { verifyApiKey, type AuthContext } from '../services/api-keys.ts';
import type { ServiceDeps } from '../services/deps.ts';
import type { EventFeed } from '../services/event-feed.ts';
import { EventSubscription, type SubscriptionOptions } from '../services/event-subscription.ts';
import { parseTypeList } from '../services/event-view.ts';
import { TypeFilter } from './routes/events.ts';

export const EVENT_STREAM_PATH = '/api/v1/events/stream';
export const EVENT_STREAM_PROTOCOL = 'eim-events';

export interface EventStreamOptions {
  deps: ServiceDeps;
  feed: EventFeed;
  /** Ping interval; also when the key is checked again (default 30 s). */
  heartbeatMs?: number;
  /** Open streams per API key (default 10). */
  maxPerKey?: number;
  subscription?: Pick<SubscriptionOptions, 'pageSize' | 'highWaterBytes' | 'lowWaterBytes' | 'stallMs'>;
}

export interface EventStream {
  /** Open connections. */
  readonly size: number;
  close(): void;
}

interface Conn {
  ws: WebSocket;
  key: string;
  alive: boolean;
  sub: EventSubscription;
}

function refuse(socket: Duplex, status: number, code: string, message: string, extra = ''): void {
  const body = JSON.stringify({ code, message });
  const reason = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 429: 'Too Many Requests' }[status] ?? 'Error';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n${extra}\r\n${body}`);
}

function keyOf(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (m) return m[1];
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
  return offered.find((p) => p.startsWith('bearer.'))?.slice('bearer.'.length);
}

export function attachEventStream(server: Server, opts: EventStreamOptions): EventStream {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096, handleProtocols: (offered) => (offered.has(EVENT_STREAM_PROTOCOL) ? EVENT_STREAM_PROTOCOL : false) });
  const conns = new Set<Conn>();
  const perKey = new Map<string, number>();
  const maxPerKey = opts.maxPerKey ?? 10;

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== EVENT_STREAM_PATH) {
      if (server.listenerCount('upgrade') === 1) refuse(socket, 404, 'ERR_NOT_FOUND', 'no WebSocket endpoint here');
      return;
    }
    socket.on('error', () => socket.destroy());
    void (async () => {
      const key = keyOf(req);
      const auth = key ? await verifyApiKey(opts.deps, key).catch(() => undefined) : undefined;
      if (!key || !auth) return refuse(socket, 401, 'ERR_UNAUTHENTICATED', 'a valid API key is required (Authorization: Bearer <key>, or the subprotocols eim-events, bearer.<key>)', 'WWW-Authenticate: Bearer\r\n');
      const after = url.searchParams.get('after');
      const type = TypeFilter.safeParse(url.searchParams.get('type') ?? undefined);
      if ((after !== null && !/^\d{1,15}$/.test(after)) || !type.success) return refuse(socket, 400, 'ERR_VALIDATION', 'after: an event id; type: comma-separated event type prefixes');
      if ((perKey.get(auth.keyId) ?? 0) >= maxPerKey) return refuse(socket, 429, 'ERR_RATE_LIMITED', `at most ${maxPerKey} event streams per API key`);
      wss.handleUpgrade(req, socket, head, (ws) => open(ws, key, auth, after === null ? undefined : Number(after), parseTypeList(type.data)));
    })().catch(() => socket.destroy());
  });

  function open(ws: WebSocket, key: string, auth: AuthContext, after: number | undefined, types: string[]): void {
    const sink = {
      send: (m: unknown) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(m)),
      bufferedBytes: () => ws.bufferedAmount,
      close: (code: number, reason: string) => ws.close(code, reason),
    };
    const sub = new EventSubscription(opts.feed, opts.deps.store, sink, { ...opts.subscription, tenantId: auth.tenantId, ...(after !== undefined ? { after } : {}), types });
    const conn: Conn = { ws, key, alive: true, sub };
    conns.add(conn);
    perKey.set(auth.keyId, (perKey.get(auth.keyId) ?? 0) + 1);
    ws.on('pong', () => (conn.alive = true));
    ws.on('message', () => undefined);
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      sub.stop();
      conns.delete(conn);
      const n = (perKey.get(auth.keyId) ?? 1) - 1;
      if (n > 0) perKey.set(auth.keyId, n);
      else perKey.delete(auth.keyId);
    });
    void sub.start();
  }

  const heartbeat = setInterval(() => {
    for (const c of conns) {
      if (!c.alive) {
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
      void verifyApiKey(opts.deps, c.key).then(
        (ok) => ok || c.ws.close(4001, 'API key revoked'),
        () => undefined,
      );
    }
  }, opts.heartbeatMs ?? 30_000);
  heartbeat.unref();

  return {
    get size() {
      return conns.size;
    },
    close() {
      clearInterval(heartbeat);
      for (const c of conns) c.ws.close(1001, 'server shutting down');
      // Sockets whose close handshake does not finish promptly are dropped, so the HTTP server can close.
      setTimeout(() => {
        for (const c of conns) c.ws.terminate();
      }, 200).unref();
      wss.close();
    },
  };
}
