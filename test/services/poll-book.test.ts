// The poll book (src/services/poll-book.ts): EID lookups cached, last-seen times batched and written at
// most once per device per minute, a failed write kept for the next flush.
import { describe, expect, it } from 'vitest';
import { LAST_SEEN_RESOLUTION_MS, PollBook } from '../../src/services/poll-book.ts';
import { silentLogger } from '../../src/services/deps.ts';
import type { Store } from '../../src/services/ports.ts';

function fakeStore(rows: { id: number; eid: string }[]) {
  const writes: Map<number, Date>[] = [];
  let lookups = 0;
  let failNext = false;
  const store = {
    async findEuiccByEid(eid: string) {
      lookups++;
      return rows.find((r) => r.eid === eid);
    },
    async touchEuiccs(seen: Map<number, Date>) {
      if (failNext) {
        failNext = false;
        throw new Error('database down');
      }
      writes.push(new Map(seen));
    },
  } as unknown as Store;
  return { store, writes, lookups: () => lookups, failOnce: () => (failNext = true) };
}

const A = { id: 1, eid: '89049032123451234512345678901235' };
const B = { id: 2, eid: '89049032123451234512345678901243' };
const minute = (m: number, s = 0) => new Date(Date.UTC(2026, 10, 22, 12, m, s));

describe('PollBook', () => {
  it('looks an EID up once and serves it from memory afterwards; unknown EIDs are not cached', async () => {
    const f = fakeStore([A]);
    const book = new PollBook(f.store, silentLogger, 0);
    expect(await book.lookup(A.eid)).toMatchObject(A);
    expect(await book.lookup(A.eid)).toMatchObject(A);
    expect(await book.lookup(B.eid)).toBeUndefined();
    expect(await book.lookup(B.eid)).toBeUndefined();
    expect(f.lookups()).toBe(3);
  });

  it('records the first poll of each minute per device, in one batched write', async () => {
    const f = fakeStore([A, B]);
    const book = new PollBook(f.store, silentLogger, 0);
    const a = (await book.lookup(A.eid))!;
    const b = book.remember(B);
    book.seen(a, minute(0, 5));
    book.seen(a, minute(0, 30)); // same minute: not written again
    book.seen(b, minute(0, 59));
    await book.flush();
    book.seen(a, minute(0, 50)); // still minute 0, already recorded
    await book.flush();
    book.seen(a, minute(1, 1)); // a new minute
    await book.flush();
    expect(LAST_SEEN_RESOLUTION_MS).toBe(60_000);
    expect(f.writes).toEqual([
      new Map([
        [A.id, minute(0, 5)],
        [B.id, minute(0, 59)],
      ]),
      new Map([[A.id, minute(1, 1)]]),
    ]);
  });

  it('keeps the times of a failed write for the next flush', async () => {
    const f = fakeStore([A]);
    const book = new PollBook(f.store, silentLogger, 0);
    book.seen(book.remember(A), minute(3));
    f.failOnce();
    await book.flush();
    expect(f.writes).toEqual([]);
    await book.flush();
    expect(f.writes).toEqual([new Map([[A.id, minute(3)]])]);
  });

  it('remember replaces an entry whose EID now belongs to another eUICC (deleted and registered again)', async () => {
    const f = fakeStore([A]);
    const book = new PollBook(f.store, silentLogger, 0);
    await book.lookup(A.eid);
    const again = book.remember({ id: 7, eid: A.eid });
    expect(again.id).toBe(7);
    expect(await book.lookup(A.eid)).toBe(again);
  });
});
