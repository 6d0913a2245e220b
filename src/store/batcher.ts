// Coalesces concurrent calls of one hot statement into one statement for many callers. Each database
// round trip costs both processes far more CPU than the rows it touches (on this kind of machine about
// 110 µs of the eIM's CPU and as much of PostgreSQL's per statement, whatever it does), so under load the
// package cycle's reads and writes are sent as one statement per batch of devices.
//
// Natural batching: a call waits at most until the event loop's next check phase; while `maxInFlight`
// batches of this statement are running, new calls gather and leave together when one returns. An idle
// eIM therefore answers as fast as before (a batch of one runs the single statement), a busy one sends
// fewer, larger statements. When a batch statement fails (a deadlock with another instance, a row one
// caller got wrong), every caller of that batch is run again on its own, so each gets its own answer or
// its own error, as without batching.

export interface BatcherOptions<I> {
  /** The statement for many items: its answers in the order of `items`. */
  many(items: I[]): Promise<unknown[]>;
  /** The statement for one item (a batch of one, duplicates, and the retry after a failed batch). */
  one(item: I): Promise<unknown>;
  /**
   * Writes that must not meet the same row twice in one statement name their rows here: an item with a
   * key already in the batch runs on its own after the batch, in arrival order.
   */
  keys?(item: I): readonly (string | number)[];
  /** Most items per statement (default 256). */
  maxItems?: number;
  /** Most batch statements of this kind running at once (default 1). */
  maxInFlight?: number;
}

interface Waiting<I> {
  item: I;
  resolve(value: unknown): void;
  reject(reason: unknown): void;
}

export class Batcher<I, O> {
  private queue: Waiting<I>[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly maxItems: number;
  private readonly maxInFlight: number;
  /** Statements sent and items they carried (for tests and the benchmark's report). */
  readonly stats = { statements: 0, items: 0 };

  constructor(private readonly opts: BatcherOptions<I>) {
    this.maxItems = opts.maxItems ?? 256;
    this.maxInFlight = opts.maxInFlight ?? 1;
  }

  call(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxItems);
        this.inFlight++;
        void this.run(batch).finally(() => {
          this.inFlight--;
          this.schedule();
        });
      }
    });
  }

  private async run(batch: Waiting<I>[]): Promise<void> {
    let together = batch;
    let after: Waiting<I>[] = [];
    if (this.opts.keys && batch.length > 1) {
      const seen = new Set<string | number>();
      together = [];
      for (const w of batch) {
        const keys = this.opts.keys(w.item);
        if (keys.some((k) => seen.has(k))) after.push(w);
        else {
          for (const k of keys) seen.add(k);
          together.push(w);
        }
      }
    }
    if (together.length === 1) {
      after = [...together, ...after];
    } else {
      this.stats.statements++;
      this.stats.items += together.length;
      let answers: unknown[] | undefined;
      try {
        answers = await this.opts.many(together.map((w) => w.item));
        if (answers.length !== together.length) throw new Error(`batch statement answered ${answers.length} of ${together.length} items`);
      } catch {
        answers = undefined;
      }
      if (answers) together.forEach((w, i) => w.resolve(answers![i]));
      else after = [...together, ...after];
    }
    for (const w of after) {
      this.stats.statements++;
      this.stats.items++;
      try {
        w.resolve(await this.opts.one(w.item));
      } catch (e) {
        w.reject(e);
      }
    }
  }
}
