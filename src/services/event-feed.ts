// The live side of events (issue 6 §3), one per eIM instance: polls the events table, moves the
// commit horizon and hands every new event, in id order, to the subscribers of this instance. The
// database is the only channel between instances, so any number of them can run.
import type { EventRecord } from '../domain/records.ts';
import type { Logger } from './deps.ts';
import { CommitHorizon } from './event-horizon.ts';
import type { EventFeedRepositories } from './event-ports.ts';

/** Every event (all tenants) with from < id <= to; `events` absent: too many to load, read them from the store. */
export interface EventBatch {
  from: number;
  to: number;
  events?: EventRecord[];
}

export interface EventFeedOptions {
  /** Poll interval of the events table (ms). */
  pollMs?: number;
  /** See CommitHorizon (ms). */
  graceMs?: number;
  /** Events loaded per read. */
  pageSize?: number;
  /** Pages published per poll before subscribers are told to read the rest from the store. */
  maxPagesPerPoll?: number;
  log?: Logger;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class EventFeed {
  readonly horizon: CommitHorizon;
  private readonly listeners = new Set<(b: EventBatch) => void>();
  private readonly signals = new Set<() => void>();
  private publishedThrough: number | undefined;
  private pumping: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly o: Required<Omit<EventFeedOptions, 'log'>>;

  constructor(
    private readonly store: EventFeedRepositories,
    private readonly options: EventFeedOptions = {},
  ) {
    this.o = { pollMs: options.pollMs ?? 100, graceMs: options.graceMs ?? 100, pageSize: options.pageSize ?? 500, maxPagesPerPoll: options.maxPagesPerPoll ?? 20 };
    this.horizon = new CommitHorizon(store, { graceMs: this.o.graceMs });
  }

  /** Highest id published to subscribers (every event up to it has been handed out). */
  get published(): number {
    return this.publishedThrough ?? 0;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const loop = async (): Promise<void> => {
      await this.pump().catch((e: unknown) => this.options.log?.error('event feed: poll failed', { error: String(e) }));
      if (this.running) this.timer = setTimeout(() => void loop(), this.o.pollMs);
    };
    void loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.pumping?.catch(() => undefined);
  }

  /** Every new event, in batches (loaded from the store only while someone subscribes). */
  subscribe(listener: (b: EventBatch) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called whenever the horizon moves, without the events (the webhook dispatcher reads its own). */
  onAdvance(signal: () => void): () => void {
    this.signals.add(signal);
    return () => this.signals.delete(signal);
  }

  /**
   * The horizon now (a fresh read), waiting up to `maxWaitMs` while a hole holds it back, so a reader
   * that just wrote an event sees it. Never returns a position with an event still to come below it.
   */
  async settle(maxWaitMs = this.o.graceMs * 3 + 200): Promise<number> {
    const until = Date.now() + maxWaitMs;
    await this.pump();
    while (this.horizon.waiting && Date.now() < until) {
      await sleep(Math.min(20, this.o.graceMs));
      await this.pump();
    }
    return this.horizon.current;
  }

  /** Moves the horizon and publishes what lies below it; concurrent calls share one run. */
  pump(): Promise<void> {
    this.pumping ??= this.publish().finally(() => (this.pumping = undefined));
    return this.pumping;
  }

  private async publish(): Promise<void> {
    const before = this.horizon.current;
    const h = await this.horizon.advance();
    if (h > before) for (const signal of [...this.signals]) signal();
    if (this.publishedThrough === undefined || this.listeners.size === 0) {
      // First read, or nobody listening: history is read from the store by whoever needs it.
      const from = this.publishedThrough ?? 0;
      if (h > from) this.emit({ from, to: h });
      this.publishedThrough = h;
      return;
    }
    for (let page = 0; this.publishedThrough < h; page++) {
      const from = this.publishedThrough;
      if (page === this.o.maxPagesPerPoll) {
        this.emit({ from, to: h });
        this.publishedThrough = h;
        break;
      }
      const events = await this.store.eventsInRange(from, h, this.o.pageSize);
      const to = events.length < this.o.pageSize ? h : events[events.length - 1]!.id;
      this.emit({ from, to, events });
      this.publishedThrough = to;
    }
  }

  private emit(batch: EventBatch): void {
    for (const l of [...this.listeners]) {
      try {
        l(batch);
      } catch (e) {
        this.options.log?.error('event feed: subscriber failed', { error: String(e) });
      }
    }
  }
}
