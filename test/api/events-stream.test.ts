// The live event stream (issue 6 §3): WebSocket at /api/v1/events/stream, authenticated by API key,
// tenant-scoped, resuming from a cursor with the backlog then live events, no gap and no duplicate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeApiKey } from '../../src/services/api-keys.ts';
import { usingPostgres } from '../support/database.ts';
import { startTestEim, testPki, type TestEim, type TestPkiDir } from '../support/eim.ts';
import { emitTest, openStream, startEventsApi, type EventsApi } from '../support/events.ts';

let pki: TestPkiDir;
let eim: TestEim;
let t: EventsApi;
let acme: string;
let globex: string;

beforeAll(async () => {
  pki = testPki(1);
  eim = await startTestEim(pki.pki);
  t = await startEventsApi(eim, { stream: { subscription: { pageSize: 7 } } });
  acme = await t.key('acme', 'viewer');
  globex = await t.key('globex', 'viewer');
}, 60_000);
afterAll(async () => {
  await t?.close();
  await eim?.close();
  pki?.cleanup();
});

const ns = (events: { data: { n: number } }[]) => events.map((e) => e.data.n);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('event stream over WebSocket', () => {
  it('refuses the upgrade without a valid key (401) and with a bad cursor (400)', async () => {
    await expect(openStream(t.wsUrl(), {})).rejects.toMatchObject({ status: 401 });
    await expect(openStream(t.wsUrl(), { key: 'eim_000000000000_' + '0'.repeat(48) })).rejects.toMatchObject({ status: 401 });
    await expect(openStream(t.wsUrl('?after=-1'), { key: acme })).rejects.toMatchObject({ status: 400 });
  });

  it('resumes from a cursor: the backlog, then live events, in order, with no gap and no duplicate', async () => {
    const start = await eim.deps.store.lastEventId();
    for (let i = 0; i < 30; i++) await emitTest(eim.deps.store, 'acme', 'order.done', i);
    const c = await openStream(t.wsUrl(`?after=${start + 10}`), { key: acme });
    // Live events written while the backlog (pages of 7) is still being sent, interleaved with another tenant's.
    for (let i = 30; i < 60; i++) {
      await emitTest(eim.deps.store, 'acme', 'order.done', i);
      await emitTest(eim.deps.store, 'globex', 'order.done', 1000 + i);
    }
    await c.waitFor(() => c.events().length >= 50);
    await new Promise((r) => setTimeout(r, 200));
    expect(ns(c.events())).toEqual(range(10, 60));
    const ids = c.events().map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(c.messages.filter((m) => m.kind === 'live')).toHaveLength(1);
    c.close();
  });

  // A stress run; the deterministic proof of the ordering rule is the held-transaction test below.
  it('with concurrent writers committing out of id order, a stream and a polling REST client each get every event once, in id order', async () => {
    const start = await eim.deps.store.lastEventId();
    const c = await openStream(t.wsUrl(`?after=${start}`), { key: acme });
    const polled: { id: number }[] = [];
    let done = false;
    const poller = (async () => {
      let after = start;
      while (!done || polled.length < 160) {
        const r = await t.call('GET', `/api/v1/events?after=${after}&limit=50`, acme);
        polled.push(...r.body.items);
        after = r.body.next;
        if (done && !r.body.hasMore && polled.length >= 160) break;
        await new Promise((res) => setTimeout(res, 5));
      }
    })();
    // 8 writers, 20 transactions each; a random pause after the insert makes later ids commit first.
    await Promise.all(
      Array.from({ length: 8 }, (_, w) =>
        (async () => {
          for (let i = 0; i < 20; i++)
            await eim.deps.store.transaction(async (tx) => {
              await emitTest(tx, 'acme', 'order.done', w * 100 + i);
              await new Promise((res) => setTimeout(res, Math.random() * 40));
            });
        })(),
      ),
    );
    done = true;
    await c.waitFor(() => c.events().length >= 160, 10_000);
    await poller;
    await new Promise((res) => setTimeout(res, 100));
    for (const got of [c.events(), polled]) {
      const ids = got.map((e) => e.id);
      expect(ids).toHaveLength(160);
      expect(new Set(ids).size).toBe(160);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
    }
    c.close();
  }, 30_000);

  it.skipIf(!usingPostgres)('holds back a live event while an earlier one is still being committed, then sends both in order (PostgreSQL)', async () => {
    const start = await eim.deps.store.lastEventId();
    const c = await openStream(t.wsUrl(`?after=${start}`), { key: acme });
    await c.waitFor((m) => m.some((x) => x.kind === 'live'));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const insertedP = new Promise<void>((r) => (inserted = r));
    const a = eim.deps.store.transaction(async (tx) => {
      await emitTest(tx, 'acme', 'order.done', 1);
      inserted();
      await gate;
    });
    await insertedP;
    await emitTest(eim.deps.store, 'acme', 'order.done', 2);
    await new Promise((r) => setTimeout(r, 400));
    expect(c.events()).toEqual([]);
    release();
    await a;
    await c.waitFor(() => c.events().length >= 2);
    expect(ns(c.events())).toEqual([1, 2]);
    c.close();
  });

  it('without a cursor sends only new events; type filters apply', async () => {
    await emitTest(eim.deps.store, 'acme', 'order.done', -1);
    const c = await openStream(t.wsUrl('?type=order.failed,euicc.'), { key: acme });
    await c.waitFor((m) => m.some((x) => x.kind === 'live'));
    await emitTest(eim.deps.store, 'acme', 'order.done', 1);
    await emitTest(eim.deps.store, 'acme', 'order.failed', 2);
    await emitTest(eim.deps.store, 'acme', 'euicc.registered', 3);
    await c.waitFor(() => c.events().length >= 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(ns(c.events())).toEqual([2, 3]);
    c.close();
  });

  it("keeps tenants apart: another tenant's stream gets none of these events", async () => {
    const start = await eim.deps.store.lastEventId();
    const mine = await openStream(t.wsUrl(`?after=${start}`), { key: acme });
    const theirs = await openStream(t.wsUrl(`?after=0`), { key: globex });
    for (let i = 0; i < 5; i++) await emitTest(eim.deps.store, 'acme', 'order.done', i);
    await emitTest(eim.deps.store, 'globex', 'order.done', 77);
    await mine.waitFor(() => mine.events().length >= 5);
    await theirs.waitFor(() => theirs.events().some((e) => e.data.n === 77));
    expect(ns(mine.events())).toEqual(range(0, 5));
    expect(theirs.events().every((e) => e.data.n === 77 || e.data.n >= 1000)).toBe(true);
    mine.close();
    theirs.close();
  });

  it('accepts the key as a subprotocol (browsers) and selects eim-events', async () => {
    const c = await openStream(t.wsUrl(), { protocols: ['eim-events', `bearer.${acme}`] });
    expect(c.ws.protocol).toBe('eim-events');
    await c.waitFor((m) => m.some((x) => x.kind === 'live'));
    c.close();
  });

  it('pings; drops a client that does not answer; closes when the key is revoked', async () => {
    const t = await startEventsApi(eim, { stream: { heartbeatMs: 300 } });
    const ok = await openStream(t.wsUrl(), { key: acme });
    let pings = 0;
    ok.ws.on('ping', () => pings++);
    const key = await t.key('acme', 'viewer');
    const deaf = await openStream(t.wsUrl(), { key });
    (deaf.ws as unknown as { _autoPong: boolean })._autoPong = false;
    expect((await deaf.closed).code).toBe(1006);
    expect(pings).toBeGreaterThanOrEqual(2);
    const rows = await eim.deps.store.listApiKeys('acme');
    const revoked = await openStream(t.wsUrl(), { key });
    await revokeApiKey(eim.deps, 'acme', rows.find((r) => key.includes(r.prefix))!.id);
    expect(await revoked.closed).toEqual({ code: 4001, reason: 'API key revoked' });
    ok.close();
    await t.close();
  });

  it('serves the same events from a second instance on the same database', async () => {
    const other = await startEventsApi(eim);
    try {
      const start = await eim.deps.store.lastEventId();
      const a = await openStream(t.wsUrl(`?after=${start}`), { key: acme });
      const b = await openStream(other.wsUrl(`?after=${start}`), { key: acme });
      for (let i = 0; i < 10; i++) await emitTest(eim.deps.store, 'acme', 'order.done', i);
      await a.waitFor(() => a.events().length >= 10);
      await b.waitFor(() => b.events().length >= 10);
      expect(ns(b.events())).toEqual(ns(a.events()));
      a.close();
      b.close();
    } finally {
      await other.close();
    }
  });
});
