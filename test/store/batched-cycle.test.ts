// The package cycle's batched statements (src/store/batched-cycle.ts) answer and change exactly what the
// single statements do, on PGlite and PostgreSQL, and keep their compare-and-set (SGP.32 v1.2 §3.2: a
// package is delivered once with its counter; a result answers its package once).
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderChange } from '../../src/services/package-cycle-ports.ts';
import { batchedCycle } from '../../src/store/batched-cycle.ts';
import type { Database } from '../../src/store/database.ts';
import { repositories } from '../../src/store/repositories.ts';
import { associations, euiccs, events, orders, packages, profiles, results } from '../../src/store/schema.ts';
import type { PlannedProfile } from '../../src/domain/inventory.ts';
import { openTestDatabase, usingPostgres } from '../support/database.ts';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
}, 60_000);
afterAll(async () => {
  await database?.close();
});

const eid = (n: number): string => `8904903200000000000000000000${String(n).padStart(4, '0')}`;
let nextTxid = 1;

/** An eUICC with `statuses.length` packages (one order each), in that order. */
async function euiccWith(n: number, statuses: string[]): Promise<{ id: number; pkgs: { id: number; orderId: string; txid: Uint8Array; counter: number }[] }> {
  const db = database.db;
  const [e] = await db.insert(euiccs).values({ eid: eid(n) }).returning();
  await db.insert(associations).values({ euiccId: e!.id, eimId: 'eim.test', counterValue: statuses.length, associationToken: 100 + n });
  const pkgs = [];
  for (const [k, status] of statuses.entries()) {
    const [o] = await db.insert(orders).values({ euiccId: e!.id, kind: 'psmo', request: { kind: 'psmo', operations: [] }, status: status === 'queued' ? 'queued' : 'delivered' }).returning();
    const txid = Uint8Array.of(0xa0, nextTxid >> 8, nextTxid++ & 0xff);
    const [p] = await db.insert(packages).values({ orderId: o!.id, euiccId: e!.id, kind: 'euiccPackageRequest', eimTransactionId: txid, counterValue: k + 1, der: Uint8Array.of(k), status }).returning();
    pkgs.push({ id: p!.id, orderId: o!.id, txid, counter: k + 1 });
  }
  return { id: e!.id, pkgs };
}

function change(orderId: string, status: 'delivered' | 'done', at: Date): OrderChange {
  const patch = status === 'delivered' ? { status, deliveredAt: at } : { status, completedAt: at, outcome: { ok: true }, error: null };
  return { orderId, patch, event: { tenantId: 'default', type: `order.${status}`, subjectType: 'order', subjectId: orderId, data: { orderId, status } } };
}

const eventsOf = async (orderId: string) => (await database.db.select().from(events).where(eq(events.subjectId, orderId))).map((e) => e.type);

