// Order repositories for the operator API on drizzle: filtered lists, newest first, by (created_at, id).
import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Order, OrderStatus } from '../domain/records.ts';
import type { ListedOrder, OrderRepositories } from '../services/order-ports.ts';
import type { Queryable } from './database.ts';
import { euiccs, orders } from './schema.ts';

export function orderRepositories(q: Queryable, inTx: boolean): OrderRepositories {
  return {
    async queryOrders(f) {
      const conds: SQL[] = [eq(orders.tenantId, f.tenantId)];
      if (f.euiccId !== undefined) conds.push(eq(orders.euiccId, f.euiccId));
      if (f.statuses?.length) conds.push(inArray(orders.status, f.statuses));
      if (f.kind) conds.push(eq(orders.kind, f.kind));
      if (f.bulkId) conds.push(eq(orders.bulkId, f.bulkId));
      // created_at travels as the database's own text (microseconds), never through a JS Date (milliseconds),
      // so orders created in the same millisecond are neither skipped nor repeated across pages.
      if (f.before) conds.push(sql`(${orders.createdAt}, ${orders.id}) < (${f.before.createdAt}::timestamptz, ${f.before.id}::uuid)`);
      const rows = await q
        .select({ o: orders, eid: euiccs.eid, createdAtText: sql<string>`${orders.createdAt}::text` })
        .from(orders)
        .innerJoin(euiccs, eq(euiccs.id, orders.euiccId))
        .where(and(...conds))
        .orderBy(desc(orders.createdAt), desc(orders.id))
        .limit(f.limit);
      return rows.map((r) => ({ ...(r.o as unknown as Order), eid: r.eid, position: { createdAt: r.createdAtText, id: r.o.id } }) satisfies ListedOrder);
    },
    async lockOrder(id) {
      const base = q.select().from(orders).where(eq(orders.id, id));
      const [row] = inTx ? await base.for('update') : await base;
      return row as unknown as Order | undefined;
    },
    async countBulkOrders(tenantId, bulkId) {
      const rows = await q
        .select({ status: orders.status, n: sql<number>`count(*)::int` })
        .from(orders)
        .where(and(eq(orders.tenantId, tenantId), eq(orders.bulkId, bulkId)))
        .groupBy(orders.status);
      return Object.fromEntries(rows.map((r) => [r.status as OrderStatus, Number(r.n)]));
    },
  };
}
