// Codes are single-use under concurrency (issue 6 §2): two reconcilers serving the same assignment at the
// same time, plus a second assignment of the same pool to an overlapping group, never give a code to two
// devices nor two codes to one device. On PostgreSQL (DATABASE_URL) the transactions really interleave.
import { describe, expect, it } from 'vitest';
import { expireOverdueOrders } from '../../src/services/expire-orders.ts';
import { changeMembers, createGroup } from '../../src/services/groups.ts';
import { importCodes } from '../../src/services/import-pool.ts';
import { createPool, listCodes } from '../../src/services/pools.ts';
import { reconcileAssignments, startPoolReconciler } from '../../src/services/reconcile-assignments.ts';
import { registerEuicc } from '../../src/services/register-euicc.ts';
import { type TestEim, useTestEim } from '../support/eim.ts';
import { eidFor, iccidFor, intuneCsv } from '../support/pools.ts';

let eim: TestEim;
const T = 'racing';

useTestEim(1, (_pki, e) => {
  eim = e;
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

  it('a download order that expires before delivery releases its code, and the device is served again', async () => {
    // A tenant of its own: the sweep below expires every overdue order, this test's and the others'.
    const X = 'expiring';
    const eid = eidFor(6000);
    await registerEuicc(eim.deps, { eid, tenantId: X, curve: 'P-256', counterValue: 0 });
    const pool = (await createPool(eim.deps, X, 'expiring')).id;
    await importCodes(eim.deps, X, pool, intuneCsv([[iccidFor(1, '8955'), 'EXP-1'], [iccidFor(2, '8955'), 'EXP-2']]), 'all-or-nothing');
    const group = (await createGroup(eim.deps, X, { name: 'offline', kind: 'static', eids: [eid] })).id;
    await eim.deps.store.insertAssignment({ tenantId: X, poolId: pool, groupId: group, enableAfterInstall: false });
    expect((await reconcileAssignments(eim.deps, X)).reserved).toBe(1);
    const [first] = (await listCodes(eim.deps, X, pool, { limit: 10 })).items;
    const saved = eim.clock.now;
    try {
      eim.clock.now = new Date(saved.getTime() + eim.deps.defaultOrderTtlMs + 1000);
      expect(await expireOverdueOrders(eim.deps)).toBeGreaterThanOrEqual(1);
    } finally {
      eim.clock.now = saved;
    }
    expect((await eim.deps.store.findOrder(first!.orderId!))!.status).toBe('expired');
    const after = (await listCodes(eim.deps, X, pool, { limit: 10 })).items;
    expect(after[0]).toMatchObject({ state: 'available', euiccId: null, orderId: null });
    const released = (await eim.deps.store.listEvents(X, 0, 100_000)).filter((e) => e.subjectId === String(first!.id)).map((e) => [e.type, e.data.reason ?? null]);
    expect(released).toEqual([
      ['code.reserved', null],
      ['code.released', 'the download order was expired before delivery'],
    ]);
    // The device was never served: the next run gives it a code again (the lowest available one).
    expect((await reconcileAssignments(eim.deps, X)).reserved).toBe(1);
    expect((await eim.deps.store.heldCodes(pool, [(await eim.deps.store.findEuiccByEid(eid))!.id])).map((c) => c.matchingId)).toEqual(['EXP-1']);
  }, 60_000);
});
