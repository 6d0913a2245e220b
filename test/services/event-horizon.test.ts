// The commit horizon (src/services/event-horizon.ts): a cursor never moves past an event that may
// still commit, and never waits for ever on a hole left by a rollback.
import { describe, expect, it } from 'vitest';
import { CommitHorizon } from '../../src/services/event-horizon.ts';

/** The events table as readers see it: visible ids and the transactions still running. */
function table() {
  const visible = new Set<number>();
  const running = new Set<string>();
  let now = 0;
  const store = {
    async eventWatermark(afterId: number) {
      const above = [...visible].filter((id) => id > afterId);
      return { maxId: above.length ? Math.max(...above) : afterId, count: above.length, inProgress: [...running] };
    },
    async contiguousEnd(afterId: number) {
      let end = afterId;
      while (visible.has(end + 1)) end++;
      return end;
    },
  };
  return { visible, running, horizon: new CommitHorizon(store, { graceMs: 100, now: () => now }), tick: (ms: number) => (now += ms) };
}

describe('CommitHorizon', () => {
  it('moves to the highest id at once when the ids are contiguous', async () => {
    const t = table();
    [1, 2, 3].forEach((id) => t.visible.add(id));
    expect(await t.horizon.advance()).toBe(3);
    t.visible.add(4);
    expect(await t.horizon.advance()).toBe(4);
  });

  it('waits below an id whose transaction is still running, then includes it', async () => {
    const t = table();
    [1, 2, 4].forEach((id) => t.visible.add(id)); // 3 belongs to transaction 100, still open
    t.running.add('100');
    expect(await t.horizon.advance()).toBe(2);
    t.tick(500);
    expect(await t.horizon.advance()).toBe(2);
    expect(t.horizon.waiting).toBe(true);
    t.visible.add(3);
    t.running.delete('100');
    expect(await t.horizon.advance()).toBe(4);
    expect(t.horizon.waiting).toBe(false);
  });

  it('skips a hole left by a rolled-back transaction once the grace time has passed', async () => {
    const t = table();
    [1, 2, 4].forEach((id) => t.visible.add(id));
    expect(await t.horizon.advance()).toBe(2);
    t.tick(50);
    expect(await t.horizon.advance()).toBe(2);
    t.tick(60);
    expect(await t.horizon.advance()).toBe(4);
  });

  it('waits for a writer that had taken its id but not yet a transaction id when the hole was seen', async () => {
    const t = table();
    [1, 2, 4].forEach((id) => t.visible.add(id));
    expect(await t.horizon.advance()).toBe(2); // nothing running yet: the writer of 3 has no xid
    t.running.add('101'); // ... it gets one within the grace time
    t.tick(150);
    expect(await t.horizon.advance()).toBe(2);
    t.running.add('102'); // a later, unrelated transaction does not hold the horizon
    t.running.delete('101');
    t.visible.add(3);
    expect(await t.horizon.advance()).toBe(4);
  });

  it('lets the barrier fall when the writers end without the hole filling (rollback)', async () => {
    const t = table();
    [1, 2, 4].forEach((id) => t.visible.add(id));
    t.running.add('100');
    await t.horizon.advance();
    t.tick(150);
    expect(await t.horizon.advance()).toBe(2);
    t.running.delete('100');
    t.running.add('200');
    expect(await t.horizon.advance()).toBe(4);
  });
});
