// The commit horizon of the events table: the highest id H such that every event with id <= H that
// will ever be visible already is. Readers never go past it, so a cursor never skips an event.
//
// Why it is needed: ids come from a sequence when a row is inserted, but transactions commit in any
// order. Event 11 can be visible while event 10's transaction is still running; a reader that moved
// its cursor to 11 would never see 10. Ids also have holes for good (a rolled-back transaction).
//
// How: when the visible ids above H are contiguous, H moves to the highest one at once. When there is
// a hole, H moves to just below it and sets a barrier at the highest visible id; the barrier falls
// when every transaction that could still be writing below it has ended: those running `graceMs`
// after the hole was seen (a transaction that has taken an id but not yet an xid gets one within
// that time). H then jumps to the barrier; a hole still there belonged to a rolled-back transaction.
import type { EventFeedRepositories } from './event-ports.ts';

export interface HorizonOptions {
  /** How long a hole must be known before its writers are identified (ms). */
  graceMs: number;
  now?: () => number;
}

interface Barrier {
  target: number;
  seenAt: number;
  /** Transactions running at least graceMs after the hole was seen; the barrier falls when all have ended. */
  writers?: Set<string>;
}

export class CommitHorizon {
  private through = 0;
  private barrier: Barrier | undefined;
  private running: Promise<number> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly store: Pick<EventFeedRepositories, 'eventWatermark' | 'contiguousEnd'>,
    private readonly opts: HorizonOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** The last horizon computed. */
  get current(): number {
    return this.through;
  }

  /** True while a hole holds the horizon back. */
  get waiting(): boolean {
    return this.barrier !== undefined;
  }

  /** Reads the table once and moves the horizon as far as it safely can; concurrent calls share one read. */
  advance(): Promise<number> {
    this.running ??= this.step().finally(() => (this.running = undefined));
    return this.running;
  }

  private async step(): Promise<number> {
    const w = await this.store.eventWatermark(this.through);
    if (w.count === w.maxId - this.through) {
      // Contiguous: everything up to maxId is visible.
      this.through = w.maxId;
      this.barrier = undefined;
      return this.through;
    }
    const now = this.now();
    const b = (this.barrier ??= { target: w.maxId, seenAt: now });
    // Below the first hole everything is visible already.
    this.through = Math.max(this.through, await this.store.contiguousEnd(this.through));
    if (this.through >= b.target) {
      this.barrier = undefined;
      return this.through;
    }
    if (!b.writers) {
      if (now - b.seenAt < this.opts.graceMs) return this.through;
      b.writers = new Set(w.inProgress);
    }
    const stillRunning = w.inProgress.some((x) => b.writers!.has(x));
    if (stillRunning) return this.through;
    // Every transaction that could have written below the barrier has ended: what is missing is gone.
    this.through = Math.max(this.through, b.target);
    this.barrier = undefined;
    return this.through;
  }
}
