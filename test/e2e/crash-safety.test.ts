// Crash safety (issue 5 §6): the eIM is killed with SIGKILL in the middle of a run and restarted on the
// same database; the run completes with every order accounted for, none lost and none executed twice.
// The devices (virtual eUICCs with a minimal IPA loop) talk ESipa ASN.1 over HTTPS to the eIM process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SGP32Definitions as S } from '../../src/asn1/index.ts';
import { fromHex } from '../../src/lib/bytes.ts';
import { createOrder } from '../../src/services/create-order.ts';
import { registerEuicc } from '../../src/services/register-euicc.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';
import { openDatabase } from '../../src/store/database.ts';
import { createStore } from '../../src/store/repositories.ts';
import { VirtualEuicc } from '../../simulators/euicc/euicc.ts';
import { createPostgresDatabase } from '../support/database.ts';
import { eimConfigFor, EIM_ID, signersOf, testPki, type TestPkiDir } from '../support/eim.ts';

const root = join(import.meta.dirname, '..', '..');
const DEVICES = 6;
const ORDERS_PER_DEVICE = 4;

let pki: TestPkiDir;
let dataDir: string;
let dbUrl: string | undefined;
let dropDb: (() => Promise<void>) | undefined;
let child: ChildProcess | undefined;

function env(): NodeJS.ProcessEnv {
  return { ...process.env, EIM_ID, EIM_DATA_DIR: dataDir, EIM_PKI_DIR: pki.dir, EIM_ESIPA_PORT: '0', EIM_API_PORT: '0', ...(dbUrl ? { DATABASE_URL: dbUrl } : { DATABASE_URL: '' }) };
}

/** Starts the eIM as a process and resolves with its ESipa URL. */
function startEim(): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/main.ts')], { cwd: root, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    child = p;
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the eIM did not start: ${out}`)), 60_000);
    p.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ESipa \(ASN\.1 binding\): (https:\/\/[^/\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) => {
      clearTimeout(timer);
      if (!out.includes('ESipa')) reject(new Error(`the eIM exited (${code}): ${out}`));
    });
  });
}

function esipa(url: string, body: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const u = new URL(url + '/gsma/rsp2/asn1');
    const req = request(
      { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/x-gsma-rsp-asn1', 'x-admin-protocol': 'gsma/rsp/v2.1.0' }, timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => (res.statusCode === 200 ? resolve(new Uint8Array(Buffer.concat(chunks))) : reject(new Error(`HTTP ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

interface Device {
  card: VirtualEuicc;
  /** A result the eIM has not acknowledged yet: sent again before polling (as an IPA keeps it). */
  pending?: S.ProvideEimPackageResult;
}

/** One IPA step; returns false when the eIM had nothing for the device. */
async function step(url: string, d: Device): Promise<boolean> {
  if (d.pending) {
    const r = S.EsipaMessageFromEimToIpa.decode(await esipa(url, S.EsipaMessageFromIpaToEim.encode({ provideEimPackageResult: d.pending })));
    if (!('provideEimPackageResultResponse' in r) || 'provideEimPackageResultError' in r.provideEimPackageResultResponse) throw new Error('result refused');
    d.pending = undefined;
    return true;
  }
  const r = S.EsipaMessageFromEimToIpa.decode(await esipa(url, S.EsipaMessageFromIpaToEim.encode({ getEimPackageRequest: { eidValue: fromHex(d.card.eid) } })));
  if (!('getEimPackageResponse' in r)) throw new Error('unexpected answer');
  const pkg = r.getEimPackageResponse;
  if ('eimPackageError' in pkg) return false;
  let result: S.EimPackageResult;
  if ('euiccPackageRequest' in pkg) result = { euiccPackageResult: S.EuiccPackageResult.decode(await d.card.loadEuiccPackage(S.EuiccPackageRequest.encode(pkg.euiccPackageRequest))) };
  else if ('ipaEuiccDataRequest' in pkg) result = { ipaEuiccDataResponse: S.IpaEuiccDataResponse.decode(d.card.ipaEuiccData(pkg.ipaEuiccDataRequest)) };
  else throw new Error('no downloads in this run');
  d.pending = { eidValue: fromHex(d.card.eid), eimPackageResult: result };
  return true;
}

