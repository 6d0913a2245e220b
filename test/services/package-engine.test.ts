// The package engine end to end, in process: orders become signed packages, a virtual eUICC executes
// them, and its signed results are verified and applied (SGP.32 v1.2 §2.11, §3). Runs on PGlite, or on
// PostgreSQL when DATABASE_URL is set.
import { beforeAll, describe, expect, it } from 'vitest';
import { SGP32Definitions as S } from '../../src/asn1/index.ts';
import type { Curve } from '../../src/crypto/engine.ts';
import { fromHex, toHex } from '../../src/lib/bytes.ts';
import { createOrder } from '../../src/services/create-order.ts';
import type { VirtualEuicc } from '../../simulators/euicc/euicc.ts';
import { associatedEuicc, type TestEim, type TestPkiDir, useTestEim } from '../support/eim.ts';

let pki: TestPkiDir;
let eim: TestEim;

useTestEim(5, (p, e) => {
  pki = p;
  eim = e;
});

const poll = (card: VirtualEuicc, extra: Partial<S.GetEimPackageRequest> = {}) => eim.service.getEimPackage({ eidValue: fromHex(card.eid), ...extra });

/** What an IPA does with one package: execute it on the eUICC and return the result. */
async function executeOnce(card: VirtualEuicc): Promise<S.ProvideEimPackageResultResponse | undefined> {
  const pkg = await poll(card);
  if ('eimPackageError' in pkg) return undefined;
  let result: S.EimPackageResult;
  if ('euiccPackageRequest' in pkg) {
    const der = S.GetEimPackageResponse.encode(pkg).subarray(4); // BF4F L, then the BF51 TLV
    const bytes = S.EuiccPackageRequest.encode(S.EuiccPackageRequest.decode(der));
    result = { euiccPackageResult: S.EuiccPackageResult.decode(await card.loadEuiccPackage(bytes)) };
  } else if ('ipaEuiccDataRequest' in pkg) {
    const req = S.GetEimPackageResponse.decode(S.GetEimPackageResponse.encode(pkg)) as { ipaEuiccDataRequest: S.IpaEuiccDataRequest };
    result = { ipaEuiccDataResponse: S.IpaEuiccDataResponse.decode(card.ipaEuiccData(req.ipaEuiccDataRequest)) };
  } else throw new Error('download triggers are not executed by this helper');
  return eim.service.provideEimPackageResult({ eidValue: fromHex(card.eid), eimPackageResult: result });
}

async function orderOf(id: string) {
  return (await eim.deps.store.findOrder(id))!;
}

