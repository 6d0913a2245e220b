// eUICCs over the operator API (issue 6 §1): register, import (all or nothing), list with filters and
// cursor paging, show, update labels, delete; roles; and, route by route, that no tenant sees or touches
// another tenant's eUICCs. Runs on PGlite, or on PostgreSQL when DATABASE_URL is set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApi } from '../support/api.ts';
import { EIM_ID, startTestEim, testPki, type TestEim, type TestPkiDir } from '../support/eim.ts';
import { expectNoInternalIds, ISO, makeEid, startFleetApi } from '../support/fleet.ts';

let pki: TestPkiDir;
let eim: TestEim;
let t: TestApi;
let op: string; // acme operator
let viewer: string; // acme viewer
let other: string; // globex admin

beforeAll(async () => {
  pki = testPki(1);
  eim = await startTestEim(pki.pki);
  t = await startFleetApi(eim);
  op = await t.key('acme', 'operator');
  viewer = await t.key('acme', 'viewer');
  other = await t.key('globex', 'admin');
}, 60_000);
afterAll(async () => {
  await t?.close();
  await eim?.close();
  pki?.cleanup();
});

const eids = async (key: string, query = ''): Promise<string[]> => {
  const r = await t.call('GET', `/api/v1/euiccs?limit=1000${query}`, key);
  expect(r.status).toBe(200);
  return r.body.items.map((e: { eid: string }) => e.eid);
};

describe('register an eUICC', () => {
  it('registers with tags, attributes, curve, policy and its association; the answer is public identifiers and ISO times only', async () => {
    const eid = makeEid(1);
    const r = await t.call('POST', '/api/v1/euiccs', op, { eid, curve: 'brainpoolP256r1', verificationPolicy: 'enforce', counterValue: 7, associationToken: 3, tags: ['lab'], attributes: { site: 'berlin' } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      eid,
      curve: 'brainpoolP256r1',
      verificationPolicy: 'enforce',
      tags: ['lab'],
      attributes: { site: 'berlin' },
      inventoryStale: false,
      lastSeenAt: null,
      certificatesKnown: false,
      associations: [{ eimId: EIM_ID, counterValue: 7, associationToken: 3 }],
      profiles: [],
      orders: { pending: [], past: [] },
    });
    expect(r.body.createdAt).toMatch(ISO);
    expectNoInternalIds(r.body);
    const events = await eim.deps.store.listEvents('acme', 0, 100);
    expect(events.map((e) => e.type)).toContain('euicc.registered');
  });

  it('refuses bad input naming the field (400), a second registration (409), and writes nothing', async () => {
    const before = await eids(op);
    const bad = [
      [{ eid: makeEid(2).slice(0, 30) + '00' }, 'eid'],
      [{ eid: '1234' }, 'eid'],
      [{ eid: makeEid(2), curve: 'secp384r1' }, 'curve'],
      [{ eid: makeEid(2), counterValue: 0x800000 }, 'counterValue'],
      [{ eid: makeEid(2), tags: [''] }, 'tags[0]'],
      [{ eid: makeEid(2), attributes: { a: 1 } }, 'attributes.a'],
      [{ eid: makeEid(2), colour: 'red' }, ''],
    ] as const;
    for (const [body, field] of bad) {
      const r = await t.call('POST', '/api/v1/euiccs', op, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.code).toBe('ERR_VALIDATION');
      expect(r.body.details[0].field).toBe(field);
    }
    const dup = await t.call('POST', '/api/v1/euiccs', op, { eid: makeEid(1) });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ code: 'ERR_CONFLICT', details: { field: 'eid' } });
    expect(await eids(op)).toEqual(before);
  });
});

