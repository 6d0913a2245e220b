// The operator API on a test eIM core, and a small client for tests.
import { createApiServer, type ApiServer } from '../../src/api/server.ts';
import type { RouteSpec } from '../../src/api/route.ts';
import { createApiKey } from '../../src/services/api-keys.ts';
import type { Role } from '../../src/domain/records.ts';
import type { TestEim } from './eim.ts';

export interface TestApi {
  api: ApiServer;
  /** Creates a key directly in the store (as `eim keys create` does). */
  key(tenantId: string, role: Role, name?: string): Promise<string>;
  call(method: string, path: string, key: string | undefined, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export async function startTestApi(eim: TestEim, routes: RouteSpec[], options: { rateLimit?: { perSecond: number; burst: number } } = {}): Promise<TestApi> {
  const api = await createApiServer({ deps: eim.deps, routes, host: '127.0.0.1', port: 0, ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}) });
  return {
    api,
    key: async (tenantId, role, name = `${role} key`) => (await createApiKey(eim.deps, { tenantId, role, name })).key,
    async call(method, path, key, body, headers = {}) {
      const res = await fetch(api.url + path, {
        method,
        headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    close: () => api.close(),
  };
}
