// Persistence of relayed indirect downloads (SGP.32 v1.2 §3.2 indirect profile download; checklist §4.1:
// "keep per-session state"). One row per ES9+/ES11 session the eIM opens for an IPA, correlated by the
// eimTransactionId of the order's package and, once the server answered, by its transactionId; never by
// TCP connection. src/store/download-sessions.ts implements it.
import type { NotificationRecord } from '../domain/records.ts';

/**
 * triggered (an SM-DS event turned into a trigger, awaiting the IPA's InitiateAuthentication)
 * -> initiated -> authenticated -> bppDelivered -> done | cancelled | failed
 */
export type DownloadSessionState = 'triggered' | 'initiated' | 'authenticated' | 'bppDelivered' | 'done' | 'cancelled' | 'failed';

export interface DownloadSessionDetail {
  /** Which server the session talks to: an SM-DP+ (ES9+) or an SM-DS (ES11, event retrieval). */
  server: 'smdp' | 'smds';
  /** EUICCInfo1 (BF20) as the IPA sent it, hex: the cache used when a later IPA leaves it out. */
  euiccInfo1?: string;
  /** The SM-DS events received (ES11 AuthenticateClient). */
  events?: { eventId: string; rspServerAddress: string }[];
  /** What went wrong, with the server's codes. */
  failure?: Record<string, unknown>;
  cancelSessionReason?: number;
}

export interface DownloadSession {
  id: number;
  orderId: string | null;
  euiccId: number | null;
  eimTransactionId: Uint8Array | null;
  smdpAddress: string;
  /** The server's TransactionId, upper-case hex (SGP.22 v2.5 §6.5.2 JSON form). */
  smdpTransactionId: string | null;
  matchingId: string | null;
  state: DownloadSessionState;
  detail: DownloadSessionDetail | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewDownloadSession = Pick<DownloadSession, 'smdpAddress' | 'state'> &
  Partial<Pick<DownloadSession, 'orderId' | 'euiccId' | 'eimTransactionId' | 'smdpTransactionId' | 'matchingId' | 'detail'>>;
export type DownloadSessionPatch = Partial<Pick<DownloadSession, 'euiccId' | 'orderId' | 'smdpTransactionId' | 'state' | 'detail'>>;

export interface DownloadSessionRepositories {
  insertDownloadSession(values: NewDownloadSession): Promise<DownloadSession>;
  /** The newest session with this server TransactionId (hex, any case). */
  findDownloadSessionByTransactionId(smdpTransactionId: string): Promise<DownloadSession | undefined>;
  /** The newest session opened for this eimTransactionId. */
  findDownloadSessionByEimTransactionId(eimTransactionId: Uint8Array): Promise<DownloadSession | undefined>;
  /** The newest session of this eUICC in which the IPA sent its EUICCInfo1. */
  findLatestEuiccInfo1(euiccId: number): Promise<string | undefined>;
  updateDownloadSession(id: number, patch: DownloadSessionPatch): Promise<void>;
  /** Notifications not yet forwarded (status `received`) that have a notificationAddress, oldest first. */
  listNotificationsToForward(limit: number): Promise<NotificationRecord[]>;
}
