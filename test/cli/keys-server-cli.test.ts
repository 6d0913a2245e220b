// `eim keys create` without EIM_API_KEY, on the server: straight into the database the eIM is configured
// with (the embedded one in EIM_DATA_DIR, or DATABASE_URL), and the eIM then accepts the key.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEim } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { writeTestPkiDirectory } from '../../src/crypto/pki-directory.ts';
import { silentLogger } from '../../src/services/deps.ts';
import { createPostgresDatabase, usingPostgres } from '../support/database.ts';
import { oneErrorLine, runCli } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'eim-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('eim keys create on the server', () => {
  it('writes a key for any tenant into the configured database; the eIM started on it accepts the key and makes no admin key of its own', async () => {
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeTestPkiDirectory(join(dir, 'pki'), { curve: 'nist', euiccs: 0 });
    const pg = usingPostgres ? await createPostgresDatabase(process.env.DATABASE_URL!) : undefined;
    try {
      // Nothing listens on port 9: the embedded database is free.
      const env = { EIM_API_KEY: undefined, EIM_API_URL: 'http://127.0.0.1:9', EIM_DATA_DIR: join(dir, 'data'), DATABASE_URL: pg?.url };
      const r = await runCli(['keys', 'create', '--tenant', 'acme', '--role', 'operator', '--name', 'acme ops', '--json'], env);
      expect(r.stderr).toBe('');
      const created = JSON.parse(r.stdout) as { key: string; tenantId: string; role: string };
      expect(created).toMatchObject({ tenantId: 'acme', role: 'operator' });

      const base = loadConfig({});
      const eim = await startEim({ ...base, esipa: { ...base.esipa, port: 0 }, api: { ...base.api, port: 0 }, dataDir: join(dir, 'data'), databaseUrl: pg?.url, pkiDir: join(dir, 'pki') }, { log: silentLogger });
      try {
        expect(eim.firstAdminKey).toBeUndefined();
        const res = await fetch(`${eim.api.url}/api/v1/euiccs`, { headers: { authorization: `Bearer ${created.key}` } });
        expect(res.status).toBe(200);
        if (!pg) {
          // The embedded database belongs to the running eIM: the command refuses instead of opening it twice.
          const busy = await runCli(['keys', 'create', '--role', 'viewer', '--name', 'x'], { ...env, EIM_API_URL: eim.api.url });
          expect(oneErrorLine(busy)).toMatch(/^error ERR_DATABASE_BUSY: an eIM is running at /);
        }
      } finally {
        await eim.close();
      }
    } finally {
      await pg?.drop();
    }
  }, 180_000);
});
