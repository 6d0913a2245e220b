// A ProfileDownloadTriggerRequest carried out (SGP.32 v1.2 §3.2): indirect through the eIM (ESipa
// InitiateAuthentication … HandleNotification, CancelSession) or direct with the SM-DP+ (ES9+), as the
// IPA's capabilities say. Returns the EimPackageResult to report, if any.

import type { RSPDefinitions as R } from '../../src/asn1/index.ts';
import { type DownloadInput, type DownloadOutcome, download } from './download.ts';
import { Es9Client } from './es9-client.ts';
import type { EsipaClient } from './messages.ts';
import type { IpaCard } from './package-handler.ts';
import { targetOf, triggerResultWithError, triggerResultWithPir } from './trigger.ts';
import { HttpsTransport, type TransportOptions } from './transport.ts';

export type DownloadMode = 'direct' | 'indirect';

export interface DownloadSettings {
  mode: DownloadMode;
  esipa: EsipaClient;
  deviceInfo: R.DeviceInfo;
  /** Direct mode: how the SM-DP+ is reached. */
  smdp?: { ca: string; servername?: string; url?: (address: string) => string };
  transport: Omit<TransportOptions, 'ca' | 'servername'>;
  confirmationCode?: string;
  accept?: DownloadInput['accept'];
}

export type DownloadReport = DownloadOutcome & { mode: DownloadMode; smdpAddress?: string };

/** SM-DS redirections followed at most this often (an event pointing to an event is a loop). */
const MAX_REDIRECTS = 2;

function serverFor(settings: DownloadSettings, smdpAddress: string | undefined) {
  if (settings.mode === 'indirect') return settings.esipa;
  if (!settings.smdp) throw new TypeError('direct download needs the smdp option (its TLS trust)');
  if (!smdpAddress) throw new TypeError('direct download needs an SM-DP+ address');
  const url = settings.smdp.url?.(smdpAddress) ?? `https://${smdpAddress}`;
  return new Es9Client(url, new HttpsTransport({ ...settings.transport, ca: settings.smdp.ca, ...(settings.smdp.servername ? { servername: settings.smdp.servername } : {}) }));
}

/** Runs the download a trigger asks for; `result` is the EimPackageResult TLV to provide (undefined: nothing to report). */
export async function runDownload(card: IpaCard, bf54: Uint8Array, settings: DownloadSettings): Promise<{ report: DownloadReport; result?: Uint8Array }> {
  let trigger = bf54;
  const eimTransactionId = (await targetOf(card, bf54)).eimTransactionId;
  for (let hop = 0; ; hop++) {
    const target = await targetOf(card, trigger);
    const server = serverFor(settings, target.smdpAddress);
    const outcome = await download(card, {
      server,
      deviceInfo: settings.deviceInfo,
      ...(target.smdpAddress !== undefined ? { smdpAddress: target.smdpAddress } : {}),
      ...(target.matchingId !== undefined ? { matchingId: target.matchingId } : {}),
      ...(settings.mode === 'indirect' && eimTransactionId ? { eimTransactionId } : {}),
      ...(settings.confirmationCode !== undefined ? { confirmationCode: settings.confirmationCode } : {}),
      ...(settings.accept ? { accept: settings.accept } : {}),
    });
    const report: DownloadReport = { ...outcome, mode: settings.mode, ...(target.smdpAddress ? { smdpAddress: target.smdpAddress } : {}) };
    if (!outcome.ok && outcome.redirect && hop < MAX_REDIRECTS) {
      trigger = outcome.redirect; // SGP.32 v1.2 §3.2.4: the SM-DS event names the SM-DP+ to go to
      continue;
    }
    return { report, ...resultOf(settings.mode, eimTransactionId, outcome) };
  }
}

/**
 * What the eIM is told. Direct (SGP.32 v1.2 §3.2.2): ProfileDownloadTriggerResult with the PIR, or with
 * profileDownloadError. Indirect (§3.2.3): the PIR reached the eIM through HandleNotification, so nothing;
 * Interpretation: a download that failed before any PIR is reported as profileDownloadError so the eIM
 * can close its order rather than wait for a PIR that will not come.
 */
function resultOf(mode: DownloadMode, eimTransactionId: Uint8Array | undefined, outcome: DownloadOutcome): { result?: Uint8Array } {
  const notified = outcome.notified ?? false;
  if (outcome.pir) return mode === 'indirect' && notified ? {} : { result: triggerResultWithPir(eimTransactionId, outcome.pir) };
  return { result: triggerResultWithError(eimTransactionId, outcome.ok ? undefined : outcome.errorResponse) };
}
