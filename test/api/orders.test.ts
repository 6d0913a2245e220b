// Orders over the operator API (issue 6 §1): create every kind, show, list with filters and paging,
// cancel rules, outcomes with the spec's codes from a virtual eUICC, bulk orders on static and dynamic
// groups, roles, and tenant isolation route by route. Runs on PGlite, or on PostgreSQL with DATABASE_URL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SGP32Definitions as S } from '../../src/asn1/index.ts';
import { fromHex } from '../../src/lib/bytes.ts';
import { createBulkOrder } from '../../src/services/bulk-order.ts';
import type { VirtualEuicc } from '../../simulators/euicc/euicc.ts';
import type { TestApi } from '../support/api.ts';
import { associatedEuicc, startTestEim, testPki, type TestEim, type TestPkiDir } from '../support/eim.ts';
import { expectNoInternalIds, ISO, makeEid, startFleetApi } from '../support/fleet.ts';

let pki: TestPkiDir;
let eim: TestEim;
let t: TestApi;
let op: string;
let viewer: string;
let other: string;
const A = makeEid(1);
const B = makeEid(2);

beforeAll(async () => {
  pki = testPki(4);
  eim = await startTestEim(pki.pki);
  t = await startFleetApi(eim);
  op = await t.key('acme', 'operator');
  viewer = await t.key('acme', 'viewer');
  other = await t.key('globex', 'admin');
  for (const eid of [A, B]) expect((await t.call('POST', '/api/v1/euiccs', op, { eid, tags: ['fleet'] })).status).toBe(201);
}, 60_000);
afterAll(async () => {
  await t?.close();
  await eim?.close();
  pki?.cleanup();
});

const create = (body: Record<string, unknown>, key = op) => t.call('POST', '/api/v1/orders', key, body);
const poll = (eid: string) => eim.service.getEimPackage({ eidValue: fromHex(eid) });

describe('create and show orders', () => {
  it.each([
    ['download with an activation code', { kind: 'download', activationCode: '1$smdp.example.com$MATCH-1' }],
    ['download from the default SM-DP+', { kind: 'download', contactDefaultSmdp: true }],
    ['download via an SM-DS', { kind: 'download', contactSmds: { smdsAddress: 'smds.example.com' } }],
    ['a PSMO list', { kind: 'psmo', operations: [{ op: 'listProfileInfo' }, { op: 'enable', iccid: '8901000000000000101', rollback: true }] }],
    ['an eCO list', { kind: 'eco', operations: [{ op: 'listEim' }] }],
    ['an eUICC data request', { kind: 'euiccData', tags: ['bf20', 'a6'] }],
  ])('creates %s (201, queued) and shows it', async (_, request) => {
    const r = await create({ eid: A, ...request });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ eid: A, kind: request.kind, status: 'queued', bulkId: null, deliveredAt: null, completedAt: null, operations: null, error: null });
    expect(r.body.request).toMatchObject(request);
    expect(r.body.createdAt).toMatch(ISO);
    expect(r.body.expiresAt).toMatch(ISO);
    expectNoInternalIds(r.body);
    const shown = await t.call('GET', `/api/v1/orders/${r.body.id}`, viewer);
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual(r.body);
  });

  it('takes an expiry time; refuses one in the past', async () => {
    const at = new Date(Date.now() + 3600_000).toISOString();
    expect((await create({ eid: A, kind: 'euiccData', expiresAt: at })).body.expiresAt).toBe(at);
    const r = await create({ eid: A, kind: 'euiccData', expiresAt: '2000-01-01T00:00:00Z' });
    expect(r.status).toBe(400);
    expect(r.body.details).toEqual({ field: 'expiresAt' });
  });

  it('refuses bad requests naming the field, and writes no order', async () => {
    const before = (await t.call('GET', '/api/v1/orders?limit=1000', op)).body.items.length;
    const cases: [Record<string, unknown>, string][] = [
      [{ eid: A, kind: 'reboot' }, 'kind'],
      [{ eid: A, kind: 'psmo', operations: [{ op: 'explode' }] }, 'operations[0].op'],
      [{ eid: A, kind: 'psmo', operations: [{ op: 'enable', iccid: '12' }] }, 'operations[0].iccid'],
      [{ eid: A, kind: 'psmo', operations: [] }, 'operations'],
      [{ eid: A, kind: 'psmo', operations: [{ op: 'enable', iccid: '8901000000000000101' }, { op: 'enable', iccid: '8901000000000000202' }] }, 'operations'],
      [{ eid: A, kind: 'download', activationCode: '1$smdp.example.com$X', contactDefaultSmdp: true }, 'body'],
      [{ eid: A, kind: 'download', activationCode: 'LPA:1$x' }, 'activationCode'],
      [{ eid: A, kind: 'euiccData', tags: ['ff'] }, 'tags[0]'],
      [{ eid: A, kind: 'euiccData', colour: 'red' }, 'colour'],
      [{ eid: '123', kind: 'euiccData' }, 'eid'],
      [{ kind: 'euiccData' }, 'eid'],
    ];
    for (const [body, field] of cases) {
      const r = await create(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.code).toBe('ERR_VALIDATION');
      expect(Array.isArray(r.body.details) ? r.body.details[0].field : r.body.details.field, JSON.stringify(body)).toBe(field);
    }
    expect((await t.call('GET', '/api/v1/orders?limit=1000', op)).body.items.length).toBe(before);
  });

  it('answers 404 for an unknown eUICC or order', async () => {
    expect((await create({ eid: makeEid(999), kind: 'euiccData' })).status).toBe(404);
    expect((await t.call('GET', '/api/v1/orders/00000000-0000-4000-8000-000000000000', op)).status).toBe(404);
    expect((await t.call('GET', '/api/v1/orders/not-a-uuid', op)).status).toBe(400);
  });
});