beforeAll(async () => {
  pki = testPki(DEVICES);
  dataDir = mkdtempSync(join(tmpdir(), 'eim-crash-'));
  if (process.env.DATABASE_URL) {
    const created = await createPostgresDatabase(process.env.DATABASE_URL);
    dbUrl = created.url;
    dropDb = created.drop;
  }
}, 60_000);

afterAll(async () => {
  child?.kill('SIGKILL');
  await dropDb?.();
  rmSync(dataDir, { recursive: true, force: true });
  pki?.cleanup();
});

describe('crash safety', () => {
  it('kill -9 in the middle of a run: after a restart every order completes, none lost, none executed twice', async () => {
    // Set up devices and orders directly in the database the eIM will use, then close it.
    const database = await openDatabase(dbUrl ? { url: dbUrl } : { dataDir: join(dataDir, 'db') });
    const deps: ServiceDeps = {
      store: createStore(database.db),
      eim: { eimId: EIM_ID, signers: signersOf(pki.pki) },
      trustAnchors: pki.pki.trustAnchors,
      log: { info() {}, warn() {}, error() {} },
      now: () => new Date(),
      defaultOrderTtlMs: 3600_000,
    };
    const devices: Device[] = [];
    const signer = pki.pki.sets.find((s) => s.curve === 'P-256')!.roles.eimSign!.signer!;
    for (let i = 0; i < DEVICES; i++) {
      const card = VirtualEuicc.fromPki(pki.dir, { curve: 'P-256', euiccIndex: i });
      const r = await card.addInitialEim([eimConfigFor(signer)]);
      const token = 'addInitialEimOk' in r && 'associationToken' in r.addInitialEimOk[0]! ? Number(r.addInitialEimOk[0].associationToken) : undefined;
      await registerEuicc(deps, { eid: card.eid, ...(token !== undefined ? { associationToken: token } : {}) });
      for (let k = 0; k < ORDERS_PER_DEVICE; k++) {
        await createOrder(deps, { eid: card.eid, request: { kind: 'psmo', operations: [{ op: k % 2 ? 'getRAT' : 'listProfileInfo' }] } });
      }
      devices.push({ card });
    }
    await database.close();

    let url = await startEim();
    let steps = 0;
    let killed = false;
    const deadline = Date.now() + 150_000;
    for (;;) {
      let busy = false;
      for (const d of devices) {
        try {
          busy = (await step(url, d)) || busy;
          steps++;
        } catch {
          busy = true; // the eIM is down or restarting: the IPA retries
          await new Promise((r) => setTimeout(r, 100));
        }
        if (!killed && steps === 17) {
          child!.kill('SIGKILL');
          killed = true;
          await new Promise((r) => child!.once('exit', r));
          url = await startEim();
        }
      }
      if (!busy || Date.now() > deadline) break;
    }
    expect(killed).toBe(true);
    child!.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
    child = undefined;

    const check = await openDatabase(dbUrl ? { url: dbUrl } : { dataDir: join(dataDir, 'db') });
    try {
      const store = createStore(check.db);
      for (const d of devices) {
        const e = (await store.findEuiccByEid(d.card.eid))!;
        const orders = await store.listOrders(e.id);
        // Certificate request + the orders: all done, none retried (a re-executed package would show as a replay).
        expect(orders.map((o) => [o.kind, o.status, o.attempts])).toEqual([['euiccData', 'done', 0], ...Array.from({ length: ORDERS_PER_DEVICE }, () => ['psmo', 'done', 0])]);
        // The eUICC executed exactly one package per order (its stored results, one per counter value).
        expect(d.card.snapshot().packageResults.length).toBe(ORDERS_PER_DEVICE);
      }
    } finally {
      await check.close();
    }
  }, 240_000);
});
