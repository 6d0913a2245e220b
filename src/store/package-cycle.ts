// The package cycle's hot statements (src/services/package-cycle-ports.ts) as single SQL statements:
// data-modifying CTEs, so that a delivery or an answer, the order change and the events it implies, and
// the inventory a result changes are one round trip and one atomic statement, alone or inside a
// transaction. Each takes a list of items (one per device; batched-cycle.ts gathers them) as one jsonb
// array, so its text is constant and prepared once per connection, on PGlite and PostgreSQL alike.
//
// An order's previous status is read FOR UPDATE inside the statement, so the event is written exactly when
// the status really changes, also when two eIM instances race; packages and orders are locked in id order
// so that two instances' statements wait for each other rather than deadlock.
import { createHash } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { PlannedProfile } from '../domain/inventory.ts';
import type { ResultRecord } from '../domain/records.ts';
import type { AnsweredEuicc, AnswerOutcome, InventoryWrite, OrderChange, PackageCycleRepositories, ResultContext } from '../services/package-cycle-ports.ts';
import type { PendingPackage } from '../services/ports.ts';
import type { Queryable } from './database.ts';

type Row = Record<string, unknown>;
type Pkg = NonNullable<ResultContext['pkg']>;

const dialect = new PgDialect();

type Prepared = { execute(values: Record<string, unknown>): Promise<unknown> };

/**
 * A hot statement, compiled to SQL text once (its only parameter is `input`, the items as one jsonb array)
 * and run as a named prepared statement: PostgreSQL parses and plans it once per connection, and nothing
 * builds or hashes its text again per call. The prepared query is kept per drizzle session (the database's,
 * or a transaction's).
 */
