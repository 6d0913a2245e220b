// Keeps dependencies pointing one way (../shared/docs/style.md):
//   lib <- asn1 <- crypto <- domain <- services <- {esipa, api, clients, store} <- main, cli
// Simulators use only lib, asn1 and crypto, so a simulator cannot share the eIM's bugs.
// The codec and lib import no node: modules (Uint8Array only), so simulators and browsers can use them.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

/** What each part may import from the project (besides itself). */
const ALLOWED: Record<string, string[]> = {
  'src/lib': [],
  'src/asn1': ['src/lib'],
  'src/crypto': ['src/lib', 'src/asn1'],
  'src/domain': ['src/lib', 'src/asn1', 'src/crypto'],
  'src/config': ['src/lib'],
  'src/services': ['src/lib', 'src/asn1', 'src/crypto', 'src/domain', 'src/config'],
  'src/store': ['src/lib', 'src/asn1', 'src/crypto', 'src/domain', 'src/services', 'src/config'],
  'src/clients': ['src/lib', 'src/asn1', 'src/crypto', 'src/domain', 'src/services', 'src/config'],
  'src/esipa': ['src/lib', 'src/asn1', 'src/crypto', 'src/domain', 'src/services', 'src/config'],
  'src/api': ['src/lib', 'src/asn1', 'src/crypto', 'src/domain', 'src/services', 'src/config'],
  simulators: ['src/lib', 'src/asn1', 'src/crypto', 'simulators'],
  'src/cli': ['*'],
  'src/main.ts': ['*'],
  'src/app.ts': ['*'],
  'asn1/generator': ['src/asn1/schema.ts'],
};

/** Parts that must not use node: modules. */
const NO_NODE = ['src/lib', 'src/asn1'];

function files(dir: string): string[] {
  const abs = join(root, dir);
  try {
    if (statSync(abs).isFile()) return [dir];
  } catch {
    return [];
  }
  return readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f));
}

function imports(file: string): string[] {
  const src = readFileSync(join(root, file), 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1] ?? m[2]!);
  return out;
}

function partOf(path: string): string | undefined {
  return Object.keys(ALLOWED)
    .sort((a, b) => b.length - a.length)
    .find((p) => path === p || path.startsWith(p + '/'));
}

describe('architecture: dependencies point one way', () => {
  for (const part of Object.keys(ALLOWED)) {
    it(`${part} imports only what it may`, () => {
      const problems: string[] = [];
      for (const file of files(part)) {
        for (const spec of imports(file)) {
          if (spec.startsWith('node:')) {
            if (NO_NODE.some((p) => file.startsWith(p + '/'))) problems.push(`${file} imports ${spec}`);
            continue;
          }
          if (!spec.startsWith('.')) continue; // a package
          const target = relative(root, resolve(root, dirname(file), spec));
          const allowed = ALLOWED[part]!;
          if (allowed.includes('*') || target.startsWith(part + '/') || target === part) continue;
          if (!allowed.some((a) => target === a || target.startsWith(a + '/'))) problems.push(`${file} imports ${target} (${partOf(target) ?? 'outside the parts'})`);
        }
      }
      expect(problems).toEqual([]);
    });
  }

  it('every source folder is a known part', () => {
    const unknown = readdirSync(join(root, 'src')).filter((d) => !partOf(`src/${d}`));
    expect(unknown).toEqual([]);
  });
});
