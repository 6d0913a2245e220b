// Groups over the operator API (issue 6 §1): static and dynamic groups, list, show, delete, members of a
// static group, paged membership; roles; and, route by route, tenant isolation. PGlite or PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApi } from '../support/api.ts';
import { startTestEim, testPki, type TestEim, type TestPkiDir } from '../support/eim.ts';
import { expectNoInternalIds, ISO, makeEid, startFleetApi } from '../support/fleet.ts';

let pki: TestPkiDir;
let eim: TestEim;
let t: TestApi;
let op: string;
let viewer: string;
let other: string;
const E = [0, 1, 2, 3, 4, 5].map((n) => makeEid(40 + n));

beforeAll(async () => {
  pki = testPki(1);
  eim = await startTestEim(pki.pki);
  t = await startFleetApi(eim);
  op = await t.key('acme', 'operator');
  viewer = await t.key('acme', 'viewer');
  other = await t.key('globex', 'admin');
  const items = E.map((eid, i) => ({ eid, tags: i < 3 ? ['blue'] : ['red'], attributes: { even: String(i % 2 === 0) } }));
  expect((await t.call('POST', '/api/v1/euiccs/import', op, items)).status).toBe(201);
}, 60_000);
afterAll(async () => {
  await t?.close();
  await eim?.close();
  pki?.cleanup();
});

const members = async (id: string, key = op): Promise<string[]> => (await t.call('GET', `/api/v1/groups/${id}/members?limit=1000`, key)).body.items.map((e: { eid: string }) => e.eid);

describe('groups', () => {
  it('creates a static group with members and a dynamic group with a filter, and shows them', async () => {
    const s = await t.call('POST', '/api/v1/groups', op, { name: 'pilot', kind: 'static', eids: [E[0], E[3]] });
    expect(s.status).toBe(201);
    expect(s.body).toEqual({ id: expect.any(String), name: 'pilot', kind: 'static', filter: null, createdAt: expect.stringMatching(ISO) });
    const d = await t.call('POST', '/api/v1/groups', op, { name: 'blue-even', kind: 'dynamic', filter: { tags: ['blue'], attributes: { even: 'true' } } });
    expect(d.status).toBe(201);
    expect(d.body.filter).toEqual({ tags: ['blue'], attributes: { even: 'true' } });
    expect((await t.call('GET', `/api/v1/groups/${s.body.id}`, viewer)).body).toEqual(s.body);
    expect(await members(s.body.id)).toEqual([E[0], E[3]]);
    expect(await members(d.body.id)).toEqual([E[0], E[2]]);
    const list = await t.call('GET', '/api/v1/groups', viewer);
    expect(list.body.items.map((g: { name: string }) => g.name)).toEqual(['blue-even', 'pilot']);
    expectNoInternalIds((await t.call('GET', `/api/v1/groups/${s.body.id}/members`, viewer)).body);
  });

  it('refuses bad groups naming the field, unknown EIDs (404) and a second group of the same name (409); nothing is written', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{ name: 'x', kind: 'dynamic' }, 400, 'filter'],
      [{ name: 'x', kind: 'dynamic', filter: {} }, 400, 'filter'],
      [{ name: 'x', kind: 'static', filter: { tags: ['a'] } }, 400, 'filter'],
      [{ name: 'x', kind: 'static', eids: ['123'] }, 400, 'eids[0]'],
      [{ name: 'x', kind: 'party' }, 400, 'kind'],
      [{ name: '', kind: 'static' }, 400, 'name'],
      [{ name: 'x', kind: 'static', eids: [E[0], makeEid(999)] }, 404, 'eids[1]'],
      [{ name: 'pilot', kind: 'static' }, 409, 'name'],
    ];
    for (const [body, status, field] of cases) {
      const r = await t.call('POST', '/api/v1/groups', op, body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(Array.isArray(r.body.details) ? r.body.details[0].field : r.body.details.field, JSON.stringify(body)).toBe(field);
    }
    expect((await t.call('GET', '/api/v1/groups', op)).body.items.map((g: { name: string }) => g.name)).toEqual(['blue-even', 'pilot']);
  });

  it('adds and removes members of a static group; refuses to for a dynamic group (409)', async () => {
    const g = await t.call('POST', '/api/v1/groups', op, { name: 'edit', kind: 'static', eids: [E[0]] });
    expect((await t.call('POST', `/api/v1/groups/${g.body.id}/members`, op, { add: [E[1], E[2]], remove: [E[0]] })).status).toBe(204);
    expect(await members(g.body.id)).toEqual([E[1], E[2]]);
    const bad = await t.call('POST', `/api/v1/groups/${g.body.id}/members`, op, { add: [E[3], makeEid(998)] });
    expect(bad.status).toBe(404);
    expect(bad.body.details).toEqual({ field: 'add[1]' });
    expect(await members(g.body.id)).toEqual([E[1], E[2]]);
    const d = await t.call('POST', '/api/v1/groups', op, { name: 'dyn', kind: 'dynamic', filter: { tags: ['red'] } });
    expect((await t.call('POST', `/api/v1/groups/${d.body.id}/members`, op, { add: [E[0]] })).status).toBe(409);
  });

  it('pages membership by cursor, every member once, for static and dynamic groups', async () => {
    const s = await t.call('POST', '/api/v1/groups', op, { name: 'all-static', kind: 'static', eids: [...E].reverse() });
    const d = await t.call('POST', '/api/v1/groups', op, { name: 'all-dynamic', kind: 'dynamic', filter: { tags: ['blue'] } });
    for (const [id, expected] of [
      [s.body.id, E],
      [d.body.id, E.slice(0, 3)],
    ] as const) {
      const seen: string[] = [];
      let after: string | null = null;
      do {
        const r: { status: number; body: { items: { eid: string }[]; next: string | null } } = await t.call('GET', `/api/v1/groups/${id}/members?limit=2${after ? `&after=${after}` : ''}`, viewer);
        expect(r.status).toBe(200);
        seen.push(...r.body.items.map((e) => e.eid));
        after = r.body.next;
      } while (after);
      expect(seen).toEqual(expected);
    }
    expect((await t.call('GET', `/api/v1/groups/${s.body.id}/members?after=xyz`, viewer)).status).toBe(400);
  });

  it('deletes a group (its members stay); afterwards it is not found', async () => {
    const g = await t.call('POST', '/api/v1/groups', op, { name: 'temp', kind: 'static', eids: [E[5]] });
    expect((await t.call('DELETE', `/api/v1/groups/${g.body.id}`, op)).status).toBe(204);
    expect((await t.call('GET', `/api/v1/groups/${g.body.id}`, op)).status).toBe(404);
    expect((await t.call('GET', `/api/v1/groups/${g.body.id}/members`, op)).status).toBe(404);
    expect((await t.call('DELETE', `/api/v1/groups/${g.body.id}`, op)).status).toBe(404);
    expect((await t.call('GET', `/api/v1/euiccs/${E[5]}`, op)).status).toBe(200);
    expect((await t.call('GET', '/api/v1/groups/not-a-uuid', op)).status).toBe(400);
  });
});

