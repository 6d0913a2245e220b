// The database announces every package that becomes open (drizzle/0004 trigger, NOTIFY at commit) on
// both backends, and lists the eUICCs with an open package: what each eIM instance's package hint uses.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/database.ts';
import { PACKAGE_CHANNEL, packageSignals } from '../../src/store/package-signals.ts';
import { euiccs, orders, packages } from '../../src/store/schema.ts';
import { openTestDatabase, usingPostgres } from '../support/database.ts';

let database: Database;
const heard: number[] = [];
const payloads: string[] = [];
let stop: (() => Promise<void>) | undefined;
let stopRaw: (() => Promise<void>) | undefined;

beforeAll(async () => {
  database = await openTestDatabase();
  stop = await packageSignals(database).listen({ onOpened: (id) => heard.push(id), onListening() {}, onLost() {} });
  stopRaw = await database.listen(PACKAGE_CHANNEL, { onMessage: (p) => payloads.push(p), onListening() {}, onLost() {} });
}, 60_000);
afterAll(async () => {
  await stop?.();
  await stopRaw?.();
  await database?.close();
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
}

describe(`package signals on ${usingPostgres ? 'PostgreSQL' : 'PGlite'}`, () => {
  it('announces a new open package at commit, not before, and not a package that stays closed', async () => {
    const db = database.db;
    const [a] = await db.insert(euiccs).values({ eid: '89049032123451234512345678901235' }).returning();
    const [o] = await db.insert(orders).values({ euiccId: a!.id, kind: 'psmo', request: {} }).returning();
    await db.transaction(async (tx) => {
      await tx.insert(packages).values({ orderId: o!.id, euiccId: a!.id, kind: 'euiccPackageRequest', eimTransactionId: Uint8Array.of(1), der: Uint8Array.of(0) });
      await new Promise((r) => setTimeout(r, 50));
      expect(heard).toEqual([]);
    });
    await until(() => heard.length > 0);
    expect(heard).toEqual([a!.id]);
    expect(await packageSignals(database).openPackageEuiccs()).toEqual([a!.id]);

    await db.update(packages).set({ status: 'answered' }).where(eq(packages.orderId, o!.id));
    await db.insert(packages).values({ orderId: o!.id, euiccId: a!.id, kind: 'euiccPackageRequest', eimTransactionId: Uint8Array.of(2), der: Uint8Array.of(0), status: 'cancelled' });
    expect(await packageSignals(database).openPackageEuiccs()).toEqual([]);
    // Reopened by hand (an operator's fix): announced too.
    await db.update(packages).set({ status: 'queued' }).where(eq(packages.eimTransactionId, Uint8Array.of(2)));
    await until(() => heard.length > 1);
    expect(heard).toEqual([a!.id, a!.id]);
  });

  it('announces the packages of one INSERT statement together: each eUICC once, at most 500 per notification (drizzle/0007)', async () => {
    const db = database.db;
    const ids = (await db.insert(euiccs).values(Array.from({ length: 1200 }, (_, i) => ({ eid: `890490320000000000000000000${String(10000 + i)}` }))).returning()).map((e) => e.id);
    const [o] = await db.insert(orders).values({ euiccId: ids[0]!, kind: 'psmo', request: {} }).returning();
    heard.length = 0;
    payloads.length = 0;
    // One statement: a package for every eUICC, a second one for the first 100, and 50 closed ones.
    const rows = [
      ...ids.map((id, i) => ({ status: 'queued', euiccId: id, n: i })),
      ...ids.slice(0, 100).map((id, i) => ({ status: 'queued', euiccId: id, n: 2000 + i })),
      ...ids.slice(0, 50).map((id, i) => ({ status: 'answered', euiccId: id, n: 3000 + i })),
    ];
    await db.insert(packages).values(rows.map((r) => ({ orderId: o!.id, euiccId: r.euiccId, kind: 'euiccPackageRequest', eimTransactionId: Uint8Array.of(9, r.n >> 8, r.n & 0xff), der: Uint8Array.of(0), status: r.status })));
    // Two listening connections (the hint's and the raw one): each hears the notifications in its own time.
    await until(() => heard.length >= ids.length && payloads.length >= 3);
    await new Promise((r) => setTimeout(r, 100)); // no fourth one on its way
    expect([...heard].sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
    expect(payloads).toHaveLength(3);
    expect(payloads.every((p) => p.split(',').length <= 500)).toBe(true);
  });
});
