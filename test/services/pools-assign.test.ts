// Assigning an activation-code pool to a group (issue 6 §2), in process: members get a code and a
// download order, the codes follow their orders, enable-after-install runs on a virtual eUICC, new members
// are served, unassigning disables and deletes the profiles and retires or releases the codes, and two
// reconcilers racing never hand out a code twice. PGlite, or PostgreSQL with DATABASE_URL.
import { beforeAll, describe, expect, it } from 'vitest';
import { SGP32Definitions as S } from '../../src/asn1/index.ts';
import { iccidToBytes } from '../../src/domain/identifiers.ts';
import { fromHex } from '../../src/lib/bytes.ts';
import { updateOrder } from '../../src/services/events.ts';
import { changeMembers, createGroup } from '../../src/services/groups.ts';
import { importCodes } from '../../src/services/import-pool.ts';
import { applyInventory } from '../../src/services/package-results.ts';
import { assignPool, assignmentStatus, unassignPool } from '../../src/services/pool-assignments.ts';
import { createPool, listCodes, retireCode } from '../../src/services/pools.ts';
import { reconcileAssignments } from '../../src/services/reconcile-assignments.ts';
import type { VirtualEuicc } from '../../simulators/euicc/euicc.ts';
import { associatedEuicc, type TestEim, type TestPkiDir, useTestEim } from '../support/eim.ts';
import { iccidFor, intuneCsv, SMDP } from '../support/pools.ts';

let pki: TestPkiDir;
let eim: TestEim;
let cards: VirtualEuicc[];
const T = 'default';

useTestEim(4, (p, e) => {
  pki = p;
  eim = e;
});
beforeAll(async () => {
  cards = [];
  for (let i = 0; i < 3; i++) cards.push(await associatedEuicc(eim, pki.dir, pki.pki, 'P-256', i));
}, 120_000);

const euiccOf = async (card: VirtualEuicc) => (await eim.deps.store.findEuiccByEid(card.eid))!;
const codesOf = async (pool: string) => (await listCodes(eim.deps, T, pool, { limit: 100 })).items;
const codeEvents = async (codeId: number) => (await eim.deps.store.listEvents(T, 0, 100_000)).filter((e) => e.subjectType === 'code' && e.subjectId === String(codeId)).map((e) => e.type);

/** What an IPA does: fetch each package and run eUICC packages on the virtual eUICC; returns the download triggers seen. */
async function runPackages(card: VirtualEuicc): Promise<S.ProfileDownloadTriggerRequest[]> {
  const triggers: S.ProfileDownloadTriggerRequest[] = [];
  for (let i = 0; i < 10; i++) {
    const pkg = await eim.service.getEimPackage({ eidValue: fromHex(card.eid) });
    if ('eimPackageError' in pkg) return triggers;
    if ('profileDownloadTriggerRequest' in pkg) {
      triggers.push(pkg.profileDownloadTriggerRequest);
      return triggers; // answered later, by completeDownload
    }
    let result: S.EimPackageResult;
    if ('euiccPackageRequest' in pkg) {
      const der = S.GetEimPackageResponse.encode(pkg).subarray(4);
      result = { euiccPackageResult: S.EuiccPackageResult.decode(await card.loadEuiccPackage(der)) };
    } else {
      const req = S.GetEimPackageResponse.decode(S.GetEimPackageResponse.encode(pkg)) as { ipaEuiccDataRequest: S.IpaEuiccDataRequest };
      result = { ipaEuiccDataResponse: S.IpaEuiccDataResponse.decode(card.ipaEuiccData(req.ipaEuiccDataRequest)) };
    }
    await eim.service.provideEimPackageResult({ eidValue: fromHex(card.eid), eimPackageResult: result });
  }
  return triggers;
}

/**
 * The download ends as the eIM records it after a ProfileInstallationResult (installationDone): the profile
 * joins the inventory and the order is done with { iccid, isdpAid }. The virtual eUICC gets the profile too,
 * so the PSMOs that follow run against it for real.
 */
