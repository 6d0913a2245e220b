// Codes are single-use under concurrency (issue 6 §2): two reconcilers serving the same assignment at the
// same time, plus a second assignment of the same pool to an overlapping group, never give a code to two
// devices nor two codes to one device. On PostgreSQL (DATABASE_URL) the transactions really interleave.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeMembers, createGroup } from '../../src/services/groups.ts';
import { importCodes } from '../../src/services/import-pool.ts';
import { createPool, listCodes } from '../../src/services/pools.ts';
import { reconcileAssignments, startPoolReconciler } from '../../src/services/reconcile-assignments.ts';
import { registerEuicc } from '../../src/services/register-euicc.ts';
import { startTestEim, testPki, type TestEim, type TestPkiDir } from '../support/eim.ts';
import { eidFor, iccidFor, intuneCsv } from '../support/pools.ts';

let pki: TestPkiDir;
let eim: TestEim;
const T = 'racing';

beforeAll(async () => {
  pki = testPki(1);
  eim = await startTestEim(pki.pki);
}, 60_000);
afterAll(async () => {
  await eim?.close();
  pki?.cleanup();
});

describe('single-use codes under concurrency', () => {
  it('racing reconcilers hand out each code once, and each device gets one code', async () => {
    const eids = Array.from({ length: 40 }, (_, i) => eidFor(1000 + i));
    for (const eid of eids) await registerEuicc(eim.deps, { eid, tenantId: T, curve: 'P-256', counterValue: 0 });
    const pool = (await createPool(eim.deps, T, 'scarce')).id;
    await importCodes(eim.deps, T, pool, intuneCsv(Array.from({ length: 30 }, (_, i) => [iccidFor(i, '8977'), `RACE-${i}`] as [string, string])), 'all-or-nothing');
    const a = (await createGroup(eim.deps, T, { name: 'a', kind: 'static', eids: eids.slice(0, 30) })).id;
    const b = (await createGroup(eim.deps, T, { name: 'b', kind: 'static', eids: eids.slice(10) })).id;
    // Assignments written directly, so that nothing has been served before the race starts.
    for (const groupId of [a, b]) await eim.deps.store.insertAssignment({ tenantId: T, poolId: pool, groupId, enableAfterInstall: false });

    const results = await Promise.all([reconcileAssignments(eim.deps, T), reconcileAssignments(eim.deps, T), reconcileAssignments(eim.deps)]);
    expect(results.reduce((n, r) => n + r.reserved, 0)).toBe(30);
    expect(results.every((r) => r.errors === 0)).toBe(true);

    const codes = (await listCodes(eim.deps, T, pool, { limit: 100 })).items;
    const reserved = codes.filter((c) => c.state === 'reserved');
    expect(reserved).toHaveLength(30);
    expect(new Set(reserved.map((c) => c.euiccId)).size).toBe(30);
    const orders = await eim.deps.store.ordersByIds(reserved.map((c) => c.orderId!));
    expect(new Set(orders.map((o) => o.activationCodeId)).size).toBe(30);
    for (const o of orders) expect((o.request as { activationCode: string }).activationCode).toContain(`$RACE-`);
    // Exactly one code.reserved event per code.
    const events = (await eim.deps.store.listEvents(T, 0, 100_000)).filter((e) => e.type === 'code.reserved');
    expect(events).toHaveLength(30);
    expect(new Set(events.map((e) => e.subjectId)).size).toBe(30);
  }, 120_000);

  it('the periodic reconciler serves a device that joins a group, without being asked', async () => {
    const eid = eidFor(5000);
    await registerEuicc(eim.deps, { eid, tenantId: T, curve: 'P-256', counterValue: 0 });
    const pool = (await createPool(eim.deps, T, 'periodic')).id;
    await importCodes(eim.deps, T, pool, intuneCsv([[iccidFor(1, '8966'), 'TICK-1']]), 'all-or-nothing');
    const group = (await createGroup(eim.deps, T, { name: 'late', kind: 'static' })).id;
    await eim.deps.store.insertAssignment({ tenantId: T, poolId: pool, groupId: group, enableAfterInstall: false });
    await changeMembers(eim.deps, T, group, { add: [eid] });
    // A run out of time (as one started by a request may be) leaves the member for the periodic run.
    expect(await reconcileAssignments(eim.deps, T, -1)).toMatchObject({ complete: false, reserved: 0 });
    const reconciler = startPoolReconciler(eim.deps, 20);
    try {
      const euiccId = (await eim.deps.store.findEuiccByEid(eid))!.id;
      for (let i = 0; i < 200 && (await eim.deps.store.heldCodes(pool, [euiccId])).length === 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect((await eim.deps.store.heldCodes(pool, [euiccId])).map((c) => c.matchingId)).toEqual(['TICK-1']);
    } finally {
      await reconciler.stop();
    }
  }, 60_000);
});
