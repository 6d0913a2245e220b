// The package hint answers idle polls without a query, and never hides a package: not before it has
// listened and loaded, not while its connection is lost, not when a package is announced during a query.
import { describe, expect, it } from 'vitest';
import { PackageHint, withPackageHint, type PackageSignals } from '../../src/services/package-hint.ts';
import type { Repositories, Store } from '../../src/services/ports.ts';

const silent = { info() {}, warn() {}, error() {} };

function fakeSignals(open: number[]) {
  let h: Parameters<PackageSignals['listen']>[0] | undefined;
  const signals: PackageSignals = {
    async listen(handlers) {
      h = handlers;
      handlers.onListening();
      return async () => {};
    },
    openPackageEuiccs: async () => open,
  };
  return { signals, announce: (id: number) => h!.onOpened(id), lose: () => h!.onLost(), relisten: () => h!.onListening() };
}

const settled = () => new Promise((r) => setTimeout(r, 0));

describe('package hint', () => {
  it('knows nothing until it has loaded the open packages, then answers from memory', async () => {
    const f = fakeSignals([7]);
    const hint = new PackageHint(f.signals, silent);
    expect(hint.check(1)).toBe(0); // not started: maybe, query
    await hint.start();
    await settled();
    expect(hint.check(1)).toBeUndefined();
    expect(hint.check(7)).toBeTypeOf('number');
    f.announce(1);
    expect(hint.check(1)).toBeTypeOf('number');
  });

  it('forgets an eUICC only when nothing was announced for it since the query started', async () => {
    const f = fakeSignals([]);
    const hint = new PackageHint(f.signals, silent);
    await hint.start();
    await settled();
    f.announce(3);
    const token = hint.check(3)!;
    f.announce(3); // a package queued while the query ran
    hint.settle(3, token);
    expect(hint.check(3)).toBeTypeOf('number');
    hint.settle(3, hint.check(3)!);
    expect(hint.check(3)).toBeUndefined();
  });

  it('queries every poll while the listening connection is lost, until reloaded', async () => {
    const f = fakeSignals([]);
    const hint = new PackageHint(f.signals, silent);
    await hint.start();
    await settled();
    f.lose();
    expect(hint.check(5)).toBe(0);
    hint.settle(5, 0);
    f.relisten();
    await settled();
    expect(hint.check(5)).toBeUndefined();
  });

  it('marks this instance\'s own packages at commit, before the database announces them', async () => {
    const f = fakeSignals([]);
    const hint = new PackageHint(f.signals, silent);
    await hint.start();
    await settled();
    const inserted: number[] = [];
    const tx = { insertPackage: async (v: { euiccId: number }) => (inserted.push(v.euiccId), {}) } as unknown as Repositories;
    const store = withPackageHint({ ...tx, transaction: (fn: (t: Repositories) => Promise<unknown>) => fn(tx) } as unknown as Store, hint);
    await store.transaction(async (t) => {
      await t.insertPackage({ euiccId: 9 } as never);
      expect(hint.check(9)).toBeUndefined(); // not committed yet
    });
    expect(hint.check(9)).toBeTypeOf('number');
    await store.insertPackage({ euiccId: 10 } as never);
    expect(hint.check(10)).toBeTypeOf('number');
    expect(inserted).toEqual([9, 10]);
  });
});
