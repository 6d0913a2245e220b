// npm run bench:fanout — fan-out and memory (GitHub issue 7 §3). A fresh PostgreSQL database; the eIM runs
// as a child process (src/main.ts compiled to dist/, as the Docker image runs it). N eUICCs are registered in bulk (multi-row
// INSERTs of 50,000 from this process, with this eIM's association each, certificates known), a dynamic
// group matches them by tag, and one bulk order (a listProfileInfo PSMO) goes to the group through the
// operator API: POST /bulk-orders, then GET /bulk-orders/:bulkId until it is done. Prints the time until
// every package is ready to deliver, rows/s, the eIM's peak RSS during registration and fan-out, where the
// CPU went, and checks the result: N orders, packages and order.queued events, every counter = previous + 1,
// a sample of signatures verified with the eIM public key.
//
// Options (env BENCH_<NAME> or --name value): --devices 1000000.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import pg from 'pg';
import { SGP32Definitions as S, rawBytes } from '../src/asn1/index.ts';
import { loadPkiDirectory, writeTestPkiDirectory } from '../src/crypto/pki-directory.ts';
import type { PkiIndex } from '../src/crypto/test-pki.ts';
import { eimSignature } from '../src/crypto/signatures.ts';
import { arg } from './args.ts';
import { cpuSeconds, eimEntryPoint, freePort, freshDatabase, postgresCpuSeconds, root, startEimProcess, tempDir, type ChildServer } from './eim-process.ts';
import { benchEid } from './fleet-seed.ts';
import { fmt, table } from './harness.ts';

const DEVICES = arg('devices', 1_000_000);
const EIM_ID = 'eim.bench.example';
const CHUNK = 50_000;
const GOAL_SECONDS = 60;
const GOAL_RSS_MB = 300;

/** Resident memory of a process (VmRSS) and its peak so far (VmHWM), in MB. */
function memory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

/** Samples the RSS every 50 ms; `peak()` is the highest sample since the last `reset()`. */
function rssSampler(pid: number) {
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, memory(pid).rss)), 50);
  return { peak: () => Math.max(peak, memory(pid).rss), reset: () => (peak = 0), stop: () => clearInterval(timer) };
}

async function api(base: string, key: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(`${base}/api/v1${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: r.status, body: await r.json() };
}

async function register(client: pg.Client, certificate: Buffer): Promise<void> {
  for (let i = 0; i < DEVICES; i += CHUNK) {
    const eids = Array.from({ length: Math.min(CHUNK, DEVICES - i) }, (_, k) => benchEid(i + k));
    // The associations' counters start at id % 1000, so the check below can tell each one moved by exactly one.
    await client.query(
      `WITH e AS (INSERT INTO euiccs (eid, tags, euicc_certificate) SELECT eid, '["fanout"]'::jsonb, $2 FROM unnest($1::text[]) AS eid RETURNING id)
       INSERT INTO associations (euicc_id, eim_id, counter_value) SELECT id, $3, id % 1000 FROM e`,
      [eids, certificate, EIM_ID],
    );
  }
}

async function main(): Promise<void> {
  if (!process.env.DATABASE_URL) {
    console.log('bench:fanout needs PostgreSQL: set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres); a fresh database is created and dropped. Nothing measured.');
    return;
  }
  const work = tempDir('eim-bench-fanout-');
  const database = await freshDatabase(work.dir);
  let eim: ChildServer | undefined;
  const client = new pg.Client({ connectionString: database.url });
  try {
    const pkiDir = join(work.dir, 'pki');
    const index = writeTestPkiDirectory(pkiDir, { curve: 'nist', euiccs: 1 }) as PkiIndex;
    const pki = loadPkiDirectory(pkiDir);
    const publicKey = pki.sets[0]!.roles.eimSign!.signer!.publicKey;
    const certificate = readFileSync(join(pkiDir, index.sets[0]!.euiccs[0]!.cert));
    const apiPort = await freePort();
    eim = await startEimProcess({ pkiDir, dataDir: work.dir, database, eimId: EIM_ID, log: join(work.dir, 'eim.log'), env: { EIM_API_PORT: String(apiPort) } });
    const key = /admin API key \(shown once, keep it\): (\S+)/.exec(readFileSync(eim.log, 'utf8'))?.[1];
    if (!key) throw new Error('the eIM did not print an admin API key');
    const base = `http://127.0.0.1:${apiPort}`;
    await client.connect();
    const rss = rssSampler(eim.pid);
    const idle = memory(eim.pid).rss;

    let t = performance.now();
    await register(client, certificate.subarray(0, certificate.length));
    const registerSeconds = (performance.now() - t) / 1000;
    const rssRegistration = rss.peak();
    t = performance.now();
    await client.query('VACUUM (ANALYZE) euiccs, associations');
    const vacuumSeconds = (performance.now() - t) / 1000;
    console.log(`bench:fanout: ${fmt(DEVICES)} eUICCs with associations registered in ${registerSeconds.toFixed(1)} s (${fmt(DEVICES / registerSeconds)}/s), VACUUM ANALYZE ${vacuumSeconds.toFixed(1)} s`);

    const group = await api(base, key, 'POST', '/groups', { name: 'fanout', kind: 'dynamic', filter: { tags: ['fanout'] } });
    if (group.status !== 201) throw new Error(`POST /groups: ${JSON.stringify(group.body)}`);
    rss.reset();
    const c0 = cpuSeconds(eim.pid);
    const p0 = postgresCpuSeconds();
    t = performance.now();
    const post = await api(base, key, 'POST', '/bulk-orders', { groupId: group.body.id, kind: 'psmo', operations: [{ op: 'listProfileInfo' }] });
    if (post.status !== 201 && post.status !== 202) throw new Error(`POST /bulk-orders: ${post.status} ${JSON.stringify(post.body)}`);
    let status = post.body;
    while (status.status === 'running') {
      await new Promise((r) => setTimeout(r, 250));
      status = (await api(base, key, 'GET', `/bulk-orders/${post.body.bulkId}`)).body;
    }
    const fanOutSeconds = (performance.now() - t) / 1000;
    const eimCpu = cpuSeconds(eim.pid) - c0;
    const pgCpu = postgresCpuSeconds() - p0;
    const rssFanOut = rss.peak();
    const hwm = memory(eim.pid).hwm;
    rss.stop();
    if (status.status !== 'done') throw new Error(`bulk order ended ${JSON.stringify(status)}`);

    const checks = await check(client, post.body.bulkId, publicKey);
    console.log(`node ${process.version}; ${DEVICES} eUICCs, database postgres, eIM in a child process (${relative(root, eimEntryPoint())}), answer of POST /bulk-orders: ${post.status}\n`);
    console.log(table([
      ['figure', 'value'],
      ['time to fully queue (POST /bulk-orders until GET says done), s', fanOutSeconds.toFixed(1)],
      ['members/s (each: order + event + signed package + counter)', fmt(DEVICES / fanOutSeconds)],
      ['rows written/s (orders, events, packages, association updates)', fmt((4 * DEVICES) / fanOutSeconds)],
      ['eIM CPU s during fan-out (signing, encoding, driver)', eimCpu.toFixed(1)],
      ['PostgreSQL CPU s during fan-out (every postgres process on the machine)', pgCpu < 0 ? '(noise)' : pgCpu.toFixed(1)],
      ['eIM RSS idle after start, MB', idle.toFixed(0)],
      ['eIM peak RSS during registration, MB', rssRegistration.toFixed(0)],
      ['eIM peak RSS during fan-out, MB', rssFanOut.toFixed(0)],
      ['eIM peak RSS over its life (VmHWM), MB', hwm.toFixed(0)],
    ]));
    console.log(`\nchecks: ${checks.join('; ')}`);
    console.log(`time to queue ${fanOutSeconds.toFixed(1)} s (goal <= ${GOAL_SECONDS} s) ${fanOutSeconds <= GOAL_SECONDS ? 'MET' : 'NOT MET'}`);
    console.log(`peak RSS ${hwm.toFixed(0)} MB (goal < ${GOAL_RSS_MB} MB) ${hwm < GOAL_RSS_MB ? 'MET' : 'NOT MET'}`);
  } finally {
    await client.end().catch(() => {});
    await eim?.stop();
    await database.drop();
    work.remove();
  }
}

