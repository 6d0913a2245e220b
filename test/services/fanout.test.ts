// The bulk-order fan-out (set-based batches) writes exactly what queueOrder writes member by member: one
// order, one order.queued event and one package per member, a certificate request first where the eIM
// lacks the eUICC's certificates, counters reserved under row locks (strictly increasing per eUICC, never
// reused, even with single orders racing for the same eUICCs), packages signed with the eIM key over the
// stored bytes, and failures reported per member. Runs on PGlite, and on PostgreSQL with DATABASE_URL
// (where the racing transactions really interleave).
import { beforeAll, describe, expect, it } from 'vitest';
import { SGP32Definitions as S, rawBytes } from '../../src/asn1/index.ts';
import { eimSignature } from '../../src/crypto/signatures.ts';
import { eidToBytes } from '../../src/domain/identifiers.ts';
import { parseOrderRequest } from '../../src/domain/operations.ts';
import type { EimPackage, Order } from '../../src/domain/records.ts';
import { bulkOrderStatus, createBulkOrder } from '../../src/services/bulk-order.ts';
import { createOrder, queueOrder } from '../../src/services/create-order.ts';
import { uuid } from '../../src/services/fan-out.ts';
import { createGroup } from '../../src/services/groups.ts';
import type { Store } from '../../src/services/ports.ts';
import { registerEuicc } from '../../src/services/register-euicc.ts';
import { packages, orders } from '../../src/store/schema.ts';
import { type TestEim, useTestEim } from '../support/eim.ts';
import { eidFor } from '../support/pools.ts';

let eim: TestEim;
const T = 'fan';
const REQUEST = { kind: 'psmo', operations: [{ op: 'listProfileInfo' }] };
const MEMBERS = 300;
const CERT = Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00); // the fan-out only needs to know there is one
/** Marks an eUICC's certificate known without a real chain (registration would validate one). */
const knowsCertificate = (id: number) => eim.deps.store.updateEuicc(id, { euiccCertificate: CERT });

useTestEim(1, (_pki, e) => {
  eim = e;
});
beforeAll(async () => {
  for (let i = 0; i < MEMBERS; i++) {
    // Every 3rd eUICC has no known certificate (a certificate request comes first); every 5th has an
    // association token; every 7th is brainpool; the counters start at different values.
    const e = await registerEuicc(eim.deps, {
      eid: eidFor(5000 + i),
      tenantId: T,
      curve: i % 7 === 0 ? 'brainpoolP256r1' : 'P-256',
      counterValue: i * 3,
      ...(i % 5 === 0 ? { associationToken: 1000 + i } : {}),
      tags: ['fan'],
    });
    if (i % 3 !== 0) await knowsCertificate(e.id);
  }
  // Two members that cannot take the order: no association with this eIM, and an exhausted counter.
  await eim.deps.store.insertEuicc({ eid: eidFor(4998), tenantId: T, tags: ['fan'] });
  const full = await registerEuicc(eim.deps, { eid: eidFor(4999), tenantId: T, counterValue: 0x7fffff, tags: ['fan'] });
  await knowsCertificate(full.id);
}, 120_000);

type Row = { o: typeof orders.$inferSelect; p: typeof packages.$inferSelect };

async function packagesOf(euiccId: number): Promise<Row[]> {
  const { asc, eq } = await import('drizzle-orm');
  return eim.database.db.select({ o: orders, p: packages }).from(packages).innerJoin(orders, eq(orders.id, packages.orderId)).where(eq(packages.euiccId, euiccId)).orderBy(asc(packages.id));
}

function verify(p: Pick<EimPackage, 'der' | 'counterValue' | 'eimTransactionId'>, eid: string, token: number | null, curve: 'P-256' | 'brainpoolP256r1'): void {
  const req = S.EuiccPackageRequest.decode(p.der);
  const signed = rawBytes(req.euiccPackageSigned)!;
  const publicKey = eim.deps.eim.signers[curve]!.publicKey;
  expect(eimSignature.verify(publicKey, req.eimSignature, signed, token ?? undefined)).toBe(true);
  expect(req.euiccPackageSigned.counterValue).toBe(p.counterValue);
  expect(new Uint8Array(req.euiccPackageSigned.eidValue)).toEqual(eidToBytes(eid));
  expect(new Uint8Array(req.euiccPackageSigned.eimTransactionId ?? [])).toEqual(new Uint8Array(p.eimTransactionId));
  // The same bytes the codec (and so queueOrder's buildEuiccPackageRequest) produces for these values.
  expect(new Uint8Array(signed)).toEqual(S.EuiccPackageSigned.encode({ ...req.euiccPackageSigned }));
}

