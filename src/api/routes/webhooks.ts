// Webhooks (issue 6 §3): admins register URLs that receive the tenant's events, signed
// (X-Eim-Signature, see src/services/webhook-signature.ts), and read each webhook's delivery log.
import { z } from 'zod';
import type { ServiceDeps } from '../../services/deps.ts';
import { createWebhook, deleteWebhook, getWebhook, listWebhookDeliveries, listWebhooks, updateWebhook, type WebhookPolicy } from '../../services/webhooks.ts';
import { route, type RouteSpec } from '../route.ts';

const TAG = 'Webhooks';
const Types = z.array(z.string().min(1).max(100)).max(50).describe('event type prefixes delivered (e.g. "order.", "euicc.registered"); empty: every event');
const Secret = z.string().min(24).max(200).describe('HMAC key; generated when absent');
const WebhookOut = z.object({ id: z.string(), url: z.string(), eventTypes: z.array(z.string()), active: z.boolean(), secretHint: z.string(), createdAt: z.string() });
const Id = z.object({ id: z.uuid() });
const DeliveryOut = z.object({
  id: z.number(),
  eventId: z.number(),
  eventType: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number(),
  responseStatus: z.number().nullable(),
  error: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
});

export function webhookRoutes(deps: ServiceDeps, policy: WebhookPolicy): RouteSpec[] {
  return [
    route({
      method: 'post',
      path: '/webhooks',
      operationId: 'createWebhook',
      summary: 'Register a webhook (its secret is shown once)',
      tag: TAG,
      role: 'admin',
      status: 201,
      body: z.object({ url: z.string().max(2000), eventTypes: Types.optional(), secret: Secret.optional(), active: z.boolean().optional() }).strict(),
      response: WebhookOut.extend({ secret: z.string() }),
      handler: ({ body, auth }) => createWebhook(deps, auth.tenantId, body, policy),
    }),
    route({
      method: 'get',
      path: '/webhooks',
      operationId: 'listWebhooks',
      summary: "List this tenant's webhooks",
      tag: TAG,
      role: 'admin',
      response: z.object({ items: z.array(WebhookOut) }),
      handler: async ({ auth }) => ({ items: await listWebhooks(deps, auth.tenantId) }),
    }),
    route({
      method: 'get',
      path: '/webhooks/:id',
      operationId: 'getWebhook',
      summary: 'Show a webhook',
      tag: TAG,
      role: 'admin',
      params: Id,
      response: WebhookOut,
      handler: ({ params, auth }) => getWebhook(deps, auth.tenantId, params.id),
    }),
    route({
      method: 'patch',
      path: '/webhooks/:id',
      operationId: 'updateWebhook',
      summary: 'Change a webhook (url, event types, active, secret)',
      tag: TAG,
      role: 'admin',
      params: Id,
      body: z.object({ url: z.string().max(2000).optional(), eventTypes: Types.optional(), active: z.boolean().optional(), secret: Secret.optional(), rotateSecret: z.boolean().optional() }).strict(),
      response: WebhookOut.extend({ secret: z.string().optional() }),
      handler: ({ params, body, auth }) => updateWebhook(deps, auth.tenantId, params.id, body, policy),
    }),
    route({
      method: 'delete',
      path: '/webhooks/:id',
      operationId: 'deleteWebhook',
      summary: 'Delete a webhook and its delivery log',
      tag: TAG,
      role: 'admin',
      status: 204,
      params: Id,
      handler: ({ params, auth }) => deleteWebhook(deps, auth.tenantId, params.id),
    }),
    route({
      method: 'get',
      path: '/webhooks/:id/deliveries',
      operationId: 'listWebhookDeliveries',
      summary: "Read a webhook's delivery log, newest first",
      tag: TAG,
      role: 'admin',
      params: Id,
      query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), before: z.coerce.number().int().positive().optional(), status: z.enum(['pending', 'delivered', 'failed']).optional() }),
      response: z.object({ items: z.array(DeliveryOut), next: z.number().nullable() }),
      handler: async ({ params, query, auth }) => {
        const rows = await listWebhookDeliveries(deps, auth.tenantId, params.id, query);
        const items = rows.map((d) => ({
          id: d.id,
          eventId: d.eventId,
          eventType: d.eventType,
          status: d.status,
          attempts: d.attempts,
          responseStatus: d.responseStatus,
          error: d.error,
          nextAttemptAt: d.status === 'pending' ? (d.nextAttemptAt?.toISOString() ?? null) : null,
          createdAt: d.createdAt.toISOString(),
          deliveredAt: d.deliveredAt?.toISOString() ?? null,
        }));
        return { items, next: rows.length === query.limit ? rows[rows.length - 1]!.id : null };
      },
    }),
  ];
}