describe.each<[Curve, number]>([
  ['P-256', 0],
  ['brainpoolP256r1', 1],
])('package engine on %s', (curve, index) => {
  let card: VirtualEuicc;
  beforeAll(async () => {
    card = await associatedEuicc(eim, pki.dir, pki.pki, curve, index);
    card.preloadProfile({ metadata: { iccid: fromHex('981000000000000001f1'), serviceProviderName: 'Op A', profileName: 'A', profileClass: 2 }, enabled: true });
    card.preloadProfile({ metadata: { iccid: fromHex('981000000000000002f2'), serviceProviderName: 'Op B', profileName: 'B', profileClass: 2 } });
  });

  it('asks for the eUICC certificates first, then runs a signed listProfileInfo whose result is verified', async () => {
    const order = await createOrder(eim.deps, { eid: card.eid, request: { kind: 'psmo', operations: [{ op: 'listProfileInfo' }] } });
    const first = await poll(card);
    expect(Object.keys(first)).toEqual(['ipaEuiccDataRequest']);
    // Not answered yet: the same package comes again, byte for byte (SGP.32 v1.2: re-delivery unchanged).
    const again = await poll(card);
    expect(toHex(S.GetEimPackageResponse.encode(again))).toBe(toHex(S.GetEimPackageResponse.encode(first)));
    expect(await executeOnce(card)).toEqual({ emptyResponse: {} });
    const euicc = (await eim.deps.store.findEuiccByEid(card.eid))!;
    expect(euicc.euiccCertificate).not.toBeNull();

    const ack = await executeOnce(card);
    expect(ack).toHaveProperty('eimAcknowledgements');
    const done = await orderOf(order.id);
    expect(done.status).toBe('done');
    expect(done.outcome).toMatchObject({ verified: true, operations: [{ operation: 'listProfileInfo', result: 'listProfileInfoResult', ok: true }] });
    const profiles = await eim.deps.store.listProfiles(euicc.id);
    expect(profiles.map((p) => [p.iccid, p.state])).toEqual([
      ['8901000000000000101', 'enabled'],
      ['8901000000000000202', 'disabled'],
    ]);
    expect(await poll(card)).toEqual({ eimPackageError: 1 });
  });

  it('enables a profile: the result names the operation and its code, and the inventory follows', async () => {
    const order = await createOrder(eim.deps, { eid: card.eid, request: { kind: 'psmo', operations: [{ op: 'enable', iccid: '8901000000000000202' }] } });
    await executeOnce(card);
    const done = await orderOf(order.id);
    expect(done.status).toBe('done');
    expect(done.outcome).toMatchObject({ operations: [{ operation: 'enable', result: 'enableResult', ok: true, code: 0, name: 'ok' }] });
    const euicc = (await eim.deps.store.findEuiccByEid(card.eid))!;
    const states = Object.fromEntries((await eim.deps.store.listProfiles(euicc.id)).map((p) => [p.iccid, p.state]));
    expect(states).toEqual({ '8901000000000000101': 'disabled', '8901000000000000202': 'enabled' });
    // Every change is an event, in order, in the same transaction as the change.
    const events = (await eim.deps.store.listEvents('default', 0, 10_000)).filter((e) => e.subjectId === order.id || e.subjectId.startsWith(`${card.eid}/`));
    const types = events.map((e) => e.type);
    expect(types.slice(-5)).toEqual(['order.queued', 'order.delivered', 'order.done', 'profile.disabled', 'profile.enabled'].slice(0, 3).concat(types.slice(-2)));
    expect(types).toContain('profile.enabled');
    expect(types).toContain('profile.disabled');
    expect(types.indexOf('order.queued')).toBeLessThan(types.indexOf('order.done'));
  });

  it('a result whose inventory changed between reading and writing it is applied in a transaction, on the inventory as it then is', async () => {
    const order = await createOrder(eim.deps, { eid: card.eid, request: { kind: 'psmo', operations: [{ op: 'disable', iccid: '8901000000000000202' }] } });
    const euicc = (await eim.deps.store.findEuiccByEid(card.eid))!;
    const store = eim.deps.store;
    const read = store.findResultContext;
    const [b] = (await store.listProfiles(euicc.id)).filter((p) => p.iccid === '8901000000000000202');
    store.findResultContext = async (...args) => {
      const ctx = await read(...args);
      // Another writer (an operator, another instance) changes the inventory after the result context was read.
      await store.writeProfiles(euicc.id, [{ ...b!, nickname: 'meanwhile' }], []);
      return ctx;
    };
    try {
      expect(await executeOnce(card)).toHaveProperty('eimAcknowledgements');
    } finally {
      store.findResultContext = read;
    }
    expect((await orderOf(order.id)).status).toBe('done');
    // A plan made from the inventory as read would have written the old nickname back; it was made again on the new one.
    const now = await eim.deps.store.listProfiles(euicc.id);
    expect(now.map((p) => [p.iccid, p.state, p.nickname])).toEqual([
      ['8901000000000000101', 'disabled', null],
      ['8901000000000000202', 'disabled', 'meanwhile'],
    ]);
    const events = (await eim.deps.store.listEvents('default', 0, 10_000)).filter((e) => e.subjectId === order.id || e.subjectId === `${card.eid}/8901000000000000202`);
    expect(events.map((e) => e.type).slice(-3)).toEqual(['order.delivered', 'order.done', 'profile.disabled']);
    expect(events.filter((e) => e.type === 'order.done')).toHaveLength(1);
    await store.writeProfiles(euicc.id, [{ ...b!, state: 'disabled', nickname: null }], []);
  });

  it('keeps the spec result codes of a failed operation verbatim', async () => {
    const order = await createOrder(eim.deps, { eid: card.eid, request: { kind: 'psmo', operations: [{ op: 'disable', iccid: '8901000000000000999' }] } });
    await executeOnce(card);
    const failed = await orderOf(order.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'ERR_OPERATION_FAILED', details: [{ operation: 'disable', code: 1, name: 'iccidOrAidNotFound' }] });
  });

  it('counters go up by one per package and are persisted before the package leaves', async () => {
    const euicc = (await eim.deps.store.findEuiccByEid(card.eid))!;
    const before = (await eim.deps.store.lockAssociation(euicc.id, eim.deps.eim.eimId))!.counterValue;
    await createOrder(eim.deps, { eid: card.eid, request: { kind: 'psmo', operations: [{ op: 'getRAT' }] } });
    const after = (await eim.deps.store.lockAssociation(euicc.id, eim.deps.eim.eimId))!.counterValue;
    expect(after).toBe(before + 1);
    const pkg = await poll(card);
    const request = S.EuiccPackageRequest.decode(S.GetEimPackageResponse.encode(pkg).subarray(4));
    expect(request.euiccPackageSigned.counterValue).toBe(after);
    await executeOnce(card);
  });

  it('a signed replayError moves the counter forward and the order is retried and completes', async () => {
    const euicc = (await eim.deps.store.findEuiccByEid(card.eid))!;
    const assoc = (await eim.deps.store.lockAssociation(euicc.id, eim.deps.eim.eimId))!;
    // Simulate an eIM whose counter fell behind the eUICC's (e.g. restored from an old backup).
    await eim.deps.store.upsertAssociation({ ...assoc, counterValue: 0 });
    const order = await createOrder(eim.deps, { eid: card.eid, request: { kind: 'psmo', operations: [{ op: 'listProfileInfo' }] } });
    await executeOnce(card); // replayError (signed) -> re-signed with a higher counter
    expect((await orderOf(order.id)).status).toBe('queued');
    await executeOnce(card);
    const done = await orderOf(order.id);
    expect(done.status).toBe('done');
    expect(done.attempts).toBe(1);
  });

  it('a result whose signature does not verify changes nothing', async () => {
    const order = await createOrder(eim.deps, { eid: card.eid, request: { kind: 'psmo', operations: [{ op: 'getRAT' }] } });
    const pkg = await poll(card);
    const bytes = S.GetEimPackageResponse.encode(pkg).subarray(4);
    const result = S.EuiccPackageResult.decode(await card.loadEuiccPackage(bytes));
    if (!('euiccPackageResultSigned' in result)) throw new Error('expected a signed result');
    const forged = { euiccPackageResultSigned: { ...result.euiccPackageResultSigned, euiccSignEPR: new Uint8Array(64).fill(7) } };
    await eim.service.provideEimPackageResult({ eidValue: fromHex(card.eid), eimPackageResult: { euiccPackageResult: forged } });
    expect((await orderOf(order.id)).status).toBe('delivered');
    // The genuine result, sent again, completes the order.
    await eim.service.provideEimPackageResult({ eidValue: fromHex(card.eid), eimPackageResult: { euiccPackageResult: result } });
    expect((await orderOf(order.id)).status).toBe('done');
  });
});

