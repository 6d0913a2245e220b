// Webhooks and their delivery queue on drizzle. Claims use FOR UPDATE SKIP LOCKED so several eIM
// instances share the queue without handing one delivery to two of them at once.
import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { EventRecord } from '../domain/records.ts';
import type { ClaimedDelivery, DeliveryStatus, WebhookDeliveryRecord, WebhookRecord, WebhookRepositories } from '../services/webhook-ports.ts';
import type { Queryable } from './database.ts';
import { events, webhookDeliveries, webhooks } from './schema.ts';

export function webhookRepositories(q: Queryable): WebhookRepositories {
  return {
    async insertWebhook(values) {
      const [row] = await q.insert(webhooks).values(values).returning();
      return row as WebhookRecord;
    },
    async findWebhook(tenantId, id) {
      const [row] = await q.select().from(webhooks).where(and(eq(webhooks.tenantId, tenantId), eq(webhooks.id, id))).limit(1);
      return row as WebhookRecord | undefined;
    },
    async listWebhooks(tenantId) {
      return (await q.select().from(webhooks).where(eq(webhooks.tenantId, tenantId)).orderBy(webhooks.createdAt, webhooks.id)) as WebhookRecord[];
    },
    async updateWebhook(id, patch) {
      if (Object.keys(patch).length) await q.update(webhooks).set(patch).where(eq(webhooks.id, id));
    },
    async deleteWebhook(tenantId, id) {
      const rows = await q.delete(webhooks).where(and(eq(webhooks.tenantId, tenantId), eq(webhooks.id, id))).returning({ id: webhooks.id });
      return rows.length > 0;
    },
    async disableWebhook(id) {
      const rows = await q
        .update(webhooks)
        .set({ active: false })
        .where(and(eq(webhooks.id, id), eq(webhooks.active, true)))
        .returning({ id: webhooks.id });
      return rows.length > 0;
    },
    async lastEventId() {
      const [row] = await q.select({ id: sql<number>`coalesce(max(${events.id}), 0)`.mapWith(Number) }).from(events);
      return row?.id ?? 0;
    },
    async lockWebhooksBehind(throughId, limit) {
      return (await q
        .select()
        .from(webhooks)
        .where(and(eq(webhooks.active, true), lt(webhooks.cursor, throughId)))
        .orderBy(webhooks.cursor)
        .limit(limit)
        .for('update', { skipLocked: true })) as WebhookRecord[];
    },
    async insertDeliveries(webhookId, eventIds, due) {
      if (eventIds.length === 0) return;
      await q
        .insert(webhookDeliveries)
        .values(eventIds.map((eventId) => ({ webhookId, eventId, nextAttemptAt: due })))
        .onConflictDoNothing();
    },
    async claimDueDeliveries(now, leaseUntil, limit) {
      const due = q
        .select({ id: webhookDeliveries.id })
        .from(webhookDeliveries)
        .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
        .where(and(eq(webhookDeliveries.status, 'pending'), sql`${webhookDeliveries.nextAttemptAt} <= ${now}`, eq(webhooks.active, true)))
        .orderBy(webhookDeliveries.nextAttemptAt, webhookDeliveries.id)
        .limit(limit)
        .for('update', { of: webhookDeliveries, skipLocked: true });
      const claimed = await q
        .update(webhookDeliveries)
        .set({ attempts: sql`${webhookDeliveries.attempts} + 1`, nextAttemptAt: leaseUntil })
        .where(inArray(webhookDeliveries.id, due))
        .returning({ id: webhookDeliveries.id, attempts: webhookDeliveries.attempts, webhookId: webhookDeliveries.webhookId, eventId: webhookDeliveries.eventId });
      if (claimed.length === 0) return [];
      const hooks = await q.select({ id: webhooks.id, url: webhooks.url, secret: webhooks.secret }).from(webhooks).where(inArray(webhooks.id, [...new Set(claimed.map((c) => c.webhookId))]));
      const evs = (await q.select().from(events).where(inArray(events.id, [...new Set(claimed.map((c) => c.eventId))]))) as EventRecord[];
      const hookById = new Map(hooks.map((h) => [h.id, h]));
      const eventById = new Map(evs.map((e) => [e.id, e]));
      const out: ClaimedDelivery[] = [];
      for (const c of claimed.sort((a, b) => a.id - b.id)) {
        const webhook = hookById.get(c.webhookId);
        const event = eventById.get(c.eventId);
        if (webhook && event) out.push({ id: c.id, attempts: c.attempts, webhook, event });
      }
      return out;
    },
    async finishDelivery(id, attempts, outcome) {
      const rows = await q
        .update(webhookDeliveries)
        .set(outcome)
        .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.attempts, attempts), eq(webhookDeliveries.status, 'pending')))
        .returning({ id: webhookDeliveries.id });
      return rows.length > 0;
    },
    async recentOutcomes(webhookId, limit) {
      const rows = await q
        .select({ status: webhookDeliveries.status })
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.webhookId, webhookId), inArray(webhookDeliveries.status, ['delivered', 'failed'])))
        .orderBy(desc(webhookDeliveries.id))
        .limit(limit);
      return rows.map((r) => r.status as DeliveryStatus);
    },
    async listDeliveries(webhookId, beforeId, limit, status) {
      const rows = await q
        .select({ d: webhookDeliveries, eventType: events.type })
        .from(webhookDeliveries)
        .leftJoin(events, eq(events.id, webhookDeliveries.eventId))
        .where(and(eq(webhookDeliveries.webhookId, webhookId), beforeId === undefined ? undefined : lt(webhookDeliveries.id, beforeId), status ? eq(webhookDeliveries.status, status) : undefined))
        .orderBy(desc(webhookDeliveries.id))
        .limit(limit);
      return rows.map((r) => ({ ...r.d, eventType: r.eventType ?? '' })) as WebhookDeliveryRecord[];
    },
  };
}
