import { describe, expect, it } from 'vitest';
import { Batcher } from '../../src/store/batcher.ts';

/** A batcher over fake statements that records what it was sent. */
function fake(opts: { fail?: (items: number[]) => boolean; failOne?: number; keys?: (n: number) => number[]; maxItems?: number; maxInFlight?: number } = {}) {
  const sent: { kind: 'many' | 'one'; items: number[] }[] = [];
  const gates: (() => void)[] = [];
  const b = new Batcher<number, number>({
    async many(items) {
      sent.push({ kind: 'many', items });
      await new Promise<void>((r) => gates.push(r));
      if (opts.fail?.(items)) throw new Error('batch failed');
      return items.map((n) => n * 10);
    },
    async one(n) {
      sent.push({ kind: 'one', items: [n] });
      if (n === opts.failOne) throw new Error(`item ${n} failed`);
      return n * 10;
    },
    keys: opts.keys,
    maxItems: opts.maxItems,
    maxInFlight: opts.maxInFlight,
  });
  /** Lets every batch statement sent so far return. */
  const release = async (): Promise<void> => {
    while (gates.length) gates.shift()!();
    // The batch settles, then the next one is scheduled for the following check phase.
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  };
  return { b, sent, release };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('Batcher (coalescing the package cycle statements)', () => {
  it('sends calls made together as one statement and gives each caller its own answer', async () => {
    const { b, sent, release } = fake();
    const answers = Promise.all([1, 2, 3].map((n) => b.call(n)));
    await tick();
    await release();
    expect(await answers).toEqual([10, 20, 30]);
    expect(sent).toEqual([{ kind: 'many', items: [1, 2, 3] }]);
    expect(b.stats).toEqual({ statements: 1, items: 3 });
  });

  it('runs a lone call as the single statement', async () => {
    const { b, sent } = fake();
    expect(await b.call(7)).toBe(70);
    expect(sent).toEqual([{ kind: 'one', items: [7] }]);
  });

  it('gathers the calls made while a batch is in flight into the next statement', async () => {
    const { b, sent, release } = fake();
    const first = Promise.all([1, 2].map((n) => b.call(n)));
    await tick();
    const second = Promise.all([3, 4, 5].map((n) => b.call(n)));
    await tick();
    expect(sent).toHaveLength(1);
    await release();
    await release();
    expect(await first).toEqual([10, 20]);
    expect(await second).toEqual([30, 40, 50]);
    expect(sent).toEqual([
      { kind: 'many', items: [1, 2] },
      { kind: 'many', items: [3, 4, 5] },
    ]);
  });

  it('splits at maxItems and runs up to maxInFlight statements at once', async () => {
    const { b, sent, release } = fake({ maxItems: 2, maxInFlight: 2 });
    const all = Promise.all([1, 2, 3, 4, 5, 6].map((n) => b.call(n)));
    await tick();
    expect(sent.map((s) => s.items)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    for (let i = 0; i < 4; i++) await release();
    expect(await all).toEqual([10, 20, 30, 40, 50, 60]);
    expect(sent.map((s) => s.items)).toEqual([[1, 2], [3, 4], [5, 6]]);
  });

  it('when the batch statement fails, runs each item on its own: one item failing fails only its caller', async () => {
    const { b, sent, release } = fake({ fail: () => true, failOne: 2 });
    const settled = Promise.allSettled([1, 2, 3].map((n) => b.call(n)));
    await tick();
    await release();
    const r = await settled;
    expect(r.map((x) => (x.status === 'fulfilled' ? x.value : (x.reason as Error).message))).toEqual([10, 'item 2 failed', 30]);
    expect(sent).toEqual([
      { kind: 'many', items: [1, 2, 3] },
      { kind: 'one', items: [1] },
      { kind: 'one', items: [2] },
      { kind: 'one', items: [3] },
    ]);
  });

  it('never puts two items with the same key in one statement: the later one runs alone after the batch', async () => {
    // Keys: the number's parity and the number itself; 1 and 3 share "odd".
    const { b, sent, release } = fake({ keys: (n) => [n % 2, 100 + n] });
    const all = Promise.all([1, 2, 3].map((n) => b.call(n)));
    await tick();
    await release();
    expect(await all).toEqual([10, 20, 30]);
    expect(sent).toEqual([
      { kind: 'many', items: [1, 2] },
      { kind: 'one', items: [3] },
    ]);
  });

  it('a batch statement that answers for the wrong number of items is not trusted', async () => {
    const b = new Batcher<number, number>({ many: async () => [1], one: async (n) => n + 1 });
    expect(await Promise.all([1, 2].map((n) => b.call(n)))).toEqual([2, 3]);
  });
});
