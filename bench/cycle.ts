// npm run bench:cycle — the full package cycle (GitHub issue 7 §2, §4). Orders for N devices are created
// through the services (signing each package), then the eIM runs as a child process (or two, --instances
// 2, on one PostgreSQL database) and the devices — virtual eUICCs in this process with a minimal IPA
// loop — poll, execute each signed package, and return the signed result, which the eIM verifies and
// records. Prints cycles/s and where the CPU time goes; checks afterwards that every order is done.
//
// Options (env BENCH_<NAME> or --name value): --devices 500, --orders 4 per device, --clients 64
// concurrent devices, --instances 1 (or 2, or 1,2: one phase with one instance, then a fresh batch of
// orders with two, in the same run; 2 needs DATABASE_URL), --seconds 60 (time limit of each cycle phase).
import { join } from 'node:path';
import { loadPkiDirectory, writeTestPkiDirectory } from '../src/crypto/pki-directory.ts';
import type { PkiIndex } from '../src/crypto/test-pki.ts';
import { arg } from './args.ts';
import { cpuSeconds, freshDatabase, postgresCpuSeconds, startEimProcess, tempDir, type ChildServer } from './eim-process.ts';
import { cycle, EsipaLink, makeDevice, type Device } from './device-fleet.ts';
import { createBenchOrders, orderStatuses } from './cycle-orders.ts';
import { microCosts } from './cycle-costs.ts';
import { seedFleet } from './fleet-seed.ts';
import { fmt, table } from './harness.ts';
import { readFileSync } from 'node:fs';
import type { ServiceDeps } from '../src/services/deps.ts';
import { checkEuiccCertificate, euiccKeyPatch } from '../src/services/euicc-keys.ts';

const DEVICES = arg('devices', 500);
const ORDERS = arg('orders', 4);
const CLIENTS = arg('clients', 64);
const PHASES = String(arg('instances', '1')).split(',').map(Number);
const SECONDS = arg('seconds', 60);
const EIM_ID = 'eim.bench.example';

