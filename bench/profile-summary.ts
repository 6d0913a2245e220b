// Summarises a V8 .cpuprofile (BENCH_PROFILE=<dir> npm run bench:…): self time by function and by file.
// Usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]
import { readFileSync } from 'node:fs';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount: number; children?: number[] }
const profile = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const top = Number(process.argv[3] ?? 40);
const total = profile.nodes.reduce((s, n) => s + n.hitCount, 0);
const byFn = new Map<string, number>();
const byFile = new Map<string, number>();
for (const n of profile.nodes) {
  const file = n.callFrame.url.replace(/^file:\/\/.*?\/(node_modules|src|bench)\//, '$1/') || '(native)';
  const fn = `${n.callFrame.functionName || '(anonymous)'} ${file}:${n.callFrame.lineNumber + 1}`;
  byFn.set(fn, (byFn.get(fn) ?? 0) + n.hitCount);
  const f = file.replace(/^(node_modules\/(@[^/]+\/)?[^/]+).*/, '$1');
  byFile.set(f, (byFile.get(f) ?? 0) + n.hitCount);
}
const show = (m: Map<string, number>): void => {
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
};
console.log(`samples: ${total}\n-- by file/package`);
show(byFile);
console.log('-- by function');
show(byFn);

// Inclusive time of the project's own functions (src/, simulators/): where the time goes by use case.
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const inclusive = new Map<string, number>();
const walk = (id: number, onStack: Set<string>): number => {
  const n = byId.get(id)!;
  let t = n.hitCount;
  const key = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*?\/(src|simulators)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
  const own = /\/(src|simulators)\//.test(n.callFrame.url) && !onStack.has(key);
  if (own) onStack.add(key);
  for (const c of n.children ?? []) t += walk(c, onStack);
  if (own) {
    onStack.delete(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + t);
  }
  return t;
};
walk(profile.nodes[0]!.id, new Set());
console.log('-- inclusive, project functions');
show(inclusive);
