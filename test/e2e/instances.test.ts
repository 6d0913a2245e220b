// Several eIM instances on one PostgreSQL database (GitHub issue 7 §4): two eIM processes, devices
// polling either one at random while orders keep arriving. No package leaves twice as a first delivery,
// no counter value is reused or goes backwards, no order is lost. PostgreSQL only: PGlite is one process's
// database, so without DATABASE_URL the suite is skipped.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SGP32Definitions as S } from '../../src/asn1/index.ts';
import { fromHex } from '../../src/lib/bytes.ts';
import { createOrder } from '../../src/services/create-order.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';
import { registerEuicc } from '../../src/services/register-euicc.ts';
import { openDatabase, type Database } from '../../src/store/database.ts';
import { createStore } from '../../src/store/repositories.ts';
import { VirtualEuicc } from '../../simulators/euicc/euicc.ts';
import { EsipaLink } from '../../bench/device-fleet.ts';
import { createPostgresDatabase } from '../support/database.ts';
import { eimConfigFor, EIM_ID, signersOf, testPki, type TestPkiDir } from '../support/eim.ts';

const root = join(import.meta.dirname, '..', '..');
const DEVICES = 6;
const ORDERS_BEFORE = 4;
const ORDERS_DURING = 4;
const postgres = process.env.DATABASE_URL;
if (!postgres) console.log('instances.test.ts: skipped, two eIM instances need one PostgreSQL database (set DATABASE_URL)');

let pki: TestPkiDir;
let dataDir: string;
let dbUrl: string;
let drop: (() => Promise<void>) | undefined;
let database: Database | undefined;
const children: ChildProcess[] = [];

function startInstance(n: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, EIM_ID, EIM_DATA_DIR: join(dataDir, `eim${n}`), EIM_PKI_DIR: pki.dir, EIM_ESIPA_PORT: '0', EIM_API_PORT: '0', DATABASE_URL: dbUrl };
    const p = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/main.ts')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(p);
    let out = '';
    const timer = setTimeout(() => reject(new Error(`eIM ${n} did not start: ${out}`)), 60_000);
    p.stdout!.on('data', (d: Buffer) => {
      if (out.length < 100_000) out += d.toString();
      const m = /ESipa \(ASN\.1 binding\): (https:\/\/[^/\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`eIM ${n} exited (${code}): ${out}`));
    });
  });
}

/** The device's IPA: runs every package it gets (each request to a random instance) until told there is none. */
async function drain(card: VirtualEuicc, pick: () => EsipaLink): Promise<number> {
  let executed = 0;
  for (;;) {
    const eidValue = fromHex(card.eid);
    const r = await pick().send({ getEimPackageRequest: { eidValue } });
    if (!('getEimPackageResponse' in r)) throw new Error('unexpected answer');
    const pkg = r.getEimPackageResponse;
    if ('eimPackageError' in pkg) return executed;
    if (!('euiccPackageRequest' in pkg)) throw new Error('only eUICC packages in this test');
    const result = S.EuiccPackageResult.decode(await card.loadEuiccPackage(S.EuiccPackageRequest.encode(pkg.euiccPackageRequest)));
    const a = await pick().send({ provideEimPackageResult: { eidValue, eimPackageResult: { euiccPackageResult: result } } });
    if (!('provideEimPackageResultResponse' in a) || !('eimAcknowledgements' in a.provideEimPackageResultResponse)) throw new Error('result refused');
    executed++;
  }
}

beforeAll(async () => {
  if (!postgres) return;
  pki = testPki(DEVICES);
  dataDir = mkdtempSync(join(tmpdir(), 'eim-instances-'));
  const created = await createPostgresDatabase(postgres);
  dbUrl = created.url;
  drop = created.drop;
  database = await openDatabase({ url: dbUrl, poolSize: 4 });
}, 60_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await database?.close();
  await drop?.();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  pki?.cleanup();
});

