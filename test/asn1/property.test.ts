// Property tests: for every ESipa message type (and the SGP.22 ES9+/ES11 wrappers), any valid value
// survives encode → decode unchanged, DER is a fixpoint (re-encoding the decoded value gives the same
// bytes), signed structures keep exactly the bytes they were decoded from, and the JSON form round-trips.
// Values come from one generic arbitrary built from the compiled schema, so the properties follow the
// modules when they change. FC_SEED=<n> replays another seed; the default is fixed so runs are repeatable.
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { codec, rawBytes } from '../../src/asn1/index.ts';
import { Writer, type Compiled, type CompiledField } from '../../src/asn1/runtime.ts';
import type { Bounds, StringKind } from '../../src/asn1/schema.ts';
import { toHex } from '../../src/lib/bytes.ts';

const SEED = Number(process.env.FC_SEED ?? 0x5e32);
const RUNS = 200;

// ---------------------------------------------------------------------------------------------
// A value arbitrary for any compiled type

/** Counts between the SIZE bounds, at most `extra` above the lower bound so values stay small. */
function counts(size: Bounds | undefined, extra: number): { minLength: number; maxLength: number } {
  const min = size?.[0] ?? 0;
  return { minLength: min, maxLength: Math.min(size?.[1] ?? Infinity, min + extra) };
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** The decoder's number/bigint split: a JS number while safe, a bigint beyond ±(2^53 - 1). */
const asInteger = (b: bigint): number | bigint => (b >= -SAFE && b <= SAFE ? Number(b) : b);

function integer(range: Bounds | undefined): fc.Arbitrary<number | bigint> {
  const lo = range && Number.isFinite(range[0]) ? BigInt(range[0]) : undefined;
  const hi = range && Number.isFinite(range[1]) ? BigInt(range[1]) : undefined;
  if (lo !== undefined && hi !== undefined) return fc.oneof(fc.bigInt({ min: lo, max: hi }), fc.constantFrom(lo, hi)).map(asInteger);
  const edges = [0n, 127n, 128n, 255n, 256n, -128n, -129n, 2n ** 31n, 2n ** 53n - 1n, 2n ** 53n, -(2n ** 53n), 2n ** 63n, -(2n ** 64n)];
  const any = fc.oneof(
    { arbitrary: fc.bigInt({ min: -300n, max: 300n }), weight: 4 },
    { arbitrary: fc.bigInt({ min: -(2n ** 40n), max: 2n ** 40n }), weight: 2 },
    { arbitrary: fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }), weight: 1 },
    { arbitrary: fc.constantFrom(...edges), weight: 1 },
  );
  // Half-bounded ranges: reflect values that fall outside into the range.
  return any.map((v) => (lo !== undefined && v < lo ? lo + (lo - v) : hi !== undefined && v > hi ? hi - (v - hi) : v)).map(asInteger);
}

const codePoints = (min: number, max: number): fc.Arbitrary<string> =>
  fc.integer({ min, max }).filter((c) => c < 0xd800 || c > 0xdfff).map((c) => String.fromCodePoint(c));
const PRINTABLE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?";
const unicode = fc.oneof(
  { arbitrary: codePoints(0x20, 0x7e), weight: 6 },
  { arbitrary: codePoints(0, 0x10ffff), weight: 2 },
  { arbitrary: fc.constantFrom('\u0000', '\u00e9', '\ufeff', '\uffff', '\u{1f600}', '\u{10ffff}'), weight: 1 },
);
const CHARS: Partial<Record<StringKind, fc.Arbitrary<string>>> = {
  printable: fc.constantFrom(...PRINTABLE),
  numeric: fc.constantFrom(...'0123456789 '),
  ia5: codePoints(0, 0x7f),
  visible: codePoints(0x20, 0x7e),
  teletex: codePoints(0, 0xff),
  bmp: codePoints(0, 0xffff),
  universal: unicode,
  utf8: unicode,
};

const two = (n: number): string => String(n).padStart(2, '0');
const clock = fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }));
const utcTime = fc.tuple(fc.integer({ min: 0, max: 99 }), clock).map(([y, t]) => `${two(y)}${t.map(two).join('')}Z`);
const fraction = fc.oneof({ arbitrary: fc.constant(''), weight: 4 }, { arbitrary: fc.stringMatching(/^\.[0-9]{0,3}[1-9]$/), weight: 1 });
const generalizedTime = fc.tuple(fc.integer({ min: 1950, max: 2200 }), clock, fraction).map(([y, t, f]) => `${y}${t.map(two).join('')}${f}Z`);

