// Slow consumers of the event stream (issue 6 §3): a reader whose transport does not drain gets no more
// messages queued (memory stays bounded), catches up from the store without loss once it drains, and
// is closed with 4008 when it stays stalled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventFeed } from '../../src/services/event-feed.ts';
import { EventSubscription, type EventSink, type StreamMessage } from '../../src/services/event-subscription.ts';
import type { Store } from '../../src/services/ports.ts';
import type { Database } from '../../src/store/database.ts';
import { createStore } from '../../src/store/repositories.ts';
import { openTestDatabase } from '../support/database.ts';
import { emitTest, waitUntil } from '../support/events.ts';

let database: Database;
let store: Store;
let feed: EventFeed;

beforeAll(async () => {
  database = await openTestDatabase();
  store = createStore(database.db);
  feed = new EventFeed(store, { pollMs: 10, graceMs: 50 });
  feed.start();
});
afterAll(async () => {
  await feed?.stop();
  await database?.close();
});

function sink() {
  const s = { sent: [] as StreamMessage[], buffered: 0, closed: undefined as { code: number; reason: string } | undefined };
  const impl: EventSink = { send: (m) => void s.sent.push(m), bufferedBytes: () => s.buffered, close: (code, reason) => void (s.closed = { code, reason }) };
  return { s, impl, ns: () => s.sent.flatMap((m) => (m.kind === 'event' ? [m.event.data.n as number] : [])) };
}

describe('event stream backpressure', () => {
  it('stops queueing while the transport is full, then catches up from the store in order', async () => {
    const { s, impl, ns } = sink();
    const sub = new EventSubscription(feed, store, impl, { tenantId: 'acme', types: [], pageSize: 10, highWaterBytes: 1000, lowWaterBytes: 500, stallMs: 10_000 });
    await sub.start();
    await emitTest(store, 'acme', 'order.done', 0);
    await waitUntil(() => ns().length === 1);
    s.buffered = 5000; // the client stopped reading
    for (let i = 1; i < 40; i++) await emitTest(store, 'acme', 'order.done', i);
    await new Promise((r) => setTimeout(r, 300));
    expect(ns()).toEqual([0]);
    s.buffered = 0;
    await waitUntil(() => ns().length === 40);
    await new Promise((r) => setTimeout(r, 100));
    expect(ns()).toEqual([...Array(40).keys()]);
    expect(s.closed).toBeUndefined();
    sub.stop();
  });

  it('reads a burst too big for the feed to load (one transaction of 60 events) from the store, in order', async () => {
    const small = new EventFeed(store, { pollMs: 10, graceMs: 50, pageSize: 5, maxPagesPerPoll: 2 });
    small.start();
    try {
      const { impl, ns } = sink();
      const sub = new EventSubscription(small, store, impl, { tenantId: 'burst', types: [], pageSize: 7 });
      await sub.start();
      await store.transaction(async (tx) => {
        for (let i = 0; i < 60; i++) await emitTest(tx, i % 2 ? 'burst' : 'other', 'order.done', i);
      });
      await waitUntil(() => ns().length === 30);
      await new Promise((r) => setTimeout(r, 100));
      expect(ns()).toEqual([...Array(30).keys()].map((i) => 2 * i + 1));
      sub.stop();
    } finally {
      await small.stop();
    }
  });

  it('closes a consumer that stays stalled with 4008', async () => {
    const { s, impl } = sink();
    const sub = new EventSubscription(feed, store, impl, { tenantId: 'acme', types: [], after: 0, highWaterBytes: 1000, lowWaterBytes: 500, stallMs: 200 });
    s.buffered = 5000;
    await sub.start();
    await waitUntil(() => s.closed !== undefined, 2000, 'the stalled consumer to be closed');
    expect(s.closed).toEqual({ code: 4008, reason: expect.stringContaining('slow consumer') });
    expect(s.sent).toEqual([]);
  });
});