describe('list orders', () => {
  it('filters by eid, status (one or several), kind and bulk id', async () => {
    const onB = await create({ eid: B, kind: 'download', contactDefaultSmdp: true });
    const gone = await create({ eid: B, kind: 'euiccData' });
    await t.call('POST', `/api/v1/orders/${gone.body.id}/cancel`, op);
    const list = async (q: string) => (await t.call('GET', `/api/v1/orders?limit=1000&${q}`, viewer)).body.items.map((o: { id: string }) => o.id);
    expect(await list(`eid=${B}`)).toEqual([gone.body.id, onB.body.id]);
    expect(await list(`eid=${B}&status=queued`)).toEqual([onB.body.id]);
    expect(await list(`eid=${B}&status=queued,cancelled`)).toEqual([gone.body.id, onB.body.id]);
    expect(await list(`eid=${B}&status=queued&status=cancelled`)).toEqual([gone.body.id, onB.body.id]);
    expect(await list(`eid=${B}&kind=download`)).toEqual([onB.body.id]);
    expect(await list(`bulkId=00000000-0000-4000-8000-000000000000`)).toEqual([]);
    expect((await t.call('GET', '/api/v1/orders?status=lost', op)).body.details).toEqual({ field: 'status' });
    expect((await t.call('GET', '/api/v1/orders?kind=reboot', op)).status).toBe(400);
  });

  it('pages newest first by cursor: every order once, even when created in the same transaction', async () => {
    // A bulk order writes its orders in one transaction: they share created_at to the microsecond.
    const g = await t.call('POST', '/api/v1/groups', op, { name: 'paging', kind: 'static', eids: [A, B] });
    for (let i = 0; i < 3; i++) expect((await t.call('POST', '/api/v1/bulk-orders', op, { groupId: g.body.id, kind: 'euiccData' })).body.created).toBe(2);
    const all = (await t.call('GET', '/api/v1/orders?limit=1000', viewer)).body.items.map((o: { id: string; createdAt: string }) => [o.id, o.createdAt]);
    expect(all.length).toBeGreaterThan(10);
    const times = all.map((x: string[]) => x[1]);
    expect([...times].sort().reverse()).toEqual(times);
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const r: { body: { items: { id: string }[]; next: string | null } } = await t.call('GET', `/api/v1/orders?limit=4${after ? `&after=${after}` : ''}`, viewer);
      seen.push(...r.body.items.map((o) => o.id));
      after = r.body.next;
    } while (after);
    expect(seen).toEqual(all.map((x: string[]) => x[0]));
    expect((await t.call('GET', '/api/v1/orders?after=%5B%22order%22%5D', viewer)).status).toBe(400);
  });
});

