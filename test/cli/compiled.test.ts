// The compiled eIM (npm run build -> dist/), as the Docker image runs it: the build passes, and
// dist/src/main.js starts on the embedded database from a fresh data directory, finding the checked-in
// migrations from dist/ (src/store/database.ts) and answering ESipa.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { root } from './support.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'eim-compiled-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('compiled eIM', () => {
  it('builds, starts from dist/ on a fresh embedded database and answers ESipa', async () => {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'pipe' });
    expect(existsSync(join(root, 'dist/src/main.js'))).toBe(true);
    const env = { ...process.env, EIM_DATA_DIR: dataDir, EIM_ESIPA_PORT: '0', EIM_API_PORT: '0', DATABASE_URL: '', EIM_PKI_DIR: '' };
    const child = spawn(process.execPath, [join(root, 'dist/src/main.js')], { cwd: tmpdir(), env });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start within 60 s:\n${out}`)), 60_000);
        child.stdout.on('data', () => {
          const m = /ESipa \(ASN\.1 binding\): (https:\/\/\S+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${out}`)));
      });
      // A GET is the wrong method for the ASN.1 binding: the server's own plain-text 405 (SGP.32 v1.2 §6.1).
      const status = await new Promise<number>((resolve, reject) => {
        const r = request(url, { method: 'GET', rejectUnauthorized: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        r.on('error', reject);
        r.end();
      });
      expect(status).toBe(405);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
    }
  }, 120_000);
});
