// npx tsx bench/events.ts — how long an event takes from its commit to a WebSocket client and to a
// webhook receiver, with the default feed settings (poll 100 ms, grace 100 ms). PGlite by default;
// PostgreSQL with DATABASE_URL, where a second run uses 8 concurrent writers (holes in the id order
// while transactions are open). Prints p50 / p95 / max per path.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { attachEventStream } from '../src/api/event-stream.ts';
import { allRoutes } from '../src/api/routes/index.ts';
import { createApiServer } from '../src/api/server.ts';
import { createApiKey } from '../src/services/api-keys.ts';
import type { ServiceDeps } from '../src/services/deps.ts';
import { EventFeed } from '../src/services/event-feed.ts';
import { emit } from '../src/services/events.ts';
import { WebhookDispatcher } from '../src/services/webhook-dispatcher.ts';
import { createWebhook } from '../src/services/webhooks.ts';
import { openDatabase } from '../src/store/database.ts';
import { createStore } from '../src/store/repositories.ts';
import { createPostgresDatabase } from '../test/support/database.ts';

const N = Number(process.env.EVENTS ?? 300);
const GAP_MS = 10;

async function main(): Promise<void> {
  const pg = process.env.DATABASE_URL ? await createPostgresDatabase(process.env.DATABASE_URL) : undefined;
  const database = await openDatabase(pg ? { url: pg.url, poolSize: 12 } : {});
  const store = createStore(database.db);
  const deps = { store, log: { info() {}, warn() {}, error() {} }, now: () => new Date() } as unknown as ServiceDeps;
  const feed = new EventFeed(store);
  const api = await createApiServer({ deps, routes: allRoutes(deps, { events: feed }), host: '127.0.0.1', port: 0, attach: (s) => void attachEventStream(s, { deps, feed }) });
  feed.start();
  const sent = new Map<number, number>();
  const wsLat: number[] = [];
  const hookLat: number[] = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const n = JSON.parse(body).data.n as number;
      if (sent.has(n)) hookLat.push(performance.now() - sent.get(n)!);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  await createWebhook(deps, 'bench', { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/` }, { allowHttp: false });
  const dispatcher = new WebhookDispatcher(store, feed, { concurrency: 16 });
  dispatcher.start();
  const key = (await createApiKey(deps, { tenantId: 'bench', role: 'viewer', name: 'bench' })).key;
  const ws = new WebSocket(`${api.url.replace('http', 'ws')}/api/v1/events/stream`, { headers: { authorization: `Bearer ${key}` } });
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    if (m.kind === 'event' && sent.has(m.event.data.n)) wsLat.push(performance.now() - sent.get(m.event.data.n)!);
  });
  await new Promise((r) => ws.once('message', r)); // {"kind":"live"}

  const writers = pg ? [1, 8] : [1];
  for (const w of writers) {
    sent.clear();
    wsLat.length = 0;
    hookLat.length = 0;
    let n = 0;
    await Promise.all(
      Array.from({ length: w }, async () => {
        while (n < N) {
          const i = n++;
          await store.transaction(async (tx) => {
            await emit(tx, 'bench', 'order.done', { type: 'bench', id: String(i) }, { n: i });
            await new Promise((r) => setTimeout(r, w > 1 ? Math.random() * 20 : 0)); // the rest of a transaction
          });
          sent.set(i, performance.now());
          await new Promise((r) => setTimeout(r, GAP_MS));
        }
      }),
    );
    const until = Date.now() + 10_000;
    while ((wsLat.length < N || hookLat.length < N) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const q = (a: number[], p: number) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))]!.toFixed(0);
    for (const [label, a] of [['WebSocket', wsLat], ['webhook', hookLat]] as const)
      console.log(`${database.kind}, ${w} writer(s), ${label}: ${a.length}/${N} events, commit -> received p50 ${q(a, 0.5)} ms, p95 ${q(a, 0.95)} ms, max ${q(a, 1)} ms`);
  }
  ws.close();
  await dispatcher.stop();
  await feed.stop();
  await api.close();
  receiver.close();
  await database.close();
  await pg?.drop();
}

await main();
