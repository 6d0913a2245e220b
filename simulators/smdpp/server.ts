// startSmdpp: the SM-DP+ simulator in-process. One HTTPS server carries the ES9+ JSON binding, the
// ES9+ ASN.1 binding and (with a token) the admin endpoint; the handle exposes the catalogue, the
// recorded events and the failure script for tests.

import type { ParsedCertificate } from '../../src/crypto/certificate.ts';
import { type LoadedPki, loadPkiDirectory } from '../../src/crypto/pki-directory.ts';
import { dispatchAdmin } from '../common/admin.ts';
import { dispatchAsn1 } from '../common/asn1-binding.ts';
import { serverCredentials } from '../common/credentials.ts';
import { FailureScript, type ScriptedFailure } from '../common/failure-script.ts';
import { type RunningServer, startHttpsServer } from '../common/http-server.ts';
import { dispatchJson } from '../common/json-binding.ts';
import { Recorder } from '../common/recorder.ts';
import { SessionStore } from '../common/sessions.ts';
import { type TlsMaterial, tlsFromPkiDirectory, trustedCaPem } from '../common/tls.ts';
import { smdppAdminRoutes } from './admin.ts';
import { es9Asn1Routes } from './asn1-binding.ts';
import { Catalogue, type CatalogueEntry, type ProfileInput } from './catalogue.ts';
import type { SmdppContext, SmdppSession } from './context.ts';
import { ES9_ERRORS } from './errors.ts';
import type { SmdppEvent } from './events.ts';
import { es9Functions } from './functions/index.ts';
import { es9JsonRoutes } from './json-binding.ts';
import { type SmdsTarget, smdsLink } from './smds-link.ts';

export interface SmdppOptions {
  /** PKI directory (pki.json) or an already loaded PKI: DPauth, DPpb, DPtls and the CIs. */
  pki: string | LoadedPki;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** SM-DP+ address (FQDN) in serverSigned1 and activation codes; default `localhost:<port>`. */
  address?: string;
  catalogue?: ProfileInput[];
  /** TLS certificate and key; default CERT.DP.TLS of the PKI. */
  tls?: TlsMaterial;
  /** Enables /admin/ with this bearer token. */
  adminToken?: string;
  /** Where ES12 events go for orders with registerSmdsEvent. */
  smds?: SmdsTarget;
  maxBodyBytes?: number;
  sessionTtlMs?: number;
  /** Clock for expiry checks (tests). */
  now?: () => Date;
  log?: (line: string) => void;
}

export interface SmdppHandle {
  url: string;
  address: string;
  port: number;
  /** PEM of the CIs: what a client trusts for this server's TLS certificate. */
  ca: string;
  catalogue: Catalogue;
  addProfile(input: ProfileInput): Promise<CatalogueEntry>;
  /** `1$address$matchingId` (SGP.22 v2.5 §4.1 Activation Code). */
  activationCode(matchingId: string): string;
  recorded: Recorder<SmdppEvent>;
  readonly events: SmdppEvent[];
  script(failure: ScriptedFailure): void;
  clearScript(): void;
  close(): Promise<void>;
}

export async function startSmdpp(options: SmdppOptions): Promise<SmdppHandle> {
  const pki = typeof options.pki === 'string' ? loadPkiDirectory(options.pki) : options.pki;
  const recorder = new Recorder<SmdppEvent>();
  const script = new FailureScript();
  const ca = trustedCaPem(pki);
  const ctx: SmdppContext = {
    address: options.address ?? '',
    credentials: serverCredentials(pki, 'smdpp'),
    trustAnchors: pki.trustAnchors as ParsedCertificate[],
    catalogue: new Catalogue(),
    sessions: new SessionStore<SmdppSession>(options.sessionTtlMs),
    recorder,
    now: options.now ?? (() => new Date()),
  };
  if (options.smds) ctx.smds = smdsLink(options.smds, ca, () => ctx.address, recorder);
  const addProfile = async (input: ProfileInput) => {
    const entry = ctx.catalogue.add(input);
    if (entry.registerSmdsEvent) {
      if (!ctx.smds) throw new TypeError('registerSmdsEvent needs the smds option');
      await ctx.smds.registerEvent(entry);
    }
    return entry;
  };
  const fns = es9Functions(ctx);
  const jsonRoutes = es9JsonRoutes(fns);
  const asn1Routes = es9Asn1Routes(fns);
  const adminRoutes = smdppAdminRoutes({ addProfile, list: () => ctx.catalogue.list(), address: () => ctx.address, now: ctx.now });
  const onCall = (fn: string, path: string) => recorder.record({ type: 'call', function: fn, path });
  const dispatch = { script, errorTables: ES9_ERRORS, onCall };

  const server: RunningServer = await startHttpsServer({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    tls: options.tls ?? tlsFromPkiDirectory(pki.directory, 'dpTls'),
    ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
    ...(options.log ? { log: options.log } : {}),
    handler: async (req) =>
      (await dispatchJson(req, { routes: jsonRoutes, ...dispatch })) ??
      (await dispatchAsn1(req, { routes: asn1Routes, ...dispatch })) ??
      (await dispatchAdmin(req, options.adminToken, adminRoutes)) ?? { status: 404 },
  });
  ctx.address ||= `localhost:${server.port}`;
  try {
    for (const p of options.catalogue ?? []) await addProfile(p);
  } catch (err) {
    await server.close();
    throw err;
  }
  return {
    url: server.url,
    address: ctx.address,
    port: server.port,
    ca,
    catalogue: ctx.catalogue,
    addProfile,
    activationCode: (matchingId) => `1$${ctx.address}$${matchingId}`,
    recorded: recorder,
    get events() {
      return recorder.events;
    },
    script: (f) => script.add(f),
    clearScript: () => script.clear(),
    close: () => server.close(),
  };
}