function string(kind: StringKind, size: Bounds | undefined): fc.Arbitrary<string> {
  if (kind === 'utctime') return utcTime;
  if (kind === 'gentime') return generalizedTime;
  // Mostly short; sometimes past 64 characters, where the UTF8String decoder changes strategy.
  const long = counts(size, 80);
  const lengths = long.maxLength > 64 ? fc.oneof({ arbitrary: fc.constant(counts(size, 12)), weight: 5 }, { arbitrary: fc.constant({ ...long, minLength: Math.max(long.minLength, 64) }), weight: 1 }) : fc.constant(counts(size, 12));
  const chars = lengths.chain((n) => fc.array(CHARS[kind]!, n)).map((cs) => cs.join(''));
  return chars;
}

function octets(size: Bounds | undefined): fc.Arbitrary<Uint8Array> {
  const small = fc.uint8Array(counts(size, 24));
  const { minLength, maxLength } = counts(size, 300);
  // Now and then a value long enough for two- and three-byte length octets.
  return maxLength > 130 ? fc.oneof({ arbitrary: small, weight: 9 }, { arbitrary: fc.uint8Array({ minLength: Math.max(minLength, 128), maxLength }), weight: 1 }) : small;
}

function bitString(size: Bounds | undefined): fc.Arbitrary<{ bytes: Uint8Array; unusedBits: number }> {
  const { minLength, maxLength } = counts(size, 80);
  return fc.integer({ min: minLength, max: maxLength }).chain((bits) =>
    fc.uint8Array({ minLength: (bits + 7) >> 3, maxLength: (bits + 7) >> 3 }).map((bytes) => {
      const unusedBits = bytes.length * 8 - bits;
      // DER: the unused bits are zero (X.690 §11.2.1), and that is what a decode gives back.
      if (unusedBits) bytes[bytes.length - 1]! &= (0xff << unusedBits) & 0xff;
      return { bytes, unusedBits };
    }),
  );
}

function namedBits(named: Readonly<Record<string, number>>, size: Bounds | undefined): fc.Arbitrary<string[]> {
  const limit = size?.[1] ?? Infinity;
  const bits = Object.entries(named).filter(([, i]) => i < limit).sort((a, b) => a[1] - b[1]);
  const top = Math.max(-1, ...bits.map(([, i]) => i));
  // Decoding lists the set bits in bit order; a bit the type does not name comes back as `bitN`.
  const none = fc.constant(undefined);
  const unnamed = top + 3 < limit ? fc.oneof({ arbitrary: none, weight: 4 }, { arbitrary: fc.integer({ min: top + 1, max: top + 3 }).map((i) => `bit${i}`), weight: 1 }) : none;
  return fc.tuple(fc.subarray(bits.map(([n]) => n)), unnamed).map(([ns, extra]) => (extra ? [...ns, extra] : ns));
}

const arc = fc.oneof({ arbitrary: fc.bigInt({ min: 0n, max: 200n }), weight: 4 }, { arbitrary: fc.bigInt({ min: 0n, max: 2n ** 32n }), weight: 1 }, { arbitrary: fc.bigInt({ min: 0n, max: 2n ** 70n }), weight: 1 });
const oid = fc
  .tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 39 }), arc, fc.array(arc, { maxLength: 6 }))
  .map(([a, b, big, rest]) => [a, a === 2 ? big : b, ...rest].join('.'));

function derHeader(tag: number[], len: number): number[] {
  if (len < 0x80) return [...tag, len];
  const l: number[] = [];
  for (let n = len; n > 0; n = Math.floor(n / 256)) l.unshift(n & 0xff);
  return [...tag, 0x80 | l.length, ...l];
}
const tagOctets = (cls: number, cons: boolean, num: number): number[] => {
  const lead = (cls << 6) | (cons ? 0x20 : 0);
  if (num < 31) return [lead | num];
  const groups = [num & 0x7f];
  for (let n = num >> 7; n > 0; n >>= 7) groups.unshift(0x80 | (n & 0x7f));
  return [lead | 0x1f, ...groups];
};
const tag = (cons: boolean): fc.Arbitrary<number[]> =>
  fc.oneof(
    fc.integer({ min: 1, max: 30 }).map((n) => tagOctets(0, cons, n)), // universal 0 is end-of-contents
    fc.tuple(fc.integer({ min: 1, max: 3 }), fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 31, max: 0x1fffff }))).map(([c, n]) => tagOctets(c, cons, n)),
  );
