// Robustness of the decoder on hostile input. Whatever bytes arrive on ESipa, decoding either returns a
// value or throws an Asn1Error with an ERR_ASN1_ code, a byte offset inside the input and a path starting
// at the type; never another exception, never a hang, never work or memory in proportion to a claimed
// length. When a decode succeeds, re-encoding that value is DER: it fails only on a constraint, and
// decoding the result and encoding again gives the same bytes. All runs are seeded and repeatable.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Asn1Error, codec, type Asn1Type, type DecodeOptions } from '../../src/asn1/index.ts';
import type { Compiled } from '../../src/asn1/runtime.ts';
import { fromHex, toHex } from '../../src/lib/bytes.ts';

const SEED = Number(process.env.FC_SEED ?? 0xf022);
const MAX_DECODE_MS = 1000;

const TOP_TYPES: Asn1Type<unknown>[] = [
  codec('SGP32Definitions', 'EsipaMessageFromIpaToEim'),
  codec('SGP32Definitions', 'EsipaMessageFromEimToIpa'),
  codec('SGP32Definitions', 'EuiccPackageRequest'),
  codec('SGP32Definitions', 'EuiccPackageResult'),
  codec('SGP32Definitions', 'IpaEuiccDataResponse'),
  codec('RSPDefinitions', 'RemoteProfileProvisioningRequest'),
  codec('RSPDefinitions', 'RemoteProfileProvisioningResponse'),
  codec('PKIX1Explicit88', 'Certificate'),
];

// ---------------------------------------------------------------------------------------------
// What every outcome must look like

function expectCodecError(e: unknown, typeName: string, inputLength: number): asserts e is Asn1Error {
  if (!(e instanceof Asn1Error)) throw new Error(`decoding ${typeName} threw a non-codec exception: ${String((e as Error)?.stack ?? e)}`);
  expect(e.code).toMatch(/^ERR_ASN1_/);
  expect(Number.isInteger(e.offset) && e.offset >= 0 && e.offset <= inputLength, `offset ${e.offset} inside the input (${e.message})`).toBe(true);
  expect(e.path.startsWith(typeName), `path ${e.path} starts at ${typeName}`).toBe(true);
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: Asn1Error };

/** Decodes within the time bound; a success or an Asn1Error, nothing else. */
function decodeChecked(type: Asn1Type<unknown>, bytes: Uint8Array, opts?: DecodeOptions): Outcome {
  const t0 = performance.now();
  let out: Outcome;
  try {
    out = { ok: true, value: type.decode(bytes, opts) };
  } catch (e) {
    expectCodecError(e, type.name, bytes.length);
    out = { ok: false, error: e };
  }
  expect(performance.now() - t0, `decode of ${bytes.length} bytes as ${type.name}`).toBeLessThan(MAX_DECODE_MS);
  return out;
}

/**
 * Values the decoder accepts but the encoder refuses by design: BER time forms (no seconds, a UTC offset,
 * a GeneralizedTime without Z) decode, while the encoder writes DER times only (X.690 §11.7, §11.8).
 */
const KNOWN_ASYMMETRIES = [/is not a DER UTCTime/, /is not a DER GeneralizedTime/];

/** (d) A decoded value re-encodes unless it breaks a constraint, and DER is a fixpoint. */
function expectReencodes(type: Asn1Type<unknown>, value: unknown): void {
  let der: Uint8Array;
  try {
    der = type.encode(value);
  } catch (e) {
    if (!(e instanceof Asn1Error)) throw new Error(`re-encoding a decoded ${type.name} threw a non-codec exception: ${String((e as Error)?.stack ?? e)}`);
    if (e.code === 'ERR_ASN1_TYPE' && KNOWN_ASYMMETRIES.some((r) => r.test(e.detail))) return;
    expect(e.code, `re-encoding a decoded ${type.name}: ${e.message}`).toBe('ERR_ASN1_CONSTRAINT');
    return;
  }
  const again = decodeChecked(type, der);
  if (!again.ok) throw new Error(`the DER re-encoding ${toHex(der)} does not decode: ${again.error.message}`);
  expect(toHex(type.encode(again.value))).toBe(toHex(der));
}

