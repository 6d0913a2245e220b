// Starts an eIM from a configuration: PKI, database, services, ESipa server. The composition root
// (src/main.ts) and the end-to-end tests both use it; it is the only place concrete parts are wired.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EimConfig } from './config/config.ts';
import type { Curve } from './crypto/engine.ts';
import { loadPkiDirectory, writeTestPkiDirectory, PKI_INDEX_FILE, type LoadedPki } from './crypto/pki-directory.ts';
import type { PkiIndex } from './crypto/test-pki.ts';
import type { Signer } from './crypto/signer.ts';
import { createEsipaServer, type EsipaServer } from './esipa/index.ts';
import { attachEventStream, type EventStream } from './api/event-stream.ts';
import { allRoutes } from './api/routes/index.ts';
import { createApiServer, type ApiServer } from './api/server.ts';
import { bootstrapAdminKey, type CreatedKey } from './services/api-keys.ts';
import type { Logger, ServiceDeps } from './services/deps.ts';
import { DownloadRelayService, withDownloadRelay } from './services/download-relay.ts';
import { EimService, type DownloadRelay } from './services/eim-service.ts';
import { EventFeed } from './services/event-feed.ts';
import { WebhookDispatcher } from './services/webhook-dispatcher.ts';
import { Injector } from './services/inject.ts';
import { OrderExpiry } from './services/expire-orders.ts';
import { HttpsInjectClient } from './clients/inject-client.ts';
import { trustAnchorsPem } from './clients/download-relay.ts';
import { PackageHint, withPackageHint } from './services/package-hint.ts';
import { startPoolReconciler } from './services/reconcile-assignments.ts';
import { openDatabase, type Database } from './store/database.ts';
import { packageSignals } from './store/package-signals.ts';
import { createStore } from './store/repositories.ts';
import { jsonLinesLog, type JsonLinesLog } from './lib/json-lines-log.ts';

export interface RunningEim {
  config: EimConfig;
  pki: LoadedPki;
  pkiDir: string;
  database: Database;
  deps: ServiceDeps;
  service: EimService;
  esipa: EsipaServer;
  api: ApiServer;
  /** The admin key created at the first start (no key existed yet); shown once. */
  firstAdminKey: CreatedKey | undefined;
  /** True when the PKI was generated for development at this start. */
  generatedPki: boolean;
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  relay?: (deps: ServiceDeps, pki: LoadedPki) => DownloadRelay;
  lastSeenFlushMs?: number;
}

/** JSON lines: info on stdout in batches, warnings and errors on stderr at once (src/lib/json-lines-log.ts). */
export const consoleLogger: JsonLinesLog = jsonLinesLog(process.stdout, process.stderr);
process.on('exit', () => consoleLogger.flush());

/** The PKI directory to use; a development PKI is generated in dataDir/pki when none is configured. */
function ensurePki(config: EimConfig, log: Logger): { dir: string; generated: boolean } {
  if (config.pkiDir) return { dir: config.pkiDir, generated: false };
  const dir = join(config.dataDir, 'pki');
  if (existsSync(join(dir, PKI_INDEX_FILE))) return { dir, generated: false };
  log.warn('no EIM_PKI_DIR configured: generating a development PKI (test certificates, not for production)', { dir });
  writeTestPkiDirectory(dir, { curve: 'both', euiccs: 20 });
  return { dir, generated: true };
}

function eimTlsPem(dir: string): { cert: string; key: string } | undefined {
  const index = JSON.parse(readFileSync(join(dir, PKI_INDEX_FILE), 'utf8')) as PkiIndex;
  const entry = index.sets.map((s) => s.eimTls).find((e) => e?.cert && e.key);
  if (!entry) return undefined;
  return { cert: readFileSync(join(dir, entry.cert), 'utf8'), key: readFileSync(join(dir, entry.key!), 'utf8') };
}

