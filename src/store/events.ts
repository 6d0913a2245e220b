// Event reads for the feed, the event routes and the webhook dispatcher, on drizzle.
import { and, asc, gt, lte, or, sql, eq, type SQL } from 'drizzle-orm';
import type { EventRecord } from '../domain/records.ts';
import type { EventFeedRepositories } from '../services/event-ports.ts';
import type { Queryable } from './database.ts';
import { events } from './schema.ts';

function typeFilter(types: readonly string[] | undefined): SQL | undefined {
  if (!types || types.length === 0) return undefined;
  return or(...types.map((p) => sql`starts_with(${events.type}, ${p})`));
}

export function eventFeedRepositories(q: Queryable): EventFeedRepositories {
  return {
    async readEvents({ tenantId, afterId, throughId, types, limit }) {
      const where = and(eq(events.tenantId, tenantId), gt(events.id, afterId), throughId === undefined ? undefined : lte(events.id, throughId), typeFilter(types));
      return (await q.select().from(events).where(where).orderBy(asc(events.id)).limit(limit)) as EventRecord[];
    },
    async eventsInRange(afterId, throughId, limit) {
      return (await q
        .select()
        .from(events)
        .where(and(gt(events.id, afterId), lte(events.id, throughId)))
        .orderBy(asc(events.id))
        .limit(limit)) as EventRecord[];
    },
    async eventWatermark(afterId) {
      // pg_current_snapshot() is the statement's snapshot: the same one the count is taken in. Its
      // running transactions are narrowed to this database's sessions (xids are cluster-wide, and a
      // long transaction in another database must not hold this horizon back); pg_stat_activity
      // shows backend_xid for every role's sessions.
      const running = sql<string[]>`(SELECT coalesce(array_agg(x::text), '{}') FROM pg_snapshot_xip(pg_current_snapshot()) x
        WHERE (x::text::bigint % 4294967296) IN (SELECT backend_xid::text::bigint FROM pg_stat_activity WHERE datname = current_database() AND backend_xid IS NOT NULL))`;
      const [row] = await q
        .select({
          maxId: sql<number>`coalesce(max(${events.id}), ${afterId})`.mapWith(Number),
          count: sql<number>`count(*)::int`.mapWith(Number),
          inProgress: running,
        })
        .from(events)
        .where(gt(events.id, afterId));
      return { maxId: row!.maxId, count: row!.count, inProgress: row!.inProgress };
    },
    async contiguousEnd(afterId) {
      const next = sql`(SELECT 1 FROM ${events} n WHERE n.id = ${events.id} + 1)`;
      const [row] = await q
        .select({ end: sql<number>`min(${events.id})`.mapWith(Number) })
        .from(events)
        .where(and(gt(events.id, afterId), sql`NOT EXISTS ${next}`));
      const [first] = await q.select({ id: events.id }).from(events).where(eq(events.id, afterId + 1)).limit(1);
      return first && row?.end ? row.end : afterId;
    },
  };
}
