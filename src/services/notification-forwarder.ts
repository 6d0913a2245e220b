// Forwards stored eUICC notifications to their notificationAddress with ES9+' HandleNotification (SGP.22
// v2.5 §5.6.4; checklist §2.7, §4.1: the eIM relays what an LPA would send). Works from the notifications
// table: status `received` → `forwarded`, or `failed` after the retries. Re-sending a notification is
// harmless (the SM-DP+ answers 204 whatever it makes of it), so every failure is retried.
import type { ServiceDeps } from './deps.ts';
import type { RspServerClient } from './rsp-client.ts';

export interface ForwarderOptions {
  /** Attempts per notification before it is marked failed (default 3). */
  attempts?: number;
  /** Wait before the second attempt, doubled each time (default 500 ms). */
  backoffMs?: number;
  /** How often stored notifications are looked for besides the kicks (default 30 s; 0 = only kicks). */
  intervalMs?: number;
  /** Rows per pass (default 50). */
  batch?: number;
}

export class NotificationForwarder {
  readonly #deps: ServiceDeps;
  readonly #client: RspServerClient;
  readonly #attempts: number;
  readonly #backoffMs: number;
  readonly #batch: number;
  #running: Promise<void> = Promise.resolve();
  #again = false;
  #busy = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(deps: ServiceDeps, client: RspServerClient, options: ForwarderOptions = {}) {
    this.#deps = deps;
    this.#client = client;
    this.#attempts = options.attempts ?? 3;
    this.#backoffMs = options.backoffMs ?? 500;
    this.#batch = options.batch ?? 50;
    const interval = options.intervalMs ?? 30_000;
    if (interval > 0) {
      this.#timer = setInterval(() => void this.kick(), interval);
      this.#timer.unref();
    }
  }

  /** Starts a pass (or queues one after the running pass); resolves when the queue is empty. Passes never overlap. */
  kick(): Promise<void> {
    if (this.#closed) return this.#running;
    if (this.#busy) {
      this.#again = true;
      return this.#running;
    }
    this.#busy = true;
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          await this.#pass();
        } while (this.#again && !this.#closed);
      } catch (err) {
        this.#deps.log.error('notification forwarding pass failed', { error: String(err) });
      } finally {
        this.#busy = false;
      }
    })();
    return this.#running;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#running;
  }

  async #pass(): Promise<void> {
    for (;;) {
      const rows = await this.#deps.store.listNotificationsToForward(this.#batch);
      for (const row of rows) await this.#forward(row.id, row.notificationAddress!, row.der);
      if (rows.length < this.#batch || this.#closed) return;
    }
  }

  async #forward(id: number, address: string, der: Uint8Array): Promise<void> {
    let last = '';
    for (let attempt = 1; attempt <= this.#attempts; attempt++) {
      const r = await this.#client.handleNotification(address, der);
      if (r.ok) {
        await this.#deps.store.updateNotification(id, { status: 'forwarded', forwardedAt: this.#deps.now() });
        return;
      }
      last = `${r.failure.kind}${'message' in r.failure && r.failure.message ? `: ${r.failure.message}` : ''}`;
      if (attempt < this.#attempts && !this.#closed) await new Promise((res) => setTimeout(res, this.#backoffMs * 2 ** (attempt - 1)));
    }
    this.#deps.log.warn('notification could not be forwarded', { id, notificationAddress: address, attempts: this.#attempts, failure: last });
    await this.#deps.store.updateNotification(id, { status: 'failed' });
  }
}
