// One typed configuration for the eIM, read from environment variables with defaults that start a
// development eIM on a fresh clone. Every value is validated; a bad one stops the start with a message
// naming the variable.

export interface EimConfig {
  /** This eIM's eimId (SGP.32 v1.2 EimConfigurationData [0], 1..128 characters). */
  eimId: string;
  /** The FQDN devices reach the eIM at (EimConfigurationData eimFqdn). */
  eimFqdn: string;
  esipa: {
    host: string;
    port: number;
    /** HTTPS (default). Plain HTTP only for labs. */
    tls: boolean;
    maxBodyBytes: number;
    /** Idle polls are logged as one summary line per this many seconds; 0 logs each one. */
    idlePollLogSeconds: number;
  };
  api: {
    host: string;
    port: number;
    /** Requests per second per API key, and the burst allowed. */
    rateLimitPerSecond: number;
    rateLimitBurst: number;
  };
  /** Where the eIM keeps its files (embedded database, development PKI). */
  dataDir: string;
  /** PostgreSQL connection string; empty: the embedded PGlite database in dataDir. */
  databaseUrl: string | undefined;
  /**
   * A PKI directory (pki.json index): eIM signing keys (eimSign), the ESipa TLS certificate (eimTls) and the
   * CI certificates eUICC chains must lead to. Absent: a development PKI is generated in dataDir/pki.
   */
  pkiDir: string | undefined;
  /** Hours an order may wait before it expires when it does not say. */
  orderTtlHours: number;
  webhooks: {
    /** Webhook URLs may use plain http to any host (default: https, http only to loopback). Labs only. */
    allowHttp: boolean;
  };
  /**
   * How far V8 lets the JavaScript heap grow past what survived its last full collection, in percent
   * (V8's --heap-growing-percent); 0 leaves V8's own factor (up to 4x while allocating fast).
   */
  heapGrowthPercent: number;
}

export class ConfigError extends Error {
  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(name, `must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, `must be true or false, got ${JSON.stringify(raw)}`);
}

export function loadConfig(env: Env = process.env): EimConfig {
  const eimId = env.EIM_ID || 'eim.localhost';
  if (eimId.length > 128) throw new ConfigError('EIM_ID', 'at most 128 characters (SGP.32 v1.2 eimId)');
  const eimFqdn = env.EIM_FQDN || 'localhost';
  if (!/^[A-Za-z0-9.-]+(:[0-9]+)?$/.test(eimFqdn)) throw new ConfigError('EIM_FQDN', `not a host name: ${JSON.stringify(eimFqdn)}`);
  return {
    eimId,
    eimFqdn,
    esipa: {
      host: env.EIM_ESIPA_HOST || '127.0.0.1',
      port: int(env, 'EIM_ESIPA_PORT', 8443, 0, 65535),
      tls: !bool(env, 'EIM_ESIPA_PLAIN_HTTP', false),
      maxBodyBytes: int(env, 'EIM_ESIPA_MAX_BODY', 1024 * 1024, 1024, 64 * 1024 * 1024),
      idlePollLogSeconds: int(env, 'EIM_LOG_IDLE_POLLS_EVERY', 60, 0, 86_400),
    },
    api: {
      host: env.EIM_API_HOST || '127.0.0.1',
      port: int(env, 'EIM_API_PORT', 8080, 0, 65535),
      rateLimitPerSecond: int(env, 'EIM_API_RATE_LIMIT', 50, 1, 100_000),
      rateLimitBurst: int(env, 'EIM_API_RATE_BURST', 200, 1, 1_000_000),
    },
    dataDir: env.EIM_DATA_DIR || '.data',
    databaseUrl: env.DATABASE_URL || undefined,
    pkiDir: env.EIM_PKI_DIR || undefined,
    orderTtlHours: int(env, 'EIM_ORDER_TTL_HOURS', 72, 1, 24 * 365),
    webhooks: { allowHttp: bool(env, 'EIM_WEBHOOKS_ALLOW_HTTP', false) },
    heapGrowthPercent: int(env, 'EIM_HEAP_GROWTH_PERCENT', 50, 0, 400),
  };
}