async function main(): Promise<void> {
  if (PHASES.some((n) => n > 1) && !process.env.DATABASE_URL) throw new Error('--instances 2 needs PostgreSQL (DATABASE_URL): PGlite is one process\'s database');
  const work = tempDir('eim-bench-cycle-');
  const database = await freshDatabase(work.dir);
  const servers: ChildServer[] = [];
  try {
    const pkiDir = join(work.dir, 'pki');
    let t = performance.now();
    const index = writeTestPkiDirectory(pkiDir, { curve: 'nist', euiccs: DEVICES + 1 }) as PkiIndex;
    const pki = loadPkiDirectory(pkiDir);
    const set = pki.sets[0]!;
    const signer = set.roles.eimSign!.signer!;
    const devices: Device[] = [];
    for (let i = 0; i < DEVICES; i++) devices.push(await makeDevice(pkiDir, set, index.sets[0]!, i, EIM_ID, signer));
    console.log(`bench:cycle: PKI and ${DEVICES} virtual eUICCs in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    // Registered as registerEuicc does: each certificate chain validated and the key kept (about 2 ms each,
    // once per eUICC), so a device's first result is verified like every later one.
    t = performance.now();
    const keyDeps = { trustAnchors: pki.trustAnchors, now: () => new Date() } as Pick<ServiceDeps, 'trustAnchors' | 'now'> as ServiceDeps;
    const seeds = [];
    for (const [i, d] of devices.entries()) {
      const euiccCertificate = set.euiccs[i]!.certificate.der;
      const eumCertificate = set.eum.certificate.der;
      const check = await checkEuiccCertificate(keyDeps, d.eid, euiccCertificate, eumCertificate);
      if (!check.ok) throw new Error(`${d.eid}: ${check.message}`);
      seeds.push({ eid: d.eid, associationToken: d.associationToken, euiccCertificate, eumCertificate, ...euiccKeyPatch(keyDeps, euiccCertificate, eumCertificate, check.publicKey) });
    }
    console.log(`bench:cycle: ${DEVICES} certificate chains validated (as at registration) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    await seedFleet(database, EIM_ID, seeds);
    const ca = readFileSync(join(pkiDir, index.sets[0]!.ci.cert), 'utf8');
    const costs = await microCosts(pkiDir, pki);
    const summary: string[] = [];
    const rates: number[] = [];
    for (const instances of PHASES) {
      t = performance.now();
      const orders = await createBenchOrders(database, pki, EIM_ID, devices.map((d) => d.eid), ORDERS);
      const orderSeconds = (performance.now() - t) / 1000;
      console.log(`\n${orders} orders created through createOrder (each package signed) in ${orderSeconds.toFixed(1)} s: ${fmt(orders / orderSeconds)} orders/s (${database.kind})`);
      while (servers.length < instances) servers.push(await startEimProcess({ pkiDir, dataDir: database.kind === 'pglite' ? work.dir : join(work.dir, `eim${servers.length}`), database, eimId: EIM_ID, log: join(work.dir, `eim${servers.length}.log`) }));
      const r = await phase(servers.slice(0, instances), devices, ca);
      const per = (s: number): string => ((s * 1e6) / Math.max(1, r.cycles)).toFixed(0);
      const statuses = await orderStatuses(database);
      console.log(`node ${process.version}; ${DEVICES} devices x ${ORDERS} orders, ${CLIENTS} concurrent devices, ${instances} eIM instance(s), database ${database.kind}\n`);
      console.log(table([
        ['figure', 'value'],
        ['complete cycles', String(r.cycles)],
        ['cycles/s', fmt(r.cycles / r.seconds)],
        ['eIM CPU µs/cycle (all instances)', per(r.serverCpu)],
        ['  of which ECDSA verify of the result (measured alone)', costs.verifyUs.toFixed(0)],
        ['  of which codec: decode request + result, encode answers (measured alone)', costs.codecUs.toFixed(0)],
        ['  the rest: TLS, HTTP, services, drizzle + pg driver, certificate checks', (Number(per(r.serverCpu)) - costs.verifyUs - costs.codecUs).toFixed(0)],
        ['PostgreSQL CPU µs/cycle (every postgres process on the machine)', database.kind === 'postgres' ? (r.pgCpu < 0 ? '(noise)' : per(r.pgCpu)) : '(in the eIM: PGlite)'],
        ['devices (virtual eUICC + IPA, this process) CPU µs/cycle', per(r.clientCpu)],
        ['ECDSA sign by the eIM at order creation (not in the cycle), µs', costs.signUs.toFixed(0)],
      ]));
      console.log(`orders by status so far: ${JSON.stringify(statuses)}`);
      summary.push(`${instances} instance(s): ${fmt(r.cycles / r.seconds)} cycles/s (goal >= 1000 on PostgreSQL) ${r.cycles / r.seconds >= 1000 ? 'MET' : 'NOT MET'}`);
      rates.push(r.cycles / r.seconds);
      if (rates.length > 1) summary.push(`ratio ${instances} instances / ${PHASES[0]}: ${(rates.at(-1)! / rates[0]!).toFixed(2)}`);
    }
    console.log(`\n${summary.join('\n')}`);
  } finally {
    for (const s of servers) await s.stop();
    await database.drop();
    work.remove();
  }
}

/** One cycle phase: every device drains its packages, polls and results spread over `servers` at random. */
async function phase(servers: ChildServer[], devices: Device[], ca: string) {
  const c0 = servers.map((s) => cpuSeconds(s.pid));
  const p0 = postgresCpuSeconds();
  const u0 = process.cpuUsage();
  let cycles = 0;
  let next = 0;
  const start = performance.now();
  const deadline = start + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const links = servers.map((s) => new EsipaLink(s.url, ca));
      // Polls and results go to a random instance each (a load balancer with no affinity).
      const pick = (): EsipaLink => links[Math.floor(Math.random() * links.length)]!;
      try {
        while (next < devices.length && performance.now() < deadline) {
          const d = devices[next++]!;
          while (performance.now() < deadline && (await cycle(d, pick))) cycles++;
        }
      } finally {
        for (const l of links) l.close();
      }
    }),
  );
  const u = process.cpuUsage(u0);
  return {
    cycles,
    seconds: (performance.now() - start) / 1000,
    serverCpu: servers.reduce((s, x, i) => s + cpuSeconds(x.pid) - c0[i]!, 0),
    pgCpu: postgresCpuSeconds() - p0,
    clientCpu: (u.user + u.system) / 1e6,
  };
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