/** Decodes strictly, then leniently when only a constraint failed; every success must re-encode. */
function exercise(type: Asn1Type<unknown>, bytes: Uint8Array): void {
  const strict = decodeChecked(type, bytes);
  if (strict.ok) return expectReencodes(type, strict.value);
  if (strict.error.code !== 'ERR_ASN1_CONSTRAINT') return;
  const lenient = decodeChecked(type, bytes, { constraints: false });
  if (lenient.ok) expectReencodes(type, lenient.value);
}

// ---------------------------------------------------------------------------------------------
// Input builders

function header(tag: number[], len: number | 'indefinite'): number[] {
  if (len === 'indefinite') return [...tag, 0x80];
  if (len < 0x80) return [...tag, len];
  const l: number[] = [];
  for (let n = len; n > 0; n = Math.floor(n / 256)) l.unshift(n & 0xff);
  return [...tag, 0x80 | l.length, ...l];
}

const repeat = (bytes: number[], times: number): number[] => Array.from({ length: times }, () => bytes).flat();

interface Header {
  tag: number;
  len: number;
  end: number;
}

/** Header positions of the definite-length TLVs in `b`, found by a tolerant walk independent of the codec. */
function headers(b: Uint8Array, start = 0, end = b.length, out: Header[] = [], depth = 0): Header[] {
  let p = start;
  while (p < end && depth < 32) {
    const tag = p;
    if ((b[p++]! & 0x1f) === 0x1f) while (p < end && b[p]! & 0x80) p++;
    p++;
    if (p >= end) break;
    const len = p;
    let n = b[p++]!;
    if (n === 0x80) {
      out.push({ tag, len, end });
      return headers(b, p, end, out, depth + 1);
    }
    if (n > 0x80) {
      const k = n & 0x7f;
      if (k > 3 || p + k > end) break;
      n = 0;
      for (let i = 0; i < k; i++) n = n * 256 + b[p++]!;
    }
    if (p + n > end) break;
    out.push({ tag, len, end: p + n });
    if (b[tag]! & 0x20) headers(b, p, p + n, out, depth + 1);
    p += n;
  }
  return out;
}

const mutation = fc.record({
  kind: fc.constantFrom('flip', 'insert', 'delete', 'truncate', 'length', 'tag', 'duplicate'),
  at: fc.nat(),
  value: fc.nat(255),
});
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(input: Uint8Array, m: Mutation): Uint8Array {
  const b = [...input];
  if (b.length === 0) return Uint8Array.of(m.value);
  const i = m.at % b.length;
  const hs = headers(input);
  const h = hs.length ? hs[m.at % hs.length]! : { tag: i, len: Math.min(i + 1, b.length - 1), end: b.length };
  switch (m.kind) {
    case 'flip':
      b[i]! ^= 1 << (m.value & 7);
      break;
    case 'insert':
      b.splice(m.at % (b.length + 1), 0, m.value);
      break;
    case 'delete':
      b.splice(i, 1);
      break;
    case 'truncate':
      b.length = i;
      break;
    case 'length': {
      const choices = [b[h.len]! + 1, b[h.len]! - 1, 0, 0x7f, 0x80, 0x81, 0x84, 0x85, 0xff, m.value];
      b[h.len] = choices[m.value % choices.length]! & 0xff;
      break;
    }
    case 'tag': {
      const t = b[h.tag]!;
      // Constructed bit, class bits, another number (long form: its next octet), a long-form marker, anything.
      const choices = [t ^ 0x20, t ^ 0x40, t ^ 0x80, (t & 0x1f) === 0x1f ? t : (t & 0xe0) | ((t + 1) & 0x1f), t | 0x1f, m.value];
      const k = m.value % (choices.length + 1);
      if (k === choices.length && (t & 0x1f) === 0x1f && h.tag + 1 < b.length) b[h.tag + 1] = (b[h.tag + 1]! + (m.value & 1 ? 1 : -1)) & 0xff;
      else b[h.tag] = choices[k % choices.length]! & 0xff;
      break;
    }
    case 'duplicate':
      b.splice(h.end, 0, ...b.slice(h.tag, h.end));
      break;
  }
  return Uint8Array.from(b);
}

