// Every known-answer vector in ../shared/vectors (independent third-party bytes) must decode as its type,
// re-encode byte-exactly (unless the vector says otherwise) and match its expected fields.
// Negative vectors must be rejected with a typed Asn1Error. See ../shared/vectors/README.md.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Asn1Error, codec, type Asn1Type } from '../../src/asn1/index.ts';
import type { Compiled } from '../../src/asn1/runtime.ts';
import { fromHex, toHex } from '../../src/lib/bytes.ts';

interface Vector {
  id: string;
  module: string;
  type: string;
  esipaMessage?: string;
  interface?: string;
  hex: string;
  valid?: boolean;
  constraintsOk?: boolean;
  reencode?: boolean;
  expect?: Record<string, unknown>;
  description: string;
}

const dir = join(import.meta.dirname, '..', '..', '..', 'shared', 'vectors');
const load = (f: string): Vector[] => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Vector[];
const vectors = [...load('sgp32-vectors.json'), ...load('sgp22-vectors.json')];

/**
 * Expected fields that contradict the vector's own bytes and description. The bytes are the evidence;
 * these expectations are skipped (and reported in the closing note of the codec issue).
 */
const ERRATA: Record<string, string[]> = {
  // 81 09 "127.0.0.1": the description says eimFqdn "127.0.0.1"; the expect entry reads "2.5000.0.1".
  'sgp32-tt-eimcfg': ['eimFqdn'],
  'sgp32-tt-geteimcfg-resp': ['eimConfigurationDataList[0].eimFqdn'],
};

function moduleOf(v: Vector): string {
  return v.module.startsWith('SGP32Definitions') ? 'SGP32Definitions' : 'RSPDefinitions';
}

/** Some SGP.22 captures carry SGP.32 content: the vector says which SGP.32 type decodes them losslessly. */
function losslessType(v: Vector): Asn1Type<unknown> {
  const m = /needs SGP32Definitions SGP32-(\w+)/.exec(v.module);
  return m ? codec('SGP32Definitions', m[1]!) : codec(moduleOf(v), v.type);
}

/** Walks a decoded value and its compiled type along an expect path such as `a.b[2].c`. */
function walk(type: Compiled, value: unknown, path: string): { type: Compiled; value: unknown } {
  let t = type;
  let v = value;
  for (const seg of path.split('.').flatMap((s) => s.split(/(?=\[)/))) {
    if (v === undefined) return { type: t, value: undefined };
    const idx = /^\[(\d+)\]$/.exec(seg);
    if (idx) {
      t = t.core.item!;
      v = (v as unknown[])[Number(idx[1])];
      continue;
    }
    const f = (t.core.fields ?? t.core.alts ?? []).find((x) => x.name === seg);
    if (!f) throw new Error(`path segment ${seg} is not a component of ${t.core.kind}`);
    t = f.type;
    v = (v as Record<string, unknown>)[seg];
  }
  return { type: t, value: v };
}

function comparable(type: Compiled, v: unknown, expected: unknown): unknown {
  if (expected === '(present)') return v === undefined ? undefined : '(present)';
  if (v instanceof Uint8Array) {
    if (expected && typeof expected === 'object' && 'sha256' in expected) return { len: v.length, sha256: createHash('sha256').update(v).digest('hex') };
    return toHex(v);
  }
  if (type.core.kind === 'bits') {
    let bytes: Uint8Array;
    let bitLength: number;
    if (Array.isArray(v)) {
      // Named bits: compare the set of bit positions.
      const named = type.core.named!;
      const idx = v.map((n: string) => named[n] ?? Number(n.slice(3)));
      const e = expected as { bitString: string; bitLength: number };
      const eb = fromHex(e.bitString);
      const eidx: number[] = [];
      for (let i = 0; i < e.bitLength; i++) if (eb[i >> 3]! & (0x80 >> (i & 7))) eidx.push(i);
      return idx.sort((a, b) => a - b).join(',') === eidx.join(',') ? expected : { setBits: idx };
    }
    ({ bytes, unusedBits: bitLength } = v as { bytes: Uint8Array; unusedBits: number });
    return { bitString: toHex(bytes), bitLength: bytes.length * 8 - bitLength };
  }
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' && typeof expected === 'string' && type.core.named) {
    // The vectors may give an ENUMERATED / named INTEGER by its name.
    return Object.entries(type.core.named).find(([, n]) => n === v)?.[0] ?? v;
  }
  if (v && typeof v === 'object' && !Array.isArray(v) && expected && typeof expected === 'object' && Object.keys(expected).length === 0) {
    return Object.keys(v).length === 0 ? {} : v;
  }
  return v;
}

describe('shared known-answer vectors', () => {
  for (const v of vectors) {
    const bytes = fromHex(v.hex);
    const type = codec(moduleOf(v), v.type);
    if (v.valid === false) {
      it(`${v.id}: rejected (${v.description.slice(0, 60)})`, () => {
        expect(() => type.decode(bytes)).toThrow(Asn1Error);
      });
      continue;
    }
    if (v.constraintsOk === false) {
      it(`${v.id}: strict decode rejects the SIZE violation, lenient decode accepts`, () => {
        expect(() => type.decode(bytes)).toThrow(expect.objectContaining({ code: 'ERR_ASN1_CONSTRAINT' }));
        expect(() => type.decode(bytes, { constraints: false })).not.toThrow();
      });
      continue;
    }
    it(`${v.id}: decodes as ${v.type}${v.reencode === false ? '' : ' and re-encodes byte-exact'}`, () => {
      const value = type.decode(bytes);
      const lossless = losslessType(v);
      const full = lossless === type ? value : lossless.decode(bytes);
      for (const [path, expected] of Object.entries(v.expect ?? {})) {
        if (ERRATA[v.id]?.includes(path)) continue;
        const { type: t, value: got } = walk(lossless.compiled(), full, path);
        expect(comparable(t, got, expected), `${v.id} ${path}`).toEqual(expected);
      }
      if (v.reencode !== false) {
        expect(toHex(lossless.encode(full))).toBe(v.hex);
      }
      if (v.esipaMessage) {
        const [wrapper, alt] = v.esipaMessage.split('.');
        const msgType = codec<Record<string, unknown>>('SGP32Definitions', wrapper!);
        const msg = msgType.decode(bytes);
        expect(Object.keys(msg)).toEqual([alt]);
        if (v.reencode !== false) expect(toHex(msgType.encode(msg))).toBe(v.hex);
      }
    });
  }
});