async function completeDownload(card: VirtualEuicc, orderId: string, iccid: string): Promise<void> {
  const aid = card.preloadProfile({ metadata: { iccid: iccidToBytes(iccid), serviceProviderName: 'Pool op', profileName: iccid, profileClass: 2 } });
  const euicc = await euiccOf(card);
  await eim.deps.store.transaction(async (tx) => {
    await applyInventory(tx, euicc.id, [{ kind: 'upsert', profiles: [{ iccid, isdpAid: null, state: 'disabled', profileClass: null, profileName: null, serviceProviderName: null, nickname: null, fallbackAttribute: false }] }]);
    await tx.closePackages(orderId, 'answered');
    await updateOrder(tx, orderId, { status: 'done', completedAt: eim.deps.now(), outcome: { iccid, isdpAid: Buffer.from(aid).toString('hex') } });
  });
}

describe('pool assignment', () => {
  let pool: string;
  let group: string;
  let assignmentId: string;

  it('assigning a pool reserves one code per member and queues a download order carrying its activation code', async () => {
    pool = (await createPool(eim.deps, T, 'fleet codes')).id;
    await importCodes(eim.deps, T, pool, intuneCsv([1, 2, 3, 4, 5].map((i) => [iccidFor(i), `POOL-${i}`])), 'all-or-nothing');
    group = (await createGroup(eim.deps, T, { name: 'trucks', kind: 'static', eids: [cards[0]!.eid, cards[1]!.eid] })).id;
    const { assignment, reconcile } = await assignPool(eim.deps, T, pool, { groupId: group, enableAfterInstall: true });
    assignmentId = assignment.id;
    expect(reconcile).toMatchObject({ reserved: 2, unserved: 0, errors: 0 });
    const codes = await codesOf(pool);
    expect(codes.map((c) => c.state)).toEqual(['reserved', 'reserved', 'available', 'available', 'available']);
    for (const [i, card] of cards.slice(0, 2).entries()) {
      const code = codes[i]!;
      expect(code.euiccId).toBe((await euiccOf(card)).id);
      const order = (await eim.deps.store.findOrder(code.orderId!))!;
      expect(order).toMatchObject({ kind: 'download', status: 'queued', activationCodeId: code.id, request: { kind: 'download', activationCode: `1$${SMDP}$POOL-${i + 1}` } });
    }
    // Running it again changes nothing: every member is served.
    expect(await reconcileAssignments(eim.deps, T)).toMatchObject({ reserved: 0 });
  });

  it('codes follow their orders: delivered → downloading, done → installed; enable-after-install runs on the eUICC', async () => {
    for (const [i, card] of cards.slice(0, 2).entries()) {
      const [trigger] = await runPackages(card);
      expect(trigger).toBeDefined();
      let code = (await codesOf(pool))[i]!;
      expect(code.state).toBe('downloading');
      await completeDownload(card, code.orderId!, iccidFor(i + 1));
      code = (await codesOf(pool))[i]!;
      expect(code.state).toBe('installed');
      expect(await codeEvents(code.id)).toEqual(['code.reserved', 'code.downloading', 'code.installed']);
    }
    const r = await reconcileAssignments(eim.deps, T);
    expect(r.enables).toBe(2);
    for (const [i, card] of cards.slice(0, 2).entries()) {
      await runPackages(card);
      const profiles = await eim.deps.store.listProfiles((await euiccOf(card)).id);
      expect(profiles.find((p) => p.iccid === iccidFor(i + 1))?.state).toBe('enabled');
      const code = (await codesOf(pool))[i]!;
      expect((await eim.deps.store.findOrder(code.orderId!))!).toMatchObject({ kind: 'psmo', status: 'done' });
    }
    expect((await reconcileAssignments(eim.deps, T)).enables).toBe(0);
  });

  it('a member joining the group is served; a failed download leaves the code failed until the operator retires it', async () => {
    await changeMembers(eim.deps, T, group, { add: [cards[2]!.eid] });
    expect((await reconcileAssignments(eim.deps, T)).reserved).toBe(1);
    const euicc = await euiccOf(cards[2]!);
    let code = (await codesOf(pool)).find((c) => c.euiccId === euicc.id)!;
    expect(code).toMatchObject({ state: 'reserved', matchingId: 'POOL-3' });
    await runPackages(cards[2]!);
    await eim.deps.store.transaction(async (tx) => {
      await tx.closePackages(code.orderId!, 'answered');
      await updateOrder(tx, code.orderId!, { status: 'failed', completedAt: eim.deps.now(), error: { code: 'ERR_DOWNLOAD', message: 'the IPA could not download the profile' } });
    });
    code = (await codesOf(pool)).find((c) => c.id === code.id)!;
    expect(code.state).toBe('failed');
    // The failed code still stands for the device: it is not given another one behind the operator's back.
    expect((await reconcileAssignments(eim.deps, T)).reserved).toBe(0);
    await retireCode(eim.deps, T, pool, code.id);
    expect(await codeEvents(code.id)).toEqual(['code.reserved', 'code.downloading', 'code.failed', 'code.retired']);
    expect((await reconcileAssignments(eim.deps, T)).reserved).toBe(1);
    expect((await codesOf(pool)).find((c) => c.euiccId === euicc.id && c.state === 'reserved')?.matchingId).toBe('POOL-4');
  });

  it('shows per member the code held and its latest order', async () => {
    const s = await assignmentStatus(eim.deps, T, pool, assignmentId, { limit: 10 });
    expect(s.members.map((m) => [m.eid, m.code?.state, m.order?.kind, m.order?.status])).toEqual([
      [cards[0]!.eid, 'installed', 'psmo', 'done'],
      [cards[1]!.eid, 'installed', 'psmo', 'done'],
      [cards[2]!.eid, 'reserved', 'download', 'queued'],
    ]);
  });

  it('unassigning queues disable and delete for installed profiles and retires their codes; a code never downloaded is released', async () => {
    const r = await unassignPool(eim.deps, T, pool, assignmentId);
    expect(r).toMatchObject({ members: 3, retired: 2, released: 1, ordersQueued: 2, errors: 0 });
    const codes = await codesOf(pool);
    expect(codes.map((c) => c.state)).toEqual(['retired', 'retired', 'retired', 'available', 'available']);
    expect(codes[3]).toMatchObject({ euiccId: null, orderId: null });
    expect((await codeEvents(codes[3]!.id)).slice(-2)).toEqual(['code.reserved', 'code.released']);
    for (const [i, card] of cards.slice(0, 2).entries()) {
      const order = (await eim.deps.store.findOrder(codes[i]!.orderId!))!;
      expect(order.request).toEqual({ kind: 'psmo', operations: [{ op: 'disable', iccid: iccidFor(i + 1) }, { op: 'delete', iccid: iccidFor(i + 1) }] });
      await runPackages(card);
      expect((await eim.deps.store.findOrder(order.id))!.status).toBe('done');
      expect((await eim.deps.store.listProfiles((await euiccOf(card)).id)).some((p) => p.iccid === iccidFor(i + 1))).toBe(false);
    }
    // The unassigned pool serves nobody any more.
    expect(await reconcileAssignments(eim.deps, T)).toMatchObject({ assignments: 0, reserved: 0 });
    const types = (await eim.deps.store.listEvents(T, 0, 100_000)).map((e) => e.type);
    for (const t of ['pool.created', 'pool.imported', 'pool.assigned', 'pool.unassigned', 'code.reserved', 'code.downloading', 'code.installed', 'code.failed', 'code.released', 'code.retired']) expect(types).toContain(t);
  });
});