describe('roles', () => {
  it('lets a viewer read groups but not create, change or delete them (403)', async () => {
    expect((await t.call('POST', '/api/v1/groups', viewer, { name: 'v', kind: 'static' })).status).toBe(403);
    const g = await t.call('POST', '/api/v1/groups', op, { name: 'viewer-test', kind: 'static' });
    expect((await t.call('POST', `/api/v1/groups/${g.body.id}/members`, viewer, { add: [E[0]] })).status).toBe(403);
    expect((await t.call('DELETE', `/api/v1/groups/${g.body.id}`, viewer)).status).toBe(403);
    expect((await t.call('GET', `/api/v1/groups/${g.body.id}`, viewer)).status).toBe(200);
    expect((await t.call('GET', `/api/v1/groups/${g.body.id}/members`, viewer)).status).toBe(200);
    const admin = await t.key('acme', 'admin');
    expect((await t.call('DELETE', `/api/v1/groups/${g.body.id}`, admin)).status).toBe(204);
  });
});

describe('tenant isolation', () => {
  let groupId: string;
  let theirs: string;
  beforeAll(async () => {
    groupId = (await t.call('POST', '/api/v1/groups', op, { name: 'secret', kind: 'static', eids: [E[0]] })).body.id;
    theirs = (await t.call('POST', '/api/v1/groups', other, { name: 'theirs', kind: 'static' })).body.id;
  });

  it("POST /groups: another tenant cannot put this tenant's eUICCs in a group (404), static or via its own filter", async () => {
    const r = await t.call('POST', '/api/v1/groups', other, { name: 'grab', kind: 'static', eids: [E[0]] });
    expect(r.status).toBe(404);
    const d = await t.call('POST', '/api/v1/groups', other, { name: 'grab-dyn', kind: 'dynamic', filter: { tags: ['blue'] } });
    expect(d.status).toBe(201);
    expect(await members(d.body.id, other)).toEqual([]);
  });

  it("GET /groups: another tenant lists none of this tenant's groups", async () => {
    const names = (await t.call('GET', '/api/v1/groups', other)).body.items.map((g: { name: string }) => g.name);
    expect(names).not.toContain('secret');
    expect(names).toContain('theirs');
  });

  it('GET /groups/:id: another tenant gets 404', async () => {
    expect((await t.call('GET', `/api/v1/groups/${groupId}`, other)).status).toBe(404);
  });

  it('DELETE /groups/:id: another tenant gets 404 and the group stays', async () => {
    expect((await t.call('DELETE', `/api/v1/groups/${groupId}`, other)).status).toBe(404);
    expect((await t.call('GET', `/api/v1/groups/${groupId}`, op)).status).toBe(200);
  });

  it("POST /groups/:id/members: another tenant gets 404 on this tenant's group, and cannot add this tenant's eUICCs to its own", async () => {
    expect((await t.call('POST', `/api/v1/groups/${groupId}/members`, other, { remove: [E[0]] })).status).toBe(404);
    expect(await members(groupId)).toEqual([E[0]]);
    expect((await t.call('POST', `/api/v1/groups/${theirs}/members`, other, { add: [E[1]] })).status).toBe(404);
    expect(await members(theirs, other)).toEqual([]);
  });

  it('GET /groups/:id/members: another tenant gets 404', async () => {
    expect((await t.call('GET', `/api/v1/groups/${groupId}/members`, other)).status).toBe(404);
  });
});
