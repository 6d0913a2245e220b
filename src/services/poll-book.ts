// Keeps the per-poll work of GetEimPackage off the database: EID -> eUICC id lookups are cached, and
// last-seen times are collected in memory and written in one batched statement every few seconds
// (issue: "the device's last-seen time is kept without a database write on every poll").
import type { Logger } from './deps.ts';
import type { PackageHint } from './package-hint.ts';
import type { Store } from './ports.ts';

export interface KnownEuicc {
  id: number;
  eid: string;
}

export class PollBook {
  private readonly known = new Map<string, KnownEuicc>();
  private pending = new Map<number, Date>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly flushEveryMs = 5000,
    private readonly maxCached = 1_000_000,
    /** Which eUICCs may have an open package; without it every poll queries. */
    readonly hint?: PackageHint,
  ) {}

  /** The eUICC of an EID, from memory when seen before. Unknown EIDs are not cached (they may be registered any time). */
  async lookup(eid: string): Promise<KnownEuicc | undefined> {
    const hit = this.known.get(eid);
    if (hit) return hit;
    const row = await this.store.findEuiccByEid(eid);
    if (!row) return undefined;
    const k = { id: row.id, eid: row.eid };
    if (this.known.size >= this.maxCached) this.known.delete(this.known.keys().next().value!);
    this.known.set(eid, k);
    return k;
  }

  /** Drops a cached eUICC (after it was deleted). */
  forget(eid: string): void {
    this.known.delete(eid);
  }

  seen(id: number, at: Date): void {
    this.pending.set(id, at);
    if (!this.timer && this.flushEveryMs > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.flushEveryMs);
      this.timer.unref();
    }
  }

  /** Writes the collected last-seen times now. */
  async flush(): Promise<void> {
    if (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.store.touchEuiccs(batch).catch((e: unknown) => {
      this.log.error('could not record last-seen times', { error: String(e), count: batch.size });
      for (const [id, at] of batch) if (!this.pending.has(id)) this.pending.set(id, at);
    });
    await this.flushing;
    this.flushing = undefined;
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
