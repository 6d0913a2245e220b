// Keeps the per-poll work of GetEimPackage off the database: EID -> eUICC id lookups are cached, and
// last-seen times are collected in memory and written in one batched statement every few seconds
// (issue: "the device's last-seen time is kept without a database write on every poll"). A device is
// recorded at most once per minute (LAST_SEEN_RESOLUTION_MS): its first poll in each minute is written,
// later ones in the same minute are not, so a device polling every few seconds costs one row update a
// minute, not one per flush. last_seen_at therefore trails a fast-polling device by less than a minute.
import type { Logger } from './deps.ts';
import type { PackageHint } from './package-hint.ts';
import type { Store } from './ports.ts';

export interface KnownEuicc {
  id: number;
  eid: string;
  /** The minute (LAST_SEEN_RESOLUTION_MS buckets since the epoch) whose first poll was last recorded. */
  recordedMinute?: number;
}

/** Resolution of the last-seen times written: at most one write per device per minute. */
export const LAST_SEEN_RESOLUTION_MS = 60_000;

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
    return this.remember(row);
  }

  /** The cached entry of an eUICC just read from the database, added when missing. */
  remember(euicc: { id: number; eid: string }): KnownEuicc {
    const hit = this.known.get(euicc.eid);
    if (hit && hit.id === euicc.id) return hit;
    const k: KnownEuicc = { id: euicc.id, eid: euicc.eid };
    if (!hit && this.known.size >= this.maxCached) this.known.delete(this.known.keys().next().value!);
    this.known.set(euicc.eid, k);
    return k;
  }

  /** Drops a cached eUICC (after it was deleted). */
  forget(eid: string): void {
    this.known.delete(eid);
  }

  /** Records a poll of `euicc` at `at`, unless one in the same minute was recorded already. */
  seen(euicc: KnownEuicc, at: Date): void {
    const minute = Math.floor(at.getTime() / LAST_SEEN_RESOLUTION_MS);
    if (euicc.recordedMinute === minute) return;
    euicc.recordedMinute = minute;
    this.pending.set(euicc.id, at);
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
