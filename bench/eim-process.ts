// Benchmark plumbing: a fresh database per run (a PostgreSQL database created and dropped, or PGlite in a
// temp dir), the eIM in a child process with its stdout in a log file — compiled to JavaScript first
// (npm run build, dist/), as a deployment runs it; BENCH_TSX=1 runs src/main.ts through tsx instead — and CPU accounting
// of processes by pid (/proc), so a bench can say where the time went. Everything listens on 127.0.0.1.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const root = join(import.meta.dirname, '..');

export interface BenchDatabase {
  kind: 'postgres' | 'pglite';
  /** The PostgreSQL URL of the fresh database; undefined for PGlite. */
  url: string | undefined;
  /** The PGlite data directory; undefined for PostgreSQL. */
  dataDir: string | undefined;
  drop(): Promise<void>;
}

/** A fresh database: `CREATE DATABASE eim_bench_…` on DATABASE_URL's server, or a PGlite temp dir. */
export async function freshDatabase(workDir: string): Promise<BenchDatabase> {
  const base = process.env.DATABASE_URL;
  if (!base) return { kind: 'pglite', url: undefined, dataDir: join(workDir, 'db'), drop: async () => {} };
  const name = `eim_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    kind: 'postgres',
    url: url.toString(),
    dataDir: undefined,
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface ChildServer {
  url: string;
  pid: number;
  log: string;
  stop(): Promise<void>;
}

/** Spawns `node <script>` (through tsx for a .ts script) with its output in `log`; resolves once `ready` matches the log. */
export async function spawnServer(script: string, env: NodeJS.ProcessEnv, log: string, ready: RegExp, url: string): Promise<ChildServer> {
  const fd = openSync(log, 'w');
  // BENCH_PROFILE=<dir>: the child writes a V8 CPU profile there when it stops (see bench/profile-summary.ts).
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  // BENCH_NODE_FLAGS: extra Node flags for the child (e.g. --max-old-space-size=256).
  const flags = process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const child: ChildProcess = spawn(process.execPath, [...flags, ...profile, ...loader, script], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  children.add(child);
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}:\n${readFileSync(log, 'utf8').slice(-2000)}`);
    if (ready.test(readFileSync(log, 'utf8'))) break;
    if (Date.now() > deadline) throw new Error(`${script} did not start within 90 s:\n${readFileSync(log, 'utf8').slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    pid: child.pid!,
    log,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }).finally(() => children.delete(child)),
  };
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

export interface EimProcessOptions {
  pkiDir: string;
  dataDir: string;
  database: BenchDatabase;
  eimId: string;
  log: string;
  env?: NodeJS.ProcessEnv;
}

let built = false;

/** The eIM's entry point: dist/src/main.js, built once per bench run (tsc, about 10 s), or src/main.ts with BENCH_TSX=1. */
export function eimEntryPoint(): string {
  if (process.env.BENCH_TSX === '1') return join(root, 'src/main.ts');
  if (!built) {
    console.log('building the eIM (npm run build) to run it as compiled JavaScript …');
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
    built = true;
  }
  return join(root, 'dist/src/main.js');
}

/** The eIM (src/main.ts as `npm start` runs it, compiled: see eimEntryPoint) on a free port. */
export async function startEimProcess(o: EimProcessOptions): Promise<ChildServer> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    EIM_ID: o.eimId,
    EIM_DATA_DIR: o.dataDir,
    EIM_PKI_DIR: o.pkiDir,
    EIM_ESIPA_PORT: String(port),
    EIM_API_PORT: '0',
    DATABASE_URL: o.database.url ?? '',
    ...o.env,
  };
  return spawnServer(eimEntryPoint(), env, o.log, /ESipa \(ASN\.1 binding\)/, `https://127.0.0.1:${port}`);
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

/** CPU seconds used so far by every PostgreSQL server process on this machine (the backends the eIM talks to). */
export function postgresCpuSeconds(): number {
  let total = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const comm = readFileSync(`/proc/${d}/comm`, 'utf8');
      if (comm.startsWith('postgres')) total += cpuSeconds(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}
