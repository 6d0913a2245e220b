// The package cycle's hot statements (src/services/package-cycle-ports.ts) as single SQL statements:
// data-modifying CTEs, so that a delivery or an answer and the order change and event it implies are one
// round trip and one atomic statement, alone or inside a transaction. An order's previous status is read
// FOR UPDATE inside the statement, so the event is written exactly when the status really changes, also
// when two eIM instances race.
import { createHash } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { OrderChange, PackageCycleRepositories, ResultContext } from '../services/package-cycle-ports.ts';
import type { Queryable } from './database.ts';

type Row = Record<string, unknown>;
type Pkg = NonNullable<ResultContext['pkg']>;

const dialect = new PgDialect();
const names = new Map<string, string>();

/**
 * Runs a hot statement as a named prepared statement: PostgreSQL parses and plans it once per connection
 * instead of on every call. The name follows the text (a statement's variants get their own names).
 */
export async function rows(q: Queryable, query: SQL): Promise<Row[]> {
  const compiled = dialect.sqlToQuery(query);
  let name = names.get(compiled.sql);
  if (!name) {
    name = `eim_cycle_${createHash('sha256').update(compiled.sql).digest('hex').slice(0, 16)}`;
    if (names.size < 1000) names.set(compiled.sql, name);
  }
  const r = (await q._.session.prepareQuery(compiled, undefined, name, false).execute()) as unknown as { rows: Row[] };
  return r.rows;
}

const json = (v: unknown): SQL => (v === undefined || v === null ? sql`NULL::jsonb` : sql`${JSON.stringify(v)}::jsonb`);
const time = (d: Date | null): SQL => (d === null ? sql`NULL::timestamptz` : sql`${d.toISOString()}::timestamptz`);
const bytes = (b: Uint8Array): Uint8Array => b;
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** The SET list of an order change. */
function orderSet(change: OrderChange): SQL {
  const p = change.patch;
  const set: SQL[] = [sql`status = ${p.status}`];
  if (p.outcome !== undefined) set.push(sql`outcome = ${json(p.outcome)}`);
  if (p.error !== undefined) set.push(sql`error = ${json(p.error)}`);
  if (p.attempts !== undefined) set.push(sql`attempts = ${p.attempts}`);
  if (p.deliveredAt !== undefined) set.push(sql`delivered_at = ${time(p.deliveredAt)}`);
  if (p.completedAt !== undefined) set.push(sql`completed_at = ${time(p.completedAt)}`);
  return sql.join(set, sql`, `);
}

/** The CTEs `prev`, `ord` and `ev`: change the order named by `target` (a CTE with order_id) and write the event on a status change. */
function orderChangeCtes(target: SQL, change: OrderChange): SQL {
  const e = change.event;
  return sql`prev AS (SELECT id, status FROM orders WHERE id = (SELECT order_id FROM ${target}) FOR UPDATE),
    ord AS (UPDATE orders o SET ${orderSet(change)} FROM prev WHERE o.id = prev.id RETURNING prev.status AS before),
    ev AS (INSERT INTO events (tenant_id, type, subject_type, subject_id, data)
      SELECT ${e.tenantId}, ${e.type}, ${e.subjectType}, ${e.subjectId}, ${json(e.data)} FROM ord WHERE ord.before IS DISTINCT FROM ${change.patch.status} RETURNING id)`;
}

/** A row of the result-context query (single or batched) as a ResultContext. */
export function resultContextOf(r: Row | undefined): ResultContext {
  const associationToken = num(r?.association_token);
  if (!r || r.id === null || r.id === undefined) return { associationToken, pkg: undefined };
  return {
    associationToken,
    pkg: {
      id: Number(r.id),
      orderId: String(r.order_id),
      euiccId: Number(r.euicc_id),
      kind: r.kind as Pkg['kind'],
      eimTransactionId: new Uint8Array(r.eim_transaction_id as Uint8Array),
      counterValue: num(r.counter_value),
      status: r.status as Pkg['status'],
      order: {
        id: String(r.order_id),
        tenantId: String(r.tenant_id),
        kind: r.order_kind as Pkg['order']['kind'],
        request: r.request as Pkg['order']['request'],
        status: r.order_status as Pkg['order']['status'],
        attempts: Number(r.attempts),
        activationCodeId: num(r.activation_code_id),
      },
    },
  };
}

export function packageCycleRepositories(q: Queryable): PackageCycleRepositories {
  return {
    async findResultContext(euiccId, eimId, eimTransactionId, counterValue): Promise<ResultContext> {
      const txid = eimTransactionId ? sql`${bytes(eimTransactionId)}::bytea` : sql`NULL::bytea`;
      // By eimTransactionId first, whichever eUICC it belongs to (the caller refuses another eUICC's), then by counter.
      const [r] = await rows(
        q,
        sql`SELECT (SELECT association_token FROM associations WHERE euicc_id = ${euiccId} AND eim_id = ${eimId}) AS association_token,
          p.id, p.order_id, p.euicc_id, p.kind, p.eim_transaction_id, p.counter_value, p.status,
          o.tenant_id, o.kind AS order_kind, o.request, o.status AS order_status, o.attempts, o.activation_code_id
        FROM (SELECT 1) AS one
        LEFT JOIN LATERAL (
          SELECT * FROM (
            (SELECT id, order_id, euicc_id, kind, eim_transaction_id, counter_value, status, 1 AS pri FROM packages WHERE eim_transaction_id = ${txid})
            UNION ALL
            (SELECT id, order_id, euicc_id, kind, eim_transaction_id, counter_value, status, 2 AS pri FROM packages WHERE euicc_id = ${euiccId} AND counter_value = ${counterValue} LIMIT 1)
          ) AS u ORDER BY pri LIMIT 1
        ) AS p ON true
        LEFT JOIN orders o ON o.id = p.order_id`,
      );
      return resultContextOf(r);
    },

    async claimPackageDelivery(packageId, at, change) {
      const [r] = await rows(
        q,
        sql`WITH claimed AS (UPDATE packages SET status = 'delivered', delivery_count = 1, delivered_at = ${time(at)}
            WHERE id = ${packageId} AND status = 'queued' RETURNING order_id),
          ${orderChangeCtes(sql`claimed`, change)}
        SELECT count(*)::int AS claimed FROM claimed`,
      );
      return Number(r?.claimed) === 1;
    },

    async answerPackage(packageId, at, result, change, euicc) {
      const stale = euicc.inventoryStale === undefined ? sql`` : sql`, inventory_stale = ${euicc.inventoryStale}`;
      const [r] = await rows(
        q,
        sql`WITH res AS (INSERT INTO results (euicc_id, package_id, kind, seq_number, der, verified)
            VALUES (${result.euiccId}, ${result.packageId}, ${result.kind}, ${result.seqNumber}, ${bytes(result.der)}::bytea, ${result.verified})),
          answered AS (UPDATE packages SET status = 'answered', answered_at = ${time(at)}
            WHERE id = ${packageId} AND status <> 'answered' RETURNING order_id),
          ${orderChangeCtes(sql`answered`, change)},
          eu AS (UPDATE euiccs SET last_seq_number = ${euicc.lastSeqNumber}${stale} WHERE id = ${euicc.id} AND EXISTS (SELECT 1 FROM answered))
        SELECT count(*)::int AS answered FROM answered`,
      );
      return Number(r?.answered) === 1;
    },
  };
}
