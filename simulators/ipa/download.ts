// One profile download, the IPA's part (SGP.22 v2.5 §3.1.2-§3.1.3 as SGP.32 v1.2 §3.2 uses it): the
// eUICC's ES10b functions in order, the server's answers passed on. The server is the SM-DP+ (direct,
// ES9+) or the eIM (indirect, ESipa); the card steps are the same. Every TLV the eUICC produced is sent
// as produced, every TLV the server sent is given to the eUICC as received.

import { RSPDefinitions as R } from '../../src/asn1/index.ts';
import { sha256 } from '../../src/crypto/engine.ts';
import { concatBytes, toHex } from '../../src/lib/bytes.ts';
import type { Es10Card } from '../euicc/es10-card.ts';
import type { RspServer } from './messages.ts';
import { tlv } from './tlv.ts';

export interface DownloadInput {
  server: RspServer;
  smdpAddress?: string;
  matchingId?: string;
  /** ESipa only: the eIM's download order. */
  eimTransactionId?: Uint8Array;
  deviceInfo: R.DeviceInfo;
  confirmationCode?: string;
  /**
   * Called with the profile metadata (BF25 TLV) before PrepareDownload; true continues, a number cancels the
   * session with that CancelSessionReason (SGP.22 v2.5 §5.7.14: 0 endUserRejection, 1 postponed, …).
   */
  accept?: (profileMetadata: Uint8Array | undefined) => boolean | number;
}

export type DownloadStage = 'initiateAuthentication' | 'authenticateClient' | 'getBoundProfilePackage' | 'cancelSession' | 'loadBoundProfilePackage';

export type DownloadOutcome =
  | { ok: true; transactionId: Uint8Array; pir: Uint8Array; iccid?: string; notified: boolean }
  | {
      ok: false;
      stage: DownloadStage;
      /** The server's error code (ESipa integer; 127 for an ES9+ failure). */
      code?: number;
      /** The raw failing answer, for ProfileDownloadError.errorResponse. */
      errorResponse?: Uint8Array;
      transactionId?: Uint8Array;
      /** A signed ProfileInstallationResult that reports a failure (BF37), when the eUICC made one. */
      pir?: Uint8Array;
      notified?: boolean;
      /** CancelSession: the reason the IPA gave and what the server answered. */
      cancelled?: { reason: number; ok: boolean };
      /** AuthenticateClient through the eIM found an SM-DS event: the new trigger (BF54 TLV). */
      redirect?: Uint8Array;
    };

const sig = (value: Uint8Array) => tlv([0x5f, 0x37], value);

async function challengeOf(card: Es10Card): Promise<Uint8Array> {
  return R.GetEuiccChallengeResponse.decode(await card.transmit(R.GetEuiccChallengeRequest.encode({}))).euiccChallenge;
}

/** SGP.22 v2.5 §3.1.3: after the server took the notification, the IPA deletes it from the eUICC. */
async function notify(card: Es10Card, server: RspServer, pir: Uint8Array, seqNumber: number): Promise<boolean> {
  try {
    await server.handleNotification(pir);
  } catch {
    return false; // stays on the eUICC; delivered later (ePRAndNotifications / IpaEuiccData)
  }
  await card.transmit(R.NotificationSentRequest.encode({ seqNumber }));
  return true;
}

export async function download(card: Es10Card, input: DownloadInput): Promise<DownloadOutcome> {
  const { server } = input;
  const euiccChallenge = await challengeOf(card);
  const euiccInfo1 = await card.transmit(R.GetEuiccInfo1Request.encode({}));
  const init = await server.initiateAuthentication({
    euiccChallenge,
    euiccInfo1,
    ...(input.smdpAddress !== undefined ? { smdpAddress: input.smdpAddress } : {}),
    ...(input.eimTransactionId ? { eimTransactionId: input.eimTransactionId } : {}),
  });
  if (!('ok' in init)) return { ok: false, stage: 'initiateAuthentication', code: init.error, ...(init.response ? { errorResponse: init.response } : {}) };
  const txid = init.ok.transactionId;

  // ES10b.AuthenticateServer (SGP.22 v2.5 §5.7.13). ctxParams1: the eIM's when it built one, else ours.
  const matchingId = init.ok.matchingId ?? input.matchingId;
  const ctxParams1 =
    init.ok.ctxParams1 ?? R.CtxParams1.encode({ ctxParamsForCommonAuthentication: { ...(matchingId !== undefined ? { matchingId } : {}), deviceInfo: input.deviceInfo } });
  const asr = await card.transmit(tlv([0xbf, 0x38], concatBytes(init.ok.serverSigned1, sig(init.ok.serverSignature1), tlv([0x04], init.ok.euiccCiPKId), init.ok.serverCertificate, ctxParams1)));
  // An AuthenticateServer error goes to the server too (SGP.22 v2.5 §3.1.2 step 10): it ends the session there.
  const auth = await server.authenticateClient(txid, asr);
  if (!('ok' in auth)) return { ok: false, stage: 'authenticateClient', code: auth.error, transactionId: txid, ...(auth.response ? { errorResponse: auth.response } : {}) };
  if (auth.ok.kind === 'ds') return { ok: false, stage: 'authenticateClient', transactionId: txid, ...(auth.ok.profileDownloadTrigger ? { redirect: auth.ok.profileDownloadTrigger } : {}) };

  const decision = input.accept?.(auth.ok.profileMetadata) ?? true;
  if (decision !== true) {
    const reason = decision === false ? 0 : decision;
    const csr = await card.transmit(R.CancelSessionRequest.encode({ transactionId: txid, reason }));
    const cancelled = await server.cancelSession(txid, csr);
    return { ok: false, stage: 'cancelSession', transactionId: txid, cancelled: { reason, ok: 'ok' in cancelled }, ...('error' in cancelled ? { code: cancelled.error } : {}) };
  }

  // ES10b.PrepareDownload (SGP.22 v2.5 §5.7.5): hashCc = SHA-256(SHA-256(CC) ‖ transactionId) when a code is needed.
  const hashCc = auth.ok.hashCc ?? (input.confirmationCode !== undefined ? sha256(sha256(new TextEncoder().encode(input.confirmationCode)), txid) : undefined);
  const pdr = await card.transmit(tlv([0xbf, 0x21], concatBytes(auth.ok.smdpSigned2, sig(auth.ok.smdpSignature2), hashCc ? tlv([0x04], hashCc) : new Uint8Array(), auth.ok.smdpCertificate)));
  const bpp = await server.getBoundProfilePackage(txid, pdr);
  if (!('ok' in bpp)) return { ok: false, stage: 'getBoundProfilePackage', code: bpp.error, transactionId: txid, ...(bpp.response ? { errorResponse: bpp.response } : {}) };

  // ES10b.LoadBoundProfilePackage: the whole BF36 in one command (the virtual eUICC also takes it in parts).
  const pir = await card.transmit(bpp.ok);
  const data = R.ProfileInstallationResult.decode(pir).profileInstallationResultData;
  const notified = await notify(card, server, pir, Number(data.notificationMetadata.seqNumber));
  const iccid = data.notificationMetadata.iccid ? toHex(data.notificationMetadata.iccid) : undefined;
  if ('successResult' in data.finalResult) return { ok: true, transactionId: txid, pir, notified, ...(iccid ? { iccid } : {}) };
  return { ok: false, stage: 'loadBoundProfilePackage', transactionId: txid, pir, notified };
}
