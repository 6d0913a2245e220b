// The IPA simulator (GitHub issue 4): an SGP.32 v1.2 IPAd in retrieve mode driving a virtual eUICC
// in-process. One poll = GetEimPackage → the package on the eUICC → ProvideEimPackageResult → the
// acknowledged seqNumbers removed from the eUICC (SGP.32 v1.2 §3.1.1, §6.3.2.6-7; checklist §2.7).

import { RSPDefinitions as R, SGP32Definitions as S } from '../../src/asn1/index.ts';
import { toHex } from '../../src/lib/bytes.ts';
import { EsipaAsn1Client } from './esipa-asn1.ts';
import { EsipaJsonClient } from './esipa-json.ts';
import { type InjectListener, type InjectListenerOptions, startInjectListener } from './inject-listener.ts';
import type { EimPackage, EsipaClient, ProvideAnswer } from './messages.ts';
import { INVALID_PACKAGE_FORMAT, type IpaCard, packageError, removeAcknowledged, runEuiccPackage, runIpaEuiccData, transactionIdIn } from './package-handler.ts';
import { type DownloadMode, type DownloadReport, type DownloadSettings, runDownload } from './profile-download.ts';
import { HttpsTransport, type RetryPolicy, TransportError } from './transport.ts';

export interface IpaSimulatorOptions {
  card: IpaCard;
  /** https://host:port of the eIM's ESipa server (no trailing slash). */
  eimUrl: string;
  /** ESipa binding (SGP.32 v1.2 §6.3 ASN.1, §6.4 JSON); default asn1. */
  binding?: 'asn1' | 'json';
  /** PEM the eIM's TLS certificate must chain to (EimConfigurationData trustedPublicKeyDataTls). */
  ca: string;
  servername?: string;
  /** IpaCapabilities (answered in IpaEuiccData A8); default: direct and indirect download, retrieveHttps. */
  capabilities?: S.IpaCapabilities;
  /** Which download the IPA does; default indirect when the capabilities allow it, else direct. */
  download?: DownloadMode;
  /** Direct download: trust for the SM-DP+'s TLS certificate, and optionally its URL for an address. */
  smdp?: DownloadSettings['smdp'];
  deviceInfo?: R.DeviceInfo;
  confirmationCode?: string;
  /** Decides on the profile metadata of a download (see DownloadInput.accept). */
  acceptProfile?: DownloadSettings['accept'];
  retry?: Partial<RetryPolicy>;
  timeoutMs?: number;
  /** Leave eidValue out of ProvideEimPackageResult (allowed since v1.2, CR12014). */
  omitEidInResults?: boolean;
  log?: (event: string, data?: Record<string, unknown>) => void;
}

export interface PollResult {
  /** What GetEimPackage brought; 'none' = noEimPackageAvailable(1). */
  package: EimPackage['kind'] | 'none';
  eimPackageError?: number;
  /** Hex eimTransactionId of the package. */
  eimTransactionId?: string;
  /** The StateChangeCause sent with this GetEimPackage (notifyStateChange). */
  stateChangeCause?: number;
  /** The EimPackageResult TLV sent in ProvideEimPackageResult. */
  sent?: Uint8Array;
  answer?: ProvideAnswer;
  /** seqNumbers the eIM acknowledged that were deleted on the eUICC. */
  removed: number[];
  /** seqNumbers of the notifications sent with a package result. */
  notifications?: number[];
  download?: DownloadReport;
  /** A result that could not be sent on the previous poll and went out first on this one. */
  resent?: { sent: Uint8Array; answer: ProvideAnswer; removed: number[] };
}

export const DEFAULT_CAPABILITIES: S.IpaCapabilities = {
  ipaFeatures: ['directRspServerCommunication', 'indirectRspServerCommunication'],
  ipaSupportedProtocols: ['ipaRetrieveHttps'],
};
export const DEFAULT_DEVICE_INFO: R.DeviceInfo = { tac: Uint8Array.of(0x35, 0x29, 0x04, 0x11), deviceCapabilities: {} };

const FEATURE: Record<DownloadMode, S.IpaCapabilities['ipaFeatures'][number]> = { direct: 'directRspServerCommunication', indirect: 'indirectRspServerCommunication' };

