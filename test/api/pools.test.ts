// The pools API (issue 6 §2) over HTTP: CSV imports (text/csv, large bodies) with their report, codes
// with state filters and cursor paging, retiring, assignment to a group and unassignment, roles, one
// error shape, and tenants that see nothing of each other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poolRoutes } from '../../src/api/routes/pools.ts';
import { createGroup } from '../../src/services/groups.ts';
import { registerEuicc } from '../../src/services/register-euicc.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { startTestEim, testPki, type TestEim, type TestPkiDir } from '../support/eim.ts';
import { eidFor, iccidFor, intuneCsv, SMDP } from '../support/pools.ts';

let pki: TestPkiDir;
let eim: TestEim;
let t: TestApi;
let operator: string;
let viewer: string;
let other: string;
let poolId: string;

const CSV = { 'content-type': 'text/csv' };
const ERROR_SHAPE = { code: expect.any(String), message: expect.any(String) };

beforeAll(async () => {
  pki = testPki(1);
  eim = await startTestEim(pki.pki);
  t = await startTestApi(eim, poolRoutes(eim.deps), { rateLimit: { perSecond: 1000, burst: 1000 } });
  operator = await t.key('acme', 'operator');
  viewer = await t.key('acme', 'viewer');
  other = await t.key('globex', 'operator');
}, 60_000);
afterAll(async () => {
  await t?.close();
  await eim?.close();
  pki?.cleanup();
});

