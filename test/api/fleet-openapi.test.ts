// The OpenAPI document covers the fleet routes (eUICCs, orders, groups) completely: every operation has
// its parameters, request body and response schema, so clients can be generated from it.
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/api/openapi.ts';
import { euiccRoutes } from '../../src/api/routes/euiccs.ts';
import { groupRoutes } from '../../src/api/routes/groups.ts';
import { orderRoutes } from '../../src/api/routes/orders.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';

const deps = {} as ServiceDeps; // building routes only declares them
const routes = [...euiccRoutes(deps), ...orderRoutes(deps), ...groupRoutes(deps)];
const doc = openApiDocument(routes, { title: 't', version: '1' }) as { paths: Record<string, Record<string, any>> };

describe('OpenAPI for eUICCs, orders and groups', () => {
  it('declares every route with a response schema (or 204), its path parameters and, for writes, a body', () => {
    for (const r of routes) {
      const path = '/api/v1' + r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      const opn = doc.paths[path]?.[r.method];
      expect(opn, `${r.method} ${path}`).toBeDefined();
      const status = String(r.status ?? 200);
      if (status === '204') expect(opn.responses['204']).toBeDefined();
      else expect(Object.keys(opn.responses[status].content['application/json'].schema), `${r.operationId} response`).not.toHaveLength(0);
      for (const name of r.path.match(/:([A-Za-z0-9_]+)/g) ?? []) expect(opn.parameters.some((p: { name: string; in: string }) => p.in === 'path' && p.name === name.slice(1)), `${r.operationId} ${name}`).toBe(true);
      if (r.method === 'post' && !r.path.endsWith('/cancel')) expect(opn.requestBody, `${r.operationId} body`).toBeDefined();
    }
  });

  it('documents the order request kinds and the list filters', () => {
    const body = doc.paths['/api/v1/orders']!.post.requestBody.content['application/json'].schema;
    expect(JSON.stringify(body)).toContain('contactDefaultSmdp');
    expect(JSON.stringify(body)).toContain('listProfileInfo');
    const params = doc.paths['/api/v1/euiccs']!.get.parameters.map((p: { name: string }) => p.name);
    expect(params).toEqual(expect.arrayContaining(['tag', 'attribute', 'eidPrefix', 'inventoryStale', 'lastSeenBefore', 'lastSeenAfter', 'limit', 'after']));
    const orderParams = doc.paths['/api/v1/orders']!.get.parameters.map((p: { name: string }) => p.name);
    expect(orderParams).toEqual(expect.arrayContaining(['eid', 'status', 'kind', 'bulkId', 'limit', 'after']));
  });
});
