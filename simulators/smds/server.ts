// startSmds: the SM-DS simulator in-process. One HTTPS server carries ES11 (JSON on the es11 and
// es9plus paths, and the ASN.1 binding), ES12 (JSON) and, with a token, GET /admin/events.

import type { ParsedCertificate } from '../../src/crypto/certificate.ts';
import { type LoadedPki, loadPkiDirectory } from '../../src/crypto/pki-directory.ts';
import { dispatchAdmin } from '../common/admin.ts';
import { dispatchAsn1 } from '../common/asn1-binding.ts';
import { serverCredentials } from '../common/credentials.ts';
import { FailureScript, type ScriptedFailure } from '../common/failure-script.ts';
import { startHttpsServer } from '../common/http-server.ts';
import { dispatchJson } from '../common/json-binding.ts';
import type { AuthSession } from '../common/mutual-authentication.ts';
import { Recorder } from '../common/recorder.ts';
import { SessionStore } from '../common/sessions.ts';
import { type TlsMaterial, tlsFromPkiDirectory, trustedCaPem } from '../common/tls.ts';
import { es11Asn1Routes } from './asn1-binding.ts';
import type { SmdsContext, SmdsEvent } from './context.ts';
import { SMDS_ERRORS } from './errors.ts';
import { type EventRecord, EventStore } from './event-store.ts';
import { type RegisterEventInput, smdsFunctions } from './functions.ts';
import { smdsJsonRoutes } from './json-binding.ts';

export interface SmdsOptions {
  /** PKI directory (pki.json) or a loaded PKI: DSauth, DStls and the CIs. */
  pki: string | LoadedPki;
  host?: string;
  port?: number;
  /** SM-DS address (FQDN) in serverSigned1; default `localhost:<port>`. */
  address?: string;
  /** Events present from the start. */
  events?: RegisterEventInput[];
  tls?: TlsMaterial;
  adminToken?: string;
  maxBodyBytes?: number;
  now?: () => Date;
  log?: (line: string) => void;
}

export interface SmdsHandle {
  url: string;
  address: string;
  port: number;
  ca: string;
  /** ES12.RegisterEvent in-process (same checks as over HTTPS). */
  registerEvent(input: RegisterEventInput): Promise<void>;
  deleteEvent(eid: string, eventId: string): Promise<void>;
  listEvents(): EventRecord[];
  recorded: Recorder<SmdsEvent>;
  readonly events: SmdsEvent[];
  script(failure: ScriptedFailure): void;
  clearScript(): void;
  close(): Promise<void>;
}

export async function startSmds(options: SmdsOptions): Promise<SmdsHandle> {
  const pki = typeof options.pki === 'string' ? loadPkiDirectory(options.pki) : options.pki;
  const recorder = new Recorder<SmdsEvent>();
  const script = new FailureScript();
  const store = new EventStore();
  const ctx: SmdsContext = {
    address: options.address ?? '',
    credentials: serverCredentials(pki, 'smds'),
    trustAnchors: pki.trustAnchors as ParsedCertificate[],
    events: store,
    sessions: new SessionStore<AuthSession>(),
    recorder,
    now: options.now ?? (() => new Date()),
  };
  const fns = smdsFunctions(ctx);
  const jsonRoutes = smdsJsonRoutes(fns);
  const asn1Routes = es11Asn1Routes(fns);
  const dispatch = { script, errorTables: SMDS_ERRORS, onCall: (fn: string, path: string) => recorder.record({ type: 'call', function: fn, path }) };
  const adminRoutes = { '/admin/events': async () => ({ status: 200, body: store.list() }) };
  const server = await startHttpsServer({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    tls: options.tls ?? tlsFromPkiDirectory(pki.directory, 'dsTls'),
    ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
    ...(options.log ? { log: options.log } : {}),
    handler: async (req) =>
      (await dispatchJson(req, { routes: jsonRoutes, ...dispatch })) ??
      (await dispatchAsn1(req, { routes: asn1Routes, ...dispatch })) ??
      (await dispatchAdmin(req, options.adminToken, adminRoutes)) ?? { status: 404 },
  });
  ctx.address ||= `localhost:${server.port}`;
  try {
    for (const e of options.events ?? []) await fns.registerEvent(e);
  } catch (err) {
    await server.close();
    throw err;
  }
  return {
    url: server.url,
    address: ctx.address,
    port: server.port,
    ca: trustedCaPem(pki),
    registerEvent: fns.registerEvent,
    deleteEvent: fns.deleteEvent,
    listEvents: () => store.list(),
    recorded: recorder,
    get events() {
      return recorder.events;
    },
    script: (f) => script.add(f),
    clearScript: () => script.clear(),
    close: () => server.close(),
  };
}