describe('cancel', () => {
  it('cancels a queued order: its package is never delivered, and order.cancelled is recorded', async () => {
    const eid = makeEid(10);
    await t.call('POST', '/api/v1/euiccs', op, { eid });
    const r = await create({ eid, kind: 'download', contactDefaultSmdp: true });
    const c = await t.call('POST', `/api/v1/orders/${r.body.id}/cancel`, op);
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({ id: r.body.id, status: 'cancelled', completedAt: expect.stringMatching(ISO) });
    expect(await poll(eid)).toEqual({ eimPackageError: 1 });
    const events = await eim.deps.store.listEvents('acme', 0, 100_000);
    expect(events.filter((e) => e.subjectId === r.body.id).map((e) => e.type)).toEqual(['order.queued', 'order.cancelled']);
  });

  it('wins against a poll that read the package just before the cancel: the package still never leaves', async () => {
    const eid = makeEid(12);
    await t.call('POST', '/api/v1/euiccs', op, { eid });
    const r = await create({ eid, kind: 'download', contactDefaultSmdp: true });
    const store = eim.deps.store;
    const original = store.nextPackage;
    // The poll reads the queued package, then the operator's cancel commits, then the poll tries to claim it.
    store.nextPackage = async (id) => {
      const pkg = await original.call(store, id);
      store.nextPackage = original;
      expect((await t.call('POST', `/api/v1/orders/${r.body.id}/cancel`, op)).status).toBe(200);
      return pkg;
    };
    try {
      expect(await poll(eid)).toEqual({ eimPackageError: 1 });
    } finally {
      store.nextPackage = original;
    }
    expect((await t.call('GET', `/api/v1/orders/${r.body.id}`, op)).body.status).toBe('cancelled');
  });

  it('refuses to cancel an order that is delivered or finished (409), or twice', async () => {
    const eid = makeEid(11);
    await t.call('POST', '/api/v1/euiccs', op, { eid });
    const r = await create({ eid, kind: 'download', contactDefaultSmdp: true });
    expect(Object.keys(await poll(eid))).toEqual(['profileDownloadTriggerRequest']);
    const c = await t.call('POST', `/api/v1/orders/${r.body.id}/cancel`, op);
    expect(c.status).toBe(409);
    expect(c.body).toMatchObject({ code: 'ERR_CONFLICT', details: { field: 'id', more: { status: 'delivered' } } });
    expect((await t.call('GET', `/api/v1/orders/${r.body.id}`, op)).body.status).toBe('delivered');
    const q = await create({ eid, kind: 'euiccData' });
    expect((await t.call('POST', `/api/v1/orders/${q.body.id}/cancel`, op)).status).toBe(200);
    expect((await t.call('POST', `/api/v1/orders/${q.body.id}/cancel`, op)).status).toBe(409);
    expect((await t.call('POST', '/api/v1/orders/00000000-0000-4000-8000-000000000000/cancel', op)).status).toBe(404);
  });
});

