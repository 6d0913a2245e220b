// Access to the operator API (issue 6 §4): API keys (hashed, shown once), roles, tenants, audit log,
// rate limits, size limits, one error shape, and the OpenAPI document and reference page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyRoutes } from '../../src/api/routes/keys.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { startTestEim, testPki, type TestEim, type TestPkiDir } from '../support/eim.ts';

let pki: TestPkiDir;
let eim: TestEim;
let t: TestApi;
let admin: string;

beforeAll(async () => {
  pki = testPki(1);
  eim = await startTestEim(pki.pki);
  t = await startTestApi(eim, keyRoutes(eim.deps), { rateLimit: { perSecond: 5, burst: 40 } });
  admin = await t.key('acme', 'admin');
}, 60_000);
afterAll(async () => {
  await t?.close();
  await eim?.close();
  pki?.cleanup();
});

describe('operator API access', () => {
  it('refuses calls without a valid key with 401 and the JSON error shape', async () => {
    for (const key of [undefined, 'nope', 'eim_000000000000_' + '0'.repeat(48)]) {
      const r = await t.call('GET', '/api/v1/keys', key);
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ code: 'ERR_UNAUTHENTICATED', message: expect.any(String) });
    }
  });

  it('creates a key shown once; lists keys without secrets; only the hash is stored', async () => {
    const r = await t.call('POST', '/api/v1/keys', admin, { name: 'backend', role: 'operator' });
    expect(r.status).toBe(201);
    expect(r.body.key).toMatch(/^eim_[0-9a-f]{12}_[0-9a-f]{48}$/);
    const list = await t.call('GET', '/api/v1/keys', admin);
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(r.body.key.split('_')[2]);
    const stored = await eim.deps.store.findApiKeyByPrefix(r.body.key.split('_')[1]);
    expect(stored!.secretHash).toHaveLength(32);
  });

  it('enforces roles: an operator may not manage keys (403)', async () => {
    const operator = await t.key('acme', 'operator');
    const r = await t.call('POST', '/api/v1/keys', operator, { name: 'x', role: 'admin' });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('ERR_FORBIDDEN');
  });

  it("keeps tenants apart: another tenant's admin sees none of this tenant's keys and cannot revoke them", async () => {
    const other = await t.key('globex', 'admin');
    const mine = await t.call('GET', '/api/v1/keys', admin);
    const theirs = await t.call('GET', '/api/v1/keys', other);
    const ids = new Set(mine.body.items.map((k: { id: string }) => k.id));
    expect(theirs.body.items.some((k: { id: string }) => ids.has(k.id))).toBe(false);
    const victim = mine.body.items[0].id;
    expect((await t.call('DELETE', `/api/v1/keys/${victim}`, other)).status).toBe(404);
  });

  it('revoked keys stop working', async () => {
    const r = await t.call('POST', '/api/v1/keys', admin, { name: 'temp', role: 'viewer' });
    expect((await t.call('DELETE', `/api/v1/keys/${r.body.id}`, admin)).status).toBe(204);
    expect((await t.call('GET', '/api/v1/keys', r.body.key)).status).toBe(401);
  });

  it('validates input naming the field, and nothing is written', async () => {
    const before = (await t.call('GET', '/api/v1/keys', admin)).body.items.length;
    const r = await t.call('POST', '/api/v1/keys', admin, { name: 'x', role: 'superuser' });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('ERR_VALIDATION');
    expect(r.body.message).toMatch(/^role: /);
    expect((await t.call('POST', '/api/v1/keys', admin, '{"name":', { 'content-type': 'application/json' })).status).toBe(400);
    expect((await t.call('GET', '/api/v1/keys', admin)).body.items.length).toBe(before);
  });

  it('limits request sizes (413) and answers unknown resources with JSON 404', async () => {
    const big = await t.call('POST', '/api/v1/keys', admin, { name: 'x'.repeat(2 * 1024 * 1024), role: 'viewer' });
    expect(big.status).toBe(413);
    const none = await t.call('GET', '/api/v1/nothing-here', admin);
    expect(none.status).toBe(404);
    expect(none.body.code).toBe('ERR_NOT_FOUND');
  });

  it('audits every mutating call with who, what, when and the result; admins can read it', async () => {
    const r = await t.call('GET', '/api/v1/audit?limit=50', admin);
    expect(r.status).toBe(200);
    const actions = r.body.items.map((i: { action: string; status: number }) => `${i.action}:${i.status}`);
    expect(actions).toContain('createApiKey:201');
    expect(actions).toContain('createApiKey:400');
    expect(actions).toContain('revokeApiKey:204');
    expect(r.body.items[0]).toMatchObject({ keyId: expect.any(String), method: expect.any(String), createdAt: expect.any(String) });
  });

  it('rate-limits per key with 429 and Retry-After', async () => {
    const key = await t.key('acme', 'viewer');
    let limited: { status: number; headers: Headers } | undefined;
    for (let i = 0; i < 80 && !limited; i++) {
      const r = await t.call('GET', '/api/v1/audit', key);
      if (r.status === 429) limited = r;
    }
    expect(limited?.status).toBe(429);
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another key is not affected.
    expect((await t.call('GET', '/api/v1/keys', admin)).status).toBe(200);
  });

  it('serves an OpenAPI 3.1 document generated from the routes, and a reference page', async () => {
    const doc = (await fetch(`${t.api.url}/api/v1/openapi.json`).then((r) => r.json())) as any;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/api/v1/keys'].post.requestBody.content['application/json'].schema.properties.role.enum).toEqual(['admin', 'operator', 'viewer']);
    expect(doc.paths['/api/v1/keys/{id}'].delete.parameters[0]).toMatchObject({ name: 'id', in: 'path', required: true });
    const page = await fetch(`${t.api.url}/api/v1/docs`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('/api/v1/openapi.json');
  });
});
