// The command line against a running eIM: startEim on a temporary data directory (PGlite, or PostgreSQL
// with DATABASE_URL), ports chosen by the OS, and `eim` spawned as a user runs it with EIM_API_URL and
// EIM_API_KEY pointing at it. Spawning is asynchronous: the eIM answers from this process meanwhile.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningEim, startEim } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { writeTestPkiDirectory } from '../../src/crypto/pki-directory.ts';
import { silentLogger } from '../../src/services/deps.ts';
import { createPostgresDatabase } from '../support/database.ts';

export const root = join(import.meta.dirname, '..', '..');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  /** Resolves once stdout matches (the command is up and has printed it). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  result: Promise<CliResult>;
}

/** Starts `eim <args>`; env adds to (or, with undefined, removes from) this process's environment. */
export function startCli(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 90_000): RunningCli {
  const merged: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...env })) if (v !== undefined) merged[k] = v;
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], { cwd: root, env: merged });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
    for (const w of waiters) w();
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const result = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
  return {
    result,
    waitFor: (pattern, ms = 60_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!pattern.test(stdout)) return;
          waiters.delete(check);
          clearTimeout(t);
          resolve();
        };
        const t = setTimeout(() => (waiters.delete(check), reject(new Error(`stdout never matched ${pattern}: ${stdout} ${stderr}`))), ms);
        waiters.add(check);
        void result.then(() => setTimeout(() => waiters.has(check) && (waiters.delete(check), clearTimeout(t), reject(new Error(`exited before stdout matched ${pattern}: ${stdout} ${stderr}`))), 0));
        check();
      }),
  };
}

export function runCli(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 90_000): Promise<CliResult> {
  return startCli(args, env, timeoutMs).result;
}

export interface CliRig {
  eim: RunningEim;
  dir: string;
  pkiDir: string;
  /** The admin key the eIM created on its first start. */
  adminKey: string;
  /** EIM_API_URL and EIM_API_KEY (the admin key) for the spawned CLI. */
  env: Record<string, string>;
  run(args: string[], env?: Record<string, string | undefined>): Promise<CliResult>;
  start(args: string[], env?: Record<string, string | undefined>): RunningCli;
  close(): Promise<void>;
}

export async function startCliRig(): Promise<CliRig> {
  const dir = mkdtempSync(join(tmpdir(), 'eim-cli-'));
  mkdirSync(join(dir, 'data'), { recursive: true });
  const pkiDir = join(dir, 'pki');
  writeTestPkiDirectory(pkiDir, { curve: 'nist', euiccs: 3 });
  const pg = process.env.DATABASE_URL ? await createPostgresDatabase(process.env.DATABASE_URL) : undefined;
  const base = loadConfig({});
  const eim = await startEim(
    { ...base, eimId: 'eim.cli.test', esipa: { ...base.esipa, port: 0 }, api: { ...base.api, port: 0, rateLimitPerSecond: 10_000, rateLimitBurst: 10_000 }, dataDir: join(dir, 'data'), databaseUrl: pg?.url, pkiDir },
    { log: silentLogger, lastSeenFlushMs: 0 },
  );
  const adminKey = eim.firstAdminKey!.key;
  const env = { EIM_API_URL: eim.api.url, EIM_API_KEY: adminKey };
  return {
    eim,
    dir,
    pkiDir,
    adminKey,
    env,
    run: (args, extra = {}) => runCli(args, { ...env, ...extra }),
    start: (args, extra = {}) => startCli(args, { ...env, ...extra }),
    async close() {
      await eim.close();
      await pg?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The error contract: exit 1 and exactly one line on stderr (besides progress lines), no stack trace. */
export function oneErrorLine(r: CliResult): string {
  const lines = r.stderr.split('\n').filter((l) => l && !/^(euicc|pool) import: /.test(l));
  if (r.status !== 1 || lines.length !== 1 || /\n\s+at /.test(r.stderr)) throw new Error(`expected exit 1 and one stderr line, got ${r.status}: ${r.stderr}`);
  return lines[0]!;
}