export async function startEim(config: EimConfig, options: StartOptions = {}): Promise<RunningEim> {
  const log = options.log ?? consoleLogger;
  const { dir: pkiDir, generated } = ensurePki(config, log);
  const pki = loadPkiDirectory(pkiDir);
  const signers: Partial<Record<Curve, Signer>> = {};
  for (const set of pki.sets) if (set.roles.eimSign?.signer) signers[set.curve] ??= set.roles.eimSign.signer;
  if (Object.keys(signers).length === 0) throw new Error(`${pkiDir} has no eIM signing key (eimSign with a key file)`);

  const database = await openDatabase(
    config.databaseUrl
      ? { url: config.databaseUrl, onConnectionError: (err) => log.warn('a PostgreSQL connection failed; the pool reconnects', { error: err.message }) }
      : { dataDir: join(config.dataDir, 'db') },
  );
  const packageHint = new PackageHint(packageSignals(database), log);
  await packageHint.start();
  const deps: ServiceDeps = {
    store: withPackageHint(createStore(database.db), packageHint),
    eim: { eimId: config.eimId, signers },
    trustAnchors: pki.trustAnchors,
    log,
    now: () => new Date(),
    defaultOrderTtlMs: config.orderTtlHours * 3600_000,
  };
  const relay = options.relay?.(deps, pki);
  const service = new EimService(deps, relay, { packageHint, ...(options.lastSeenFlushMs !== undefined ? { lastSeenFlushMs: options.lastSeenFlushMs } : {}) });
  // Inject mode (SGP.32 v1.2 §6.3.3.1): queued packages are pushed to IPAs that listen for them.
  const injector = new Injector(deps, service.book, new HttpsInjectClient({ ca: trustAnchorsPem(pki), log }));
  deps.hooks = { ...deps.hooks, orderQueued: (euiccId) => injector.kick(euiccId) };
  const expiry = new OrderExpiry(deps);
  expiry.start();
  // The download relay also completes orders from HandleNotification and forwards notifications (SGP.32 v1.2 §3.2).
  const functions = relay instanceof DownloadRelayService ? withDownloadRelay(service, relay) : service;
  let tls: { cert: string; key: string } | false = false;
  if (config.esipa.tls) {
    const pem = eimTlsPem(pkiDir);
    if (!pem) throw new Error(`${pkiDir} has no eimTls certificate and key; set EIM_ESIPA_PLAIN_HTTP=true for a lab without TLS`);
    tls = pem;
  } else log.warn('ESipa is served over plain HTTP (EIM_ESIPA_PLAIN_HTTP): labs only');
  const esipa = await createEsipaServer({ functions, tls, host: config.esipa.host, port: config.esipa.port, maxBodyBytes: config.esipa.maxBodyBytes, idlePollSummaryMs: config.esipa.idlePollLogSeconds * 1000, logger: log });
  const firstAdminKey = await bootstrapAdminKey(deps);
  // Events (issue 6 §3): one feed per instance serves the WebSocket stream and the webhook dispatcher.
  const events = new EventFeed(deps.store, { log });
  let stream: EventStream | undefined;
  const api = await createApiServer({
    deps,
    routes: allRoutes(deps, { events, allowHttpWebhooks: config.webhooks.allowHttp }),
    host: config.api.host,
    port: config.api.port,
    rateLimit: { perSecond: config.api.rateLimitPerSecond, burst: config.api.rateLimitBurst },
    log,
    attach: (server) => (stream = attachEventStream(server, { deps, feed: events })),
  });
  events.start();
  const webhooks = new WebhookDispatcher(deps.store, events, { log });
  webhooks.start();
  // Pool assignments (issue 6 §2): members who joined a group since are served within a minute.
  const poolReconciler = startPoolReconciler(deps);
  return {
    config,
    pki,
    pkiDir,
    database,
    deps,
    service,
    esipa,
    api,
    firstAdminKey,
    generatedPki: generated,
    async close() {
      stream?.close();
      await webhooks.stop();
      await events.stop();
      await api.close();
      await poolReconciler.stop();
      await esipa.close();
      await injector.idle();
      await expiry.stop();
      if (relay instanceof DownloadRelayService) await relay.close();
      await service.close();
      await packageHint.close();
      await database.close();
    },
  };
}
