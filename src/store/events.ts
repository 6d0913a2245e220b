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
      // pg_current_snapshot() is the statement's snapshot: the same one the count is taken in.
      const [row] = await q
        .select({
          snapshot: sql<string>`pg_current_snapshot()::text`,
          maxId: sql<number>`coalesce(max(${events.id}), ${afterId})`.mapWith(Number),
          count: sql<number>`count(*)::int`.mapWith(Number),
        })
        .from(events)
        .where(gt(events.id, afterId));
      const xip = row!.snapshot.split(':')[2] ?? '';
      return { maxId: row!.maxId, count: row!.count, inProgress: xip ? xip.split(',') : [] };
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