/** Counts and a sample of signatures; throws when anything is off. */
async function check(client: pg.Client, bulkId: string, publicKey: Parameters<typeof eimSignature.verify>[0]): Promise<string[]> {
  const one = async (q: string, params: unknown[] = [bulkId]): Promise<number> => Number((await client.query(q, params)).rows[0].n);
  const orders = await one('SELECT count(*) AS n FROM orders WHERE bulk_id = $1');
  const packages = await one(`SELECT count(*) AS n FROM packages p JOIN orders o ON o.id = p.order_id WHERE o.bulk_id = $1 AND p.status = 'queued'`);
  const events = await one(`SELECT count(*) AS n FROM events e JOIN orders o ON e.subject_id = o.id::text WHERE o.bulk_id = $1 AND e.type = 'order.queued'`);
  const counters = await one(`SELECT count(*) AS n FROM packages p JOIN orders o ON o.id = p.order_id JOIN associations a ON a.euicc_id = p.euicc_id
    WHERE o.bulk_id = $1 AND p.counter_value = a.counter_value AND a.counter_value = p.euicc_id % 1000 + 1`);
  const others = await one('SELECT count(*) AS n FROM orders WHERE bulk_id IS DISTINCT FROM $1');
  const sample = await client.query(`SELECT p.der, p.counter_value, p.eim_transaction_id FROM packages p JOIN orders o ON o.id = p.order_id WHERE o.bulk_id = $1 ORDER BY random() LIMIT 1000`, [bulkId]);
  let verified = 0;
  for (const r of sample.rows) {
    const req = S.EuiccPackageRequest.decode(new Uint8Array(r.der));
    const ok = eimSignature.verify(publicKey, req.eimSignature, rawBytes(req.euiccPackageSigned)!) && req.euiccPackageSigned.counterValue === Number(r.counter_value) && Buffer.compare(Buffer.from(req.euiccPackageSigned.eimTransactionId ?? []), r.eim_transaction_id) === 0;
    if (ok) verified++;
  }
  const out = [`orders ${orders}`, `packages queued ${packages}`, `order.queued events ${events}`, `counters = previous + 1 in association and package ${counters}`, `other orders ${others}`, `signatures verified ${verified}/${sample.rows.length}`];
  if ([orders, packages, events, counters].some((n) => n !== DEVICES) || others !== 0 || verified !== sample.rows.length) throw new Error(`checks failed: ${out.join('; ')}`);
  return out;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
