// RSP sessions keyed by TransactionId (SGP.22 v2.5 §5.6.1: unique within the server's lifetime).
// Sessions older than the time-to-live are forgotten, so a late request gets invalidTransactionId.

import { randomBytes } from '../../src/crypto/engine.ts';
import { toHex } from '../../src/lib/bytes.ts';

export class SessionStore<S extends { transactionId: Uint8Array; createdAt: number }> {
  readonly #sessions = new Map<string, S>();
  readonly #ttlMs: number;

  constructor(ttlMs = 30 * 60_000) {
    this.#ttlMs = ttlMs;
  }

  /** A fresh 16-byte TransactionId not in use. */
  newTransactionId(): Uint8Array {
    for (;;) {
      const id = randomBytes(16);
      if (!this.#sessions.has(toHex(id))) return id;
    }
  }

  put(session: S): void {
    this.#sessions.set(toHex(session.transactionId), session);
  }

  get(transactionId: Uint8Array): S | undefined {
    const key = toHex(transactionId);
    const s = this.#sessions.get(key);
    if (s && Date.now() - s.createdAt > this.#ttlMs) {
      this.#sessions.delete(key);
      return undefined;
    }
    return s;
  }

  delete(transactionId: Uint8Array): void {
    this.#sessions.delete(toHex(transactionId));
  }

  get size(): number {
    return this.#sessions.size;
  }
}