const primitiveTlv = fc.tuple(tag(false), fc.oneof({ arbitrary: fc.uint8Array({ maxLength: 20 }), weight: 5 }, { arbitrary: fc.uint8Array({ minLength: 128, maxLength: 260 }), weight: 1 }))
  .map(([t, body]) => Uint8Array.from([...derHeader(t, body.length), ...body]));
/** An open-type value: one small DER TLV, primitive or constructed around a few primitives. */
const openType = fc.oneof(
  primitiveTlv,
  fc.tuple(tag(true), fc.array(primitiveTlv, { maxLength: 3 })).map(([t, parts]) => {
    const body = parts.flatMap((p) => [...p]);
    return Uint8Array.from([...derHeader(t, body.length), ...body]);
  }),
);

function sequence(fields: CompiledField[]): fc.Arbitrary<Record<string, unknown>> {
  const parts = fields.map((f) => {
    let a = valueOf(f.type);
    // A DEFAULT component is either absent or holds another value (DER never encodes the default).
    if (f.hasDefault) a = a.filter((v) => !isDeepStrictEqual(v, f.defaultValue));
    return f.optional ? fc.option(a, { nil: undefined, freq: 2 }) : a;
  });
  return fc.tuple(...parts).map((vs) => {
    const o: Record<string, unknown> = {};
    fields.forEach((f, i) => {
      if (vs[i] !== undefined) o[f.name] = vs[i];
    });
    return o;
  });
}

const arbitraries = new Map<Compiled, fc.Arbitrary<unknown>>();

/** Valid values of a compiled type. The modules have no recursive types, so no depth bound is needed. */
function valueOf(c: Compiled): fc.Arbitrary<unknown> {
  let a = arbitraries.get(c);
  if (a) return a;
  const core = c.core;
  switch (core.kind) {
    case 'bool':
      a = fc.boolean();
      break;
    case 'null':
      a = fc.constant(null);
      break;
    case 'oid':
      a = oid;
      break;
    case 'any':
      a = openType;
      break;
    case 'int':
      a = integer(core.range);
      break;
    case 'enum': {
      const known = fc.constantFrom(...Object.values(core.named!));
      // An extensible ENUMERATED also carries values a later version may add.
      a = 'ext' in core.node && core.node.ext ? fc.oneof({ arbitrary: known, weight: 5 }, { arbitrary: fc.integer({ min: 0, max: 1000 }), weight: 1 }) : known;
      break;
    }
    case 'octets':
      a = octets(core.size);
      break;
    case 'str':
      a = string((core.node as { s: StringKind }).s, core.size);
      break;
    case 'bits':
      a = core.bitNames ? namedBits(core.named!, core.size) : bitString(core.size);
      break;
    case 'seq':
    case 'set':
      a = sequence(core.fields!);
      break;
    case 'seqof':
    case 'setof':
      a = fc.array(valueOf(core.item!), counts(core.size, 2));
      break;
    case 'choice':
      a = fc.oneof(...core.alts!.map((alt) => valueOf(alt.type).map((v) => ({ [alt.name]: v }))));
      break;
    case 'ref':
      throw new Error('unreachable: references are resolved at compile time');
  }
  arbitraries.set(c, a);
  return a;
}

// ---------------------------------------------------------------------------------------------
// Comparing values

