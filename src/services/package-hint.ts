// Which eUICCs may have an open package, kept in memory so that an idle poll (by far the most common
// request) is answered without a query. Safe with several eIM instances on one database: every package
// that becomes open is announced by the database itself (a trigger NOTIFYing at commit, drizzle/0004),
// so each instance hears of packages another one queued. Until the instance listens and has loaded the
// open packages, or while its listening connection is broken, the hint knows nothing and every poll
// queries, as without it.
//
// The hint only ever errs towards "maybe": an eUICC is dropped from it only when a query saw no open
// package and nothing was announced for that eUICC since the query started.
import type { Logger } from './deps.ts';
import type { NewPackage, Repositories, Store } from './ports.ts';

/** The database side: announcements of packages opened, and the eUICCs with an open package now. */
export interface PackageSignals {
  listen(handlers: { onOpened(euiccId: number): void; onListening(): void; onLost(): void }): Promise<() => Promise<void>>;
  openPackageEuiccs(): Promise<number[]>;
}

export class PackageHint {
  /** eUICC id -> generation, bumped by every announcement. */
  private readonly open = new Map<number, number>();
  private generation = 0;
  private ready = false;
  private epoch = 0;
  private stop: (() => Promise<void>) | undefined;

  constructor(
    private readonly signals: PackageSignals,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.stop = await this.signals.listen({
      onOpened: (id) => this.opened(id),
      onListening: () => void this.load(),
      onLost: () => {
        this.ready = false;
        this.epoch++;
        this.log.warn('package hint: listening connection lost; every poll queries until it is back');
      },
    });
  }

  /** Loads the open packages after (re)listening: announcements from now on are not missed. */
  private async load(): Promise<void> {
    const epoch = ++this.epoch;
    try {
      const ids = await this.signals.openPackageEuiccs();
      if (epoch !== this.epoch) return;
      for (const id of ids) this.opened(id);
      this.ready = true;
    } catch (e) {
      this.log.error('package hint: could not load the open packages; every poll queries', { error: String(e) });
    }
  }

  opened(euiccId: number): void {
    this.open.set(euiccId, ++this.generation);
  }

  /**
   * Undefined when the eUICC certainly has no open package; otherwise a token for `settle`. Call before
   * the query.
   */
  check(euiccId: number): number | undefined {
    if (!this.ready) return 0;
    return this.open.get(euiccId);
  }

  /** A query (started after `check` gave `token`) found no open package for the eUICC. */
  settle(euiccId: number, token: number): void {
    if (this.ready && this.open.get(euiccId) === token) this.open.delete(euiccId);
  }

  get size(): number {
    return this.open.size;
  }

  async close(): Promise<void> {
    this.ready = false;
    await this.stop?.();
  }
}

/**
 * The store with this instance's own new packages marked in the hint as soon as they are committed (the
 * announcement from the database arrives a moment later): a poll right after createOrder sees the package.
 */
export function withPackageHint(store: Store, hint: PackageHint): Store {
  return {
    ...store,
    async insertPackage(values: NewPackage) {
      const row = await store.insertPackage(values);
      hint.opened(values.euiccId);
      return row;
    },
    async transaction(fn) {
      const opened: number[] = [];
      const result = await store.transaction((tx) => {
        const wrapped: Repositories = {
          ...tx,
          insertPackage: (values: NewPackage) => {
            opened.push(values.euiccId);
            return tx.insertPackage(values);
          },
        };
        return fn(wrapped);
      });
      for (const id of opened) hint.opened(id);
      return result;
    },
  };
}
