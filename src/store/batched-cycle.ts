// The package cycle's hot statements for many devices at once (see batcher.ts): the same reads and
// writes as the single statements of repositories.ts and package-cycle.ts, each answer or change
// belonging to one caller, sent as one statement per batch. The per-item input is one jsonb array
// (jsonb_to_recordset), so the statement text is constant (prepared once per connection) and PGlite and
// PostgreSQL take the same parameter.
//
// Writes keep the single statements' guarantees: a package is claimed or answered only from the status
// it was read in (compare-and-set), an order's previous status is read FOR UPDATE so its event is written
// exactly when the status really changes, and rows are locked in id order so that two instances' batches
// wait for each other rather than deadlock (should they still, the batch is run again item by item).
import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Euicc } from '../domain/records.ts';
import type { OrderChange, ResultContext, AnsweredEuicc } from '../services/package-cycle-ports.ts';
import type { PendingPackage, Repositories } from '../services/ports.ts';
import type { ResultRecord } from '../domain/records.ts';
import { Batcher } from './batcher.ts';
import type { Db } from './database.ts';
import { resultContextOf, rows } from './package-cycle.ts';
import { euiccs, orders, packages } from './schema.ts';

type Cycle = Pick<Repositories, 'findEuiccByEid' | 'nextPackage' | 'findResultContext' | 'claimPackageDelivery' | 'answerPackage'>;

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** The order-change columns of one item (`has_*` tells whether the patch sets that column). */
function orderChangeFields(change: OrderChange): Record<string, unknown> {
  const p = change.patch;
  const e = change.event;
  return {
    o_status: p.status,
    has_outcome: p.outcome !== undefined,
    o_outcome: p.outcome ?? null,
    has_error: p.error !== undefined,
    o_error: p.error ?? null,
    has_attempts: p.attempts !== undefined,
    o_attempts: p.attempts ?? null,
    has_delivered_at: p.deliveredAt !== undefined,
    o_delivered_at: p.deliveredAt?.toISOString() ?? null,
    has_completed_at: p.completedAt !== undefined,
    o_completed_at: p.completedAt?.toISOString() ?? null,
    e_tenant: e.tenantId,
    e_type: e.type,
    e_subject_type: e.subjectType,
    e_subject_id: e.subjectId,
    e_data: e.data ?? null,
  };
}

const ORDER_CHANGE_COLUMNS = sql.raw(`o_status text, has_outcome boolean, o_outcome jsonb, has_error boolean, o_error jsonb, has_attempts boolean, o_attempts integer,
  has_delivered_at boolean, o_delivered_at timestamptz, has_completed_at boolean, o_completed_at timestamptz,
  e_tenant text, e_type text, e_subject_type text, e_subject_id text, e_data jsonb`);

/** `prev`, `ord`, `ev` for a batch: `target` is a CTE with (i, order_id) of the packages that moved. */
function orderChangesCtes(target: string): SQL {
  return sql.raw(`prev AS (SELECT o.id, o.status FROM orders o WHERE o.id IN (SELECT order_id FROM ${target}) ORDER BY o.id FOR UPDATE),
    ord AS (UPDATE orders o SET status = c.o_status,
        outcome = CASE WHEN c.has_outcome THEN c.o_outcome ELSE o.outcome END,
        error = CASE WHEN c.has_error THEN c.o_error ELSE o.error END,
        attempts = CASE WHEN c.has_attempts THEN c.o_attempts ELSE o.attempts END,
        delivered_at = CASE WHEN c.has_delivered_at THEN c.o_delivered_at ELSE o.delivered_at END,
        completed_at = CASE WHEN c.has_completed_at THEN c.o_completed_at ELSE o.completed_at END
      FROM ${target} t JOIN input c ON c.i = t.i JOIN prev ON prev.id = t.order_id
      WHERE o.id = t.order_id RETURNING c.i, prev.status AS before),
    ev AS (INSERT INTO events (tenant_id, type, subject_type, subject_id, data)
      SELECT c.e_tenant, c.e_type, c.e_subject_type, c.e_subject_id, c.e_data FROM ord JOIN input c ON c.i = ord.i
      WHERE ord.before IS DISTINCT FROM c.o_status ORDER BY c.i RETURNING id)`);
}

const input = (items: Record<string, unknown>[]): string => JSON.stringify(items.map((x, i) => ({ i, ...x })));

