// Test databases: PGlite in memory by default; PostgreSQL when DATABASE_URL is set, with a database of
// its own for every test file, dropped afterwards, so runs never collide.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/store/database.ts';

export const usingPostgres = !!process.env.DATABASE_URL;

/** The connection string of a fresh PostgreSQL database, and how to drop it. */
export async function createPostgresDatabase(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `eim_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Opens a fresh, migrated database for one test file. Call `close()` in afterAll. */
export async function openTestDatabase(): Promise<Database> {
  const base = process.env.DATABASE_URL;
  if (!base) return openDatabase();
  const created = await createPostgresDatabase(base);
  const database = await openDatabase({ url: created.url, poolSize: 4 });
  return {
    ...database,
    async close() {
      await database.close();
      await created.drop();
    },
  };
}
