// The database announces every package that becomes open (drizzle/0004 trigger, NOTIFY at commit) on
// both backends, and lists the eUICCs with an open package: what each eIM instance's package hint uses.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/database.ts';
import { packageSignals } from '../../src/store/package-signals.ts';
import { euiccs, orders, packages } from '../../src/store/schema.ts';
import { openTestDatabase, usingPostgres } from '../support/database.ts';

let database: Database;
const heard: number[] = [];
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  database = await openTestDatabase();
  stop = await packageSignals(database).listen({ onOpened: (id) => heard.push(id), onListening() {}, onLost() {} });
}, 60_000);
afterAll(async () => {
  await stop?.();
  await database?.close();
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
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
});