describe('outcomes from a virtual eUICC', () => {
  let card: VirtualEuicc;
  let key: string;
  beforeAll(async () => {
    card = await associatedEuicc(eim, pki.dir, pki.pki, 'P-256', 0); // registered in tenant "default"
    card.preloadProfile({ metadata: { iccid: fromHex('981000000000000001f1'), serviceProviderName: 'Op A', profileName: 'A', profileClass: 2 }, enabled: true });
    card.preloadProfile({ metadata: { iccid: fromHex('981000000000000002f2'), serviceProviderName: 'Op B', profileName: 'B', profileClass: 2 } });
    key = await t.key('default', 'operator');
  });

  /** What an IPA does: fetch each package, execute it on the eUICC, return the result. */
  async function runAll(): Promise<void> {
    for (;;) {
      const pkg = await eim.service.getEimPackage({ eidValue: fromHex(card.eid) });
      if ('eimPackageError' in pkg) return;
      let result: S.EimPackageResult;
      if ('euiccPackageRequest' in pkg) {
        const der = S.EuiccPackageRequest.encode(S.EuiccPackageRequest.decode(S.GetEimPackageResponse.encode(pkg).subarray(4)));
        result = { euiccPackageResult: S.EuiccPackageResult.decode(await card.loadEuiccPackage(der)) };
      } else if ('ipaEuiccDataRequest' in pkg) {
        const req = S.GetEimPackageResponse.decode(S.GetEimPackageResponse.encode(pkg)) as { ipaEuiccDataRequest: S.IpaEuiccDataRequest };
        result = { ipaEuiccDataResponse: S.IpaEuiccDataResponse.decode(card.ipaEuiccData(req.ipaEuiccDataRequest)) };
      } else throw new Error('no download in this test');
      await eim.service.provideEimPackageResult({ eidValue: fromHex(card.eid), eimPackageResult: result });
    }
  }

  it('shows a done order with each operation, its spec code and name, and its timestamps', async () => {
    const r = await create({ eid: card.eid, kind: 'psmo', operations: [{ op: 'listProfileInfo' }, { op: 'enable', iccid: '8901000000000000202' }] }, key);
    expect(r.status).toBe(201);
    await runAll();
    const done = await t.call('GET', `/api/v1/orders/${r.body.id}`, key);
    expect(done.body).toMatchObject({
      status: 'done',
      deliveredAt: expect.stringMatching(ISO),
      completedAt: expect.stringMatching(ISO),
      operations: [
        { operation: 'listProfileInfo', result: 'listProfileInfoResult', ok: true },
        { operation: 'enable', result: 'enableResult', ok: true, code: 0, name: 'ok' },
      ],
      error: null,
    });
    const shown = await t.call('GET', `/api/v1/euiccs/${card.eid}`, key);
    expect(shown.body.profiles.map((p: { iccid: string; state: string }) => [p.iccid, p.state])).toEqual([
      ['8901000000000000101', 'disabled'],
      ['8901000000000000202', 'enabled'],
    ]);
    expect(shown.body.certificatesKnown).toBe(true);
    expect((await t.call('POST', `/api/v1/orders/${r.body.id}/cancel`, key)).status).toBe(409);
  });

  it('shows a failed operation with the code and name the eUICC returned, and the error details', async () => {
    const r = await create({ eid: card.eid, kind: 'psmo', operations: [{ op: 'disable', iccid: '8901000000000000999' }] }, key);
    await runAll();
    const failed = await t.call('GET', `/api/v1/orders/${r.body.id}`, key);
    expect(failed.body).toMatchObject({
      status: 'failed',
      operations: [{ operation: 'disable', ok: false, code: 1, name: 'iccidOrAidNotFound' }],
      error: { code: 'ERR_OPERATION_FAILED', message: expect.any(String), details: [{ operation: 'disable', code: 1, name: 'iccidOrAidNotFound' }] },
    });
  });
});

