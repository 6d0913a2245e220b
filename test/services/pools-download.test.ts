// A pool's codes downloaded for real (issue 6 §2): the group's virtual eUICCs take their download triggers,
// the eIM relays the download to the SM-DP+ simulator over HTTPS, the profiles are installed, the codes
// follow their orders, and enable-after-install enables the new profiles on the eUICCs. A download the
// SM-DP+ refuses leaves its code failed. PGlite, or PostgreSQL with DATABASE_URL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SGP32Definitions as S } from '../../src/asn1/index.ts';
import { trustAnchorsPem } from '../../src/clients/download-relay.ts';
import { HttpsRspClient } from '../../src/clients/rsp-client.ts';
import { fromHex } from '../../src/lib/bytes.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';
import { DownloadRelayService, withDownloadRelay } from '../../src/services/download-relay.ts';
import { EimService } from '../../src/services/eim-service.ts';
import type { EsipaFunctions } from '../../src/services/esipa-functions.ts';
import { createGroup } from '../../src/services/groups.ts';
import { importCodes } from '../../src/services/import-pool.ts';
import { assignPool } from '../../src/services/pool-assignments.ts';
import { createPool, listCodes } from '../../src/services/pools.ts';
import { reconcileAssignments } from '../../src/services/reconcile-assignments.ts';
import type { Database } from '../../src/store/database.ts';
import { createStore } from '../../src/store/repositories.ts';
import type { VirtualEuicc } from '../../simulators/euicc/euicc.ts';
import { type SmdppHandle, startSmdpp } from '../../simulators/smdpp/server.ts';
import { openTestDatabase } from '../support/database.ts';
import { associatedEuicc, EIM_ID, signersOf, type TestEim, testPki } from '../support/eim.ts';
import { iccidFor } from '../support/pools.ts';
import { sampleProfile } from '../simulators/smdpp/fixtures.ts';
import { IPA_CTX, TestIpa } from './relay-ipa.ts';

const t = testPki(4);
let database: Database;
let deps: ServiceDeps;
let relay: DownloadRelayService;
let service: EimService;
let eim: EsipaFunctions;
let smdp: SmdppHandle;
const T = 'default';

beforeAll(async () => {
  smdp = await startSmdpp({ pki: t.pki });
  database = await openTestDatabase();
  deps = {
    store: createStore(database.db),
    eim: { eimId: EIM_ID, signers: signersOf(t.pki) },
    trustAnchors: t.pki.trustAnchors,
    log: { info() {}, warn() {}, error() {} },
    now: () => new Date(),
    defaultOrderTtlMs: 24 * 3600_000,
  };
  const client = new HttpsRspClient({ ca: trustAnchorsPem(t.pki), log: deps.log, timeoutMs: 5000 });
  client.configure(smdp.address, { binding: 'json' });
  relay = new DownloadRelayService(deps, client, { forwarder: { intervalMs: 0, backoffMs: 10 } });
  service = new EimService(deps, relay, { lastSeenFlushMs: 0 });
  eim = withDownloadRelay(service, relay);
}, 60_000);
afterAll(async () => {
  await relay?.close();
  await service?.close();
  await database?.close();
  await smdp?.close();
  t.cleanup();
});

const codes = async (pool: string) => (await listCodes(deps, T, pool, { limit: 100 })).items;
const codeEvents = async (id: number) => (await deps.store.listEvents(T, 0, 100_000)).filter((e) => e.subjectType === 'code' && e.subjectId === String(id)).map((e) => e.type);

/** An IPA running the eUICC packages queued for its eUICC (the enable after install). */
async function runEuiccPackages(card: VirtualEuicc): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const pkg = S.GetEimPackageResponse.decode(S.GetEimPackageResponse.encode(await eim.getEimPackage({ eidValue: fromHex(card.eid) }, IPA_CTX)));
    let result: S.EimPackageResult;
    if ('euiccPackageRequest' in pkg) result = { euiccPackageResult: S.EuiccPackageResult.decode(await card.loadEuiccPackage(S.EuiccPackageRequest.encode(pkg.euiccPackageRequest))) };
    else if ('ipaEuiccDataRequest' in pkg) result = { ipaEuiccDataResponse: S.IpaEuiccDataResponse.decode(card.ipaEuiccData(pkg.ipaEuiccDataRequest)) };
    else return;
    await eim.provideEimPackageResult({ eidValue: fromHex(card.eid), eimPackageResult: result }, IPA_CTX);
  }
}

