// One live reader of a tenant's events (a WebSocket connection): the backlog from its cursor read from
// the store, then the feed's batches, with no gap and no duplicate across the switch. The store is the
// buffer: a reader that falls behind (a slow consumer, a batch too big to load) drops live batches and
// reads from its cursor again, so memory per reader stays bounded by the transport's buffer.
import type { EventFeed, EventBatch } from './event-feed.ts';
import type { EventFeedRepositories } from './event-ports.ts';
import { eventJson, matchesTypes, type EventJson } from './event-view.ts';

export type StreamMessage = { kind: 'event'; event: EventJson } | { kind: 'live'; cursor: number };

/** Where messages go (a WebSocket); bufferedBytes is what the transport holds unsent. */
export interface EventSink {
  send(message: StreamMessage): void;
  bufferedBytes(): number;
  close(code: number, reason: string): void;
}

export interface SubscriptionOptions {
  tenantId: string;
  /** Start after this event id; absent: live events only, from the current horizon. */
  after?: number;
  types: readonly string[];
  pageSize?: number;
  /** Above this many unsent bytes live batches are dropped and read again later (default 1 MiB). */
  highWaterBytes?: number;
  /** Reading resumes when the unsent bytes fall to this (default 256 KiB). */
  lowWaterBytes?: number;
  /** A consumer that does not drain for this long is closed (default 30 s). */
  stallMs?: number;
}

export const CLOSE_SLOW_CONSUMER = 4008;
export const CLOSE_INTERNAL = 1011;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class EventSubscription {
  /** Every matching event with id <= cursor has been sent. */
  private cursor = 0;
  private live = false;
  private catchingUp = false;
  private closed = false;
  private announced = false;
  private unsubscribe: (() => void) | undefined;
  private readonly o: Required<Omit<SubscriptionOptions, 'after'>>;

  constructor(
    private readonly feed: EventFeed,
    private readonly store: Pick<EventFeedRepositories, 'readEvents'>,
    private readonly sink: EventSink,
    private readonly options: SubscriptionOptions,
  ) {
    this.o = { pageSize: 200, highWaterBytes: 1 << 20, lowWaterBytes: 256 << 10, stallMs: 30_000, ...stripUndefined(options) } as typeof this.o;
  }

  get position(): number {
    return this.cursor;
  }

  async start(): Promise<void> {
    this.unsubscribe = this.feed.subscribe((b) => this.onBatch(b));
    try {
      this.cursor = this.options.after ?? (await this.feed.settle());
    } catch {
      return this.fail(CLOSE_INTERNAL, 'internal error');
    }
    await this.catchUp();
  }

  stop(): void {
    this.closed = true;
    this.unsubscribe?.();
  }

  private onBatch(b: EventBatch): void {
    if (this.closed || !this.live) return;
    if (!b.events || b.from > this.cursor || this.sink.bufferedBytes() > this.o.highWaterBytes) {
      this.live = false;
      void this.catchUp();
      return;
    }
    for (const e of b.events) if (e.id > this.cursor && e.tenantId === this.options.tenantId && matchesTypes(e.type, this.o.types)) this.sink.send({ kind: 'event', event: eventJson(e) });
    this.cursor = Math.max(this.cursor, b.to);
  }

  private async catchUp(): Promise<void> {
    if (this.catchingUp || this.closed) return;
    this.catchingUp = true;
    try {
      for (;;) {
        if (!(await this.drained())) return;
        const h = await this.feed.settle();
        const rows = await this.store.readEvents({ tenantId: this.o.tenantId, afterId: this.cursor, throughId: h, types: this.o.types, limit: this.o.pageSize });
        if (this.closed) return;
        for (const e of rows) this.sink.send({ kind: 'event', event: eventJson(e) });
        if (rows.length === this.o.pageSize) {
          this.cursor = rows[rows.length - 1]!.id;
          continue;
        }
        this.cursor = Math.max(this.cursor, h);
        // Batches published while this read ran were dropped: read again until none was.
        if (this.feed.published > this.cursor) continue;
        this.live = true;
        if (!this.announced) {
          this.announced = true;
          this.sink.send({ kind: 'live', cursor: this.cursor });
        }
        return;
      }
    } catch {
      this.fail(CLOSE_INTERNAL, 'internal error');
    } finally {
      this.catchingUp = false;
    }
  }

  /** Waits until the transport's buffer is below the low-water mark; closes a consumer that stalls. */
  private async drained(): Promise<boolean> {
    const since = Date.now();
    while (!this.closed && this.sink.bufferedBytes() > this.o.lowWaterBytes) {
      if (Date.now() - since > this.o.stallMs) {
        this.fail(CLOSE_SLOW_CONSUMER, 'slow consumer: reconnect with ?after=<last event id>');
        return false;
      }
      await sleep(25);
    }
    return !this.closed;
  }

  private fail(code: number, reason: string): void {
    this.stop();
    this.sink.close(code, reason);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
