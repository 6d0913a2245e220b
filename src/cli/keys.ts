// `eim keys create|list|revoke`. With EIM_API_KEY set they go through the operator API (an admin key; the
// new key belongs to the same tenant). Without it, `keys create` works on the server itself, directly on
// the database the eIM uses (DATABASE_URL, or the embedded one in EIM_DATA_DIR): how the first keys of a
// tenant are made.
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/config.ts';
import { createApiKey, type CreatedKey } from '../services/api-keys.ts';
import { silentLogger } from '../services/deps.ts';
import { openDatabase } from '../store/database.ts';
import { createStore } from '../store/repositories.ts';
import type { Role } from '../domain/records.ts';
import { ApiClient, ApiError } from './api-client.ts';
import { printJson, printTable, shortTime, usage } from './output.ts';

const ROLES = ['viewer', 'operator', 'admin'];

/** The embedded database belongs to one process: refuse while an eIM answers on the configured API address. */
async function refuseWhileServing(url: string): Promise<void> {
  const answered = await fetch(`${url}/api/v1/openapi.json`, { signal: AbortSignal.timeout(1000) }).then(
    () => true,
    () => false,
  );
  if (answered) throw new ApiError('ERR_DATABASE_BUSY', `an eIM is running at ${url} on the embedded database; stop it first, or create the key through the API (EIM_API_KEY of an admin)`);
}

/** Creates a key in the database the server is configured with. */
export async function createKeyOnServer(input: { tenantId: string; role: Role; name: string }, env: Record<string, string | undefined> = process.env): Promise<CreatedKey> {
  const config = loadConfig(env);
  if (!config.databaseUrl) await refuseWhileServing(env.EIM_API_URL || `http://${config.api.host}:${config.api.port}`);
  const database = await openDatabase(config.databaseUrl ? { url: config.databaseUrl, poolSize: 1 } : { dataDir: join(config.dataDir, 'db') });
  try {
    const deps = { store: createStore(database.db), eim: { eimId: config.eimId, signers: {} }, trustAnchors: [], log: silentLogger, now: () => new Date(), defaultOrderTtlMs: 0 };
    return await createApiKey(deps, input);
  } finally {
    await database.close();
  }
}

export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('API keys: through the API with EIM_API_KEY, or directly on the server database without it');

  keys
    .command('create')
    .description('create an API key (shown once)')
    .requiredOption('--name <name>', 'what the key is for')
    .requiredOption('--role <role>', 'viewer, operator or admin')
    .option('--tenant <tenant>', 'tenant (directly on the database only; through the API the key is in the caller\'s tenant)', 'default')
    .option('--json', 'print JSON')
    .action(async (o: { name: string; role: string; tenant: string; json?: boolean }, cmd: Command) => {
      if (!ROLES.includes(o.role)) throw usage(`--role must be one of ${ROLES.join(', ')}`);
      const api = ApiClient.fromEnv(process.env, { keyRequired: false });
      let key: CreatedKey;
      if (api.key) {
        if (cmd.getOptionValueSource('tenant') === 'cli') throw usage('--tenant applies only directly on the database: through the API a key belongs to the tenant of EIM_API_KEY');
        key = await api.post<CreatedKey>('/keys', { name: o.name, role: o.role });
      } else key = await createKeyOnServer({ tenantId: o.tenant, role: o.role as Role, name: o.name });
      if (o.json) return printJson(key);
      process.stdout.write(`API key ${key.id} (${key.role}, tenant ${key.tenantId}, "${key.name}"), shown once:\n${key.key}\n`);
    });

  keys
    .command('list')
    .description("list the tenant's API keys (never their secrets)")
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const { items } = await ApiClient.fromEnv().get<{ items: { id: string; name: string; role: string; prefix: string; createdAt: string; lastUsedAt: string | null; revokedAt: string | null }[] }>('/keys');
      if (o.json) return printJson(items);
      printTable(items, [['ID', (k) => k.id], ['NAME', (k) => k.name], ['ROLE', (k) => k.role], ['PREFIX', (k) => k.prefix], ['CREATED', (k) => shortTime(k.createdAt)], ['LAST USED', (k) => shortTime(k.lastUsedAt)], ['REVOKED', (k) => shortTime(k.revokedAt)]]);
    });

  keys
    .command('revoke')
    .description('revoke an API key')
    .argument('<id>', 'key id')
    .action(async (id: string) => {
      await ApiClient.fromEnv().request('DELETE', `/keys/${encodeURIComponent(id)}`);
      process.stdout.write(`API key ${id} revoked\n`);
    });
}