interface Claim {
  packageId: number;
  at: Date;
  change: OrderChange;
}
interface Answer {
  packageId: number;
  at: Date;
  result: ResultRecord;
  change: OrderChange;
  euicc: AnsweredEuicc;
}
interface ContextQuery {
  euiccId: number;
  eimId: string;
  txid: Uint8Array | undefined;
  counter: number;
}

/** Batched versions of the cycle's hot statements over `single` (the one-item statements, used for batches of one and retries). */
export function batchedCycle(db: Db, single: Cycle): { repositories: Cycle; batchers: Record<string, Batcher<never, unknown>> } {
  const p = sql.placeholder;
  const euiccsByEid = db
    .select()
    .from(euiccs)
    .where(sql`${euiccs.eid} = ANY(${p('eids')}::text[])`)
    .prepare('eim_euiccs_by_eids');
  const nextPackages = db
    .select({ p: packages, orderStatus: orders.status, orderExpiresAt: orders.expiresAt, orderTenantId: orders.tenantId, orderKind: orders.kind, orderActivationCodeId: orders.activationCodeId })
    .from(packages)
    .innerJoin(orders, eq(orders.id, packages.orderId))
    .where(
      and(
        sql`${packages.id} IN (SELECT (SELECT n.id FROM packages n WHERE n.euicc_id = e.id AND n.status IN ('queued', 'delivered') ORDER BY n.id LIMIT 1)
          FROM unnest(${p('ids')}::bigint[]) AS e(id))`,
      ),
    )
    .prepare('eim_next_packages');

  const euiccByEid = new Batcher<string, Euicc | undefined>({
    one: (eid) => single.findEuiccByEid(eid),
    async many(eids) {
      const found = new Map((await euiccsByEid.execute({ eids })).map((r) => [r.eid, r as Euicc]));
      return eids.map((eid) => found.get(eid));
    },
  });

  const nextPackage = new Batcher<number, PendingPackage | undefined>({
    one: (id) => single.nextPackage(id),
    async many(ids) {
      const found = new Map<number, PendingPackage>();
      for (const row of await nextPackages.execute({ ids })) {
        found.set(row.p.euiccId, { ...row.p, orderStatus: row.orderStatus, orderExpiresAt: row.orderExpiresAt, orderTenantId: row.orderTenantId, orderKind: row.orderKind, orderActivationCodeId: row.orderActivationCodeId } as PendingPackage);
      }
      return ids.map((id) => found.get(id));
    },
  });

  const resultContext = new Batcher<ContextQuery, ResultContext>({
    one: (c) => single.findResultContext(c.euiccId, c.eimId, c.txid, c.counter),
    async many(items) {
      const json = input(items.map((c) => ({ euicc_id: c.euiccId, eim_id: c.eimId, txid: c.txid ? hex(c.txid) : null, counter: c.counter })));
      const found = await rows(
        db,
        sql`SELECT x.i, (SELECT association_token FROM associations a WHERE a.euicc_id = x.euicc_id AND a.eim_id = x.eim_id) AS association_token,
          p.id, p.order_id, p.euicc_id, p.kind, p.eim_transaction_id, p.counter_value, p.status,
          o.tenant_id, o.kind AS order_kind, o.request, o.status AS order_status, o.attempts, o.activation_code_id
        FROM jsonb_to_recordset(${json}::jsonb) AS x(i integer, euicc_id bigint, eim_id text, txid text, counter bigint)
        LEFT JOIN LATERAL (
          SELECT * FROM (
            (SELECT id, order_id, euicc_id, kind, eim_transaction_id, counter_value, status, 1 AS pri FROM packages WHERE eim_transaction_id = decode(x.txid, 'hex'))
            UNION ALL
            (SELECT id, order_id, euicc_id, kind, eim_transaction_id, counter_value, status, 2 AS pri FROM packages WHERE euicc_id = x.euicc_id AND counter_value = x.counter LIMIT 1)
          ) AS u ORDER BY pri LIMIT 1
        ) AS p ON true
        LEFT JOIN orders o ON o.id = p.order_id`,
      );
      const byIndex = new Map(found.map((r) => [Number(r.i), r]));
      return items.map((_, i) => resultContextOf(byIndex.get(i)));
    },
  });

  const claim = new Batcher<Claim, boolean>({
    one: (c) => single.claimPackageDelivery(c.packageId, c.at, c.change),
    keys: (c) => [`o${c.change.orderId}`, `p${c.packageId}`],
    async many(items) {
      const json = input(items.map((c) => ({ package_id: c.packageId, at: c.at.toISOString(), ...orderChangeFields(c.change) })));
      const claimed = await rows(
        db,
        sql`WITH input AS (SELECT * FROM jsonb_to_recordset(${json}::jsonb) AS x(i integer, package_id bigint, at timestamptz, ${ORDER_CHANGE_COLUMNS})),
          locked AS (SELECT id FROM packages WHERE id IN (SELECT package_id FROM input) AND status = 'queued' ORDER BY id FOR UPDATE),
          claimed AS (UPDATE packages p SET status = 'delivered', delivery_count = 1, delivered_at = c.at FROM input c
            WHERE p.id = c.package_id AND p.id IN (SELECT id FROM locked) AND p.status = 'queued' RETURNING c.i, p.order_id),
          ${orderChangesCtes('claimed')}
        SELECT i FROM claimed`,
      );
      const won = new Set(claimed.map((r) => Number(r.i)));
      return items.map((_, i) => won.has(i));
    },
  });

  const answer = new Batcher<Answer, boolean>({
    one: (a) => single.answerPackage(a.packageId, a.at, a.result, a.change, a.euicc),
    keys: (a) => [`o${a.change.orderId}`, `p${a.packageId}`, `e${a.euicc.id}`],
    async many(items) {
      const json = input(
        items.map((a) => ({
          package_id: a.packageId,
          at: a.at.toISOString(),
          r_euicc_id: a.result.euiccId,
          r_package_id: a.result.packageId,
          r_kind: a.result.kind,
          r_seq: a.result.seqNumber,
          r_der: hex(a.result.der),
          r_verified: a.result.verified,
          eu_id: a.euicc.id,
          eu_seq: a.euicc.lastSeqNumber,
          eu_stale: a.euicc.inventoryStale ?? null,
          ...orderChangeFields(a.change),
        })),
      );
      const answered = await rows(
        db,
        sql`WITH input AS (SELECT * FROM jsonb_to_recordset(${json}::jsonb) AS x(i integer, package_id bigint, at timestamptz,
              r_euicc_id bigint, r_package_id bigint, r_kind text, r_seq bigint, r_der text, r_verified boolean, eu_id bigint, eu_seq bigint, eu_stale boolean,
              ${ORDER_CHANGE_COLUMNS})),
          res AS (INSERT INTO results (euicc_id, package_id, kind, seq_number, der, verified)
            SELECT r_euicc_id, r_package_id, r_kind, r_seq, decode(r_der, 'hex'), r_verified FROM input ORDER BY i),
          locked AS (SELECT id FROM packages WHERE id IN (SELECT package_id FROM input) AND status <> 'answered' ORDER BY id FOR UPDATE),
          answered AS (UPDATE packages p SET status = 'answered', answered_at = c.at FROM input c
            WHERE p.id = c.package_id AND p.id IN (SELECT id FROM locked) AND p.status <> 'answered' RETURNING c.i, p.order_id),
          ${orderChangesCtes('answered')},
          eu AS (UPDATE euiccs e SET last_seq_number = c.eu_seq, inventory_stale = COALESCE(c.eu_stale, e.inventory_stale)
            FROM answered t JOIN input c ON c.i = t.i WHERE e.id = c.eu_id)
        SELECT i FROM answered`,
      );
      const won = new Set(answered.map((r) => Number(r.i)));
      return items.map((_, i) => won.has(i));
    },
  });

  return {
    repositories: {
      findEuiccByEid: (eid) => euiccByEid.call(eid),
      nextPackage: (euiccId) => nextPackage.call(euiccId),
      findResultContext: (euiccId, eimId, txid, counter) => resultContext.call({ euiccId, eimId, txid, counter }),
      claimPackageDelivery: (packageId, at, change) => claim.call({ packageId, at, change }),
      answerPackage: (packageId, at, result, change, euicc) => answer.call({ packageId, at, result, change, euicc }),
    },
    batchers: { euiccByEid, nextPackage, resultContext, claim, answer } as unknown as Record<string, Batcher<never, unknown>>,
  };
}
