// Orders (issue 6 §1): create one for an eUICC or one per member of a group (a bulk order), show, list
// with filters and cursor paging, cancel while queued. Tenant-scoped.
import { z } from 'zod';
import { invalid } from '../../domain/errors.ts';
import type { OrderStatus } from '../../domain/records.ts';
import { bulkOrderStatus, startBulkOrder, type BulkOrderReport } from '../../services/bulk-order.ts';
import { cancelOrder } from '../../services/cancel-order.ts';
import { createOrder } from '../../services/create-order.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import { listOrders } from '../../services/list-orders.ts';
import { showOrder } from '../../services/show-order.ts';
import { PageQuery, route, type RouteSpec } from '../route.ts';
import { EidIn, orderView, OrderOut, paged } from '../views.ts';
import { inBody, orderRequestBody, splitBody } from './order-schemas.ts';

const STATUSES = ['queued', 'delivered', 'done', 'failed', 'expired', 'cancelled'] as const;
const ExpiresAt = z.iso.datetime({ offset: true }).optional().describe('when the order expires if the device has not fetched it (default: the server\'s order TTL)');

const CreateOrder = orderRequestBody({ eid: EidIn, expiresAt: ExpiresAt });
const CreateBulkOrder = orderRequestBody({ groupId: z.uuid(), expiresAt: ExpiresAt });

const Failures = z.array(z.object({ eid: z.string(), code: z.string(), message: z.string() })).describe('members that got no order, and why (at most 1000 listed)');
const BulkStatus = z.enum(['running', 'done', 'failed']).describe('running: batches are still being written (see GET /bulk-orders/{bulkId}); done: every member handled');
const BulkReport = z.object({
  bulkId: z.uuid(),
  groupId: z.uuid(),
  status: BulkStatus,
  created: z.number().describe('orders queued so far'),
  failed: z.number(),
  failures: Failures,
});
const BulkProgress = z.object({
  bulkId: z.uuid(),
  groupId: z.uuid().optional(),
  status: BulkStatus,
  created: z.number(),
  failed: z.number(),
  failures: Failures,
  createdAt: z.iso.datetime().optional(),
  updatedAt: z.iso.datetime().optional().describe('when the last batch committed'),
  finishedAt: z.iso.datetime().nullable().optional(),
  total: z.number().optional().describe('orders of the bulk order, once it is no longer running'),
  byStatus: z.record(z.string(), z.number()).optional().describe('its orders counted by status, once it is no longer running'),
});

/** How long POST /bulk-orders waits for the bulk order to finish before answering 202 and letting it run on. */
const BULK_SYNC_WAIT_MS = 10_000;

const ListQuery = PageQuery.extend({
  eid: EidIn.optional(),
  status: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .describe(`one or more of ${STATUSES.join(', ')} (repeat or separate by commas)`),
  kind: z.enum(['psmo', 'eco', 'euiccData', 'download']).optional(),
  bulkId: z.uuid().optional(),
});

function statuses(raw: string | string[] | undefined): OrderStatus[] | undefined {
  if (raw === undefined) return undefined;
  const list = (Array.isArray(raw) ? raw : [raw]).flatMap((s) => s.split(',')).filter(Boolean);
  for (const s of list) if (!(STATUSES as readonly string[]).includes(s)) throw invalid('status', `must be one of ${STATUSES.join(', ')}`);
  return list as OrderStatus[];
}

