// bench:cycle set-up and check: orders created through the createOrder use case (each package signed,
// the counter persisted first), several at a time; afterwards, the orders counted by status.
import { sql } from 'drizzle-orm';
import type { LoadedPki } from '../src/crypto/pki-directory.ts';
import type { Curve } from '../src/crypto/engine.ts';
import type { Signer } from '../src/crypto/signer.ts';
import { createOrder } from '../src/services/create-order.ts';
import type { ServiceDeps } from '../src/services/deps.ts';
import { openDatabase } from '../src/store/database.ts';
import { createStore } from '../src/store/repositories.ts';
import type { BenchDatabase } from './eim-process.ts';

const OPS = [{ op: 'getRAT' }, { op: 'listProfileInfo' }];

function open(database: BenchDatabase) {
  return openDatabase(database.url ? { url: database.url, poolSize: 8 } : { dataDir: database.dataDir! });
}

/** `perDevice` orders for every EID (one psmo each, alternating getRAT and listProfileInfo); returns how many. */
export async function createBenchOrders(database: BenchDatabase, pki: LoadedPki, eimId: string, eids: string[], perDevice: number): Promise<number> {
  const db = await open(database);
  const signers: Partial<Record<Curve, Signer>> = {};
  for (const s of pki.sets) if (s.roles.eimSign?.signer) signers[s.curve] = s.roles.eimSign.signer;
  const deps: ServiceDeps = {
    store: createStore(db.db),
    eim: { eimId, signers },
    trustAnchors: pki.trustAnchors,
    log: { info() {}, warn() {}, error() {} },
    now: () => new Date(),
    defaultOrderTtlMs: 24 * 3600_000,
  };
  let next = 0;
  const total = eids.length * perDevice;
  try {
    // Round k queues order k for every device: each device's orders keep their order, devices interleave.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let n = next++; n < total; n = next++) {
          await createOrder(deps, { eid: eids[n % eids.length]!, request: { kind: 'psmo', operations: [OPS[Math.floor(n / eids.length) % 2]!] } });
        }
      }),
    );
  } finally {
    await db.close();
  }
  return total;
}

export async function orderStatuses(database: BenchDatabase): Promise<Record<string, number>> {
  const db = await open(database);
  try {
    const r = await db.db.execute(sql`SELECT status, count(*)::int AS n FROM orders GROUP BY status ORDER BY status`);
    const rows = (Array.isArray(r) ? r : (r as unknown as { rows: { status: string; n: number }[] }).rows) as { status: string; n: number }[];
    return Object.fromEntries(rows.map((x) => [x.status, Number(x.n)]));
  } finally {
    await db.close();
  }
}