describe('import eUICCs', () => {
  it('imports a list with associations and one event each', async () => {
    const items = Array.from({ length: 20 }, (_, i) => ({ eid: makeEid(100 + i), tags: i % 2 ? ['odd'] : ['even'], attributes: { batch: 'b1', slot: String(i) }, counterValue: i }));
    const r = await t.call('POST', '/api/v1/euiccs/import', op, items);
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ imported: 20 });
    const one = await t.call('GET', `/api/v1/euiccs/${makeEid(105)}`, op);
    expect(one.body).toMatchObject({ tags: ['odd'], attributes: { batch: 'b1', slot: '5' }, associations: [{ eimId: EIM_ID, counterValue: 5, associationToken: null }] });
    const events = await eim.deps.store.listEvents('acme', 0, 1000);
    const imported = new Set(items.map((i) => i.eid));
    expect(events.filter((e) => e.type === 'euicc.registered' && imported.has(e.subjectId)).length).toBe(20);
  });

  it('is all or nothing: every bad item is reported by index and field, and nothing is written', async () => {
    const items = [{ eid: makeEid(200) }, { eid: makeEid(201) }, { eid: '89049032000000000000000000000000' }, { eid: makeEid(203) }, { eid: makeEid(204), counterValue: -1 }];
    const r = await t.call('POST', '/api/v1/euiccs/import', op, items);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('ERR_VALIDATION');
    expect(r.body.message).toMatch(/^\[2\]\.eid: /);
    expect(r.body.details).toEqual([
      { index: 2, field: '[2].eid', message: expect.any(String) },
      { index: 4, field: '[4].counterValue', message: expect.any(String) },
    ]);
    expect(await eids(op, `&eidPrefix=${makeEid(200).slice(0, 28)}`)).toEqual([]);
  });

  it('reports repeated EIDs within the list (400) and already registered ones (409) by index, writing nothing', async () => {
    const dup = await t.call('POST', '/api/v1/euiccs/import', op, [{ eid: makeEid(300) }, { eid: makeEid(301) }, { eid: makeEid(300) }]);
    expect(dup.status).toBe(400);
    expect(dup.body.details).toEqual([{ index: 2, field: '[2].eid', message: 'repeats the EID of item 0' }]);
    const taken = await t.call('POST', '/api/v1/euiccs/import', op, [{ eid: makeEid(302) }, { eid: makeEid(1) }, { eid: makeEid(303) }, { eid: makeEid(105) }]);
    expect(taken.status).toBe(409);
    expect(taken.body.details.map((d: { index: number }) => d.index)).toEqual([1, 3]);
    expect(await eids(op, `&eidPrefix=${makeEid(300).slice(0, 28)}`)).toEqual([]);
  });

  it('answers 409 and writes nothing when another request registers one of the EIDs between the check and the insert', async () => {
    const store = eim.deps.store;
    const original = store.transaction;
    // The check sees none of them (as if the other request had not committed yet); the unique index then refuses.
    store.transaction = ((fn: (tx: any) => Promise<unknown>) => original.call(store, (tx) => fn({ ...tx, findEuiccsByEids: async () => [] }))) as typeof store.transaction;
    try {
      const r = await t.call('POST', '/api/v1/euiccs/import', op, [{ eid: makeEid(310) }, { eid: makeEid(1) }]);
      expect(r.status).toBe(409);
      expect(r.body.code).toBe('ERR_CONFLICT');
    } finally {
      store.transaction = original;
    }
    expect((await t.call('GET', `/api/v1/euiccs/${makeEid(310)}`, op)).status).toBe(404);
  });

  it('takes 10,000 eUICCs in one request', async () => {
    const items = Array.from({ length: 10_000 }, (_, i) => ({ eid: makeEid(i, '8904903299'), tags: ['bulk'] }));
    const r = await t.call('POST', '/api/v1/euiccs/import', op, items);
    expect(r.status).toBe(201);
    expect(r.body.imported).toBe(10_000);
    const over = await t.call('POST', '/api/v1/euiccs/import', op, [...items, { eid: makeEid(1) }]);
    expect(over.status).toBe(400);
  }, 120_000);
});

