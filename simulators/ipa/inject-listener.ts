// Inject mode (SGP.32 v1.2 §6.3.3.1 / §6.4.1.4, checklist §5.4): the IPA serves TransferEimPackage and the
// eIM pushes a package to it. eUICC packages and IPA data requests are answered in the response;
// acknowledgements and download triggers are answered eimPackageReceived, a download's result follows
// later through ProvideEimPackageResult (retrieve-mode client).
//
// Interpretation (no public JSON schema for this function): the JSON request has one member named after
// the TransferEimPackageRequest alternative (base64 of its TLV), the answer one member named after the
// TransferEimPackageResponse alternative (base64 TLV; eimPackageReceived true; eimPackageError integer).

import { Asn1Error, SGP32Definitions as S } from '../../src/asn1/index.ts';
import { fromBase64, toBase64 } from '../../src/lib/bytes.ts';
import { ASN1_CONTENT_TYPE } from '../common/asn1-binding.ts';
import { type RunningServer, type SimRequest, type SimResponse, startHttpsServer } from '../common/http-server.ts';
import { JSON_CONTENT_TYPE } from '../common/json-binding.ts';
import type { TlsMaterial } from '../common/tls.ts';
import type { IpaSimulator } from './ipa.ts';
import type { EimPackage } from './messages.ts';
import { children, tagOf, tlv } from './tlv.ts';

export interface InjectListenerOptions {
  tls: TlsMaterial;
  host?: string;
  port?: number;
}

export interface InjectListener extends RunningServer {
  /** Resolves when every download started by an injected trigger has been reported. */
  idle(): Promise<void>;
}

type Pushed = Exclude<EimPackage, { kind: 'eimPackageError' }>;
const KINDS: Record<string, Pushed['kind']> = { bf51: 'euiccPackageRequest', bf52: 'ipaEuiccDataRequest', bf53: 'eimAcknowledgements', bf54: 'profileDownloadTriggerRequest' };
const RECEIVED = Uint8Array.of(0x05, 0x00);

/** The TransferEimPackageResponse alternative TLV for a pushed package (BF51 | 30 | BF52 | 05 00 | 02). */
interface Ctx {
  ipa: IpaSimulator;
  background: Promise<unknown>[];
  log: ((e: string, d?: Record<string, unknown>) => void) | undefined;
}

async function answer({ ipa, background, log }: Ctx, pkg: Pushed): Promise<Uint8Array> {
  if (pkg.kind === 'euiccPackageRequest' || pkg.kind === 'ipaEuiccDataRequest') {
    const r = await ipa.handlePackage(pkg);
    return r.result!;
  }
  if (pkg.kind === 'eimAcknowledgements') {
    await ipa.handlePackage(pkg);
    return RECEIVED;
  }
  background.push(
    ipa
      .handlePackage(pkg)
      .then((r) => (r.result ? ipa.provide(r.result) : undefined))
      .catch((err: unknown) => log?.('injected download failed', { error: (err as Error).message })),
  );
  return RECEIVED;
}

async function asn1Request(ctx: Ctx, req: SimRequest): Promise<SimResponse> {
  if (!String(req.headers['content-type'] ?? '').startsWith(ASN1_CONTENT_TYPE)) return { status: 415 };
  let pkg: Pushed;
  try {
    S.TransferEimPackageRequest.decode(req.body);
    const inner = children(req.body)[0]!.tlv;
    pkg = { kind: KINDS[tagOf(inner)]!, der: inner };
  } catch (err) {
    if (err instanceof Asn1Error) return { status: 400 };
    throw err;
  }
  const out = tlv([0xbf, 0x4e], await answer(ctx, pkg));
  return { status: 200, headers: { 'Content-Type': ASN1_CONTENT_TYPE, 'X-Admin-Protocol': 'gsma/rsp/v2.1.0' }, body: out };
}

const JSON_NAMES: Record<string, string> = { bf51: 'euiccPackageResult', '30': 'ePRAndNotifications', bf52: 'ipaEuiccDataResponse' };

async function jsonRequest(ctx: Ctx, req: SimRequest): Promise<SimResponse> {
  let pkg: Pushed | undefined;
  try {
    const o = JSON.parse(new TextDecoder().decode(req.body)) as Record<string, unknown>;
    for (const kind of Object.values(KINDS)) if (typeof o[kind] === 'string') pkg = { kind, der: fromBase64(o[kind] as string) };
    if (!pkg || tagOf(pkg.der) !== Object.keys(KINDS).find((t) => KINDS[t] === pkg!.kind)) return { status: 400 };
  } catch {
    return { status: 400 };
  }
  const out = await answer(ctx, pkg);
  const tag = tagOf(out);
  const fields = out === RECEIVED ? { eimPackageReceived: true } : tag === '02' ? { eimPackageError: out[out.length - 1] } : { [JSON_NAMES[tag] ?? 'eimPackageResult']: toBase64(out) };
  const body = JSON.stringify({ header: { functionExecutionStatus: { status: 'Executed-Success' } }, ...fields });
  return { status: 200, headers: { 'Content-Type': JSON_CONTENT_TYPE }, body };
}

export async function startInjectListener(ipa: IpaSimulator, options: InjectListenerOptions, log?: (e: string, d?: Record<string, unknown>) => void): Promise<InjectListener> {
  const ctx: Ctx = { ipa, background: [], log };
  const server = await startHttpsServer({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    tls: options.tls,
    handler: async (req) => {
      if (req.method !== 'POST') return { status: 405, headers: { Allow: 'POST' } };
      if (req.path === '/gsma/rsp2/asn1') return asn1Request(ctx, req);
      if (req.path === '/gsma/rsp2/esipa/transferEimPackage') return jsonRequest(ctx, req);
      return { status: 404 };
    },
  });
  return { ...server, idle: async () => void (await Promise.all(ctx.background)) };
}