describe.skipIf(!postgres)('two eIM instances on one PostgreSQL database', () => {
  it('devices polling either instance at random: every order done once, counters strictly increasing, nothing delivered twice', async () => {
    const set = pki.pki.sets.find((s) => s.curve === 'P-256')!;
    const deps: ServiceDeps = {
      store: createStore(database!.db),
      eim: { eimId: EIM_ID, signers: signersOf(pki.pki) },
      trustAnchors: pki.pki.trustAnchors,
      log: { info() {}, warn() {}, error() {} },
      now: () => new Date(),
      defaultOrderTtlMs: 3600_000,
    };
    const cards: VirtualEuicc[] = [];
    for (let i = 0; i < DEVICES; i++) {
      const card = VirtualEuicc.fromPki(pki.dir, { curve: 'P-256', euiccIndex: i });
      const r = await card.addInitialEim([eimConfigFor(set.roles.eimSign!.signer!)]);
      const token = 'addInitialEimOk' in r && 'associationToken' in r.addInitialEimOk[0]! ? Number(r.addInitialEimOk[0].associationToken) : undefined;
      await registerEuicc(deps, { eid: card.eid, euiccCertificate: set.euiccs[i]!.certificate.der, eumCertificate: set.eum.certificate.der, ...(token !== undefined ? { associationToken: token } : {}) });
      cards.push(card);
    }
    const order = (card: VirtualEuicc, k: number) => createOrder(deps, { eid: card.eid, request: { kind: 'psmo', operations: [{ op: k % 2 ? 'getRAT' : 'listProfileInfo' }] } });
    for (const card of cards) for (let k = 0; k < ORDERS_BEFORE; k++) await order(card, k);

    const urls = await Promise.all([startInstance(0), startInstance(1)]);
    const ca = pki.pki.trustAnchors.map((t) => `-----BEGIN CERTIFICATE-----\n${Buffer.from(t.der).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`).join('');
    const links = cards.map(() => urls.map((u) => new EsipaLink(u, ca)));
    const pick = (i: number) => () => links[i]![Math.floor(Math.random() * urls.length)]!;

    // Devices keep polling while more orders arrive (queued through the test's own connection: each
    // instance hears of them only through the database).
    let ordering = true;
    const executed = cards.map(() => 0);
    const polling = cards.map(async (card, i) => {
      while (ordering || executed[i]! < ORDERS_BEFORE + ORDERS_DURING) {
        executed[i]! += await drain(card, pick(i));
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
      }
    });
    for (let k = ORDERS_BEFORE; k < ORDERS_BEFORE + ORDERS_DURING; k++) {
      for (const card of cards) await order(card, k);
      await new Promise((r) => setTimeout(r, 100));
    }
    ordering = false;
    await Promise.race([Promise.all(polling), new Promise((_, reject) => setTimeout(() => reject(new Error(`not done: executed ${executed}`)), 120_000))]);
    for (const l of links.flat()) l.close();

    const total = ORDERS_BEFORE + ORDERS_DURING;
    const q = async <T = Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T[]> => ((await database!.db.execute(query)) as unknown as { rows: T[] }).rows;
    // Every order done, none retried; each delivered exactly once as a first delivery (order.delivered is
    // written only by the instance whose claim succeeded).
    expect(await q(sql`SELECT status, attempts, count(*)::int AS n FROM orders GROUP BY status, attempts`)).toEqual([{ status: 'done', attempts: 0, n: DEVICES * total }]);
    expect(await q(sql`SELECT count(*)::int AS n FROM orders o WHERE (SELECT count(*) FROM events e WHERE e.type = 'order.delivered' AND e.subject_id = o.id::text) <> 1`)).toEqual([{ n: 0 }]);
    // Counters: one per package, strictly increasing in package order per eUICC, and the association's is the last.
    const packages = await q<{ euicc_id: number; counter_value: number }>(sql`SELECT euicc_id, counter_value FROM packages ORDER BY euicc_id, id`);
    expect(packages).toHaveLength(DEVICES * total);
    const associations = await q<{ euicc_id: number; counter_value: number }>(sql`SELECT euicc_id, counter_value FROM associations`);
    for (const a of associations) {
      const counters = packages.filter((p) => Number(p.euicc_id) === Number(a.euicc_id)).map((p) => Number(p.counter_value));
      expect(counters).toEqual(Array.from({ length: total }, (_, k) => k + 1));
      expect(Number(a.counter_value)).toBe(total);
    }
    // Each eUICC executed one package per order: a package run twice would have shown up as a replay.
    for (const [i, card] of cards.entries()) {
      expect(card.snapshot().packageResults.length, `device ${i}`).toBe(total);
      expect(executed[i]).toBe(total);
    }
  }, 240_000);
});
