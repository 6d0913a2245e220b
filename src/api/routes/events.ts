// Events by cursor (issue 6 §3): a tenant's events in order, never past the commit horizon, so a
// client that keeps the returned `next` and asks again never misses one. Live: /api/v1/events/stream.
import { z } from 'zod';
import type { ServiceDeps } from '../../services/deps.ts';
import type { EventFeed } from '../../services/event-feed.ts';
import { eventJson, parseTypeList } from '../../services/event-view.ts';
import { route, type RouteSpec } from '../route.ts';

export const EventOut = z.object({
  id: z.number().describe('the cursor'),
  type: z.string().describe('entity.verb, e.g. order.done'),
  subject: z.object({ type: z.string(), id: z.string() }),
  data: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});

/** `type=order.,euicc.registered`: prefixes, comma-separated. */
export const TypeFilter = z
  .string()
  .max(1000)
  .regex(/^[a-z][A-Za-z0-9_.-]*(,[a-z][A-Za-z0-9_.-]*)*$/, 'comma-separated event types or prefixes, e.g. order.,euicc.registered')
  .optional();

export function eventRoutes(deps: ServiceDeps, feed: EventFeed): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/events',
      operationId: 'listEvents',
      summary: "Read this tenant's events after a cursor, oldest first",
      tag: 'Events',
      role: 'viewer',
      query: z.object({
        after: z.coerce.number().int().min(0).default(0).describe('the last event id already read (0: from the start)'),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
        type: TypeFilter.describe('event type prefixes, e.g. order. or order.done,euicc.'),
      }),
      response: z.object({ items: z.array(EventOut), next: z.number().describe('pass as `after` to continue'), hasMore: z.boolean() }),
      handler: async ({ query, auth }) => {
        const through = await feed.settle();
        const rows = await deps.store.readEvents({ tenantId: auth.tenantId, afterId: query.after, throughId: through, types: parseTypeList(query.type), limit: query.limit });
        const hasMore = rows.length === query.limit;
        // With no more events the cursor moves to the horizon: the next call skips what other tenants or filtered types wrote.
        const next = hasMore ? rows[rows.length - 1]!.id : Math.max(query.after, through);
        return { items: rows.map(eventJson), next, hasMore };
      },
    }),
  ];
}