/** The identifier octets a value of `c` may start with. */
function firstTags(c: Compiled): number[][] {
  if (c.wrapperIds.length) return [[...c.wrapperIds[0]!]];
  if (c.ownId) return [[...c.ownId]];
  return (c.core.alts ?? []).flatMap((a) => firstTags(a.type));
}

const skeletons = new Map<Compiled, fc.Arbitrary<number[]>>();

/**
 * Encodings shaped by the schema but not by its rules: the right tags, optional components present or not,
 * primitive contents that are mostly plausible and sometimes random, now and then an indefinite length.
 * Built apart from the codec's encoder, so its mistakes are not copied. Many decode; the rest fail deep inside.
 */
function skeleton(c: Compiled): fc.Arbitrary<number[]> {
  const known = skeletons.get(c);
  if (known) return known;
  const core = c.core;
  const size = (max: number): { maxLength: number } => ({ maxLength: Math.min(core.size?.[1] ?? max, max) });
  const ascii = fc.array(fc.integer({ min: 0x30, max: 0x39 }), size(20));
  const plausible: Record<string, fc.Arbitrary<number[]>> = {
    bool: fc.constantFrom([0], [0xff]),
    null: fc.constant([]),
    oid: fc.constantFrom([0x2a, 0x86, 0x48], [0x67, 0x81, 0x12]),
    int: fc.array(fc.nat(255), { minLength: 1, maxLength: 9 }),
    enum: fc.constantFrom(...Object.values(core.named ?? { none: 0 }).map((n) => [n & 0xff])),
    bits: fc.array(fc.nat(255), size(6)).map((b) => [0, ...b]),
    octets: fc.array(fc.nat(255), { minLength: core.size?.[0] ?? 0, maxLength: Math.max(core.size?.[0] ?? 0, Math.min(core.size?.[1] ?? 40, 40)) }),
    str: ascii,
    any: fc.constant([0x05, 0x00]),
  };
  const random = fc.array(fc.nat(255), { maxLength: 12 });
  let content: fc.Arbitrary<number[]>;
  if (core.fields) content = fc.tuple(...core.fields.map((f) => (f.optional ? fc.option(skeleton(f.type), { nil: [] }) : skeleton(f.type)))).map((parts) => parts.flat());
  else if (core.item) content = fc.array(skeleton(core.item), { maxLength: 3 }).map((parts) => parts.flat());
  else if (core.alts) content = fc.oneof(...core.alts.map((a) => skeleton(a.type)));
  else content = fc.oneof({ arbitrary: plausible[core.kind]!, weight: 9 }, { arbitrary: random, weight: 1 });
  const wrap = (tag: Uint8Array, inner: fc.Arbitrary<number[]>, constructed: boolean): fc.Arbitrary<number[]> =>
    fc.tuple(inner, fc.nat(7)).map(([body, mode]) => (constructed && mode === 0 ? [...header([...tag], 'indefinite'), ...body, 0, 0] : [...header([...tag], body.length), ...body]));
  let tlv = c.ownId ? wrap(c.ownId, content, core.constructed) : content;
  for (let i = c.wrapperIds.length - 1; i >= 0; i--) tlv = wrap(c.wrapperIds[i]!, tlv, true);
  skeletons.set(c, tlv);
  return tlv;
}

/** Random bytes of up to a few KB; fast-check's default size would keep them short. */
const noise = fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 512 }), fc.integer({ min: 0, max: 4096 })).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));