describe('list eUICCs', () => {
  beforeAll(async () => {
    const base = [
      { eid: makeEid(400), tags: ['meter', 'north'], attributes: { fw: '1.0', site: 'a' } },
      { eid: makeEid(401), tags: ['meter'], attributes: { fw: '2.0', site: 'a' } },
      { eid: makeEid(402), tags: ['tracker', 'north'], attributes: { fw: '1.0', site: 'b' } },
    ];
    expect((await t.call('POST', '/api/v1/euiccs/import', op, base)).status).toBe(201);
    const e400 = (await eim.deps.store.findEuiccByEid(makeEid(400)))!;
    const e401 = (await eim.deps.store.findEuiccByEid(makeEid(401)))!;
    await eim.deps.store.updateEuicc(e400.id, { lastSeenAt: new Date('2025-01-01T00:00:00Z'), inventoryStale: true });
    await eim.deps.store.updateEuicc(e401.id, { lastSeenAt: new Date('2025-06-01T00:00:00Z') });
  });

  it('filters by tag, attribute, EID prefix, inventory staleness and last-seen time', async () => {
    const p = `&eidPrefix=${makeEid(400).slice(0, 28)}`;
    expect(await eids(op, `${p}&tag=meter`)).toEqual([makeEid(400), makeEid(401)]);
    expect(await eids(op, `${p}&tag=meter&tag=north`)).toEqual([makeEid(400)]);
    expect(await eids(op, `${p}&attribute=fw%3D1.0`)).toEqual([makeEid(400), makeEid(402)]);
    expect(await eids(op, `${p}&attribute=fw%3D1.0&attribute=site%3Db`)).toEqual([makeEid(402)]);
    expect(await eids(op, `${p}&inventoryStale=true`)).toEqual([makeEid(400)]);
    expect(await eids(op, `${p}&inventoryStale=false`)).toEqual([makeEid(401), makeEid(402)]);
    expect(await eids(op, `${p}&lastSeenBefore=2025-03-01T00:00:00Z`)).toEqual([makeEid(400)]);
    expect(await eids(op, `${p}&lastSeenAfter=2025-03-01T00:00:00Z`)).toEqual([makeEid(401)]);
    expect(await eids(op, `&eidPrefix=${makeEid(401)}`)).toEqual([makeEid(401)]);
  });

  it('refuses bad filters naming the parameter', async () => {
    for (const [q, field] of [
      ['eidPrefix=12ab', 'eidPrefix'],
      ['inventoryStale=yes', 'inventoryStale'],
      ['lastSeenBefore=yesterday', 'lastSeenBefore'],
      ['attribute=novalue', 'attribute'],
      ['limit=0', 'limit'],
      ['after=bm90LWEtY3Vyc29y', 'after'],
    ]) {
      const r = await t.call('GET', `/api/v1/euiccs?${q}`, op);
      expect(r.status, q).toBe(400);
      expect(r.body.details.field ?? r.body.details[0].field, q).toBe(field);
    }
  });

  it('pages by cursor in EID order: every eUICC once, and no cursor after the last page', async () => {
    const all = await eids(op, '&tag=odd');
    expect(all.length).toBe(10);
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const r: { body: { items: { eid: string }[]; next: string | null } } = await t.call('GET', `/api/v1/euiccs?tag=odd&limit=3${after ? `&after=${after}` : ''}`, viewer);
      seen.push(...r.body.items.map((e) => e.eid));
      after = r.body.next;
      pages++;
    } while (after);
    expect(pages).toBe(4);
    expect(seen).toEqual([...all].sort());
  });
});

describe('show, update and delete an eUICC', () => {
  it('shows the profile inventory, associations, last seen, and pending and past orders', async () => {
    const eid = makeEid(500);
    await t.call('POST', '/api/v1/euiccs', op, { eid });
    const e = (await eim.deps.store.findEuiccByEid(eid))!;
    await eim.deps.store.writeProfiles(e.id, [{ iccid: '8901000000000000101', isdpAid: 'a0000005591010ffffffff8900001000', state: 'enabled', profileClass: 'operational', profileName: 'A', serviceProviderName: 'Op A', nickname: null, fallbackAttribute: false }], []);
    await eim.deps.store.touchEuiccs(new Map([[e.id, new Date('2025-02-03T04:05:06.789Z')]]));
    const pending = await t.call('POST', '/api/v1/orders', op, { eid, kind: 'euiccData' });
    const past = await t.call('POST', '/api/v1/orders', op, { eid, kind: 'download', contactDefaultSmdp: true });
    expect((await t.call('POST', `/api/v1/orders/${past.body.id}/cancel`, op)).status).toBe(200);
    const r = await t.call('GET', `/api/v1/euiccs/${eid}`, viewer);
    expect(r.status).toBe(200);
    expect(r.body.lastSeenAt).toBe('2025-02-03T04:05:06.789Z');
    expect(r.body.profiles).toEqual([{ iccid: '8901000000000000101', isdpAid: 'a0000005591010ffffffff8900001000', state: 'enabled', profileClass: 'operational', profileName: 'A', serviceProviderName: 'Op A', nickname: null, fallbackAttribute: false, updatedAt: expect.stringMatching(ISO) }]);
    expect(r.body.orders.pending.map((o: { id: string }) => o.id)).toEqual([pending.body.id]);
    expect(r.body.orders.past).toMatchObject([{ id: past.body.id, status: 'cancelled', completedAt: expect.stringMatching(ISO) }]);
    expectNoInternalIds(r.body);
  });

  it('replaces tags, merges attributes (null removes one), and dynamic groups follow', async () => {
    const eid = makeEid(510);
    await t.call('POST', '/api/v1/euiccs', op, { eid, tags: ['a'], attributes: { keep: '1', drop: '2' } });
    const g = await t.call('POST', '/api/v1/groups', op, { name: 'patched', kind: 'dynamic', filter: { tags: ['moved'] } });
    const r = await t.call('PATCH', `/api/v1/euiccs/${eid}`, op, { tags: ['moved'], attributes: { drop: null, add: '3' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ eid, tags: ['moved'], attributes: { keep: '1', add: '3' } });
    expect(r.body.attributes).not.toHaveProperty('drop');
    const members = await t.call('GET', `/api/v1/groups/${g.body.id}/members`, op);
    expect(members.body.items.map((e: { eid: string }) => e.eid)).toEqual([eid]);
    const bad = await t.call('PATCH', `/api/v1/euiccs/${eid}`, op, { tags: 'moved' });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].field).toBe('tags');
    expect((await t.call('PATCH', `/api/v1/euiccs/${makeEid(999_999)}`, op, { tags: [] })).status).toBe(404);
  });

  it('deletes an eUICC with its orders; afterwards it is not found', async () => {
    const eid = makeEid(520);
    await t.call('POST', '/api/v1/euiccs', op, { eid });
    const order = await t.call('POST', '/api/v1/orders', op, { eid, kind: 'euiccData' });
    expect((await t.call('DELETE', `/api/v1/euiccs/${eid}`, op)).status).toBe(204);
    expect((await t.call('GET', `/api/v1/euiccs/${eid}`, op)).status).toBe(404);
    expect((await t.call('GET', `/api/v1/orders/${order.body.id}`, op)).status).toBe(404);
    expect((await t.call('DELETE', `/api/v1/euiccs/${eid}`, op)).status).toBe(404);
  });
});