function encodeAs(c: Compiled, v: unknown): Uint8Array {
  const w = new Writer(64);
  c.write(w, v);
  return w.result();
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * A plain comparable form: bytes as hex, symbol keys dropped, SET OF elements in DER order (X.690 §11.6).
 * With `fillDefaults`, an absent DEFAULT component takes its default, as a decoder fills it in.
 */
function canonical(c: Compiled, v: unknown, fillDefaults: boolean): unknown {
  const core = c.core;
  switch (core.kind) {
    case 'octets':
    case 'any':
      return v instanceof Uint8Array ? toHex(v) : { notBytes: v };
    case 'bits':
      if (core.bitNames) return v;
      return { hex: toHex((v as { bytes: Uint8Array }).bytes), unusedBits: (v as { unusedBits: number }).unusedBits };
    case 'seq':
    case 'set': {
      const o = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const f of core.fields!) {
        const x = o[f.name] === undefined && fillDefaults && f.hasDefault ? f.defaultValue : o[f.name];
        if (x !== undefined) out[f.name] = canonical(f.type, x, fillDefaults);
      }
      return out;
    }
    case 'seqof':
      return (v as unknown[]).map((x) => canonical(core.item!, x, fillDefaults));
    case 'setof':
      return (v as unknown[])
        .map((x) => ({ x, der: encodeAs(core.item!, x) }))
        .sort((a, b) => compareBytes(a.der, b.der))
        .map(({ x }) => canonical(core.item!, x, fillDefaults));
    case 'choice': {
      const [name, x] = Object.entries(v as Record<string, unknown>)[0]!;
      return { [name]: canonical(core.alts!.find((a) => a.name === name)!.type, x, fillDefaults) };
    }
    default:
      return v;
  }
}

/** Every signed (raw-keeping) structure in a decoded value carries the bytes of its own TLV. */
function expectRawKept(c: Compiled, v: unknown): void {
  const core = c.core;
  if ((core.kind === 'seq' || core.kind === 'set') && 'raw' in core.node && core.node.raw) {
    const raw = rawBytes(v);
    expect(raw, 'raw bytes of a signed structure').toBeInstanceOf(Uint8Array);
    const der = encodeAs(c, v);
    // The raw TLV is the type's own; explicit tags around it are not part of it.
    expect(toHex(raw!)).toBe(c.wrappers.length ? toHex(der.subarray(der.length - raw!.length)) : toHex(der));
  }
  if (core.fields) for (const f of core.fields) if ((v as Record<string, unknown>)[f.name] !== undefined) expectRawKept(f.type, (v as Record<string, unknown>)[f.name]);
  if (core.alts) {
    const [name, x] = Object.entries(v as Record<string, unknown>)[0]!;
    expectRawKept(core.alts.find((a) => a.name === name)!.type, x);
  }
  if (core.item) for (const x of v as unknown[]) expectRawKept(core.item, x);
}

// ---------------------------------------------------------------------------------------------
// The types under test

const ESIPA_ALTERNATIVES: Record<string, [wrapper: string, alternative: string]> = {
  InitiateAuthenticationRequestEsipa: ['EsipaMessageFromIpaToEim', 'initiateAuthenticationRequestEsipa'],
  AuthenticateClientRequestEsipa: ['EsipaMessageFromIpaToEim', 'authenticateClientRequestEsipa'],
  GetBoundProfilePackageRequestEsipa: ['EsipaMessageFromIpaToEim', 'getBoundProfilePackageRequestEsipa'],
  CancelSessionRequestEsipa: ['EsipaMessageFromIpaToEim', 'cancelSessionRequestEsipa'],
  HandleNotificationEsipa: ['EsipaMessageFromIpaToEim', 'handleNotificationEsipa'],
  TransferEimPackageResponse: ['EsipaMessageFromIpaToEim', 'transferEimPackageResponse'],
  GetEimPackageRequest: ['EsipaMessageFromIpaToEim', 'getEimPackageRequest'],
  ProvideEimPackageResult: ['EsipaMessageFromIpaToEim', 'provideEimPackageResult'],
  InitiateAuthenticationResponseEsipa: ['EsipaMessageFromEimToIpa', 'initiateAuthenticationResponseEsipa'],
  AuthenticateClientResponseEsipa: ['EsipaMessageFromEimToIpa', 'authenticateClientResponseEsipa'],
  GetBoundProfilePackageResponseEsipa: ['EsipaMessageFromEimToIpa', 'getBoundProfilePackageResponseEsipa'],
  CancelSessionResponseEsipa: ['EsipaMessageFromEimToIpa', 'cancelSessionResponseEsipa'],
  TransferEimPackageRequest: ['EsipaMessageFromEimToIpa', 'transferEimPackageRequest'],
  GetEimPackageResponse: ['EsipaMessageFromEimToIpa', 'getEimPackageResponse'],
  ProvideEimPackageResultResponse: ['EsipaMessageFromEimToIpa', 'provideEimPackageResultResponse'],
};