describe('pools API', () => {
  it('creates and lists pools; a viewer may read but not create', async () => {
    const r = await t.call('POST', '/api/v1/pools', operator, { name: 'lte-m' });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ id: expect.any(String), name: 'lte-m', createdAt: expect.any(String) });
    poolId = r.body.id;
    const denied = await t.call('POST', '/api/v1/pools', viewer, { name: 'nope' });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ ...ERROR_SHAPE, code: 'ERR_FORBIDDEN' });
    expect((await t.call('POST', '/api/v1/pools', operator, { name: 'lte-m' })).status).toBe(409);
    expect((await t.call('GET', '/api/v1/pools', viewer)).body.items.map((p: { name: string }) => p.name)).toEqual(['lte-m']);
  });

  it('imports a CSV body (text/csv) and answers with the report; the pool shows counts per state', async () => {
    const rows = Array.from({ length: 40_000 }, (_, i) => [iccidFor(i), `API-${i}`] as [string, string]);
    const body = intuneCsv(rows);
    expect(body.length).toBeGreaterThan(1024 * 1024); // beyond the JSON limit: CSV uploads have their own
    const r = await t.call('POST', `/api/v1/pools/${poolId}/codes?mode=valid-only`, operator, body, CSV);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ format: 'intune', mode: 'valid-only', rows: 40_000, imported: 40_000, rejected: 0, problems: [] });
    const shown = await t.call('GET', `/api/v1/pools/${poolId}`, viewer);
    expect(shown.body.counts).toEqual({ available: 40_000, reserved: 0, downloading: 0, installed: 0, failed: 0, retired: 0, total: 40_000 });
    expect((await t.call('POST', `/api/v1/pools/${poolId}/codes`, viewer, body, CSV)).status).toBe(403);
  }, 60_000);

  it('all-or-nothing with a bad row: 422 ERR_IMPORT_REJECTED, the report in details, nothing imported', async () => {
    const body = `matchingId,smdpAddress,iccid\nX-1,${SMDP},${iccidFor(90_001)}\nX-2,${SMDP},12345\nAPI-0,${SMDP},\n`;
    const r = await t.call('POST', `/api/v1/pools/${poolId}/codes`, operator, body, CSV);
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ code: 'ERR_IMPORT_REJECTED', message: expect.stringContaining('nothing was imported') });
    expect(r.body.details.problems).toEqual([
      { line: 3, field: 'iccid', reason: 'iccid-length', message: expect.any(String) },
      { line: 4, field: 'matchingId', reason: 'duplicate-in-pool', message: expect.any(String) },
    ]);
    expect((await t.call('GET', `/api/v1/pools/${poolId}`, viewer)).body.counts.total).toBe(40_000);
    const lenient = await t.call('POST', `/api/v1/pools/${poolId}/codes?mode=valid-only`, operator, body, CSV);
    expect(lenient.body).toMatchObject({ imported: 1, rejected: 2 });
    expect((await t.call('POST', `/api/v1/pools/${poolId}/codes?mode=sometimes`, operator, body, CSV)).body).toMatchObject({ code: 'ERR_VALIDATION', message: expect.stringMatching(/^mode: /) });
    expect((await t.call('POST', `/api/v1/pools/${poolId}/codes`, operator, 'a;b;c\n1;2;3', CSV)).body).toMatchObject({ code: 'ERR_VALIDATION', details: { field: 'line 1' } });
  });

  it('lists codes by state with cursor paging', async () => {
    const first = await t.call('GET', `/api/v1/pools/${poolId}/codes?state=available&limit=2`, viewer);
    expect(first.body.items.map((c: { matchingId: string }) => c.matchingId)).toEqual(['API-0', 'API-1']);
    expect(first.body.items[0]).toMatchObject({ state: 'available', smdpAddress: SMDP, iccid: iccidFor(0), confirmationCodeRequired: false });
    const second = await t.call('GET', `/api/v1/pools/${poolId}/codes?state=available&limit=2&after=${first.body.next}`, viewer);
    expect(second.body.items.map((c: { matchingId: string }) => c.matchingId)).toEqual(['API-2', 'API-3']);
    expect((await t.call('GET', `/api/v1/pools/${poolId}/codes?state=installed`, viewer)).body).toEqual({ items: [], next: null });
    expect((await t.call('GET', `/api/v1/pools/${poolId}/codes?state=lost`, viewer)).status).toBe(400);
  });

  it('assigns the pool to a group, shows each member with its code and order, refuses to retire a code in use, unassigns', async () => {
    const eids = [eidFor(7001), eidFor(7002)];
    for (const eid of eids) await registerEuicc(eim.deps, { eid, tenantId: 'acme', curve: 'P-256', counterValue: 0 });
    const group = await createGroup(eim.deps, 'acme', { name: 'meters', kind: 'static', eids });
    const r = await t.call('POST', `/api/v1/pools/${poolId}/assignments`, operator, { groupId: group.id, enableAfterInstall: true });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ assignment: { groupId: group.id, enableAfterInstall: true, status: 'active' }, reconcile: { reserved: 2 } });
    const status = await t.call('GET', `/api/v1/pools/${poolId}/assignments/${r.body.assignment.id}`, viewer);
    expect(status.body.members).toEqual(eids.map((eid, i) => ({ eid, code: { id: expect.any(Number), state: 'reserved', iccid: iccidFor(i) }, order: { id: expect.any(String), kind: 'download', status: 'queued' } })));
    const inUse = status.body.members[0].code.id;
    // Viewers read; only operators change codes and assignments.
    for (const [method, path] of [
      ['POST', `/api/v1/pools/${poolId}/assignments`],
      ['DELETE', `/api/v1/pools/${poolId}/assignments/${r.body.assignment.id}`],
      ['POST', `/api/v1/pools/${poolId}/codes/${inUse}/retire`],
      ['POST', `/api/v1/pools/${poolId}/codes/${inUse}/release`],
    ] as const) expect((await t.call(method, path, viewer, method === 'POST' && path.endsWith('assignments') ? { groupId: group.id } : undefined)).status).toBe(403);
    const refused = await t.call('POST', `/api/v1/pools/${poolId}/codes/${inUse}/retire`, operator);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'ERR_CONFLICT' });
    const spare = (await t.call('GET', `/api/v1/pools/${poolId}/codes?state=available&limit=1`, viewer)).body.items[0].id;
    expect((await t.call('POST', `/api/v1/pools/${poolId}/codes/${spare}/retire`, operator)).body).toMatchObject({ id: spare, state: 'retired' });
    expect((await t.call('POST', `/api/v1/pools/${poolId}/codes/${spare}/release`, operator)).status).toBe(409);
    expect((await t.call('GET', `/api/v1/pools/${poolId}/assignments`, viewer)).body.items).toHaveLength(1);
    const gone = await t.call('DELETE', `/api/v1/pools/${poolId}/assignments/${r.body.assignment.id}`, operator);
    expect(gone.status).toBe(200);
    expect(gone.body).toMatchObject({ assignment: { status: 'removed', removedAt: expect.any(String) }, members: 2, released: 2, retired: 0 });
    expect((await t.call('GET', `/api/v1/pools/${poolId}`, viewer)).body.counts).toMatchObject({ reserved: 0, retired: 1, available: 40_000 });
  });

  it("keeps tenants apart: another tenant sees no pool, code or assignment of this one and changes nothing", async () => {
    expect((await t.call('GET', '/api/v1/pools', other)).body).toEqual({ items: [] });
    const code = (await t.call('GET', `/api/v1/pools/${poolId}/codes?limit=1`, viewer)).body.items[0].id;
    const group = await createGroup(eim.deps, 'globex', { name: 'theirs', kind: 'static' });
    const attempts = [
      t.call('GET', `/api/v1/pools/${poolId}`, other),
      t.call('GET', `/api/v1/pools/${poolId}/codes`, other),
      t.call('POST', `/api/v1/pools/${poolId}/codes?mode=valid-only`, other, intuneCsv([[iccidFor(99_999), 'EVIL-1']]), CSV),
      t.call('POST', `/api/v1/pools/${poolId}/codes/${code}/retire`, other),
      t.call('POST', `/api/v1/pools/${poolId}/assignments`, other, { groupId: group.id }),
      t.call('GET', `/api/v1/pools/${poolId}/assignments`, other),
    ];
    for (const r of await Promise.all(attempts)) {
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ ...ERROR_SHAPE, code: 'ERR_NOT_FOUND', details: expect.anything() });
    }
    expect((await t.call('GET', `/api/v1/pools/${poolId}/codes?limit=1`, viewer)).body.items[0].state).toBe('available');
    // Pool names are per tenant.
    expect((await t.call('POST', '/api/v1/pools', other, { name: 'lte-m' })).status).toBe(201);
  });

  it('documents the routes in the OpenAPI document, with the CSV body', async () => {
    const doc = (await fetch(`${t.api.url}/api/v1/openapi.json`).then((r) => r.json())) as any;
    expect(Object.keys(doc.paths['/api/v1/pools/{poolId}/codes'].post.requestBody.content)).toEqual(['text/csv']);
    expect(doc.paths['/api/v1/pools/{poolId}/assignments/{assignmentId}'].delete).toBeDefined();
  });
});
