// Orders expire with a reason when they are not picked up, or delivered and not answered, in time (issue 5 §3),
// also when the device never polls again.
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src/lib/bytes.ts';
import { createOrder } from '../../src/services/create-order.ts';
import { expireOverdueOrders } from '../../src/services/expire-orders.ts';
import { associatedEuicc, type TestEim, type TestPkiDir, useTestEim } from '../support/eim.ts';

let pki: TestPkiDir;
let eim: TestEim;
useTestEim(1, (p, e) => ((pki = p), (eim = e)));

describe('order expiry sweep', () => {
  it('expires queued and delivered-but-unanswered orders after their time, and their packages are never delivered', async () => {
    const card = await associatedEuicc(eim, pki.dir, pki.pki, 'P-256', 0);
    const start = eim.clock.now;
    const expiresAt = new Date(start.getTime() + 60_000);
    const delivered = await createOrder(eim.deps, { eid: card.eid, request: { kind: 'euiccData', tags: ['bf20'] }, expiresAt });
    const queued = await createOrder(eim.deps, { eid: card.eid, request: { kind: 'euiccData', tags: ['bf22'] }, expiresAt });
    await eim.service.getEimPackage({ eidValue: fromHex(card.eid) }); // delivers the first, never answered
    expect(await expireOverdueOrders(eim.deps)).toBe(0);
    eim.clock.now = new Date(start.getTime() + 120_000);
    try {
      expect(await expireOverdueOrders(eim.deps)).toBe(2);
      const a = (await eim.deps.store.findOrder(delivered.id))!;
      const b = (await eim.deps.store.findOrder(queued.id))!;
      expect([a.status, a.error?.message]).toEqual(['expired', expect.stringMatching(/^delivered but not answered before/)]);
      expect([b.status, b.error?.message]).toEqual(['expired', expect.stringMatching(/^not picked up by the device before/)]);
      expect(await eim.service.getEimPackage({ eidValue: fromHex(card.eid) })).toEqual({ eimPackageError: 1 });
      const events = (await eim.deps.store.listEvents('default', 0, 1000)).filter((e) => e.type === 'order.expired').map((e) => e.subjectId);
      expect(events).toEqual(expect.arrayContaining([delivered.id, queued.id]));
    } finally {
      eim.clock.now = new Date();
    }
  });
});
