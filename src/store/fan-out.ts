// The bulk-order fan-out on drizzle: a batch of members is read, locked and written with one statement
// per step, whatever its size (array parameters and unnest, never one parameter per value).
import { and, asc, eq, gt, sql, type SQL } from 'drizzle-orm';
import type { GroupRecord } from '../domain/records.ts';
import type { BulkOrderRecord, FanOutMember, FanOutRepositories } from '../services/fan-out-ports.ts';
import type { Queryable } from './database.ts';
import { associations, bulkOrders, euiccs, groupMembers, orders } from './schema.ts';

const memberColumns = {
  id: euiccs.id,
  eid: euiccs.eid,
  tenantId: euiccs.tenantId,
  curve: euiccs.curve,
  verificationPolicy: euiccs.verificationPolicy,
  hasCertificate: sql<boolean>`${euiccs.euiccCertificate} IS NOT NULL`,
};

export function fanOutRepositories(q: Queryable, inTx: boolean): FanOutRepositories {
  return {
    async fanOutMembers(group: GroupRecord, afterId: number, limit: number) {
      if (group.kind === 'static') {
        return (await q
          .select(memberColumns)
          .from(groupMembers)
          .innerJoin(euiccs, eq(euiccs.id, groupMembers.euiccId))
          .where(and(eq(groupMembers.groupId, group.id), gt(euiccs.id, afterId)))
          .orderBy(asc(euiccs.id))
          .limit(limit)) as FanOutMember[];
      }
      const f = group.filter ?? {};
      const conds: SQL[] = [eq(euiccs.tenantId, group.tenantId), gt(euiccs.id, afterId)];
      // jsonb containment, as groupRepositories.filteredEuiccs: every tag present, every attribute equal.
      if (f.tags?.length) conds.push(sql`${euiccs.tags} @> ${JSON.stringify(f.tags)}::jsonb`);
      if (f.attributes && Object.keys(f.attributes).length) conds.push(sql`${euiccs.attributes} @> ${JSON.stringify(f.attributes)}::jsonb`);
      return (await q.select(memberColumns).from(euiccs).where(and(...conds)).orderBy(asc(euiccs.id)).limit(limit)) as FanOutMember[];
    },

    async lockCounters(euiccIds, eimId) {
      if (euiccIds.length === 0) return [];
      // Rows are locked in the order they are returned: ascending euicc_id, as every batch does.
      const base = q
        .select({ euiccId: associations.euiccId, counterValue: associations.counterValue, associationToken: associations.associationToken })
        .from(associations)
        .where(and(eq(associations.eimId, eimId), sql`${associations.euiccId} = ANY(${sql.param(euiccIds)}::bigint[])`))
        .orderBy(asc(associations.euiccId));
      return inTx ? await base.for('update') : await base;
    },

    async pendingCertificateRequests(euiccIds) {
      if (euiccIds.length === 0) return new Set();
      const rows = await q
        .selectDistinct({ euiccId: orders.euiccId })
        .from(orders)
        .where(
          and(
            sql`${orders.euiccId} = ANY(${sql.param(euiccIds)}::bigint[])`,
            sql`${orders.status} IN ('queued', 'delivered')`,
            eq(orders.kind, 'euiccData'),
            sql`${orders.request} -> 'tags' @> '["a6"]'::jsonb`,
          ),
        );
      return new Set(rows.map((r) => r.euiccId));
    },

    async writeFanOut(b) {
      if (b.rows.length === 0) return;
      // The few distinct requests once, each row pointing at its own (1-based, as SQL arrays).
      const requests: object[] = [];
      const requestIndex = b.rows.map((r) => {
        let i = requests.indexOf(r.request);
        if (i < 0) i = requests.push(r.request) - 1;
        return i + 1;
      });
      // Each column as one array literal built here: every value is digits, hex, a UUID or a plain word,
      // so nothing needs quoting, and the driver does not escape thousands of elements one by one.
      const col = (f: (r: (typeof b.rows)[number]) => string | number | null) => sql.param(arrayLiteral(b.rows.map(f)));
      // One statement: the rows once (a materialized CTE), then orders, their order.queued events (data as
      // emit() writes it), packages (ids in row order: a certificate request before the order that needs it)
      // and the counters. Foreign keys are checked at the end of the statement, after every insert.
      await q.execute(sql`WITH v AS MATERIALIZED (
          SELECT t.*, (${sql.param(requests.map((r) => JSON.stringify(r)))}::jsonb[])[t.request_index] AS request
          FROM unnest(${col((r) => r.orderId)}::uuid[], ${col((r) => r.euiccId)}::bigint[], ${col((r) => r.eid)}::text[],
            ${col((r) => r.request.kind)}::text[], ${sql.param(arrayLiteral(requestIndex))}::int[], ${col((r) => r.bulkId)}::uuid[],
            ${col((r) => r.packageKind)}::text[], ${col((r) => hex(r.eimTransactionId))}::text[], ${col((r) => r.counterValue)}::bigint[],
            ${col((r) => hex(r.der))}::text[]) WITH ORDINALITY AS t(order_id, euicc_id, eid, kind, request_index, bulk_id, package_kind, txid, counter_value, der, n)
        ), o AS (
          INSERT INTO orders (id, tenant_id, euicc_id, kind, request, expires_at, bulk_id)
          SELECT order_id, ${b.tenantId}, euicc_id, kind, request, ${b.expiresAt?.toISOString() ?? null}::timestamptz, bulk_id FROM v ORDER BY n
        ), e AS (
          INSERT INTO events (tenant_id, type, subject_type, subject_id, data)
          SELECT ${b.tenantId}, 'order.queued', 'order', order_id::text,
            jsonb_build_object('orderId', order_id::text, 'eid', eid, 'kind', kind, 'status', 'queued', 'request', request) FROM v ORDER BY n
        ), p AS (
          INSERT INTO packages (order_id, euicc_id, kind, eim_transaction_id, counter_value, der)
          SELECT order_id, euicc_id, package_kind, decode(txid, 'hex'), counter_value, decode(der, 'hex') FROM v ORDER BY n
        )
        UPDATE associations a SET counter_value = c.counter_value
        FROM unnest(${sql.param(arrayLiteral(b.counters.map((c) => c.euiccId)))}::bigint[], ${sql.param(arrayLiteral(b.counters.map((c) => c.counterValue)))}::bigint[]) AS c(euicc_id, counter_value)
        WHERE a.euicc_id = c.euicc_id AND a.eim_id = ${b.eimId}`);
    },

    async insertBulkOrder(values) {
      await q.insert(bulkOrders).values(values);
    },
    async addBulkProgress(id, created, failed, failures) {
      await q
        .update(bulkOrders)
        .set({
          created: sql`${bulkOrders.created} + ${created}`,
          failed: sql`${bulkOrders.failed} + ${failed}`,
          ...(failures.length ? { failures: sql`${bulkOrders.failures} || ${JSON.stringify(failures)}::jsonb` } : {}),
          updatedAt: sql`now()`,
        })
        .where(eq(bulkOrders.id, id));
    },
    async finishBulkOrder(id, status) {
      await q.update(bulkOrders).set({ status, finishedAt: sql`now()`, updatedAt: sql`now()` }).where(eq(bulkOrders.id, id));
    },
    async findBulkOrder(tenantId, id) {
      const [row] = await q.select().from(bulkOrders).where(and(eq(bulkOrders.tenantId, tenantId), eq(bulkOrders.id, id))).limit(1);
      return row as BulkOrderRecord | undefined;
    },
  };
}

/** Hex through Buffer (native), not a string built byte by byte: a batch has thousands of packages. */
function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** A PostgreSQL array literal of values that need no quoting (checked: a programmer error otherwise). */
function arrayLiteral(values: (string | number | null)[]): string {
  const out = values.map((v) => (v === null ? 'NULL' : String(v)));
  for (const v of out) if (!/^[0-9A-Za-z.-]+$/.test(v)) throw new TypeError(`fan-out: ${v} cannot go unquoted in an array literal`);
  return `{${out.join(',')}}`;
}
