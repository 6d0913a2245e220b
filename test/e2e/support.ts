// The end-to-end rig (GitHub issue 5 §7): a real eIM (startEim: PKI, database, services, ESipa over HTTPS
// on loopback), the SM-DP+ simulator, and devices made of a virtual eUICC and the IPA simulator. One rig
// per test file (a PGlite start costs a few seconds); the database follows DATABASE_URL.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { count } from 'drizzle-orm';
import { type RunningEim, type StartOptions, startEim } from '../../src/app.ts';
import { downloadRelay } from '../../src/clients/download-relay.ts';
import { type EimConfig, loadConfig } from '../../src/config/config.ts';
import type { Curve } from '../../src/crypto/engine.ts';
import { writeTestPkiDirectory } from '../../src/crypto/pki-directory.ts';
import { associationMaterial } from '../../src/services/association.ts';
import { silentLogger } from '../../src/services/deps.ts';
import { registerEuicc } from '../../src/services/register-euicc.ts';
import * as schema from '../../src/store/schema.ts';
import { trustedCaPem } from '../../simulators/common/tls.ts';
import { VirtualEuicc } from '../../simulators/euicc/euicc.ts';
import { IpaSimulator, type IpaSimulatorOptions, type PollResult } from '../../simulators/ipa/index.ts';
import { type SmdppHandle, startSmdpp } from '../../simulators/smdpp/server.ts';
import { createPostgresDatabase } from '../support/database.ts';

export type Binding = 'asn1' | 'json';
export const BINDINGS: Binding[] = ['asn1', 'json'];

export interface Rig {
  eim: RunningEim;
  smdp: SmdppHandle;
  pkiDir: string;
  /** PEM trusted for the eIM's and the SM-DP+'s TLS certificates (the test PKI's CIs). */
  ca: string;
  close(): Promise<void>;
}

export interface Device {
  card: VirtualEuicc;
  ipa: IpaSimulator;
  eid: string;
}

export async function startRig(options: { euiccs?: number; start?: StartOptions } = {}): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'eim-e2e-'));
  mkdirSync(join(dir, 'data'), { recursive: true });
  const pkiDir = join(dir, 'pki');
  writeTestPkiDirectory(pkiDir, { curve: 'both', euiccs: options.euiccs ?? 12 });
  const pg = process.env.DATABASE_URL ? await createPostgresDatabase(process.env.DATABASE_URL) : undefined;
  const base = loadConfig({});
  const config: EimConfig = {
    ...base,
    eimId: 'eim.e2e.test',
    eimFqdn: 'localhost',
    esipa: { ...base.esipa, host: '127.0.0.1', port: 0, tls: true },
    api: { ...base.api, host: '127.0.0.1', port: 0 },
    dataDir: join(dir, 'data'),
    databaseUrl: pg?.url,
    pkiDir,
  };
  const smdp = await startSmdpp({ pki: pkiDir });
  // The indirect download relay (ES9+ to the SM-DP+ simulator, SGP.32 v1.2 §3.2.3), as src/main.ts wires it.
  const relay = downloadRelay({ servers: { [smdp.address]: { url: smdp.url, servername: 'localhost' } } });
  const eim = await startEim(config, { log: silentLogger, lastSeenFlushMs: 0, relay, ...(options.start ?? {}) });
  return {
    eim,
    smdp,
    pkiDir,
    ca: trustedCaPem(eim.pki),
    async close() {
      await smdp.close();
      await eim.close();
      await pg?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A device as an operator provisions it: the eIM's association material (AddInitialEim) on a fresh virtual
 * eUICC, the eUICC registered in the eIM with the token it returned, and an IPA polling over `binding`.
 */
export async function newDevice(rig: Rig, curve: Curve, euiccIndex: number, binding: Binding, ipa: Partial<IpaSimulatorOptions> = {}): Promise<Device> {
  const card = VirtualEuicc.fromPki(rig.pkiDir, { curve, euiccIndex });
  const signer = rig.eim.deps.eim.signers[curve]!;
  const material = associationMaterial({ eimId: rig.eim.config.eimId, eimFqdn: rig.eim.config.eimFqdn, signer });
  const r = await card.addInitialEim([material.eimConfigurationData]);
  if (!('addInitialEimOk' in r)) throw new Error(`AddInitialEim refused: ${JSON.stringify(r)}`);
  const first = r.addInitialEimOk[0]!;
  const token = 'associationToken' in first ? Number(first.associationToken) : undefined;
  await registerEuicc(rig.eim.deps, { eid: card.eid, curve, counterValue: 0, ...(token !== undefined ? { associationToken: token } : {}) });
  const sim = new IpaSimulator({ card, eimUrl: rig.eim.esipa.url, binding, ca: rig.ca, smdp: { ca: rig.smdp.ca, url: () => rig.smdp.url }, retry: { attempts: 1 }, ...ipa });
  return { card, ipa: sim, eid: card.eid };
}

/** Polls until the eIM has nothing more (at most `max` packages); returns every poll. */
export async function drain(ipa: IpaSimulator, max = 10): Promise<PollResult[]> {
  const out: PollResult[] = [];
  for (let i = 0; i <= max; i++) {
    const r = await ipa.pollOnce();
    out.push(r);
    if (r.package === 'none' || r.package === 'eimPackageError') return out;
  }
  throw new Error(`still packages after ${max} polls`);
}

/** Row counts of the tables a malformed request must not touch. */
export async function rowCounts(rig: Rig): Promise<Record<string, number>> {
  const db = rig.eim.database.db;
  const tables = { euiccs: schema.euiccs, orders: schema.orders, packages: schema.packages, results: schema.results, notifications: schema.notifications, profiles: schema.profiles };
  const out: Record<string, number> = {};
  for (const [name, table] of Object.entries(tables)) out[name] = Number((await db.select({ n: count() }).from(table))[0]!.n);
  return out;
}
