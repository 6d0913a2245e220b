// Delivers events to webhooks (issue 6 §3), at least once, off the request path. Two steps, both
// driven from the database so deliveries survive restarts and several instances can share the work:
//  1. enqueue: for each active webhook, a delivery row per matching event up to the commit horizon
//     (the webhook's cursor moves in the same transaction, rows unique per (webhook, event));
//  2. deliver: claim due rows (FOR UPDATE SKIP LOCKED, leased), POST them signed, record the outcome;
//     a failure is retried with exponential backoff and jitter up to a cap, then marked failed.
import type { Logger } from './deps.ts';
import type { EventFeed } from './event-feed.ts';
import { eventJson } from './event-view.ts';
import { emit } from './events.ts';
import type { Repositories, Store } from './ports.ts';
import type { ClaimedDelivery, DeliveryOutcome } from './webhook-ports.ts';
import { signatureHeader } from './webhook-signature.ts';

export interface RetryPolicy {
  /** Delay after the first failed attempt (ms); doubled after each further one. */
  baseMs: number;
  /** Cap on one delay (ms). */
  maxDelayMs: number;
  /** Attempts in all before a delivery is marked failed. */
  maxAttempts: number;
}

export interface DispatcherOptions {
  /** How often due retries are looked for when no event arrives (ms). */
  pollMs?: number;
  /** Requests in flight at once (per instance). */
  concurrency?: number;
  /** Time allowed for one request, connection to response headers (ms). */
  timeoutMs?: number;
  /** How long a claimed delivery is hidden from other instances; must exceed timeoutMs (ms). */
  leaseMs?: number;
  retry?: Partial<RetryPolicy>;
  /** A webhook whose last this-many deliveries all failed for good is disabled, with a webhook.disabled event (0: never; default 20). */
  disableAfterFailures?: number;
  /** Events turned into deliveries per webhook and transaction. */
  enqueueBatch?: number;
  now?: () => Date;
  random?: () => number;
  log?: Logger;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 10_000, maxDelayMs: 3_600_000, maxAttempts: 12 };

/** The delay before attempt n+1 after n failed attempts: base·2^(n−1), capped, times a jitter in [0.8, 1.2). */
export function retryDelay(policy: RetryPolicy, failedAttempts: number, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseMs * 2 ** Math.min(30, failedAttempts - 1));
  return Math.min(policy.maxDelayMs, Math.round(exp * (0.8 + 0.4 * random())));
}

