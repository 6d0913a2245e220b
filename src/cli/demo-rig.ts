// What the demo starts in one process: a development PKI, the SM-DP+ simulator with one profile per
// activation code, the eIM (temporary data directory, embedded database, ports chosen by the OS) whose
// download relay reaches that SM-DP+, and the CSV of activation codes an operator would receive.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningEim, startEim } from '../app.ts';
import { tlv } from '../asn1/tlv.ts';
import { downloadRelay } from '../clients/download-relay.ts';
import { loadConfig } from '../config/config.ts';
import { writeTestPkiDirectory } from '../crypto/pki-directory.ts';
import { concatBytes } from '../lib/bytes.ts';
import type { Logger } from '../services/deps.ts';
import { testIccid } from '../../simulators/smdpp/catalogue.ts';
import { type SmdppHandle, startSmdpp } from '../../simulators/smdpp/server.ts';

/** The SM-DP+ address in the activation codes (an FQDN, as pool files require); the relay maps it to the simulator. */
export const DEMO_SMDP_ADDRESS = 'smdp.demo.example';

export interface DemoRig {
  dir: string;
  pkiDir: string;
  eim: RunningEim;
  smdp: SmdppHandle;
  adminKey: string;
  /** The pool file: iccid,smdpAddress,matchingId,operator. */
  codesCsv: string;
  close(): Promise<void>;
}

/** A stand-in profile package: profile-element-shaped TLVs, a few BSP segments long. */
function demoProfile(seed: number): Uint8Array {
  const body = Uint8Array.from({ length: 2000 }, (_, i) => (i * 31 + seed) & 0xff);
  return concatBytes(tlv([0xa0], Uint8Array.of(0x80, 0x01, seed & 0xff)), tlv([0xa1], body));
}

const errorsOnly = (write: (line: string) => void): Logger => ({ info() {}, warn() {}, error: (msg, data) => write(`eIM error: ${msg} ${data ? JSON.stringify(data) : ''}`) });

export async function startDemoRig(devices: number, log: (line: string) => void): Promise<DemoRig> {
  const dir = mkdtempSync(join(tmpdir(), 'eim-demo-'));
  const closers: (() => Promise<void>)[] = [async () => rmSync(dir, { recursive: true, force: true })];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    const pkiDir = join(dir, 'pki');
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeTestPkiDirectory(pkiDir, { curve: 'both', euiccs: devices });
    const catalogue = Array.from({ length: devices }, (_, i) => ({
      matchingId: `DEMO-${String(i + 1).padStart(4, '0')}`,
      iccid: testIccid(),
      profile: demoProfile(i + 1),
      profileName: `Demo profile ${i + 1}`,
      serviceProviderName: 'Demo Mobile',
      profileClass: 'operational' as const,
    }));
    const smdp = await startSmdpp({ pki: pkiDir, address: DEMO_SMDP_ADDRESS, catalogue });
    closers.push(() => smdp.close());
    const codesCsv = join(dir, 'codes.csv');
    writeFileSync(codesCsv, ['iccid,smdpAddress,matchingId,operator', ...catalogue.map((p) => `${p.iccid},${DEMO_SMDP_ADDRESS},${p.matchingId},Demo Mobile`)].join('\n') + '\n');
    // The demo always runs on its own embedded database, whatever DATABASE_URL says.
    const base = loadConfig({});
    const eim = await startEim(
      {
        ...base,
        eimId: 'eim.demo.example',
        eimFqdn: 'localhost',
        esipa: { ...base.esipa, port: 0 },
        api: { ...base.api, port: 0, rateLimitPerSecond: 10_000, rateLimitBurst: 10_000 },
        dataDir: join(dir, 'data'),
        databaseUrl: undefined,
        pkiDir,
      },
      { log: errorsOnly(log), relay: downloadRelay({ servers: { [DEMO_SMDP_ADDRESS]: { url: smdp.url, servername: 'localhost' } } }) },
    );
    closers.push(() => eim.close());
    if (!eim.firstAdminKey) throw new Error('the demo eIM did not create an admin key');
    return { dir, pkiDir, eim, smdp, adminKey: eim.firstAdminKey.key, codesCsv, close };
  } catch (e) {
    await close();
    throw e;
  }
}