describe(`batched package cycle statements on ${usingPostgres ? 'PostgreSQL' : 'PGlite'}`, () => {
  it('reads: each caller of a batch gets what the single statement answers', async () => {
    const single = repositories(database.db, false);
    const { repositories: batched, batchers } = batchedCycle(database.db, single);
    const a = await euiccWith(1, []);
    const b = await euiccWith(2, ['queued']);
    const c = await euiccWith(3, ['answered', 'delivered', 'queued']);
    const ids = [a.id, b.id, c.id, 999_999];
    expect(await Promise.all(ids.map((id) => batched.nextPackage(id)))).toEqual(await Promise.all(ids.map((id) => single.nextPackage(id))));
    expect((await batched.nextPackage(c.id))?.id).toBe(c.pkgs[1]!.id);
    const eids = [eid(1), eid(2), eid(3), eid(4)];
    expect(await Promise.all(eids.map((x) => batched.findEuiccByEid(x)))).toEqual(await Promise.all(eids.map((x) => single.findEuiccByEid(x))));
    const contexts: [number, string, Uint8Array | undefined, number][] = [
      [c.id, 'eim.test', c.pkgs[2]!.txid, 3], // by eimTransactionId
      [c.id, 'eim.test', undefined, 2], // by counterValue
      [b.id, 'eim.test', Uint8Array.of(9, 9), 7], // neither
      [a.id, 'eim.test', c.pkgs[0]!.txid, 1], // another eUICC's package: returned, the caller refuses it
      [b.id, 'other.eim', undefined, 1], // no association with that eIM
    ];
    const together = await Promise.all(contexts.map((x) => batched.findResultContext(...x)));
    expect(together).toEqual(await Promise.all(contexts.map((x) => single.findResultContext(...x))));
    expect(together[0]!.pkg?.id).toBe(c.pkgs[2]!.id);
    expect(together[0]!.associationToken).toBe(103);
    expect(together[1]!.pkg?.id).toBe(c.pkgs[1]!.id);
    expect(together[2]!.pkg).toBeUndefined();
    expect(together[4]!.associationToken).toBeNull();
    // Each read went out as one statement for all its callers (and the lone nextPackage call as one of its own).
    expect(batchers.nextPackage!.stats).toEqual({ statements: 2, items: 5 });
    expect(batchers.euiccByEid!.stats).toEqual({ statements: 1, items: 4 });
    expect(batchers.resultContext!.stats).toEqual({ statements: 1, items: 5 });
  });

  it('claims: one statement delivers many packages, moves their orders and writes one event each; a second claim wins nothing', async () => {
    const single = repositories(database.db, false);
    const { repositories: batched, batchers } = batchedCycle(database.db, single);
    const devices = await Promise.all([11, 12, 13, 14].map((n) => euiccWith(n, ['queued'])));
    const at = new Date('2026-11-22T10:00:00.000Z');
    const claims = devices.map((d) => batched.claimPackageDelivery(d.pkgs[0]!.id, at, change(d.pkgs[0]!.orderId, 'delivered', at)));
    // The same package claimed twice in one batch: the second runs on its own after the batch, and loses.
    claims.push(batched.claimPackageDelivery(devices[0]!.pkgs[0]!.id, at, change(devices[0]!.pkgs[0]!.orderId, 'delivered', at)));
    expect(await Promise.all(claims)).toEqual([true, true, true, true, false]);
    expect(batchers.claim!.stats).toEqual({ statements: 2, items: 5 });
    for (const d of devices) {
      const [p] = await database.db.select().from(packages).where(eq(packages.id, d.pkgs[0]!.id));
      expect(p).toMatchObject({ status: 'delivered', deliveryCount: 1, deliveredAt: at });
      const [o] = await database.db.select().from(orders).where(eq(orders.id, d.pkgs[0]!.orderId));
      expect(o).toMatchObject({ status: 'delivered', deliveredAt: at });
      expect(await eventsOf(d.pkgs[0]!.orderId)).toEqual(['order.delivered']);
    }
    expect(await Promise.all(devices.map((d) => batched.claimPackageDelivery(d.pkgs[0]!.id, at, change(d.pkgs[0]!.orderId, 'delivered', at))))).toEqual([false, false, false, false]);
    for (const d of devices) expect(await eventsOf(d.pkgs[0]!.orderId)).toEqual(['order.delivered']);
  });

  it('claims racing from two eIM instances: every package is claimed exactly once', async () => {
    const devices = await Promise.all(Array.from({ length: 12 }, (_, k) => euiccWith(20 + k, ['queued'])));
    const one = batchedCycle(database.db, repositories(database.db, false)).repositories;
    const two = batchedCycle(database.db, repositories(database.db, false)).repositories;
    const at = new Date();
    const race = await Promise.all(
      devices.flatMap((d) => [one, two].map((r) => r.claimPackageDelivery(d.pkgs[0]!.id, at, change(d.pkgs[0]!.orderId, 'delivered', at)))),
    );
    for (let k = 0; k < devices.length; k++) expect([race[2 * k], race[2 * k + 1]].filter(Boolean)).toHaveLength(1);
    for (const d of devices) expect(await eventsOf(d.pkgs[0]!.orderId)).toEqual(['order.delivered']);
  });

  it('answers: results kept, packages answered once, orders done with their events, seqNumbers stored', async () => {
    const single = repositories(database.db, false);
    const { repositories: batched, batchers } = batchedCycle(database.db, single);
    const devices = await Promise.all([41, 42, 43].map((n) => euiccWith(n, ['delivered'])));
    const at = new Date('2026-11-22T11:00:00.000Z');
    const answer = (d: (typeof devices)[number], seq: number, stale?: boolean) =>
      batched.answerPackage(
        d.pkgs[0]!.id,
        at,
        { euiccId: d.id, packageId: d.pkgs[0]!.id, kind: 'euiccPackageResult', seqNumber: seq, der: Uint8Array.of(0xbf, seq), verified: true },
        change(d.pkgs[0]!.orderId, 'done', at),
        { id: d.id, lastSeqNumber: seq, ...(stale === undefined ? {} : { inventoryStale: stale }) },
      );
    expect(await Promise.all([answer(devices[0]!, 5), answer(devices[1]!, 6, true), answer(devices[2]!, 7)])).toEqual(['answered', 'answered', 'answered']);
    expect(batchers.answer!.stats).toEqual({ statements: 1, items: 3 });
    for (const [k, d] of devices.entries()) {
      const [p] = await database.db.select().from(packages).where(eq(packages.id, d.pkgs[0]!.id));
      expect(p).toMatchObject({ status: 'answered', answeredAt: at });
      const [o] = await database.db.select().from(orders).where(eq(orders.id, d.pkgs[0]!.orderId));
      expect(o).toMatchObject({ status: 'done', completedAt: at, outcome: { ok: true }, error: null });
      const [e] = await database.db.select().from(euiccs).where(eq(euiccs.id, d.id));
      expect(e).toMatchObject({ lastSeqNumber: 5 + k, inventoryStale: k === 1 });
      const r = await database.db.select().from(results).where(eq(results.euiccId, d.id));
      expect(r.map((x) => [Number(x.seqNumber), [...x.der]])).toEqual([[5 + k, [0xbf, 5 + k]]]);
      expect(await eventsOf(d.pkgs[0]!.orderId)).toEqual(['order.done']);
    }
    // Answered again (a replayed result): the result is kept, nothing else changes.
    expect(await Promise.all([answer(devices[0]!, 8), answer(devices[1]!, 9)])).toEqual(['alreadyAnswered', 'alreadyAnswered']);
    const [e0] = await database.db.select().from(euiccs).where(eq(euiccs.id, devices[0]!.id));
    expect(e0!.lastSeqNumber).toBe(5);
    const [{ n }] = (await database.db.select({ n: sql<number>`count(*)::int` }).from(results).where(eq(results.euiccId, devices[0]!.id))) as [{ n: number }];
    expect(Number(n)).toBe(2);
    expect(await eventsOf(devices[0]!.pkgs[0]!.orderId)).toEqual(['order.done']);
  });

  it('answers with an inventory plan: profiles written and their events after the order event; a plan made from an older inventory writes nothing', async () => {
    const single = repositories(database.db, false);
    const { repositories: batched } = batchedCycle(database.db, single);
    const [a, b] = await Promise.all([51, 52].map((n) => euiccWith(n, ['delivered'])));
    const db = database.db;
    const row = { isdpAid: null, profileClass: null, profileName: null, serviceProviderName: null, nickname: null, fallbackAttribute: false };
    await db.insert(profiles).values([
      { euiccId: a!.id, iccid: '8901', state: 'enabled', ...row },
      { euiccId: a!.id, iccid: '8902', state: 'disabled', ...row },
      { euiccId: b!.id, iccid: '8903', state: 'enabled', ...row },
    ]);
    const [ctxA, ctxB] = await Promise.all([a!, b!].map((d) => batched.findResultContext(d.id, 'eim.test', d.pkgs[0]!.txid, 1)));
    expect(ctxA!.inventory.profiles.map((p) => [p.iccid, p.state])).toEqual([
      ['8901', 'enabled'],
      ['8902', 'disabled'],
    ]);
    // b's inventory changes after it was read (another result, an operator): b's plan no longer applies.
    await db.update(profiles).set({ nickname: 'renamed' }).where(eq(profiles.euiccId, b!.id));
    const at = new Date('2026-11-22T12:00:00.000Z');
    const ev = (d: { id: number }, type: string, iccid: string) => ({ tenantId: 'default', type, subjectType: 'profile', subjectId: `${d.id}/${iccid}`, data: { iccid } });
    const answer = (d: NonNullable<typeof a>, check: unknown, upserts: PlannedProfile[], deletes: string[], evs: ReturnType<typeof ev>[]) =>
      batched.answerPackage(
        d.pkgs[0]!.id,
        at,
        { euiccId: d.id, packageId: d.pkgs[0]!.id, kind: 'euiccPackageResult', seqNumber: 1, der: Uint8Array.of(1), verified: true },
        change(d.pkgs[0]!.orderId, 'done', at),
        { id: d.id, lastSeqNumber: 1, inventoryStale: false },
        { check, upserts, deletes, events: evs },
      );
    const outcomes = await Promise.all([
      answer(a!, ctxA!.inventory.check, [{ iccid: '8902', state: 'enabled', ...row }, { iccid: '8909', state: 'disabled', ...row }], ['8901'], [ev(a!, 'profile.enabled', '8902'), ev(a!, 'profile.deleted', '8901'), ev(a!, 'profile.discovered', '8909')]),
      answer(b!, ctxB!.inventory.check, [], ['8903'], [ev(b!, 'profile.deleted', '8903')]),
    ]);
    expect(outcomes).toEqual(['answered', 'inventoryChanged']);
    const inv = async (id: number) => (await db.select().from(profiles).where(eq(profiles.euiccId, id))).map((p) => [p.iccid, p.state, p.updatedAt.getTime() === at.getTime()]).sort();
    expect(await inv(a!.id)).toEqual([
      ['8902', 'enabled', true],
      ['8909', 'disabled', true],
    ]);
    const feed = (await db.select().from(events).where(sql`${events.id} > 0`).orderBy(events.id)).filter((e) => e.subjectId === a!.pkgs[0]!.orderId || e.subjectId.startsWith(`${a!.id}/`));
    expect(feed.map((e) => e.type)).toEqual(['order.done', 'profile.enabled', 'profile.deleted', 'profile.discovered']);
    // b: nothing written, not even the result (the caller plans again in a transaction and records it then).
    expect(await inv(b!.id)).toEqual([['8903', 'enabled', false]]);
    expect(await db.select().from(results).where(eq(results.euiccId, b!.id))).toEqual([]);
    const [pb] = await db.select().from(packages).where(eq(packages.id, b!.pkgs[0]!.id));
    expect(pb!.status).toBe('delivered');
    expect(await eventsOf(b!.pkgs[0]!.orderId)).toEqual([]);
  });
});