describe('(a) random input decodes or throws Asn1Error', () => {
  for (const type of TOP_TYPES) {
    it(`${type.module}.${type.name}: random bytes`, () => {
      fc.assert(fc.property(noise, (b) => void decodeChecked(type, b)), { seed: SEED, numRuns: 150 });
    });

    it(`${type.module}.${type.name}: random bytes behind a valid outer tag`, () => {
      fc.assert(
        fc.property(fc.constantFrom(...firstTags(type.compiled())), noise, fc.integer({ min: -2, max: 2 }), (tag, body, skew) => {
          exercise(type, Uint8Array.from([...header(tag, Math.max(0, body.length + skew)), ...body]));
        }),
        { seed: SEED, numRuns: 150 },
      );
    });

    it(`${type.module}.${type.name}: schema-shaped input, mutated or not`, () => {
      fc.assert(
        fc.property(skeleton(type.compiled()), fc.array(mutation, { maxLength: 2 }), (b, ms) => exercise(type, ms.reduce(mutate, Uint8Array.from(b)))),
        { seed: SEED, numRuns: 300 },
      );
    });
  }
});

// ---------------------------------------------------------------------------------------------
// (b) + (d): mutated known-answer vectors

interface Vector {
  id: string;
  module: string;
  type: string;
  esipaMessage?: string;
  hex: string;
}
const dir = join(import.meta.dirname, '..', '..', '..', 'shared', 'vectors');
const vectors = ['sgp32-vectors.json', 'sgp22-vectors.json'].flatMap((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Vector[]);

/** The types a vector's bytes are decoded as: its own, the SGP.32 type that reads it losslessly, its ESipa wrapper. */
function typesOf(v: Vector): Asn1Type<unknown>[] {
  const out = [codec(v.module.startsWith('SGP32Definitions') ? 'SGP32Definitions' : 'RSPDefinitions', v.type)];
  const lossless = /needs SGP32Definitions SGP32-(\w+)/.exec(v.module);
  if (lossless) out.push(codec('SGP32Definitions', lossless[1]!));
  if (v.esipaMessage) out.push(codec('SGP32Definitions', v.esipaMessage.split('.')[0]!));
  return out;
}

describe('(b, d) mutated known-answer vectors decode or throw Asn1Error, and what decodes re-encodes', () => {
  it(`covers all ${vectors.length} vectors`, () => expect(vectors.length).toBeGreaterThan(100));
  for (const v of vectors) {
    it(`${v.id}`, () => {
      const bytes = fromHex(v.hex);
      const types = typesOf(v);
      fc.assert(
        fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => {
          const mutated = ms.reduce(mutate, bytes);
          for (const type of types) exercise(type, mutated);
        }),
        { seed: SEED, numRuns: 60 },
      );
    });
  }
});

// ---------------------------------------------------------------------------------------------
// (c) adversarial inputs

/** `levels` nested definite-length TLVs with the given tag, built outside in with exact lengths. */
function nestedDefinite(tag: number[], levels: number, core: number[] = []): Uint8Array {
  const sizes: number[] = [core.length];
  for (let i = 0; i < levels; i++) sizes.push(header(tag, sizes[i]!).length + sizes[i]!);
  const out: number[] = [];
  for (let i = levels; i >= 1; i--) out.push(...header(tag, sizes[i - 1]!));
  out.push(...core);
  return Uint8Array.from(out);
}

const algorithmIdentifier = codec('PKIX1Explicit88', 'AlgorithmIdentifier');
const OID = [0x06, 0x03, 0x2a, 0x03, 0x04];
const withParameters = (params: Uint8Array): Uint8Array => Uint8Array.from([...header([0x30], OID.length + params.length), ...OID, ...params]);

