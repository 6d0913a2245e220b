// API keys and the audit log (issue 6 §4): admins create and revoke keys for their tenant and read the audit log.
import { z } from 'zod';
import { createApiKey, describeKey, revokeApiKey } from '../../services/api-keys.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import { route, type RouteSpec } from '../route.ts';

const KeyOut = z.object({ id: z.string(), name: z.string(), role: z.enum(['admin', 'operator', 'viewer']), prefix: z.string(), createdAt: z.string(), lastUsedAt: z.string().nullable(), revokedAt: z.string().nullable() });

export function keyRoutes(deps: ServiceDeps): RouteSpec[] {
  return [
    route({
      method: 'post',
      path: '/keys',
      operationId: 'createApiKey',
      summary: 'Create an API key (the key is shown once)',
      tag: 'Access',
      role: 'admin',
      status: 201,
      body: z.object({ name: z.string().min(1).max(100), role: z.enum(['admin', 'operator', 'viewer']) }).strict(),
      response: z.object({ id: z.string(), name: z.string(), role: z.string(), tenantId: z.string(), key: z.string() }),
      handler: ({ body, auth }) => createApiKey(deps, { tenantId: auth.tenantId, name: body.name, role: body.role }),
    }),
    route({
      method: 'get',
      path: '/keys',
      operationId: 'listApiKeys',
      summary: "List this tenant's API keys (never their secrets)",
      tag: 'Access',
      role: 'admin',
      response: z.object({ items: z.array(KeyOut) }),
      handler: async ({ auth }) => ({ items: (await deps.store.listApiKeys(auth.tenantId)).map(describeKey) }),
    }),
    route({
      method: 'delete',
      path: '/keys/:id',
      operationId: 'revokeApiKey',
      summary: 'Revoke an API key',
      tag: 'Access',
      role: 'admin',
      status: 204,
      params: z.object({ id: z.uuid() }),
      handler: async ({ params, auth }) => revokeApiKey(deps, auth.tenantId, params.id),
    }),
    route({
      method: 'get',
      path: '/audit',
      operationId: 'listAudit',
      summary: 'Read the audit log of mutating calls, newest first',
      tag: 'Access',
      role: 'admin',
      query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), before: z.coerce.number().int().positive().optional() }),
      response: z.object({ items: z.array(z.object({ id: z.number(), keyId: z.string().nullable(), method: z.string(), path: z.string(), action: z.string(), target: z.string().nullable(), status: z.number(), details: z.unknown(), createdAt: z.string() })), next: z.number().nullable() }),
      handler: async ({ query, auth }) => {
        const rows = await deps.store.listAudit(auth.tenantId, query.before, query.limit);
        return {
          items: rows.map((r) => ({ id: r.id, keyId: r.keyId, method: r.method, path: r.path, action: r.action, target: r.target, status: r.status, details: r.details, createdAt: r.createdAt.toISOString() })),
          next: rows.length === query.limit ? rows[rows.length - 1]!.id : null,
        };
      },
    }),
  ];
}
