// The store opens and migrates on both backends (PGlite by default, PostgreSQL with DATABASE_URL).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../src/store/database.ts';
import { euiccs, packages, orders } from '../../src/store/schema.ts';
import { openTestDatabase, usingPostgres } from '../support/database.ts';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
}, 60_000);
afterAll(async () => database?.close());

describe(`store on ${usingPostgres ? 'PostgreSQL' : 'PGlite'}`, () => {
  it('migrates and round-trips rows, bytea as Uint8Array', async () => {
    const db = database.db;
    const [e] = await db.insert(euiccs).values({ eid: '89049032123451234512345678901235' }).returning();
    expect(e!.curve).toBe('P-256');
    const [o] = await db.insert(orders).values({ euiccId: e!.id, kind: 'psmo', request: { ops: [] } }).returning();
    const txid = Uint8Array.from([1, 2, 3, 250]);
    await db.insert(packages).values({ orderId: o!.id, euiccId: e!.id, kind: 'euiccPackageRequest', eimTransactionId: txid, der: Uint8Array.of(0xbf, 0x51, 0) });
    const [p] = await db.select().from(packages).where(eq(packages.orderId, o!.id));
    expect(p!.eimTransactionId).toBeInstanceOf(Uint8Array);
    expect([...p!.eimTransactionId]).toEqual([1, 2, 3, 250]);
    expect(p!.status).toBe('queued');
  });

  it('rolls back a failed transaction completely', async () => {
    const db = database.db;
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(euiccs).values({ eid: '89049032123451234512345678900000' });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await db.select().from(euiccs).where(eq(euiccs.eid, '89049032123451234512345678900000'))).toEqual([]);
  });

  it.skipIf(usingPostgres)('creates the embedded database in a data directory that does not exist yet', async () => {
    const root = mkdtempSync(join(tmpdir(), 'eim-datadir-'));
    try {
      const nested = await openDatabase({ dataDir: join(root, 'not', 'there', 'db') });
      await nested.close();
      expect(existsSync(join(root, 'not', 'there', 'db'))).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});
