// Tiny benchmark harness: runs a function repeatedly for a fixed time and reports operations per second.
// Figures are printed next to a baseline measured in the same run, because this machine is shared and
// noisy: absolute numbers drift, ratios hold.

export interface Measurement {
  name: string;
  opsPerSec: number;
}

/** Runs `fn` in batches for about `ms` milliseconds (after a warm-up) and returns operations per second. */
export function measure(name: string, fn: () => unknown, ms = Number(process.env.BENCH_MS ?? 1000)): Measurement {
  let sink: unknown;
  const warmEnd = performance.now() + Math.min(300, ms / 3);
  while (performance.now() < warmEnd) sink = fn();
  let ops = 0;
  let batch = 16;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < batch; i++) sink = fn();
    ops += batch;
    now = performance.now();
    if (now - start < ms / 20) batch *= 2;
  }
  if (sink === Symbol.for('never')) console.log(sink);
  return { name, opsPerSec: (ops * 1000) / (now - start) };
}

/** Best of `rounds` alternating measurements, so both sides see the same machine conditions. */
export function compare(rounds: number, a: [string, () => unknown], b: [string, () => unknown], ms?: number): [Measurement, Measurement] {
  let ba: Measurement | undefined;
  let bb: Measurement | undefined;
  for (let r = 0; r < rounds; r++) {
    const ma = measure(a[0], a[1], ms);
    const mb = measure(b[0], b[1], ms);
    if (!ba || ma.opsPerSec > ba.opsPerSec) ba = ma;
    if (!bb || mb.opsPerSec > bb.opsPerSec) bb = mb;
  }
  return [ba!, bb!];
}

export function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0);
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}