function statement(build: (input: SQL) => SQL): (q: Queryable, input: string) => Promise<Row[]> {
  const compiled = dialect.sqlToQuery(build(sql`${sql.placeholder('input')}`));
  const name = `eim_cycle_${createHash('sha256').update(compiled.sql).digest('hex').slice(0, 16)}`;
  const prepared = new WeakMap<object, Prepared>();
  return async (q, input) => {
    const session = q._.session;
    let p = prepared.get(session);
    if (!p) {
      p = session.prepareQuery(compiled, undefined, name, false) as unknown as Prepared;
      prepared.set(session, p);
    }
    return ((await p.execute({ input })) as { rows: Row[] }).rows;
  };
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
/** The items as one jsonb parameter, each with its index `i`. */
const input = (items: Record<string, unknown>[]): string => JSON.stringify(items.map((x, i) => ({ i, ...x })));

/**
 * The eUICC's inventory as one jsonb array (ordered by ICCID, keys as in PlannedProfile): read with the
 * result context, and compared again by the answer that writes a plan made from it.
 */
const inventoryOf = (euiccId: string): string =>
  `(SELECT coalesce(jsonb_agg(jsonb_build_object('iccid', pr.iccid, 'isdpAid', pr.isdp_aid, 'state', pr.state, 'profileClass', pr.profile_class,
     'profileName', pr.profile_name, 'serviceProviderName', pr.service_provider_name, 'nickname', pr.nickname, 'fallbackAttribute', pr.fallback_attribute)
     ORDER BY pr.iccid), '[]'::jsonb) FROM profiles pr WHERE pr.euicc_id = ${euiccId})`;

export interface ContextQuery {
  euiccId: number;
  eimId: string;
  txid: Uint8Array | undefined;
  counter: number;
}

/**
 * For each query: this eIM's association token, the package the result names (by eimTransactionId, whichever
 * eUICC it belongs to: the caller refuses another eUICC's; else by counterValue) with its order, and the inventory.
 */
const RESULT_CONTEXTS = statement(
  (input) => sql`SELECT x.i, (SELECT association_token FROM associations a WHERE a.euicc_id = x.euicc_id AND a.eim_id = x.eim_id) AS association_token,
      ${sql.raw(inventoryOf('x.euicc_id'))} AS inventory,
      p.id, p.order_id, p.euicc_id, p.kind, p.eim_transaction_id, p.counter_value, p.status,
      o.tenant_id, o.kind AS order_kind, o.request, o.status AS order_status, o.attempts, o.activation_code_id
    FROM jsonb_to_recordset(${input}::jsonb) AS x(i integer, euicc_id bigint, eim_id text, txid text, counter bigint)
    LEFT JOIN LATERAL (
      SELECT * FROM (
        (SELECT id, order_id, euicc_id, kind, eim_transaction_id, counter_value, status, 1 AS pri FROM packages WHERE eim_transaction_id = decode(x.txid, 'hex'))
        UNION ALL
        (SELECT id, order_id, euicc_id, kind, eim_transaction_id, counter_value, status, 2 AS pri FROM packages WHERE euicc_id = x.euicc_id AND counter_value = x.counter LIMIT 1)
      ) AS u ORDER BY pri LIMIT 1
    ) AS p ON true
    LEFT JOIN orders o ON o.id = p.order_id`,
);

export async function resultContexts(q: Queryable, items: ContextQuery[]): Promise<ResultContext[]> {
  const json = input(items.map((c) => ({ euicc_id: c.euiccId, eim_id: c.eimId, txid: c.txid ? hex(c.txid) : null, counter: c.counter })));
  const found = await RESULT_CONTEXTS(q, json);
  const byIndex = new Map(found.map((r) => [Number(r.i), r]));
  return items.map((_, i) => resultContextOf(byIndex.get(i)!));
}

function resultContextOf(r: Row): ResultContext {
  const associationToken = num(r.association_token);
  const inventory = { profiles: (r.inventory ?? []) as PlannedProfile[], check: r.inventory ?? [] };
  if (r.id === null || r.id === undefined) return { associationToken, inventory, pkg: undefined };
  return {
    associationToken,
    inventory,
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

const ORDER_CHANGE_COLUMNS = `o_status text, has_outcome boolean, o_outcome jsonb, has_error boolean, o_error jsonb, has_attempts boolean, o_attempts integer,
  has_delivered_at boolean, o_delivered_at timestamptz, has_completed_at boolean, o_completed_at timestamptz,
  e_tenant text, e_type text, e_subject_type text, e_subject_id text, e_data jsonb`;

/**
 * `prev`, `ord`, `ev`: the orders of the packages in `target` (a CTE with i, order_id) changed, and the
 * order event written when the status really changed, followed by `more` events (a SELECT of i, n,
 * tenant_id, type, subject_type, subject_id, data), all in item order.
 */
function orderChangesCtes(target: string, more = ''): string {
  return `prev AS (SELECT o.id, o.status FROM orders o WHERE o.id IN (SELECT order_id FROM ${target}) ORDER BY o.id FOR UPDATE),
    ord AS (UPDATE orders o SET status = c.o_status,
        outcome = CASE WHEN c.has_outcome THEN c.o_outcome ELSE o.outcome END,
        error = CASE WHEN c.has_error THEN c.o_error ELSE o.error END,
        attempts = CASE WHEN c.has_attempts THEN c.o_attempts ELSE o.attempts END,
        delivered_at = CASE WHEN c.has_delivered_at THEN c.o_delivered_at ELSE o.delivered_at END,
        completed_at = CASE WHEN c.has_completed_at THEN c.o_completed_at ELSE o.completed_at END
      FROM ${target} t JOIN input c ON c.i = t.i JOIN prev ON prev.id = t.order_id
      WHERE o.id = t.order_id RETURNING c.i, prev.status AS before),
    ev AS (INSERT INTO events (tenant_id, type, subject_type, subject_id, data)
      SELECT tenant_id, type, subject_type, subject_id, data FROM (
        SELECT c.i, 0 AS n, c.e_tenant AS tenant_id, c.e_type AS type, c.e_subject_type AS subject_type, c.e_subject_id AS subject_id, c.e_data AS data
        FROM ord JOIN input c ON c.i = ord.i WHERE ord.before IS DISTINCT FROM c.o_status
        ${more ? `UNION ALL ${more}` : ''}
      ) AS e ORDER BY i, n RETURNING id)`;
}

export interface Claim {
  packageId: number;
  at: Date;
  change: OrderChange;
}

/** Marks queued packages delivered and changes their orders; for each item, whether it claimed its package. */
const CLAIM = statement(
  (input) => sql`WITH input AS (SELECT * FROM jsonb_to_recordset(${input}::jsonb) AS x(i integer, package_id bigint, at timestamptz, ${sql.raw(ORDER_CHANGE_COLUMNS)})),
      locked AS (SELECT id FROM packages WHERE id IN (SELECT package_id FROM input) AND status = 'queued' ORDER BY id FOR UPDATE),
      claimed AS (UPDATE packages p SET status = 'delivered', delivery_count = 1, delivered_at = c.at FROM input c
        WHERE p.id = c.package_id AND p.id IN (SELECT id FROM locked) AND p.status = 'queued' RETURNING c.i, p.order_id),
      ${sql.raw(orderChangesCtes('claimed'))}
    SELECT i FROM claimed`,
);

export async function claimPackages(q: Queryable, items: Claim[]): Promise<boolean[]> {
  const json = input(items.map((c) => ({ package_id: c.packageId, at: c.at.toISOString(), ...orderChangeFields(c.change) })));
  const won = new Set((await CLAIM(q, json)).map((r) => Number(r.i)));
  return items.map((_, i) => won.has(i));
}

export interface Answer {
  packageId: number;
  at: Date;
  result: ResultRecord;
  change: OrderChange;
  euicc: AnsweredEuicc;
  inventory?: InventoryWrite;
}

/** The profile events of each answered item (the plan's, numbered from 1), to follow its order event. */
const PROFILE_EVENTS = `SELECT c.i, e.n, e."tenantId", e.type, e."subjectType", e."subjectId", e.data
  FROM answered t JOIN input c ON c.i = t.i
  CROSS JOIN LATERAL jsonb_to_recordset(c.inv_events) AS e(n integer, "tenantId" text, type text, "subjectType" text, "subjectId" text, data jsonb)`;

/**
 * Records each result, and unless its package was already answered, or the inventory its plan was made from
 * has changed since (then nothing at all is written for it): answers the package, changes the order, the
 * eUICC and its inventory, and writes the order's and the profiles' events.
 */
const ANSWER = statement(
  (input) => sql`WITH input AS (SELECT * FROM jsonb_to_recordset(${input}::jsonb) AS x(i integer, package_id bigint, at timestamptz,
          r_euicc_id bigint, r_package_id bigint, r_kind text, r_seq bigint, r_der text, r_verified boolean, eu_id bigint, eu_seq bigint, eu_stale boolean,
          inv_check jsonb, inv_upserts jsonb, inv_deletes jsonb, inv_events jsonb, ${sql.raw(ORDER_CHANGE_COLUMNS)})),
      fresh AS (SELECT c.i FROM input c WHERE c.inv_check IS NULL OR c.inv_check = ${sql.raw(inventoryOf('c.eu_id'))}),
      res AS (INSERT INTO results (euicc_id, package_id, kind, seq_number, der, verified)
        SELECT r_euicc_id, r_package_id, r_kind, r_seq, decode(r_der, 'hex'), r_verified FROM input WHERE i IN (SELECT i FROM fresh) ORDER BY i),
      locked AS (SELECT id FROM packages WHERE id IN (SELECT c.package_id FROM input c JOIN fresh f ON f.i = c.i) AND status <> 'answered' ORDER BY id FOR UPDATE),
      answered AS (UPDATE packages p SET status = 'answered', answered_at = c.at FROM input c
        WHERE p.id = c.package_id AND p.id IN (SELECT id FROM locked) AND c.i IN (SELECT i FROM fresh) AND p.status <> 'answered' RETURNING c.i, p.order_id),
      ${sql.raw(orderChangesCtes('answered', PROFILE_EVENTS))},
      eu AS (UPDATE euiccs e SET last_seq_number = c.eu_seq, inventory_stale = COALESCE(c.eu_stale, e.inventory_stale)
        FROM answered t JOIN input c ON c.i = t.i WHERE e.id = c.eu_id),
      removed AS (DELETE FROM profiles pr USING answered t JOIN input c ON c.i = t.i CROSS JOIN LATERAL jsonb_array_elements_text(c.inv_deletes) AS d(iccid)
        WHERE pr.euicc_id = c.eu_id AND pr.iccid = d.iccid),
      -- profiles.created_at is the row's updatedAt (schema.ts).
      written AS (INSERT INTO profiles (euicc_id, iccid, isdp_aid, state, profile_class, profile_name, service_provider_name, nickname, fallback_attribute, created_at)
        SELECT c.eu_id, u.iccid, u."isdpAid", u.state, u."profileClass", u."profileName", u."serviceProviderName", u.nickname, u."fallbackAttribute", c.at
        FROM answered t JOIN input c ON c.i = t.i
        CROSS JOIN LATERAL jsonb_to_recordset(c.inv_upserts) AS u(iccid text, "isdpAid" text, state text, "profileClass" text, "profileName" text, "serviceProviderName" text, nickname text, "fallbackAttribute" boolean)
        ON CONFLICT (euicc_id, iccid) DO UPDATE SET isdp_aid = excluded.isdp_aid, state = excluded.state, profile_class = excluded.profile_class,
          profile_name = excluded.profile_name, service_provider_name = excluded.service_provider_name, nickname = excluded.nickname,
          fallback_attribute = excluded.fallback_attribute, created_at = excluded.created_at)
    SELECT c.i, t.i IS NOT NULL AS answered, f.i IS NOT NULL AS fresh FROM input c LEFT JOIN answered t ON t.i = c.i LEFT JOIN fresh f ON f.i = c.i`,
);

export async function answerPackages(q: Queryable, items: Answer[]): Promise<AnswerOutcome[]> {
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
      inv_check: a.inventory?.check ?? null,
      inv_upserts: a.inventory?.upserts ?? null,
      inv_deletes: a.inventory?.deletes ?? null,
      inv_events: a.inventory?.events.map((e, n) => ({ n: n + 1, ...e })) ?? null,
      ...orderChangeFields(a.change),
    })),
  );
  const byIndex = new Map((await ANSWER(q, json)).map((r) => [Number(r.i), r]));
  return items.map((_, i) => {
    const r = byIndex.get(i)!;
    return r.answered ? 'answered' : r.fresh ? 'alreadyAnswered' : 'inventoryChanged';
  });
}

/** A next-package row (the package and its order's columns) as the PendingPackage the cycle reads. */
export function pendingPackage(row: { p: object; orderStatus: string; orderExpiresAt: Date | null; orderTenantId: string; orderKind: string; orderActivationCodeId: number | null }): PendingPackage {
  return { ...row.p, orderStatus: row.orderStatus, orderExpiresAt: row.orderExpiresAt, orderTenantId: row.orderTenantId, orderKind: row.orderKind, orderActivationCodeId: row.orderActivationCodeId } as PendingPackage;
}

/** The cycle's statements for one item at a time (inside a transaction, or the store's batch of one). */
export function packageCycleRepositories(q: Queryable): PackageCycleRepositories {
  return {
    async findResultContext(euiccId, eimId, eimTransactionId, counterValue) {
      return (await resultContexts(q, [{ euiccId, eimId, txid: eimTransactionId, counter: counterValue }]))[0]!;
    },
    async claimPackageDelivery(packageId, at, change) {
      return (await claimPackages(q, [{ packageId, at, change }]))[0]!;
    },
    async answerPackage(packageId, at, result, change, euicc, inventory) {
      return (await answerPackages(q, [{ packageId, at, result, change, euicc, inventory }]))[0]!;
    },
  };
}
