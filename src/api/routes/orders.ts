// Orders (issue 6 §1): create one for an eUICC or one per member of a group (a bulk order), show, list
// with filters and cursor paging, cancel while queued. Tenant-scoped.
import { z } from 'zod';
import { invalid } from '../../domain/errors.ts';
import type { OrderStatus } from '../../domain/records.ts';
import { bulkOrderStatus, createBulkOrder } from '../../services/bulk-order.ts';
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

const BulkReport = z.object({
  bulkId: z.uuid(),
  groupId: z.uuid(),
  created: z.number(),
  failed: z.number(),
  failures: z.array(z.object({ eid: z.string(), code: z.string(), message: z.string() })).describe('members that got no order, and why (at most 1000 listed)'),
});

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
      handler: async ({ body, auth }) => {
        const { request, own } = splitBody(body, ['groupId', 'expiresAt'] as const);
        const expiresAt = future(own.expiresAt);
        return inBody(() => createBulkOrder(deps, auth.tenantId, { groupId: own.groupId as string, request, ...(expiresAt ? { expiresAt } : {}) }));
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
      response: z.object({ bulkId: z.uuid(), total: z.number(), byStatus: z.record(z.string(), z.number()) }),
      handler: ({ params, auth }) => bulkOrderStatus(deps, auth.tenantId, params.bulkId),
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