export class WebhookDispatcher {
  private readonly o: Required<Omit<DispatcherOptions, 'retry' | 'log'>> & { retry: RetryPolicy };
  private running = false;
  private busy: Promise<void> | undefined;
  private again = false;
  private enqueuedThrough: number | undefined;
  private inFlight = new Set<Promise<void>>();
  private stopping = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly store: Store,
    private readonly feed: EventFeed,
    private readonly options: DispatcherOptions = {},
  ) {
    const timeoutMs = options.timeoutMs ?? 10_000;
    this.o = {
      pollMs: options.pollMs ?? 1000,
      concurrency: options.concurrency ?? 8,
      timeoutMs,
      leaseMs: Math.max(options.leaseMs ?? 60_000, timeoutMs + 500),
      enqueueBatch: options.enqueueBatch ?? 500,
      disableAfterFailures: options.disableAfterFailures ?? 20,
      now: options.now ?? (() => new Date()),
      random: options.random ?? Math.random,
      retry: { ...DEFAULT_RETRY, ...options.retry },
    };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = new AbortController();
    this.unsubscribe = this.feed.onAdvance(() => this.kick());
    // The timer also re-runs the enqueue (a webhook made active again catches up without waiting for an event).
    this.timer = setInterval(() => {
      this.enqueuedThrough = undefined;
      this.kick();
    }, this.o.pollMs);
    this.kick();
  }

  /** Stops claiming; requests in flight are abandoned and their deliveries become due again at once. */
  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    clearInterval(this.timer);
    this.stopping.abort();
    await this.busy?.catch(() => undefined);
    await Promise.allSettled([...this.inFlight]);
  }

  /** Runs a round soon (coalesced): enqueue new events, then fill the free request slots. */
  kick(): void {
    if (!this.running) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = this.round()
      .catch((e: unknown) => this.options.log?.error('webhooks: dispatch round failed', { error: String(e) }))
      .finally(() => {
        this.busy = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async round(): Promise<void> {
    await this.feed.pump();
    const through = this.feed.horizon.current;
    // Nothing new since a complete enqueue: skip it (the timer forces one every pollMs; claims always run).
    if (through !== this.enqueuedThrough) this.enqueuedThrough = (await this.enqueue(through)) ? through : undefined;
    const free = this.o.concurrency - this.inFlight.size;
    if (!this.running || free <= 0) return;
    const now = this.o.now();
    const claimed = await this.store.claimDueDeliveries(now, new Date(now.getTime() + this.o.leaseMs), free);
    for (const d of claimed) {
      const p: Promise<void> = this.attempt(d)
        .catch((e: unknown) => this.options.log?.error('webhooks: recording a delivery failed', { deliveryId: d.id, error: String(e) }))
        .finally(() => {
          this.inFlight.delete(p);
          this.kick();
        });
      this.inFlight.add(p);
    }
  }

  /** True when every active webhook is enqueued up to `through` (as far as this instance could lock them). */
  private async enqueue(through: number): Promise<boolean> {
    const perTx = 20;
    for (let i = 0; i < 50 && this.running; i++) {
      const locked = await this.store.transaction(async (tx) => this.enqueueSome(tx, through, perTx));
      if (locked.hooks < perTx) return !locked.partial;
    }
    return false;
  }

  private async enqueueSome(tx: Repositories, through: number, perTx: number): Promise<{ hooks: number; partial: boolean }> {
    const hooks = await tx.lockWebhooksBehind(through, perTx);
    let partial = false;
    for (const w of hooks) {
      const events = await tx.readEvents({ tenantId: w.tenantId, afterId: w.cursor, throughId: through, types: w.eventTypes, limit: this.o.enqueueBatch });
      await tx.insertDeliveries(w.id, events.map((e) => e.id), this.o.now());
      const full = events.length === this.o.enqueueBatch;
      partial ||= full;
      await tx.updateWebhook(w.id, { cursor: full ? events[events.length - 1]!.id : through });
    }
    return { hooks: hooks.length, partial };
  }

  private async attempt(d: ClaimedDelivery): Promise<void> {
    const body = JSON.stringify(eventJson(d.event));
    const t = Math.floor(this.o.now().getTime() / 1000);
    let responseStatus: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(d.webhook.url, {
        method: 'POST',
        body,
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(this.o.timeoutMs), this.stopping.signal]),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'sgp32-eim-webhooks/1',
          'x-eim-webhook-id': d.webhook.id,
          'x-eim-delivery-id': String(d.id),
          'x-eim-delivery-attempt': String(d.attempts),
          'x-eim-event-id': String(d.event.id),
          'x-eim-event-type': d.event.type,
          'x-eim-signature': signatureHeader(d.webhook.secret, t, body),
        },
      });
      responseStatus = res.status;
      await res.body?.cancel().catch(() => undefined);
      if (res.status < 200 || res.status > 299) error = `HTTP ${res.status}`;
    } catch (e) {
      error = describeFailure(e, this.o.timeoutMs);
    }
    const outcome = this.outcome(d, responseStatus, error);
    if ((await this.store.finishDelivery(d.id, d.attempts, outcome)) && outcome.status === 'failed') await this.disableIfFailing(d);
  }

  /** Optional safety valve: stop queueing for an endpoint that has been failing for good (re-enable with PATCH active=true). */
  private async disableIfFailing(d: ClaimedDelivery): Promise<void> {
    const n = this.o.disableAfterFailures;
    if (n <= 0) return;
    const recent = await this.store.recentOutcomes(d.webhook.id, n);
    if (recent.length < n || recent.some((s) => s !== 'failed')) return;
    await this.store.transaction(async (tx) => {
      if (!(await tx.disableWebhook(d.webhook.id))) return;
      await emit(tx, d.event.tenantId, 'webhook.disabled', { type: 'webhook', id: d.webhook.id }, { webhookId: d.webhook.id, reason: `the last ${n} deliveries failed` });
    });
    this.options.log?.warn('webhooks: disabled after persistent failures', { webhookId: d.webhook.id, failures: n });
  }

  private outcome(d: ClaimedDelivery, responseStatus: number | null, error: string | null): DeliveryOutcome {
    const now = this.o.now();
    if (error === null) return { status: 'delivered', responseStatus, error: null, nextAttemptAt: null, deliveredAt: now };
    if (this.stopping.signal.aborted) return { status: 'pending', responseStatus, error: 'interrupted: the dispatcher stopped', nextAttemptAt: now, deliveredAt: null };
    if (d.attempts >= this.o.retry.maxAttempts) return { status: 'failed', responseStatus, error, nextAttemptAt: null, deliveredAt: null };
    return { status: 'pending', responseStatus, error, nextAttemptAt: new Date(now.getTime() + retryDelay(this.o.retry, d.attempts, this.o.random)), deliveredAt: null };
  }
}

function describeFailure(e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') return `timeout after ${timeoutMs} ms`;
  if (err.name === 'AbortError') return 'aborted';
  const cause = err.cause?.code ?? err.cause?.message;
  return `${err.message ?? String(e)}${cause ? ` (${cause})` : ''}`.slice(0, 500);
}
