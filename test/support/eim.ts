// An eIM core (services on a test database) and a virtual eUICC associated with it, for in-process tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PKIX1Explicit88 as X, SGP32Definitions as S } from '../../src/asn1/index.ts';
import type { Curve } from '../../src/crypto/engine.ts';
import { loadPkiDirectory, writeTestPkiDirectory, type LoadedPki } from '../../src/crypto/pki-directory.ts';
import type { Signer } from '../../src/crypto/signer.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';
import { EimService } from '../../src/services/eim-service.ts';
import { registerEuicc } from '../../src/services/register-euicc.ts';
import type { Database } from '../../src/store/database.ts';
import { createStore } from '../../src/store/repositories.ts';
import { VirtualEuicc } from '../../simulators/euicc/euicc.ts';
import { openTestDatabase } from './database.ts';

export const EIM_ID = 'eim.test.example';

export interface TestPkiDir {
  dir: string;
  pki: LoadedPki;
  cleanup(): void;
}

export function testPki(euiccs = 4): TestPkiDir {
  const dir = mkdtempSync(join(tmpdir(), 'eim-test-'));
  writeTestPkiDirectory(join(dir, 'pki'), { curve: 'both', euiccs });
  return { dir: join(dir, 'pki'), pki: loadPkiDirectory(join(dir, 'pki')), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function signersOf(pki: LoadedPki): Partial<Record<Curve, Signer>> {
  const out: Partial<Record<Curve, Signer>> = {};
  for (const s of pki.sets) if (s.roles.eimSign?.signer) out[s.curve] = s.roles.eimSign.signer;
  return out;
}

export interface TestEim {
  database: Database;
  deps: ServiceDeps;
  service: EimService;
  /** Moves the clock used by the services. */
  clock: { now: Date };
  close(): Promise<void>;
}

export async function startTestEim(pki: LoadedPki): Promise<TestEim> {
  const database = await openTestDatabase();
  const clock = { now: new Date() };
  const deps: ServiceDeps = {
    store: createStore(database.db),
    eim: { eimId: EIM_ID, signers: signersOf(pki) },
    trustAnchors: pki.trustAnchors,
    log: { info() {}, warn() {}, error() {} },
    now: () => clock.now,
    defaultOrderTtlMs: 24 * 3600_000,
  };
  const service = new EimService(deps, undefined, { lastSeenFlushMs: 0 });
  return {
    database,
    deps,
    service,
    clock,
    async close() {
      await service.close();
      await database.close();
    },
  };
}

/**
 * A test PKI with `euiccs` eUICCs per curve and a test eIM on it for the whole file: started before the
 * file's tests (hooks registered after this one run after it), closed and removed after them. `ready`
 * hands both to the file's variables.
 */
export function useTestEim(euiccs: number, ready: (pki: TestPkiDir, eim: TestEim) => void): void {
  let pki: TestPkiDir | undefined;
  let eim: TestEim | undefined;
  beforeAll(async () => {
    pki = testPki(euiccs);
    eim = await startTestEim(pki.pki);
    ready(pki, eim);
  }, 60_000);
  afterAll(async () => {
    await eim?.close();
    pki?.cleanup();
  });
}

/** The EimConfigurationData an operator provisions on a device for this eIM (AddInitialEim). */
export function eimConfigFor(signer: Signer, counterValue = 0): S.EimConfigurationData {
  return {
    eimId: EIM_ID,
    eimFqdn: 'eim.test.example',
    eimIdType: 2,
    counterValue,
    associationToken: 0,
    eimPublicKeyData: { eimPublicKey: X.SubjectPublicKeyInfo.decode(signer.publicKey.spki) },
    eimSupportedProtocol: ['eimRetrieveHttps'],
  };
}

/** A virtual eUICC of the PKI on `curve`, associated with the test eIM and registered in it. */
export async function associatedEuicc(eim: TestEim, pkiDir: string, pki: LoadedPki, curve: Curve, euiccIndex: number): Promise<VirtualEuicc> {
  const card = VirtualEuicc.fromPki(pkiDir, { curve, euiccIndex });
  const signer = pki.sets.find((s) => s.curve === curve)!.roles.eimSign!.signer!;
  const r = await card.addInitialEim([eimConfigFor(signer)]);
  if (!('addInitialEimOk' in r)) throw new Error('AddInitialEim failed');
  const first = r.addInitialEimOk[0]!;
  const token = 'associationToken' in first ? Number(first.associationToken) : undefined;
  await registerEuicc(eim.deps, { eid: card.eid, curve, counterValue: 0, ...(token !== undefined ? { associationToken: token } : {}) });
  return card;
}