describe('bulk-order fan-out', () => {
  it('matches the per-member path, with single orders racing for the same eUICCs', async () => {
    const group = await createGroup(eim.deps, T, { name: 'fan', kind: 'dynamic', filter: { tags: ['fan'] } });
    const racing = Array.from({ length: 30 }, (_, i) => eidFor(5000 + i * 10));
    // Batches of 64 (two in flight) while single orders are created for the same eUICCs, twice each.
    const [report] = await Promise.all([
      createBulkOrder(eim.deps, T, { groupId: group.id, request: REQUEST }, 64),
      ...[0, 1].map(async () => {
        for (const eid of racing) await createOrder(eim.deps, { tenantId: T, eid, request: REQUEST });
      }),
    ]);
    expect(report).toMatchObject({ status: 'done', created: MEMBERS, failed: 2 });
    expect(report.failures).toEqual([
      { eid: eidFor(4998), code: 'ERR_NO_ASSOCIATION', message: expect.any(String) },
      { eid: eidFor(4999), code: 'ERR_COUNTER_EXHAUSTED', message: expect.any(String) },
    ]);
    expect(await bulkOrderStatus(eim.deps, T, report.bulkId)).toMatchObject({ status: 'done', created: MEMBERS, failed: 2, total: MEMBERS, byStatus: { queued: MEMBERS } });

    const events = await eim.deps.store.listEvents(T, 0, 100_000);
    const queuedEvents = new Map(events.filter((e) => e.type === 'order.queued').map((e) => [e.subjectId, e]));
    const txids = new Set<string>();
    for (let i = 0; i < MEMBERS; i++) {
      const eid = eidFor(5000 + i);
      const euicc = (await eim.deps.store.findEuiccByEid(eid))!;
      const [association] = await eim.deps.store.listAssociations(euicc.id);
      const rows = await packagesOf(euicc.id);
      const bulk = rows.filter((r) => r.o.bulkId === report.bulkId);
      expect(bulk, eid).toHaveLength(1);
      // Counters: strictly increasing in delivery order, never reused, the association at the last one used.
      const counters = rows.filter((r) => r.p.counterValue !== null).map((r) => r.p.counterValue!);
      expect(counters, eid).toEqual([...counters].sort((a, b) => a - b));
      expect(new Set(counters).size).toBe(counters.length);
      expect(counters[0]).toBe(i * 3 + 1);
      expect(association!.counterValue).toBe(counters.at(-1));
      const singles = racing.includes(eid) ? 2 : 0;
      expect(counters).toHaveLength(1 + singles);
      // A certificate request first (once) where the certificate is unknown, as queueOrder does.
      const certificateRequests = rows.filter((r) => r.o.kind === 'euiccData');
      expect(certificateRequests.length, eid).toBe(i % 3 === 0 ? 1 : 0);
      if (certificateRequests.length) expect(certificateRequests[0]!.p.id).toBeLessThan(bulk[0]!.p.id);
      for (const r of rows) {
        txids.add(Buffer.from(r.p.eimTransactionId).toString('hex'));
        expect(queuedEvents.get(r.o.id)?.data, eid).toEqual({ orderId: r.o.id, eid, kind: r.o.kind, status: 'queued', request: r.o.request });
        if (r.o.kind === 'psmo') verify(r.p as EimPackage, eid, association!.associationToken, euicc.curve);
      }
      expect(bulk[0]!.o).toMatchObject({ tenantId: T, kind: 'psmo', status: 'queued', request: parseOrderRequest(REQUEST), bulkId: report.bulkId });
      expect(bulk[0]!.o.expiresAt).toBeInstanceOf(Date);
    }
    const total = (await Promise.all(Array.from({ length: MEMBERS }, async (_, i) => (await packagesOf((await eim.deps.store.findEuiccByEid(eidFor(5000 + i)))!.id)).length))).reduce((a, b) => a + b, 0);
    expect(txids.size).toBe(total); // a fresh eimTransactionId for every package
  }, 180_000);

  it('writes the same order, event and package (up to the random parts) as queueOrder', async () => {
    const eid = eidFor(7000);
    const twin = eidFor(7001);
    for (const e of [eid, twin]) await knowsCertificate((await registerEuicc(eim.deps, { eid: e, tenantId: T, counterValue: 41, associationToken: 9, tags: ['twin-' + e] })).id);
    const group = await createGroup(eim.deps, T, { name: 'twin', kind: 'static', eids: [eid] });
    const report = await createBulkOrder(eim.deps, T, { groupId: group.id, request: REQUEST });
    const euicc = (await eim.deps.store.findEuiccByEid(twin))!;
    const single: Order = await eim.deps.store.transaction((tx) => queueOrder(eim.deps, tx, euicc, parseOrderRequest(REQUEST), T, new Date(Date.now() + 3600_000), { bulkId: report.bulkId }));
    const [fast] = await packagesOf((await eim.deps.store.findEuiccByEid(eid))!.id);
    const [slow] = await packagesOf(euicc.id);
    const strip = (r: Row) => ({ ...r.o, id: 0, euiccId: 0, createdAt: 0, expiresAt: 0, p: { ...r.p, id: 0, orderId: 0, euiccId: 0, createdAt: 0, eimTransactionId: 0, der: 0 } });
    expect(strip(fast!)).toEqual(strip(slow!));
    expect(slow!.o.id).toBe(single.id);
    const fastSigned = rawBytes(S.EuiccPackageRequest.decode(fast!.p.der).euiccPackageSigned)!;
    const slowSigned = S.EuiccPackageRequest.decode(slow!.p.der).euiccPackageSigned;
    expect(new Uint8Array(fastSigned)).toEqual(S.EuiccPackageSigned.encode({ ...slowSigned, eidValue: eidToBytes(eid), eimTransactionId: fast!.p.eimTransactionId }));
  });

  it('a batch that fails unexpectedly is redone member by member; each member still gets its order once', async () => {
    const eids = [eidFor(7100), eidFor(7101), eidFor(7102)];
    for (const e of eids) await knowsCertificate((await registerEuicc(eim.deps, { eid: e, tenantId: T, counterValue: 10, tags: ['flaky'] })).id);
    const group = await createGroup(eim.deps, T, { name: 'flaky', kind: 'static', eids: [...eids, eidFor(4998)] });
    const store = eim.deps.store;
    // The set-based write fails (as an unforeseen database error would); single-member writes go through.
    const flaky: Store = { ...store, transaction: (fn) => store.transaction((tx) => fn({ ...tx, writeFanOut: () => Promise.reject(new Error('boom')) })) };
    const report = await createBulkOrder({ ...eim.deps, store: flaky }, T, { groupId: group.id, request: REQUEST });
    expect(report).toMatchObject({ status: 'done', created: 3, failed: 1, failures: [{ eid: eidFor(4998), code: 'ERR_NO_ASSOCIATION' }] });
    for (const e of eids) {
      const rows = await packagesOf((await store.findEuiccByEid(e))!.id);
      expect(rows.map((r) => [r.o.bulkId, r.p.counterValue])).toEqual([[report.bulkId, 11]]);
    }
    expect(await bulkOrderStatus(eim.deps, T, report.bulkId)).toMatchObject({ status: 'done', created: 3, failed: 1, total: 3 });
  });

  it('download and euiccData bulk orders need no association', async () => {
    const group = await createGroup(eim.deps, T, { name: 'dl', kind: 'dynamic', filter: { tags: ['fan'] } });
    const report = await createBulkOrder(eim.deps, T, { groupId: group.id, request: { kind: 'download', activationCode: '1$smdp.example.com$' } }, 100);
    expect(report).toMatchObject({ created: MEMBERS + 2, failed: 0 });
    const rows = await packagesOf((await eim.deps.store.findEuiccByEid(eidFor(4998)))!.id);
    expect(rows.map((r) => [r.o.kind, r.p.kind, r.p.counterValue])).toEqual([['download', 'profileDownloadTriggerRequest', null]]);
    expect(S.ProfileDownloadTriggerRequest.decode(rows[0]!.p.der).eimTransactionId).toEqual(rows[0]!.p.eimTransactionId);
  });
});

describe('order ids', () => {
  // RFC 9562 §5.7: version 7 carries the Unix time in milliseconds in its first 48 bits, so ids made later
  // sort later and land on the right edge of the orders primary key; the remaining bits stay random.
  it('are version 7 UUIDs with the current time in front, unique and the RFC variant', () => {
    const before = Date.now();
    const ids = Array.from({ length: 2000 }, () => uuid());
    const after = Date.now();
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const ms = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
      expect(ms).toBeGreaterThanOrEqual(before);
      expect(ms).toBeLessThanOrEqual(after);
    }
  });
});
