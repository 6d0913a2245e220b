// Everything a simulator saw, in order, for test assertions: each event is a plain object with a
// `type` ('call', 'rejected', 'notification', …) and a timestamp.

export type Recorded<E extends { type: string }> = E & { at: Date };

export class Recorder<E extends { type: string }> {
  readonly events: Recorded<E>[] = [];
  readonly #waiters: { test: (e: Recorded<E>) => boolean; resolve: (e: Recorded<E>) => void }[] = [];

  record(event: E): void {
    const e = { ...event, at: new Date() } as Recorded<E>;
    this.events.push(e);
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      if (this.#waiters[i]!.test(e)) this.#waiters.splice(i, 1)[0]!.resolve(e);
    }
  }

  of<T extends E['type']>(type: T): Recorded<Extract<E, { type: T }>>[] {
    return this.events.filter((e) => e.type === type) as Recorded<Extract<E, { type: T }>>[];
  }

  /** Resolves with the first event (already recorded or future) of `type` that passes `test`. */
  waitFor<T extends E['type']>(type: T, test: (e: Recorded<Extract<E, { type: T }>>) => boolean = () => true, timeoutMs = 5000): Promise<Recorded<Extract<E, { type: T }>>> {
    const match = (e: Recorded<E>) => e.type === type && test(e as Recorded<Extract<E, { type: T }>>);
    const found = this.events.find(match);
    if (found) return Promise.resolve(found as Recorded<Extract<E, { type: T }>>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} event within ${timeoutMs} ms`)), timeoutMs);
      this.#waiters.push({ test: match, resolve: (e) => (clearTimeout(timer), resolve(e as Recorded<Extract<E, { type: T }>>)) });
    });
  }

  clear(): void {
    this.events.length = 0;
  }
}
