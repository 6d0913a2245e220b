// TransferEimPackage over HTTPS, ASN.1 binding (SGP.32 v1.2 §6.3.3.1): the eIM is the client, the IPA the
// server; its certificate is checked against the configured trust anchors.
import type { Logger } from '../services/deps.ts';
import type { InjectClient } from '../services/inject.ts';
import { post } from './https-transport.ts';

export interface InjectClientOptions {
  /** PEM trust anchors for the IPAs' TLS certificates. */
  ca: string;
  /** TLS server name to check when the inject URL names an IP address (default: the URL host). */
  servername?: string;
  timeoutMs?: number;
  log: Logger;
}

export class HttpsInjectClient implements InjectClient {
  constructor(private readonly options: InjectClientOptions) {}

  async transfer(url: string, request: Uint8Array): Promise<{ response: Uint8Array } | { failure: string }> {
    const outcome = await post(
      { url, ca: this.options.ca, timeoutMs: this.options.timeoutMs ?? 30_000, connectRetries: 1, ...(this.options.servername ? { servername: this.options.servername } : {}) },
      '/gsma/rsp2/asn1',
      { 'Content-Type': 'application/x-gsma-rsp-asn1', 'X-Admin-Protocol': 'gsma/rsp/v2.1.0', 'User-Agent': 'gsma-rsp-eim' },
      request,
      this.options.log,
    );
    if (outcome.failure) return { failure: `${outcome.failure.kind}: ${'message' in outcome.failure ? outcome.failure.message : ''}` };
    if (outcome.answer.status !== 200) return { failure: `HTTP ${outcome.answer.status}` };
    return { response: outcome.answer.body };
  }
}