describe('pool codes downloaded through the eIM', () => {
  it('each member downloads the profile of its code; codes become installed, then the profiles are enabled', async () => {
    const cards: VirtualEuicc[] = [];
    for (let i = 0; i < 2; i++) {
      cards.push(await associatedEuicc({ deps } as TestEim, t.dir, t.pki, 'P-256', i));
      await smdp.addProfile({ matchingId: `E2E-${i}`, profile: sampleProfile(i + 1, 2000), iccid: iccidFor(500 + i) });
    }
    const pool = (await createPool(deps, T, 'e2e')).id;
    const csv = ['smdpAddress,matchingId,iccid', ...[0, 1].map((i) => `${smdp.address},E2E-${i},${iccidFor(500 + i)}`)].join('\n');
    expect((await importCodes(deps, T, pool, csv, 'all-or-nothing')).imported).toBe(2);
    const group = await createGroup(deps, T, { name: 'e2e', kind: 'static', eids: cards.map((c) => c.eid) });
    expect((await assignPool(deps, T, pool, { groupId: group.id, enableAfterInstall: true })).reconcile.reserved).toBe(2);

    for (const [i, card] of cards.entries()) {
      const ipa = new TestIpa(eim, card);
      const trigger = await ipa.trigger();
      expect(trigger.profileDownloadData).toEqual({ activationCode: smdp.activationCode(`E2E-${i}`) });
      expect((await codes(pool))[i]!.state).toBe('downloading');
      await ipa.download(trigger.eimTransactionId, { smdpAddress: smdp.address });
      const code = (await codes(pool))[i]!;
      expect(code).toMatchObject({ state: 'installed', iccid: iccidFor(500 + i), euiccId: (await deps.store.findEuiccByEid(card.eid))!.id });
      expect(await codeEvents(code.id)).toEqual(['code.reserved', 'code.downloading', 'code.installed']);
    }

    expect((await reconcileAssignments(deps, T)).enables).toBe(2);
    for (const [i, card] of cards.entries()) {
      await runEuiccPackages(card);
      const euicc = (await deps.store.findEuiccByEid(card.eid))!;
      expect((await deps.store.listProfiles(euicc.id)).find((p) => p.iccid === iccidFor(500 + i))?.state).toBe('enabled');
      expect(card.snapshot().profiles.filter((p) => p.state === 'enabled')).toHaveLength(1);
    }
  }, 60_000);

  it('a download the SM-DP+ refuses leaves its code failed, and the device is not given another code', async () => {
    const card = await associatedEuicc({ deps } as TestEim, t.dir, t.pki, 'P-256', 2);
    await smdp.addProfile({ matchingId: 'E2E-REFUSED', profile: sampleProfile(9, 1000), iccid: iccidFor(600) });
    const pool = (await createPool(deps, T, 'refused')).id;
    await importCodes(deps, T, pool, `smdpAddress,matchingId\n${smdp.address},E2E-REFUSED\n${smdp.address},E2E-SPARE\n`, 'all-or-nothing');
    const group = await createGroup(deps, T, { name: 'refused', kind: 'static', eids: [card.eid] });
    await assignPool(deps, T, pool, { groupId: group.id, enableAfterInstall: false });
    const ipa = new TestIpa(eim, card);
    const trigger = await ipa.trigger();
    smdp.script({ function: 'authenticateClient', error: 'matchingIdRefused' });
    await ipa.download(trigger.eimTransactionId, { smdpAddress: smdp.address }).catch(() => undefined);
    const [refused, spare] = await codes(pool);
    expect(refused).toMatchObject({ state: 'failed', matchingId: 'E2E-REFUSED' });
    expect((await deps.store.findOrder(refused!.orderId!))!.status).toBe('failed');
    expect(await reconcileAssignments(deps, T)).toMatchObject({ reserved: 0 });
    expect(spare!.state).toBe('available');
  }, 60_000);
});
