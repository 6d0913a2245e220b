// The RspServerClient of src/services/rsp-client.ts over HTTPS: each SM-DP+ / SM-DS address maps to an
// endpoint (URL https://<address> unless configured) and a binding, JSON by default (SGP.22 v2.5 §6.5;
// what osmo-smdpp and lpac speak), ASN.1 (§6.6) where configured. TLS server certificates are verified
// against the trust anchors (the GSMA CI certificates of the PKI), per server optionally not (labs).
import type { Logger } from '../services/deps.ts';
import type { RspServerClient } from '../services/rsp-client.ts';
import { Es9Asn1Client } from './es9-asn1.ts';
import { Es9JsonClient, type JsonHeaders } from './es9-json.ts';
import type { Endpoint } from './https-transport.ts';

export interface RspServerConfig {
  /** Base URL; default https://<address>. */
  url?: string;
  binding?: 'json' | 'asn1';
  /** TLS server name when the URL names an IP address. */
  servername?: string;
  /** Labs only: do not verify the server certificate (a warning is logged on every call). */
  insecureSkipVerify?: boolean;
  timeoutMs?: number;
}

export interface RspClientOptions {
  /** PEM trust anchors for the servers' TLS certificates. */
  ca: string;
  /** Per-server settings, keyed by address (FQDN[:port], case-insensitive). */
  servers?: Record<string, RspServerConfig>;
  /** Defaults for servers not listed: binding json, timeout 30 s, 2 connection retries. */
  binding?: 'json' | 'asn1';
  timeoutMs?: number;
  connectRetries?: number;
  /** SGP.22 v2.5 §6.5.1: X-Admin-Protocol; default gsma/rsp/v2.5.0. */
  adminProtocol?: string;
  log: Logger;
}

/** SGP.22 v2.5 §6.5.1 request headers; the eIM is in the LPA role (checklist §6.1: User-Agent gsma-rsp-lpad). */
const HEADERS: JsonHeaders = { adminProtocol: 'gsma/rsp/v2.5.0', userAgent: 'gsma-rsp-lpad' };

export class HttpsRspClient implements RspServerClient {
  readonly #options: RspClientOptions;
  readonly #servers: Map<string, RspServerConfig>;
  readonly #json: Es9JsonClient;
  readonly #asn1: Es9Asn1Client;

  constructor(options: RspClientOptions) {
    this.#options = options;
    this.#servers = new Map(Object.entries(options.servers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const headers = { ...HEADERS, ...(options.adminProtocol ? { adminProtocol: options.adminProtocol } : {}) };
    this.#json = new Es9JsonClient(headers, options.log);
    this.#asn1 = new Es9Asn1Client(headers, options.log);
  }

  /** Adds or replaces the settings of one server. */
  configure(address: string, config: RspServerConfig): void {
    this.#servers.set(address.toLowerCase(), config);
  }

  #route(address: string): { ep: Endpoint; binding: Es9JsonClient | Es9Asn1Client } {
    const c = this.#servers.get(address.toLowerCase()) ?? {};
    const ep: Endpoint = {
      url: c.url ?? `https://${address}`,
      ca: this.#options.ca,
      timeoutMs: c.timeoutMs ?? this.#options.timeoutMs ?? 30_000,
      connectRetries: this.#options.connectRetries ?? 2,
      ...(c.servername ? { servername: c.servername } : {}),
      ...(c.insecureSkipVerify ? { insecureSkipVerify: true } : {}),
    };
    return { ep, binding: (c.binding ?? this.#options.binding ?? 'json') === 'asn1' ? this.#asn1 : this.#json };
  }

  initiateAuthentication(server: string, euiccChallenge: Uint8Array, euiccInfo1: Uint8Array) {
    const r = this.#route(server);
    return r.binding.initiateAuthentication(r.ep, server, euiccChallenge, euiccInfo1);
  }
  authenticateClient(server: string, transactionId: Uint8Array, asr: Uint8Array) {
    const r = this.#route(server);
    return r.binding.authenticateClient(r.ep, transactionId, asr);
  }
  retrieveEvents(server: string, transactionId: Uint8Array, asr: Uint8Array) {
    const r = this.#route(server);
    return r.binding.retrieveEvents(r.ep, transactionId, asr);
  }
  getBoundProfilePackage(server: string, transactionId: Uint8Array, pdr: Uint8Array) {
    const r = this.#route(server);
    return r.binding.getBoundProfilePackage(r.ep, transactionId, pdr);
  }
  cancelSession(server: string, transactionId: Uint8Array, csr: Uint8Array) {
    const r = this.#route(server);
    return r.binding.cancelSession(r.ep, transactionId, csr);
  }
  handleNotification(server: string, pendingNotification: Uint8Array) {
    const r = this.#route(server);
    return r.binding.handleNotification(r.ep, pendingNotification);
  }
}