export function orderRoutes(deps: ServiceDeps): RouteSpec[] {
  const future = (at: unknown): Date | undefined => {
    if (at === undefined) return undefined;
    const d = new Date(at as string);
    if (d.getTime() <= deps.now().getTime()) throw invalid('expiresAt', 'must be in the future');
    return d;
  };
  return [
    route({
      method: 'post',
      path: '/orders',
      operationId: 'createOrder',
      summary: 'Create an order for one eUICC',
      tag: 'Orders',
      role: 'operator',
      status: 201,
      body: CreateOrder,
      response: OrderOut,
      handler: async ({ body, auth }) => {
        const { request, own } = splitBody(body, ['eid', 'expiresAt'] as const);
        const expiresAt = future(own.expiresAt);
        const order = await inBody(() => createOrder(deps, { tenantId: auth.tenantId, eid: own.eid as string, request, ...(expiresAt ? { expiresAt } : {}) }));
        return orderView({ ...order, eid: own.eid as string });
      },
    }),
    route({
      method: 'post',
      path: '/bulk-orders',
      operationId: 'createBulkOrder',
      summary: 'Create one order for every member of a group',
      tag: 'Orders',
      role: 'operator',
      status: 201,
      body: CreateBulkOrder,
      response: BulkReport,
      handler: async ({ body, auth, res }) => {
        const { request, own } = splitBody(body, ['groupId', 'expiresAt'] as const);
        const expiresAt = future(own.expiresAt);
        const job = await inBody(() => startBulkOrder(deps, auth.tenantId, { groupId: own.groupId as string, request, ...(expiresAt ? { expiresAt } : {}) }));
        // A large group takes longer than an HTTP request should: after BULK_SYNC_WAIT_MS the bulk order runs
        // on and the answer is 202 with the progress so far (201 with the full report when it finished).
        let timer: NodeJS.Timeout | undefined;
        const finished = await Promise.race([job.done, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), BULK_SYNC_WAIT_MS)))]).finally(() => clearTimeout(timer));
        if (finished) return finished;
        job.done.catch(() => {}); // logged by the service; the bulk order's status says failed
        const progress: BulkOrderReport = job.progress();
        res.status(202).json(BulkReport.parse(progress));
        return progress;
      },
    }),
    route({
      method: 'get',
      path: '/bulk-orders/:bulkId',
      operationId: 'getBulkOrder',
      summary: 'Show how the orders of a bulk order stand',
      tag: 'Orders',
      role: 'viewer',
      params: z.object({ bulkId: z.uuid() }),
      response: BulkProgress,
      handler: async ({ params, auth }) => {
        const s = await bulkOrderStatus(deps, auth.tenantId, params.bulkId);
        return { ...s, createdAt: s.createdAt?.toISOString(), updatedAt: s.updatedAt?.toISOString(), finishedAt: s.finishedAt === undefined ? undefined : (s.finishedAt?.toISOString() ?? null) };
      },
    }),
    route({
      method: 'get',
      path: '/orders',
      operationId: 'listOrders',
      summary: 'List orders, newest first',
      tag: 'Orders',
      role: 'viewer',
      query: ListQuery,
      response: paged(OrderOut),
      handler: async ({ query, auth }) => {
        const s = statuses(query.status);
        const page = await listOrders(
          deps,
          auth.tenantId,
          { ...(query.eid ? { eid: query.eid } : {}), ...(s ? { statuses: s } : {}), ...(query.kind ? { kind: query.kind } : {}), ...(query.bulkId ? { bulkId: query.bulkId } : {}) },
          query,
        );
        return { items: page.items.map(orderView), next: page.next };
      },
    }),
    route({
      method: 'get',
      path: '/orders/:id',
      operationId: 'getOrder',
      summary: 'Show an order with its status, timestamps and outcome',
      tag: 'Orders',
      role: 'viewer',
      params: z.object({ id: z.uuid() }),
      response: OrderOut,
      handler: async ({ params, auth }) => orderView(await showOrder(deps, auth.tenantId, params.id)),
    }),
    route({
      method: 'post',
      path: '/orders/:id/cancel',
      operationId: 'cancelOrder',
      summary: 'Cancel a queued order',
      tag: 'Orders',
      role: 'operator',
      params: z.object({ id: z.uuid() }),
      response: OrderOut,
      handler: async ({ params, auth }) => orderView(await cancelOrder(deps, auth.tenantId, params.id)),
    }),
  ];
}
