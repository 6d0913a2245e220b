// Persistence of webhooks and their deliveries (issue 6 §3): one delivery row per (webhook, event),
// picked by the dispatcher when due, so deliveries survive restarts and several instances share them.
import type { EventRecord } from '../domain/records.ts';

export interface WebhookRecord {
  id: string;
  tenantId: string;
  url: string;
  secret: string;
  /** Event type prefixes delivered; empty: every event. */
  eventTypes: string[];
  active: boolean;
  /** Last event id handed to the delivery queue. */
  cursor: number;
  createdAt: Date;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDeliveryRecord {
  id: number;
  webhookId: string;
  eventId: number;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  responseStatus: number | null;
  error: string | null;
  nextAttemptAt: Date | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

/** A delivery claimed for one attempt: `attempts` is the claim token (see finishDelivery). */
export interface ClaimedDelivery {
  id: number;
  attempts: number;
  webhook: Pick<WebhookRecord, 'id' | 'url' | 'secret'>;
  event: EventRecord;
}

export type WebhookPatch = Partial<Pick<WebhookRecord, 'url' | 'secret' | 'eventTypes' | 'active' | 'cursor'>>;
export type DeliveryOutcome = { status: DeliveryStatus; responseStatus: number | null; error: string | null; nextAttemptAt: Date | null; deliveredAt: Date | null };

export interface WebhookRepositories {
  insertWebhook(values: Pick<WebhookRecord, 'tenantId' | 'url' | 'secret' | 'eventTypes' | 'cursor'>): Promise<WebhookRecord>;
  findWebhook(tenantId: string, id: string): Promise<WebhookRecord | undefined>;
  listWebhooks(tenantId: string): Promise<WebhookRecord[]>;
  updateWebhook(id: string, patch: WebhookPatch): Promise<void>;
  deleteWebhook(tenantId: string, id: string): Promise<boolean>;
  /** Sets an active webhook inactive; false when it was not active. */
  disableWebhook(id: string): Promise<boolean>;
  /** The highest event id written so far (a new webhook starts after it). */
  lastEventId(): Promise<number>;
  /** Active webhooks whose cursor is below `throughId`, locked for this transaction; rows another instance holds are skipped. */
  lockWebhooksBehind(throughId: number, limit: number): Promise<WebhookRecord[]>;
  /** Queues deliveries (idempotent per webhook and event). */
  insertDeliveries(webhookId: string, eventIds: number[], due: Date): Promise<void>;
  /**
   * Claims due pending deliveries of active webhooks for one attempt each: counts the attempt and moves
   * their next attempt to `leaseUntil`, so a crashed attempt is retried after the lease by any instance.
   */
  claimDueDeliveries(now: Date, leaseUntil: Date, limit: number): Promise<ClaimedDelivery[]>;
  /** Records an attempt's outcome unless the delivery was claimed again since (attempts changed); false then. */
  finishDelivery(id: number, attempts: number, outcome: DeliveryOutcome): Promise<boolean>;
  /** Outcomes of a webhook's latest finished deliveries (delivered or failed), newest first. */
  recentOutcomes(webhookId: string, limit: number): Promise<DeliveryStatus[]>;
  /** A webhook's deliveries, newest first, with id < beforeId. */
  listDeliveries(webhookId: string, beforeId: number | undefined, limit: number, status?: DeliveryStatus): Promise<WebhookDeliveryRecord[]>;
}