const ADVERSARIAL: [name: string, bytes: Uint8Array, code: string][] = [
  ['10,000 x 30 80 without end-of-contents', Uint8Array.from(repeat([0x30, 0x80], 10_000)), 'ERR_ASN1_DEPTH'],
  ['10,000 x 30 80 closed by 10,000 x 00 00', Uint8Array.from([...repeat([0x30, 0x80], 10_000), ...repeat([0, 0], 10_000)]), 'ERR_ASN1_DEPTH'],
  ['BF 4F 80 then 10,000 x A0 80', Uint8Array.from([0xbf, 0x4f, 0x80, ...repeat([0xa0, 0x80], 10_000)]), 'ERR_ASN1_DEPTH'],
  ['BF 3B 80 then 5,000 x BF 22 80 closed', Uint8Array.from([0xbf, 0x3b, 0x80, ...repeat([0xbf, 0x22, 0x80], 5_000), ...repeat([0, 0], 5_001)]), 'ERR_ASN1_DEPTH'],
  ['10,000 nested A0 82/83 definite lengths', nestedDefinite([0xa0], 10_000), 'ERR_ASN1_TAG'],
  ['10,000 nested BF 4F definite lengths', nestedDefinite([0xbf, 0x4f], 10_000), ''],
  ['indefinite length without end-of-contents', Uint8Array.from([0xbf, 0x4f, 0x80, 0x5a, 0x01, 0x00, 0x80, 0x01, 0x00]), 'ERR_ASN1_TRUNCATED'],
  ['4-byte length claiming 2^31 bytes', Uint8Array.from([0xbf, 0x4f, 0x84, 0x80, 0x00, 0x00, 0x00, ...new Uint8Array(16)]), 'ERR_ASN1_TRUNCATED'],
  ['4-byte length claiming 2^32 - 1 bytes', Uint8Array.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x05, 0x00]), 'ERR_ASN1_TRUNCATED'],
  ['inner length claiming 2^31 bytes', Uint8Array.from([0xbf, 0x4f, 0x09, 0x80, 0x84, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]), ''],
  ['8-byte length field', Uint8Array.from([0x30, 0x88, 0, 0, 0, 0, 0, 0, 0, 2, 0x05, 0x00]), 'ERR_ASN1_LENGTH'],
  ['reserved length octet FF', Uint8Array.from([0x30, 0xff, 0x05, 0x00]), 'ERR_ASN1_LENGTH'],
  ['tag number with 10,000 continuation octets', Uint8Array.from([0xbf, ...new Uint8Array(10_000).fill(0xff), 0x7f, 0x00]), 'ERR_ASN1_TAG'],
  ['tag number with a leading zero group', Uint8Array.from([0xbf, 0x80, 0x4f, 0x00]), 'ERR_ASN1_TAG'],
  ['indefinite length on a primitive', Uint8Array.from([0x04, 0x80, 0x00, 0x00]), 'ERR_ASN1_LENGTH'],
];