describe('GetEimPackage answers', () => {
  it('eidNotFound, invalidEid and noEimPackageAvailable (SGP.32 v1.2 GetEimPackageResponse)', async () => {
    expect(await eim.service.getEimPackage({ eidValue: fromHex('89049032123451234512345678901235') })).toEqual({ eimPackageError: 2 });
    expect(await eim.service.getEimPackage({ eidValue: fromHex('89049032123451234512345678901234') })).toEqual({ eimPackageError: 3 });
    expect(await eim.service.getEimPackage({ eidValue: fromHex('0102') })).toEqual({ eimPackageError: 3 });
  });

  it('marks the request context idle only when it answers noEimPackageAvailable (the server then counts the poll instead of logging it)', async () => {
    const card = await associatedEuicc(eim, pki.dir, pki.pki, 'P-256', 4);
    const ctx = { binding: 'asn1' as const, remoteAddress: '127.0.0.1' };
    expect(await eim.service.getEimPackage({ eidValue: fromHex(card.eid) }, ctx)).toEqual({ eimPackageError: 1 });
    expect(ctx).toMatchObject({ idle: true });
    const unknown = { binding: 'asn1' as const, remoteAddress: '127.0.0.1' };
    expect(await eim.service.getEimPackage({ eidValue: fromHex('89049032123451234512345678901235') }, unknown)).toEqual({ eimPackageError: 2 });
    expect(unknown).not.toHaveProperty('idle');
  });

  it('an order not picked up before it expires is expired with a reason', async () => {
    const card = await associatedEuicc(eim, pki.dir, pki.pki, 'P-256', 2);
    const order = await createOrder(eim.deps, { eid: card.eid, request: { kind: 'euiccData', tags: ['bf20'] }, expiresAt: new Date(eim.clock.now.getTime() + 1000) });
    eim.clock.now = new Date(eim.clock.now.getTime() + 5000);
    try {
      expect(await poll(card)).toEqual({ eimPackageError: 1 });
      const expired = await orderOf(order.id);
      expect(expired.status).toBe('expired');
      expect(expired.error).toMatchObject({ code: 'ERR_EXPIRED' });
    } finally {
      eim.clock.now = new Date();
    }
  });

  it('notifyStateChange records the cause and queues a profile inventory refresh', async () => {
    const card = await associatedEuicc(eim, pki.dir, pki.pki, 'P-256', 3);
    const r = await poll(card, { notifyStateChange: null, stateChangeCause: 1 });
    const euicc = (await eim.deps.store.findEuiccByEid(card.eid))!;
    expect(euicc.inventoryStale).toBe(true);
    expect(euicc.lastStateChangeCause).toBe(1);
    // The certificate request comes first, then the refresh itself is queued behind it.
    expect(Object.keys(r)).toEqual(['ipaEuiccDataRequest']);
    const orders = await eim.deps.store.listOrders(euicc.id);
    expect(orders.map((o) => o.kind)).toContain('psmo');
  });
});