const TYPES: [module: string, name: string][] = [
  ['SGP32Definitions', 'EsipaMessageFromIpaToEim'],
  ['SGP32Definitions', 'EsipaMessageFromEimToIpa'],
  ...Object.keys(ESIPA_ALTERNATIVES).map((n): [string, string] => ['SGP32Definitions', n]),
  ...['EuiccPackageRequest', 'EuiccPackageResult', 'IpaEuiccDataRequest', 'IpaEuiccDataResponse', 'ProfileDownloadTriggerRequest', 'ProfileDownloadTriggerResult', 'EimAcknowledgements', 'EimConfigurationData'].map(
    (n): [string, string] => ['SGP32Definitions', n],
  ),
  ['RSPDefinitions', 'RemoteProfileProvisioningRequest'],
  ['RSPDefinitions', 'RemoteProfileProvisioningResponse'],
];

const options = { seed: SEED, numRuns: RUNS };

describe('round trip of generated values', () => {
  it('the ESipa message lists name every alternative of both CHOICEs', () => {
    for (const wrapper of ['EsipaMessageFromIpaToEim', 'EsipaMessageFromEimToIpa']) {
      const alts = codec('SGP32Definitions', wrapper).compiled().core.alts!.map((a) => a.name);
      const listed = Object.values(ESIPA_ALTERNATIVES).filter(([w]) => w === wrapper).map(([, a]) => a);
      expect(listed.sort()).toEqual(alts.sort());
    }
  });

  for (const [module, name] of TYPES) {
    it(`${module}.${name}: decode(encode(v)) equals v and re-encodes byte for byte`, () => {
      const type = codec(module, name);
      const c = type.compiled();
      const wrapper = ESIPA_ALTERNATIVES[name];
      const message = wrapper && codec('SGP32Definitions', wrapper[0]);
      fc.assert(
        fc.property(valueOf(c), (v) => {
          const der = type.encode(v);
          const back = type.decode(der);
          expect(canonical(c, back, false)).toEqual(canonical(c, v, true));
          expect(toHex(type.encode(back))).toBe(toHex(der));
          expectRawKept(c, back);
          // An SGP.32 v1.2 ESipa message is the alternative's own TLV (one BF3D, not BF3D BF3D): no further wrapper.
          if (message) expect(toHex(message.encode({ [wrapper[1]]: v }))).toBe(toHex(der));
        }),
        options,
      );
    });
  }
});

describe('round trip through the JSON form', () => {
  for (const [module, name] of TYPES) {
    it(`${module}.${name}: fromJson(toJson(v)) encodes to the same bytes`, () => {
      const type = codec(module, name);
      fc.assert(
        fc.property(valueOf(type.compiled()), (v) => {
          const der = type.encode(v);
          // Through real JSON text: a bigint or a Uint8Array leaking into the JSON form fails here.
          const json: unknown = JSON.parse(JSON.stringify(type.toJson(v)));
          expect(toHex(type.encode(type.fromJson(json)))).toBe(toHex(der));
          const decoded: unknown = JSON.parse(JSON.stringify(type.toJson(type.decode(der))));
          expect(toHex(type.encode(type.fromJson(decoded)))).toBe(toHex(der));
        }),
        options,
      );
    });
  }
});

describe('codec bugs found by these properties (regressions)', () => {
  // Was: the UTF8String decoder used TextDecoder without ignoreBOM, so a leading U+FEFF (EF BB BF) was
  // silently dropped: 0C 04 EF BB BF 41 decoded to "A" (not "\uFEFFA") and re-encoded as 0C 01 41.
  it('UTF8String keeps a leading U+FEFF', () => {
    const name = codec('PKIX1Explicit88', 'X520name');
    const v = { utf8String: '\ufeffA' };
    expect(toHex(name.encode(v))).toBe('0c04efbbbf41');
    expect(name.decode(name.encode(v))).toEqual(v);
  });

  // Was: SET components were sorted by their whole encodings, so the constructed bit (0x20) took part in the
  // order. DER orders them by tag, class then number (X.690 §10.3, X.680 §8.6): [UNIVERSAL 16] before
  // [UNIVERSAL 20]: 31 08 30 03 13 01 41 14 01 42, not 31 08 14 01 42 30 03 13 01 41.
  it('SET components are encoded in canonical tag order', () => {
    const address = codec('PKIX1Explicit88', 'UnformattedPostalAddress');
    expect(toHex(address.encode({ 'printable-address': ['A'], 'teletex-string': 'B' }))).toBe('31083003130141140142');
  });
});