describe('(c) adversarial inputs fail fast with Asn1Error', () => {
  for (const [name, bytes, code] of ADVERSARIAL) {
    it(name, () => {
      for (const type of TOP_TYPES) {
        const out = decodeChecked(type, bytes);
        expect(out.ok, `${type.name} rejects it`).toBe(false);
        if (!out.ok && code) expect(out.error.code, `${type.name}: ${out.error.message}`).toBe(code);
      }
    });
  }

  it('no allocation in proportion to a claimed length', () => {
    const claims = [0x7fffffff, 0x80000000, 0xffffffff].map((n) => Uint8Array.from([0xbf, 0x4f, 0x84, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff, 0x5a, 0x00]));
    const before = process.memoryUsage();
    for (let i = 0; i < 200; i++) for (const b of claims) for (const type of TOP_TYPES) decodeChecked(type, b);
    const after = process.memoryUsage();
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(32 * 2 ** 20);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(128 * 2 ** 20);
  });

  it('nested indefinite lengths inside an open type stop at the depth limit', () => {
    const deep = Uint8Array.from([...repeat([0x30, 0x80], 10_000), ...repeat([0, 0], 10_000)]);
    const out = decodeChecked(algorithmIdentifier, Uint8Array.from([0x30, 0x80, ...OID, ...deep, 0, 0]));
    expect(out.ok ? 'decoded' : out.error.code).toBe('ERR_ASN1_DEPTH');
  });

  it('deep definite nesting inside an open type is kept opaque and round-trips', () => {
    const input = withParameters(nestedDefinite([0xa0], 10_000, [0x05, 0x00]));
    const out = decodeChecked(algorithmIdentifier, input);
    expect(out.ok).toBe(true);
    if (out.ok) expect(toHex(algorithmIdentifier.encode(out.value))).toBe(toHex(input));
  });

  it('work stays linear: 100,000 elements, alone and inside 60 nested indefinite lengths', () => {
    const ints = repeat([0x02, 0x01, 0x01], 100_000);
    const seqNumbers = repeat([0x80, 0x01, 0x01], 100_000);
    const acks = codec('SGP32Definitions', 'EimAcknowledgements');
    const flat = decodeChecked(acks, Uint8Array.from([...header([0xbf, 0x53], seqNumbers.length), ...seqNumbers]));
    expect(flat.ok ? (flat.value as unknown[]).length : flat.error.message).toBe(100_000);
    const nested = Uint8Array.from([...repeat([0x30, 0x80], 60), ...ints, ...repeat([0, 0], 60)]);
    expect(decodeChecked(algorithmIdentifier, Uint8Array.from([0x30, 0x80, ...OID, ...nested, 0, 0])).ok).toBe(true);
    for (const type of TOP_TYPES) decodeChecked(type, Uint8Array.from([0xbf, 0x4f, 0x80, ...nested, 0, 0]));
  });
});

// ---------------------------------------------------------------------------------------------
// Codec bugs found by the properties above, reduced to minimal reproductions

describe('decoder and encoder agree on string alphabets (regressions)', () => {
  /** Re-encoding of a decoded value, or the code of the error (prefixed `encode:` when encoding threw). */
  function reencoded(type: Asn1Type<unknown>, hex: string): string {
    let value: unknown;
    try {
      value = type.decode(fromHex(hex));
    } catch (e) {
      return (e as Asn1Error).code;
    }
    try {
      return toHex(type.encode(value));
    } catch (e) {
      return `encode: ${(e as Asn1Error).code}`;
    }
  }
  const name = codec('PKIX1Explicit88', 'X520name');
  const time = codec('PKIX1Explicit88', 'Time');
  const numeric = codec('PKIX1Explicit88', 'X121Address');

  // Each case once decoded and then failed to re-encode (found by this suite, fixed in the runtime):
  // the codec now rejects the bytes on decode (ERR_ASN1_VALUE).
  const cases: [what: string, type: Asn1Type<unknown>, hex: string][] = [
    // PrintableString is decoded as any 7-bit text, but the encoder checks its alphabet: "*".
    ['PrintableString 13 01 2A ("*")', name, '13012a'],
    // NumericString is decoded as any 7-bit text: "A".
    ['NumericString 12 01 41 ("A")', numeric, '120141'],
    // UTCTime / GeneralizedTime content is not checked on decode: "A".
    ['UTCTime 17 01 41 ("A")', time, '170141'],
    ['GeneralizedTime 18 01 41 ("A")', time, '180141'],
    // A BMPString (UCS-2) holding a surrogate pair decodes to the astral "\u{1F600}", which the encoder refuses.
    ['BMPString 1E 04 D83D DE00 (a surrogate pair)', name, '1e04d83dde00'],
    // UniversalString code points D83D and DE00 merge into one JS character: re-encoded as 1C 04 0001F600,
    // a different value, silently (no error at all).
    ['UniversalString 1C 08 0000D83D 0000DE00 (surrogate code points)', name, '1c080000d83d0000de00'],
  ];
  for (const [what, type, hex] of cases) {
    it(`${what}: rejected on decode or re-encoded unchanged`, () => {
      expect(['ERR_ASN1_VALUE', hex]).toContain(reencoded(type, hex));
    });
  }
});
