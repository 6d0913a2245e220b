// The download relay wired to the HTTPS client: what src/main.ts passes to startEim (`relay`). The trust
// anchors for the RSP servers' TLS certificates are the CI certificates of the eIM's PKI (SGP.22 v2.5
// §4.5.2: CERT.DP.TLS / CERT.DS.TLS chain to a GSMA CI).
import type { LoadedPki } from '../crypto/pki-directory.ts';
import { pemEncode } from '../crypto/keys.ts';
import type { ServiceDeps } from '../services/deps.ts';
import { DownloadRelayService, type DownloadRelayOptions } from '../services/download-relay.ts';
import { HttpsRspClient, type RspClientOptions } from './rsp-client.ts';

export type DownloadRelaySetup = DownloadRelayOptions & Omit<RspClientOptions, 'ca' | 'log'> & { ca?: string };

export function trustAnchorsPem(pki: LoadedPki): string {
  return pki.trustAnchors.map((c) => pemEncode('CERTIFICATE', c.der)).join('');
}

/** A `relay` factory for startEim: the relay service on an HTTPS RSP client. */
export function downloadRelay(setup: DownloadRelaySetup = {}): (deps: ServiceDeps, pki: LoadedPki) => DownloadRelayService {
  return (deps, pki) => {
    const { ca, servers, binding, timeoutMs, connectRetries, adminProtocol, ...relayOptions } = setup;
    const client = new HttpsRspClient({
      ca: ca ?? trustAnchorsPem(pki),
      log: deps.log,
      ...(servers ? { servers } : {}),
      ...(binding ? { binding } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(connectRetries !== undefined ? { connectRetries } : {}),
      ...(adminProtocol ? { adminProtocol } : {}),
    });
    return new DownloadRelayService(deps, client, relayOptions);
  };
}
