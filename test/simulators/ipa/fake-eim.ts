// A minimal ESipa server (ASN.1 binding) for the IPA simulator tests: packages are queued by the test,
// every request is recorded as received, and the download functions can be relayed to the SM-DP+
// simulator through the test ES9+ client, so the IPA's indirect download runs before the eIM's own relay.

import { RSPDefinitions as R, SGP32Definitions as S, verbatim } from '../../../src/asn1/index.ts';
import { type RunningServer, type SimResponse, startHttpsServer } from '../../../simulators/common/http-server.ts';
import { tlsFromPkiDirectory } from '../../../simulators/common/tls.ts';
import { children, retag } from '../../../simulators/ipa/tlv.ts';
import type { RspClient } from '../smdpp/es9-client.ts';

export interface Recorded {
  path: string;
  headers: Record<string, unknown>;
  body: Uint8Array;
  message?: S.EsipaMessageFromIpaToEim;
}

export interface FakeEim {
  url: string;
  requests: Recorded[];
  /** Answers for GetEimPackage, in order; noEimPackageAvailable when empty. */
  queue: S.GetEimPackageResponse[];
  /** The answer to the next ProvideEimPackageResult calls (default: acknowledge every seqNumber seen). */
  provideAnswer?: (request: S.ProvideEimPackageResult) => S.ProvideEimPackageResultResponse;
  /** Drop this many connections before answering (transport-failure tests). */
  drops: number;
  /** Drop this many ProvideEimPackageResult requests. */
  dropProvide: number;
  /** Relay of the download functions (indirect download); undefined answers undefinedError. */
  relay?: RspClient;
  smdpAddress?: string;
  close(): Promise<void>;
}

const asn1 = (m: S.EsipaMessageFromEimToIpa): SimResponse => ({ status: 200, headers: { 'Content-Type': 'application/x-gsma-rsp-asn1' }, body: S.EsipaMessageFromEimToIpa.encode(m) });

/** Every seqNumber a ProvideEimPackageResult carries (package result and notifications). */
export function seqNumbersIn(p: S.ProvideEimPackageResult): number[] {
  const r = p.eimPackageResult;
  const epr = 'euiccPackageResult' in r ? r.euiccPackageResult : 'ePRAndNotifications' in r ? r.ePRAndNotifications.euiccPackageResult : undefined;
  const out: number[] = [];
  if (epr && 'euiccPackageResultSigned' in epr) out.push(Number(epr.euiccPackageResultSigned.euiccPackageResultDataSigned.seqNumber));
  if ('ePRAndNotifications' in r) {
    for (const n of r.ePRAndNotifications.notificationList) if ('otherSignedNotification' in n) out.push(Number(n.otherSignedNotification.tbsOtherNotification.seqNumber));
  }
  return out;
}

async function relay(fake: FakeEim, msg: S.EsipaMessageFromIpaToEim, body: Uint8Array): Promise<SimResponse> {
  const client = fake.relay;
  if ('initiateAuthenticationRequestEsipa' in msg) {
    const q = msg.initiateAuthenticationRequestEsipa;
    const r = client ? await client.initiateAuthentication(q.euiccChallenge, q.euiccInfo1!, q.smdpAddress ?? fake.smdpAddress!) : undefined;
    if (!r?.ok) return asn1({ initiateAuthenticationResponseEsipa: { initiateAuthenticationErrorEsipa: 127 } });
    const ok = r.ok;
    return asn1({ initiateAuthenticationResponseEsipa: { initiateAuthenticationOkEsipa: { transactionId: ok.transactionId, serverSigned1: ok.serverSigned1, serverSignature1: ok.serverSignature1, euiccCiPKIdentifierToBeUsed: ok.euiccCiPKIdToBeUsed, serverCertificate: ok.serverCertificate } } });
  }
  const parts = children(body);
  if ('authenticateClientRequestEsipa' in msg) {
    const r = await client!.authenticateClient(msg.authenticateClientRequestEsipa.transactionId, parts[1]!.tlv);
    if (!r.ok) return asn1({ authenticateClientResponseEsipa: { authenticateClientErrorEsipa: r.failure.code ?? 127 } });
    return asn1({ authenticateClientResponseEsipa: { authenticateClientOkDPEsipa: { transactionId: r.ok.transactionId, profileMetaData: r.ok.profileMetaData as S.StoreMetadataRequest, smdpSigned2: r.ok.smdpSigned2, smdpSignature2: r.ok.smdpSignature2, smdpCertificate: r.ok.smdpCertificate } } });
  }
  if ('getBoundProfilePackageRequestEsipa' in msg) {
    const r = await client!.getBoundProfilePackage(msg.getBoundProfilePackageRequestEsipa.transactionId, parts[1]!.tlv);
    if (!r.ok) return asn1({ getBoundProfilePackageResponseEsipa: { getBoundProfilePackageErrorEsipa: r.failure.code ?? 127 } });
    return asn1({ getBoundProfilePackageResponseEsipa: { getBoundProfilePackageOkEsipa: { transactionId: msg.getBoundProfilePackageRequestEsipa.transactionId, boundProfilePackage: verbatim(r.ok) } } });
  }
  if ('cancelSessionRequestEsipa' in msg) {
    const r = await client!.cancelSession(msg.cancelSessionRequestEsipa.transactionId, retag(parts[1]!.tlv, [0xbf, 0x41]));
    return asn1({ cancelSessionResponseEsipa: r.ok ? { cancelSessionOk: {} } : { cancelSessionError: r.failure.code ?? 127 } });
  }
  if ('handleNotificationEsipa' in msg) {
    if (client) await client.handleNotification(children(parts[0]!.tlv)[0]?.tlv ?? parts[0]!.value);
    return { status: 204 };
  }
  return { status: 400 };
}

export async function startFakeEim(pkiDir: string): Promise<FakeEim> {
  const fake = { requests: [] as Recorded[], queue: [] as S.GetEimPackageResponse[], drops: 0, dropProvide: 0 } as unknown as FakeEim;
  const server: RunningServer = await startHttpsServer({
    host: '127.0.0.1',
    port: 0,
    tls: tlsFromPkiDirectory(pkiDir, 'dpTls'),
    handler: async (req) => {
      if (fake.drops > 0) {
        fake.drops--;
        return { drop: true };
      }
      const rec: Recorded = { path: req.path, headers: req.headers, body: req.body };
      fake.requests.push(rec);
      if (req.path !== '/gsma/rsp2/asn1') return { status: 404 };
      const msg = S.EsipaMessageFromIpaToEim.decode(req.body);
      rec.message = msg;
      if ('getEimPackageRequest' in msg) return asn1({ getEimPackageResponse: fake.queue.shift() ?? { eimPackageError: 1 } });
      if ('provideEimPackageResult' in msg) {
        if (fake.dropProvide > 0) {
          fake.dropProvide--;
          return { drop: true };
        }
        const p = msg.provideEimPackageResult;
        const answer = fake.provideAnswer?.(p) ?? (seqNumbersIn(p).length ? { eimAcknowledgements: seqNumbersIn(p) } : { emptyResponse: {} });
        return asn1({ provideEimPackageResultResponse: answer });
      }
      return relay(fake, msg, req.body);
    },
  });
  return Object.assign(fake, { url: server.url, close: () => server.close() });
}

export { R };