describe('roles', () => {
  it('lets a viewer read but not register, import, update or delete (403); an operator may', async () => {
    const eid = makeEid(600);
    expect((await t.call('POST', '/api/v1/euiccs', viewer, { eid })).status).toBe(403);
    expect((await t.call('POST', '/api/v1/euiccs/import', viewer, [{ eid }])).status).toBe(403);
    expect((await t.call('POST', '/api/v1/euiccs', op, { eid })).status).toBe(201);
    expect((await t.call('GET', '/api/v1/euiccs', viewer)).status).toBe(200);
    expect((await t.call('GET', `/api/v1/euiccs/${eid}`, viewer)).status).toBe(200);
    expect((await t.call('PATCH', `/api/v1/euiccs/${eid}`, viewer, { tags: ['x'] })).status).toBe(403);
    expect((await t.call('DELETE', `/api/v1/euiccs/${eid}`, viewer)).status).toBe(403);
    expect((await t.call('PATCH', `/api/v1/euiccs/${eid}`, op, { tags: ['x'] })).status).toBe(200);
    const admin = await t.key('acme', 'admin');
    expect((await t.call('DELETE', `/api/v1/euiccs/${eid}`, admin)).status).toBe(204);
  });
});

describe('tenant isolation', () => {
  const mine = makeEid(700);
  beforeAll(async () => {
    expect((await t.call('POST', '/api/v1/euiccs', op, { eid: mine, tags: ['secret'], attributes: { owner: 'acme' } })).status).toBe(201);
  });

  it('POST /euiccs: another tenant cannot register (take over) an EID that is already registered', async () => {
    const r = await t.call('POST', '/api/v1/euiccs', other, { eid: mine });
    expect(r.status).toBe(409);
    expect((await t.call('GET', `/api/v1/euiccs/${mine}`, op)).status).toBe(200);
  });

  it('POST /euiccs/import: another tenant cannot import it either, and nothing of its list is written', async () => {
    const r = await t.call('POST', '/api/v1/euiccs/import', other, [{ eid: makeEid(701) }, { eid: mine }]);
    expect(r.status).toBe(409);
    expect(r.body.details).toEqual([{ index: 1, field: '[1].eid', message: expect.any(String) }]);
    expect(await eids(other)).toEqual([]);
  });

  it('GET /euiccs: another tenant lists none of them, with or without filters', async () => {
    expect(await eids(other)).toEqual([]);
    expect(await eids(other, '&tag=secret')).toEqual([]);
    expect(await eids(other, `&eidPrefix=${mine}`)).toEqual([]);
    expect(await eids(op, '&tag=secret')).toEqual([mine]);
  });

  it('GET /euiccs/:eid: another tenant gets 404', async () => {
    const r = await t.call('GET', `/api/v1/euiccs/${mine}`, other);
    expect(r.status).toBe(404);
    expect(r.body.code).toBe('ERR_NOT_FOUND');
  });

  it('PATCH /euiccs/:eid: another tenant gets 404 and changes nothing', async () => {
    expect((await t.call('PATCH', `/api/v1/euiccs/${mine}`, other, { tags: ['stolen'] })).status).toBe(404);
    expect((await t.call('GET', `/api/v1/euiccs/${mine}`, op)).body.tags).toEqual(['secret']);
  });

  it('DELETE /euiccs/:eid: another tenant gets 404 and the eUICC stays', async () => {
    expect((await t.call('DELETE', `/api/v1/euiccs/${mine}`, other)).status).toBe(404);
    expect((await t.call('GET', `/api/v1/euiccs/${mine}`, op)).status).toBe(200);
  });
});
