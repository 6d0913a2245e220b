// Orders that are not picked up, or delivered and never answered, expire with a clear reason when their
// time is up (issue 5 §3), also for devices that never poll again. A sweep runs periodically; a poll that
// finds an expired order expires it at once (get-eim-package.ts).
import type { ServiceDeps } from './deps.ts';
import { updateOrder } from './events.ts';

/** Expires up to `limit` overdue orders; returns how many. */
export async function expireOverdueOrders(deps: ServiceDeps, limit = 500): Promise<number> {
  const now = deps.now();
  const overdue = await deps.store.listOverdueOrders(now, limit);
  for (const o of overdue) {
    await deps.store.transaction(async (tx) => {
      await tx.closePackages(o.id, 'expired');
      await updateOrder(tx, o.id, {
        status: 'expired',
        completedAt: now,
        error: {
          code: 'ERR_EXPIRED',
          message: o.status === 'queued' ? `not picked up by the device before ${o.expiresAt!.toISOString()}` : `delivered but not answered before ${o.expiresAt!.toISOString()}`,
        },
      });
    });
  }
  return overdue.length;
}

/** Runs the sweep every `everyMs` until stopped. */
export class OrderExpiry {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly deps: ServiceDeps,
    private readonly everyMs = 60_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = expireOverdueOrders(this.deps)
        .catch((e: unknown) => this.deps.log.error('order expiry sweep failed', { error: String(e) }))
        .finally(() => (this.running = undefined));
    }, this.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
