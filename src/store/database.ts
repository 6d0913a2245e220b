// Opens the eIM database: PostgreSQL through `pg` when a URL is given, otherwise the embedded PGlite
// (a data directory, or memory). Migrations from drizzle/ are applied on open.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { listenPostgres } from './listen.ts';
import * as schema from './schema.ts';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** A database handle or an open transaction: repositories accept either. */
export type Queryable = Db | Tx;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /**
   * LISTEN on a channel: `onMessage` gets each NOTIFY payload (delivered at the notifying commit), `onLost`
   * is called when notifications may have been missed (the listening connection broke; it is reopened
   * and `onListening` called again). Resolves, once listening, with the function that stops it.
   */
  listen(channel: string, handlers: ListenHandlers): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface ListenHandlers {
  onMessage(payload: string): void;
  onListening(): void;
  onLost(): void;
}

export interface DatabaseOptions {
  /** PostgreSQL connection string; when absent the embedded PGlite is used. */
  url?: string;
  /** PGlite data directory; when absent (and no url) the database lives in memory. */
  dataDir?: string;
  /** Connection pool size for PostgreSQL. */
  poolSize?: number;
  /** Told when an idle PostgreSQL connection fails (server restart, connection killed); the pool replaces it. */
  onConnectionError?(err: Error): void;
}

/** The checked-in migrations: beside src/ when run from the sources, one level further up from dist/src/ (npm run build). */
export const MIGRATIONS_DIR = ((here: string) => [join(here, '..', '..', 'drizzle'), join(here, '..', '..', '..', 'drizzle')].find((d) => existsSync(join(d, 'meta', '_journal.json'))) ?? join(here, '..', '..', 'drizzle'))(
  dirname(fileURLToPath(import.meta.url)),
);

export async function openDatabase(opts: DatabaseOptions = {}): Promise<Database> {
  if (opts.url) {
    const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 10 });
    // Without a listener, an idle client losing its connection would be an unhandled 'error' event and end
    // the process; the pool drops that client and opens a new one on the next query.
    pool.on('error', (err) => opts.onConnectionError?.(err));
    const db = drizzleNodePg(pool, { schema }) as unknown as Db;
    try {
      await migrateNodePg(db as never, { migrationsFolder: MIGRATIONS_DIR });
    } catch (e) {
      await pool.end();
      throw e;
    }
    return { db, kind: 'postgres', listen: (channel, h) => listenPostgres(opts.url!, channel, h), close: () => pool.end() };
  }
  // PGlite creates its own directory but not the ones above it (EIM_DATA_DIR may not exist yet).
  if (opts.dataDir) mkdirSync(dirname(opts.dataDir), { recursive: true });
  const client = opts.dataDir ? new PGlite(opts.dataDir) : new PGlite();
  await client.waitReady;
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  await migratePglite(db as never, { migrationsFolder: MIGRATIONS_DIR });
  return {
    db,
    kind: 'pglite',
    async listen(channel, h) {
      // One process owns a PGlite database: notifications cannot be lost.
      const stop = await client.listen(channel, (payload) => h.onMessage(payload));
      h.onListening();
      return stop;
    },
    close: () => client.close(),
  };
}