describe('bulk orders', () => {
  it('on a static group: one order per member; members without an association or counter room are reported, not fatal', async () => {
    const members = [makeEid(20), makeEid(21), makeEid(22), makeEid(23), makeEid(24)];
    for (const eid of members.slice(0, 4)) await t.call('POST', '/api/v1/euiccs', op, { eid });
    // Known to the eIM but without an association with it (e.g. registered by another system).
    await eim.deps.store.insertEuicc({ eid: members[4]!, tenantId: 'acme' });
    const full = (await eim.deps.store.findEuiccByEid(members[3]!))!;
    await eim.deps.store.upsertAssociation({ euiccId: full.id, eimId: eim.deps.eim.eimId, counterValue: 0x7fffff, associationToken: null });
    const g = await t.call('POST', '/api/v1/groups', op, { name: 'static-bulk', kind: 'static', eids: members });
    const r = await t.call('POST', '/api/v1/bulk-orders', op, { groupId: g.body.id, kind: 'psmo', operations: [{ op: 'getRAT' }] });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ groupId: g.body.id, created: 3, failed: 2 });
    expect(r.body.failures).toEqual([
      { eid: members[3], code: 'ERR_COUNTER_EXHAUSTED', message: expect.any(String) },
      { eid: members[4], code: 'ERR_NO_ASSOCIATION', message: expect.any(String) },
    ]);
    const orders = await t.call('GET', `/api/v1/orders?bulkId=${r.body.bulkId}`, viewer);
    expect(orders.body.items.map((o: { eid: string }) => o.eid).sort()).toEqual(members.slice(0, 3));
    expect(orders.body.items.every((o: { bulkId: string; kind: string }) => o.bulkId === r.body.bulkId && o.kind === 'psmo')).toBe(true);
    const status = await t.call('GET', `/api/v1/bulk-orders/${r.body.bulkId}`, viewer);
    expect(status.body).toMatchObject({ bulkId: r.body.bulkId, status: 'done', created: 3, failed: 2, total: 3, byStatus: { queued: 3 } });
    const events = await eim.deps.store.listEvents('acme', 0, 100_000);
    expect(events.find((e) => e.type === 'bulkOrder.created' && e.subjectId === r.body.bulkId)?.data).toMatchObject({ created: 3, failed: 2 });
  });

  it('on a dynamic group of 450 eUICCs: every member gets an order, written page by page', async () => {
    const items = Array.from({ length: 450 }, (_, i) => ({ eid: makeEid(i, '8904903277'), tags: ['wave'] }));
    expect((await t.call('POST', '/api/v1/euiccs/import', op, items)).status).toBe(201);
    const g = await t.call('POST', '/api/v1/groups', op, { name: 'wave', kind: 'dynamic', filter: { tags: ['wave'] } });
    const r = await t.call('POST', '/api/v1/bulk-orders', op, { groupId: g.body.id, kind: 'download', activationCode: '1$smdp.example.com$' });
    expect(r.body).toMatchObject({ created: 450, failed: 0, failures: [] });
    const listed = await t.call('GET', `/api/v1/orders?bulkId=${r.body.bulkId}&limit=1000`, viewer);
    expect(new Set(listed.body.items.map((o: { eid: string }) => o.eid))).toEqual(new Set(items.map((i) => i.eid)));
  }, 60_000);

  it('walks members in pages of the given size (service level), every member once', async () => {
    for (let i = 0; i < 5; i++) await t.call('POST', '/api/v1/euiccs', op, { eid: makeEid(30 + i), attributes: { ring: 'five' } });
    const g = await t.call('POST', '/api/v1/groups', op, { name: 'ring', kind: 'dynamic', filter: { attributes: { ring: 'five' } } });
    const report = await createBulkOrder(eim.deps, 'acme', { groupId: g.body.id, request: { kind: 'euiccData' } }, 2);
    expect(report).toMatchObject({ created: 5, failed: 0 });
    const listed = await t.call('GET', `/api/v1/orders?bulkId=${report.bulkId}`, viewer);
    expect(listed.body.items.map((o: { eid: string }) => o.eid).sort()).toEqual([30, 31, 32, 33, 34].map((n) => makeEid(n)));
  });

  it('validates the request naming the field, 404s an unknown group, and creates nothing on a bad request', async () => {
    const g = await t.call('POST', '/api/v1/groups', op, { name: 'v', kind: 'static', eids: [A] });
    const bad = await t.call('POST', '/api/v1/bulk-orders', op, { groupId: g.body.id, kind: 'psmo', operations: [{ op: 'enable', iccid: 'x' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual({ field: 'operations[0].iccid' });
    expect((await t.call('POST', '/api/v1/bulk-orders', op, { groupId: 'nope', kind: 'euiccData' })).body.details[0].field).toBe('groupId');
    expect((await t.call('POST', '/api/v1/bulk-orders', op, { groupId: '00000000-0000-4000-8000-000000000000', kind: 'euiccData' })).status).toBe(404);
    expect((await t.call('GET', '/api/v1/bulk-orders/00000000-0000-4000-8000-000000000000', op)).status).toBe(404);
  });
});

describe('roles', () => {
  it('lets a viewer read orders but not create, bulk-create or cancel them (403)', async () => {
    const g = await t.call('POST', '/api/v1/groups', op, { name: 'roles', kind: 'static', eids: [A] });
    expect((await create({ eid: A, kind: 'euiccData' }, viewer)).status).toBe(403);
    expect((await t.call('POST', '/api/v1/bulk-orders', viewer, { groupId: g.body.id, kind: 'euiccData' })).status).toBe(403);
    const mine = await create({ eid: A, kind: 'euiccData' });
    expect((await t.call('POST', `/api/v1/orders/${mine.body.id}/cancel`, viewer)).status).toBe(403);
    expect((await t.call('GET', `/api/v1/orders/${mine.body.id}`, viewer)).status).toBe(200);
    expect((await t.call('GET', '/api/v1/orders', viewer)).status).toBe(200);
    const admin = await t.key('acme', 'admin');
    expect((await t.call('POST', `/api/v1/orders/${mine.body.id}/cancel`, admin)).status).toBe(200);
  });
});

describe('tenant isolation', () => {
  let order: string;
  let groupId: string;
  let bulkId: string;
  beforeAll(async () => {
    order = (await create({ eid: A, kind: 'euiccData' })).body.id;
    groupId = (await t.call('POST', '/api/v1/groups', op, { name: 'iso', kind: 'static', eids: [A] })).body.id;
    bulkId = (await t.call('POST', '/api/v1/bulk-orders', op, { groupId, kind: 'euiccData' })).body.bulkId;
  });

  it("POST /orders: another tenant cannot order for this tenant's eUICC (404)", async () => {
    const r = await create({ eid: A, kind: 'euiccData' }, other);
    expect(r.status).toBe(404);
    expect(r.body.details).toEqual({ field: 'eid' });
  });

  it('GET /orders/:id: another tenant gets 404', async () => {
    expect((await t.call('GET', `/api/v1/orders/${order}`, other)).status).toBe(404);
  });

  it("GET /orders: another tenant lists none of this tenant's orders, by any filter", async () => {
    for (const q of ['', `eid=${A}`, `bulkId=${bulkId}`, 'status=queued', 'kind=euiccData']) {
      const r = await t.call('GET', `/api/v1/orders?${q}`, other);
      expect(r.status, q).toBe(200);
      expect(r.body, q).toEqual({ items: [], next: null });
    }
  });

  it('POST /orders/:id/cancel: another tenant gets 404 and the order stays queued', async () => {
    expect((await t.call('POST', `/api/v1/orders/${order}/cancel`, other)).status).toBe(404);
    expect((await t.call('GET', `/api/v1/orders/${order}`, op)).body.status).toBe('queued');
  });

  it("POST /bulk-orders: another tenant cannot target this tenant's group (404)", async () => {
    expect((await t.call('POST', '/api/v1/bulk-orders', other, { groupId, kind: 'euiccData' })).status).toBe(404);
  });

  it('GET /bulk-orders/:bulkId: another tenant gets 404', async () => {
    expect((await t.call('GET', `/api/v1/bulk-orders/${bulkId}`, other)).status).toBe(404);
    expect((await t.call('GET', `/api/v1/bulk-orders/${bulkId}`, op)).status).toBe(200);
  });
});