function downloadModeOf(capabilities: S.IpaCapabilities, wanted: DownloadMode | undefined): DownloadMode | undefined {
  if (wanted) {
    if (!capabilities.ipaFeatures.includes(FEATURE[wanted])) throw new TypeError(`download '${wanted}' needs ${FEATURE[wanted]} in the IPA capabilities`);
    return wanted;
  }
  if (capabilities.ipaFeatures.includes(FEATURE.indirect)) return 'indirect';
  return capabilities.ipaFeatures.includes(FEATURE.direct) ? 'direct' : undefined;
}

export class IpaSimulator {
  readonly esipa: EsipaClient;
  readonly capabilities: S.IpaCapabilities;
  readonly downloadMode: DownloadMode | undefined;
  readonly #card: IpaCard;
  readonly #options: IpaSimulatorOptions;
  #eid: string | undefined;
  #pendingCause: number | undefined;
  #unsent: Uint8Array | undefined;

  constructor(options: IpaSimulatorOptions) {
    if (!options?.card || !options.eimUrl || !options.ca) throw new TypeError('IpaSimulator needs card, eimUrl and ca');
    this.#options = options;
    this.#card = options.card;
    this.capabilities = options.capabilities ?? DEFAULT_CAPABILITIES;
    this.downloadMode = downloadModeOf(this.capabilities, options.download);
    const transport = new HttpsTransport({ ...this.#transportOptions(), ca: options.ca, ...(options.servername ? { servername: options.servername } : {}) });
    const url = options.eimUrl.replace(/\/$/, '');
    this.esipa = options.binding === 'json' ? new EsipaJsonClient(url, transport) : new EsipaAsn1Client(url, transport);
  }

  #transportOptions() {
    const o = this.#options;
    return { ...(o.retry ? { retry: o.retry } : {}), ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}), onRetry: (i: { url: string; attempt: number; delayMs: number }) => o.log?.('retry', i) };
  }

  get card(): IpaCard {
    return this.#card;
  }

  async eid(): Promise<string> {
    if (!this.#eid) {
      const r = await this.#card.transmit(R.GetEuiccDataRequest.encode({ tagList: Uint8Array.of(0x5a) }));
      this.#eid = toHex(r.subarray(r.length - 16));
    }
    return this.#eid;
  }

  /** The next GetEimPackage carries notifyStateChange with this cause (SGP.32 v1.2 StateChangeCause). */
  notifyStateChange(cause: number): void {
    this.#pendingCause = cause;
  }

  /** Local ES10b.ExecuteFallbackMechanism (SGP.32 v1.2 §5.9.20), then notifyStateChange(fallback). Returns the card's result code. */
  async executeFallback(): Promise<number> {
    const r = S.ExecuteFallbackMechanismResponse.decode(await this.#card.transmit(S.ExecuteFallbackMechanismRequest.encode({ refreshFlag: false })));
    const code = Number(r.executeFallbackMechanismResult);
    if (code === 0) this.notifyStateChange(1); // StateChangeCause fallback(1)
    return code;
  }

  /** Local ES10b.ReturnFromFallback (§5.9.21), then notifyStateChange(fallback). */
  async returnFromFallback(): Promise<number> {
    const r = S.ReturnFromFallbackResponse.decode(await this.#card.transmit(S.ReturnFromFallbackRequest.encode({ refreshFlag: false })));
    const code = Number(r.returnFromFallbackResult);
    if (code === 0) this.notifyStateChange(1);
    return code;
  }

  /** Sends one EimPackageResult and deletes what the eIM acknowledged; keeps it for the next poll if it could not be sent. */
  async provide(result: Uint8Array): Promise<{ answer: ProvideAnswer; removed: number[] }> {
    const eid = this.#options.omitEidInResults ? undefined : await this.eid();
    let answer: ProvideAnswer;
    try {
      answer = await this.esipa.provideEimPackageResult(eid, result);
    } catch (err) {
      if (err instanceof TransportError) this.#unsent = result;
      throw err;
    }
    this.#unsent = undefined;
    const removed = 'eimAcknowledgements' in answer ? await removeAcknowledged(this.#card, answer.eimAcknowledgements) : [];
    return { answer, removed };
  }

  /** One retrieve-mode exchange (see PollResult). Transport failures throw TransportError / HttpStatusError. */
  async pollOnce(): Promise<PollResult> {
    let resent: PollResult['resent'];
    if (this.#unsent) {
      const sent = this.#unsent;
      resent = { sent, ...(await this.provide(sent)) };
    }
    const cause = this.#pendingCause;
    const pkg = await this.esipa.getEimPackage({ eid: await this.eid(), ...(cause !== undefined ? { stateChangeCause: cause } : {}) });
    if (this.#pendingCause === cause) this.#pendingCause = undefined;
    const base = { removed: [] as number[], ...(cause !== undefined ? { stateChangeCause: cause } : {}), ...(resent ? { resent } : {}) };
    if (pkg.kind === 'eimPackageError') return pkg.code === 1 ? { ...base, package: 'none' } : { ...base, package: 'eimPackageError', eimPackageError: pkg.code };
    const txid = transactionIdIn(pkg.der);
    const out: PollResult = { ...base, package: pkg.kind, ...(txid ? { eimTransactionId: toHex(txid) } : {}) };
    const handled = await this.handlePackage(pkg);
    if (handled.notifications) out.notifications = handled.notifications;
    if (handled.download) out.download = handled.download;
    if (handled.result) {
      out.sent = handled.result;
      Object.assign(out, await this.provide(handled.result));
    }
    this.#options.log?.('poll', { package: out.package, eimTransactionId: out.eimTransactionId, answer: out.answer, removed: out.removed });
    return out;
  }

  /** Runs one package on the eUICC; `result` is the EimPackageResult to report (shared with inject mode). */
  async handlePackage(pkg: Exclude<EimPackage, { kind: 'eimPackageError' }>): Promise<{ result?: Uint8Array; notifications?: number[]; download?: DownloadReport; removed?: number[] }> {
    switch (pkg.kind) {
      case 'euiccPackageRequest': {
        try {
          const r = await runEuiccPackage(this.#card, pkg.der);
          return { result: r.result, notifications: r.notifications };
        } catch (err) {
          // The eUICC refused the bytes as a command (not a well-formed BF51): invalidPackageFormat.
          this.#options.log?.('package refused by the eUICC', { error: (err as Error).message });
          return { result: packageError(pkg.der, INVALID_PACKAGE_FORMAT) };
        }
      }
      case 'ipaEuiccDataRequest':
        try {
          return { result: runIpaEuiccData(this.#card, pkg.der, { ipaCapabilities: this.capabilities, deviceInfo: this.#options.deviceInfo ?? DEFAULT_DEVICE_INFO }) };
        } catch {
          return { result: packageError(pkg.der, INVALID_PACKAGE_FORMAT) };
        }
      case 'profileDownloadTriggerRequest': {
        if (!this.downloadMode) return { result: packageError(pkg.der, 127) };
        const { report, result } = await runDownload(this.#card, pkg.der, this.#downloadSettings(this.downloadMode));
        return { download: report, ...(result ? { result } : {}) };
      }
      case 'eimAcknowledgements':
        return { removed: await removeAcknowledged(this.#card, S.EimAcknowledgements.decode(pkg.der).map(Number)) };
    }
  }

  #downloadSettings(mode: DownloadMode): DownloadSettings {
    const o = this.#options;
    return {
      mode,
      esipa: this.esipa,
      deviceInfo: o.deviceInfo ?? DEFAULT_DEVICE_INFO,
      transport: this.#transportOptions(),
      ...(o.smdp ? { smdp: o.smdp } : {}),
      ...(o.confirmationCode !== undefined ? { confirmationCode: o.confirmationCode } : {}),
      ...(o.acceptProfile ? { accept: o.acceptProfile } : {}),
    };
  }

  /** Inject mode (SGP.32 v1.2 §6.3.3.1): serves TransferEimPackage on HTTPS with the given TLS certificate. */
  startInjectListener(options: InjectListenerOptions): Promise<InjectListener> {
    return startInjectListener(this, options, this.#options.log);
  }

  /**
   * Polls until `signal` aborts: again at once after a package (the eIM may have more queued), after
   * `intervalMs` when there was none or the eIM could not be reached (each request already retried with backoff).
   */
  async run(options: { intervalMs: number; signal?: AbortSignal; onPoll?: (r: PollResult) => void; onError?: (err: unknown) => void }): Promise<void> {
    const { signal } = options;
    while (!signal?.aborted) {
      let busy = false;
      try {
        const r = await this.pollOnce();
        options.onPoll?.(r);
        busy = r.package !== 'none' && r.package !== 'eimPackageError';
      } catch (err) {
        options.onError?.(err);
      }
      if (!busy) await pause(options.intervalMs, signal);
    }
  }
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
