// Compiles the generated schema into decoders and encoders.
//
// Decoding walks the input once, straight from the Uint8Array, with no intermediate TLV objects:
// the current header lives in module-level registers (H_*), read by `head` and consumed at once.
// Encoding writes backwards into one buffer, so every length is known when it is written and
// nothing is copied twice. Both are driven by closures built once per type.
//
// Tagging (X.680 §31.2.7): an implicit tag replaces the outermost tag of the type it is applied to;
// applied to an untagged CHOICE or an open type (ANY) it becomes explicit. A tagged CHOICE keeps
// its tag as an explicit wrapper, which a further implicit tag replaces (so [61] on a [61] CHOICE
// gives one BF3D, as SGP.32 v1.2 ESipa messages need).

import { Asn1Error } from './errors.ts';
import type { Bounds, Field, ModuleSchemas, Node, StringKind } from './schema.ts';
import { MAX_DEPTH, tagBytes, tagKey, describeTag } from './tlv.ts';

/** Decoded values of signed structures carry their received bytes (the whole TLV) under this key. */
export const RAW: unique symbol = Symbol.for('sgp32-eim.asn1.raw') as never;

/** A value standing for bytes already encoded (a whole TLV), written verbatim by the encoder. */
export const ENCODED: unique symbol = Symbol.for('sgp32-eim.asn1.encoded') as never;

/**
 * A stand-in for a value of a constructed type (SEQUENCE, SET, CHOICE) whose DER is already known: the
 * encoder copies `tlv` unchanged. Used to re-send stored packages and relay signed structures byte for byte.
 */
export function verbatim<T>(tlv: Uint8Array): T {
  return { [ENCODED]: tlv } as T;
}

/** The bytes a value was decoded from, when its type keeps them (signed structures). */
export function rawBytes(value: unknown): Uint8Array | undefined {
  return value !== null && typeof value === 'object' ? ((value as Record<symbol, unknown>)[RAW] as Uint8Array | undefined) : undefined;
}

/** An unnamed BIT STRING. */
export interface BitString {
  bytes: Uint8Array;
  unusedBits: number;
}

// ---------------------------------------------------------------------------------------------
// Header registers

let H_KEY = 0;
let H_CONS = false;
let H_START = 0;
let H_CS = 0;
let H_CE = 0;
let H_END = 0;
let CHECK_CONSTRAINTS = true;

function head(buf: Uint8Array, pos: number, limit: number, depth: number): void {
  if (pos >= limit) throw new Asn1Error('ERR_ASN1_TRUNCATED', 'expected a tag, found the end of the value', pos);
  const first = buf[pos]!;
  let num = first & 0x1f;
  let p = pos + 1;
  if (num === 0x1f) {
    num = 0;
    let b: number;
    let count = 0;
    do {
      if (p >= limit) throw new Asn1Error('ERR_ASN1_TRUNCATED', 'tag runs past the end of the value', pos);
      b = buf[p++]!;
      if (count === 0 && b === 0x80) throw new Asn1Error('ERR_ASN1_TAG', 'tag number has a leading zero group', pos);
      num = num * 128 + (b & 0x7f);
      if (++count > 3) throw new Asn1Error('ERR_ASN1_TAG', 'tag number too large', pos);
    } while (b & 0x80);
    // X.690 §8.1.2.2: tag numbers below 31 use the single-octet form, in BER too.
    if (num < 31) throw new Asn1Error('ERR_ASN1_TAG', `long-form tag for number ${num}`, pos);
  }
  if (p >= limit) throw new Asn1Error('ERR_ASN1_TRUNCATED', 'expected a length, found the end of the value', p);
  let len = buf[p++]!;
  const cons = (first & 0x20) !== 0;
  if (len >= 0x80) {
    if (len === 0x80) {
      // BER indefinite length: find the end-of-contents octets by walking the nested TLVs.
      if (!cons) throw new Asn1Error('ERR_ASN1_LENGTH', 'indefinite length on a primitive value', p - 1);
      if (depth >= MAX_DEPTH) throw new Asn1Error('ERR_ASN1_DEPTH', `nesting deeper than ${MAX_DEPTH}`, pos);
      let q = p;
      for (;;) {
        if (q + 1 < limit && buf[q] === 0 && buf[q + 1] === 0) break;
        if (q >= limit) throw new Asn1Error('ERR_ASN1_TRUNCATED', 'indefinite length without end-of-contents', pos);
        head(buf, q, limit, depth + 1);
        q = H_END;
      }
      H_KEY = tagKey(first >> 6, num);
      H_CONS = cons;
      H_START = pos;
      H_CS = p;
      H_CE = q;
      H_END = q + 2;
      return;
    }
    const n = len & 0x7f;
    if (n > 4) throw new Asn1Error('ERR_ASN1_LENGTH', `length field of ${n} bytes`, p - 1);
    if (p + n > limit) throw new Asn1Error('ERR_ASN1_TRUNCATED', 'length field runs past the end of the value', p - 1);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p++]!;
  }
  const end = p + len;
  if (end > limit) throw new Asn1Error('ERR_ASN1_TRUNCATED', `length ${len} runs past the end of the enclosing value`, pos);
  H_KEY = tagKey(first >> 6, num);
  H_CONS = cons;
  H_START = pos;
  H_CS = p;
  H_CE = end;
  H_END = end;
}

/** One header as an object (for callers outside the codec, e.g. crypto walking a TBS). */
export function readTlvHeader(buf: Uint8Array, pos: number, limit: number): { key: number; constructed: boolean; contentStart: number; contentEnd: number; end: number } {
  head(buf, pos, limit, 0);
  return { key: H_KEY, constructed: H_CONS, contentStart: H_CS, contentEnd: H_CE, end: H_END };
}

// ---------------------------------------------------------------------------------------------
// Backward writer

export class Writer {
  buf: Uint8Array;
  pos: number;
  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
    this.pos = capacity;
  }
  size(): number {
    return this.buf.length - this.pos;
  }
  private grow(n: number): void {
    const used = this.size();
    let cap = this.buf.length * 2;
    while (cap - used < n) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(this.pos), cap - used);
    this.buf = nb;
    this.pos = cap - used;
  }
  byte(b: number): void {
    if (this.pos < 1) this.grow(1);
    this.buf[--this.pos] = b;
  }
  bytes(b: Uint8Array): void {
    if (this.pos < b.length) this.grow(b.length);
    this.pos -= b.length;
    this.buf.set(b, this.pos);
  }
  length(n: number): void {
    if (n < 0x80) {
      this.byte(n);
      return;
    }
    let count = 0;
    while (n > 0) {
      this.byte(n & 0xff);
      n = Math.floor(n / 256);
      count++;
    }
    this.byte(0x80 | count);
  }
  /** The bytes written so far (a copy). */
  result(): Uint8Array {
    return this.buf.slice(this.pos);
  }
}

// ---------------------------------------------------------------------------------------------
// Compiled types

/** What a type is, independent of the tags applied to it. */
export interface Core {
  kind: Node['k'];
  node: Node;
  /** Universal tag key, or -1 for CHOICE and ANY. */
  universal: number;
  constructed: boolean;
  /** Decodes the value whose header is in the registers (for CHOICE/ANY: the alternative's or open TLV). */
  read(buf: Uint8Array, depth: number): unknown;
  /** Writes the content octets (for CHOICE/ANY: the whole TLV of the value). */
  write(w: Writer, v: unknown): void;
  // Kind-specific details, for JSON conversion and introspection:
  fields?: CompiledField[];
  alts?: CompiledField[];
  item?: Compiled;
  named?: Readonly<Record<string, number>>;
  bitNames?: string[];
  size?: Bounds;
  range?: Bounds;
}

export interface CompiledField {
  name: string;
  type: Compiled;
  optional: boolean;
  hasDefault: boolean;
  defaultValue: unknown;
  /** Single first tag key, or -1 when `firstSet` / `anyFirst` apply. */
  key: number;
  keySet: Set<number> | null;
  anyFirst: boolean;
}

/** A type with its tags resolved: explicit wrappers outside, then its own tag (or none). */
export interface Compiled {
  core: Core;
  wrappers: number[];
  wrapperIds: Uint8Array[];
  own: number;
  ownId: Uint8Array | null;
  /** Tag keys the first TLV of this type may carry; null means any tag (open type). */
  firstKeys: Set<number> | null;
  read(buf: Uint8Array, depth: number): unknown;
  write(w: Writer, v: unknown): void;
}

const UNIVERSAL: Record<string, number> = {
  bool: 1,
  int: 2,
  bits: 3,
  octets: 4,
  null: 5,
  oid: 6,
  enum: 10,
  seq: 16,
  seqof: 16,
  set: 17,
  setof: 17,
};
const STRING_TAG: Record<StringKind, number> = {
  utf8: 12,
  numeric: 18,
  printable: 19,
  teletex: 20,
  ia5: 22,
  utctime: 23,
  gentime: 24,
  visible: 26,
  universal: 28,
  bmp: 30,
};

function sizeError(what: string, n: number, b: Bounds, offset: number): Asn1Error {
  return new Asn1Error('ERR_ASN1_CONSTRAINT', `${what} ${n} outside SIZE(${b[0]}..${b[1] === Infinity ? 'MAX' : b[1]})`, offset);
}

function typeError(expected: string, v: unknown): Asn1Error {
  const got = v === null ? 'null' : v instanceof Uint8Array ? 'bytes' : Array.isArray(v) ? 'array' : typeof v;
  return new Asn1Error('ERR_ASN1_TYPE', `expected ${expected}, got ${got}`);
}

export class Registry {
  private readonly compiled = new Map<string, Compiled>();
  private readonly building = new Set<string>();

  constructor(readonly modules: ModuleSchemas) {}

  /** The compiled form of a named type. */
  type(module: string, name: string): Compiled {
    const id = `${module}.${name}`;
    let c = this.compiled.get(id);
    if (c) return c;
    const node = this.modules[module]?.[name];
    if (!node) throw new Asn1Error('ERR_ASN1_UNKNOWN_TYPE', `no type ${id}`);
    if (this.building.has(id)) throw new Error(`recursive type ${id} is not supported`);
    this.building.add(id);
    try {
      c = this.compile(node, module);
    } finally {
      this.building.delete(id);
    }
    this.compiled.set(id, c);
    return c;
  }

  compile(node: Node, module: string): Compiled {
    let base: Compiled;
    if (node.k === 'ref') {
      base = this.type(node.m, node.n);
      if (node.size || node.range) base = this.withConstraint(base, node.size, node.range);
    } else {
      base = this.finish(this.core(node, module), [], -1);
    }
    const tags = node.tags ?? [];
    for (let i = tags.length - 1; i >= 0; i--) {
      const [cls, num, explicit] = tags[i]!;
      const key = tagKey(cls, num);
      if (explicit || (base.wrappers.length === 0 && base.own < 0)) base = this.finish(base.core, [key, ...base.wrappers], base.own);
      else if (base.wrappers.length > 0) base = this.finish(base.core, [key, ...base.wrappers.slice(1)], base.own);
      else base = this.finish(base.core, [], key);
    }
    return base;
  }

  private withConstraint(base: Compiled, size?: Bounds, range?: Bounds): Compiled {
    // A constrained reference, e.g. `Octet16 ::= OctetTo16 (SIZE(16))`: same encoding, tighter check.
    const node = { ...base.core.node, ...(size ? { size } : {}), ...(range ? { range } : {}) } as Node;
    return this.finish(this.core(node, ''), base.wrappers, base.own);
  }

  private finish(core: Core, wrappers: number[], ownIn: number): Compiled {
    const own = ownIn >= 0 ? ownIn : core.universal;
    const wrapperIds = wrappers.map((k) => tagBytes(Math.floor(k / 0x4000000), k % 0x4000000, true));
    const ownId = own >= 0 ? tagBytes(Math.floor(own / 0x4000000), own % 0x4000000, core.constructed) : null;
    let firstKeys: Set<number> | null;
    if (wrappers.length) firstKeys = new Set([wrappers[0]!]);
    else if (own >= 0) firstKeys = new Set([own]);
    else if (core.kind === 'any') firstKeys = null;
    else {
      firstKeys = new Set();
      for (const a of core.alts!) {
        if (!a.type.firstKeys) throw new Error('an untagged open type cannot be a CHOICE alternative');
        for (const k of a.type.firstKeys) firstKeys.add(k);
      }
    }
    const c: Compiled = { core, wrappers, wrapperIds, own, ownId, firstKeys, read: null!, write: null! };
    c.read = makeRead(c);
    c.write = makeWrite(c);
    return c;
  }

  private core(node: Node, module: string): Core {
    switch (node.k) {
      case 'bool':
        return primitive(node, 'bool', readBool, writeBool);
      case 'null':
        return primitive(node, 'null', readNull, writeNull);
      case 'oid':
        return primitive(node, 'oid', readOid, writeOid);
      case 'int':
        return intCore(node, UNIVERSAL.int!, node.named, node.range);
      case 'enum':
        return intCore(node, UNIVERSAL.enum!, node.items, undefined);
      case 'octets':
        return octetsCore(node, node.size);
      case 'str':
        return stringCore(node, node.s, node.size);
      case 'bits':
        return node.named ? namedBitsCore(node, node.named, node.size) : bitsCore(node, node.size);
      case 'any':
        return anyCore(node);
      case 'seq':
      case 'set':
        return this.seqCore(node, module);
      case 'seqof':
      case 'setof':
        return seqOfCore(node, this.compile(node.item, module), node.size);
      case 'choice':
        return choiceCore(node, this.fieldsOf(node.alts, module));
      case 'ref':
        throw new Error('unreachable');
    }
  }

  private fieldsOf(fields: readonly Field[], module: string): CompiledField[] {
    return fields.map((f) => {
      const type = this.compile(f.t, module);
      let keys = type.firstKeys;
      if (f.a && keys) {
        if (type.wrappers.length) throw new Error(`tag aliases need a type without explicit tags (${f.n})`);
        keys = new Set([...keys, ...f.a.map(([cls, num]) => tagKey(cls, num))]);
      }
      return {
        name: f.n,
        type,
        optional: f.o === 1,
        hasDefault: f.d !== undefined,
        defaultValue: f.d === undefined ? undefined : defaultFor(type.core, f.d),
        key: keys && keys.size === 1 ? [...keys][0]! : -1,
        keySet: keys && keys.size > 1 ? keys : null,
        anyFirst: keys === null,
      };
    });
  }

  private seqCore(node: Extract<Node, { k: 'seq' | 'set' }>, module: string): Core {
    const fields = this.fieldsOf(node.fields, module);
    return node.k === 'seq' ? seqCore(node, fields, node.ext === 1, node.raw === 1) : setCore(node, fields, node.ext === 1, node.raw === 1);
  }
}

function defaultFor(core: Core, d: unknown): unknown {
  if (typeof d === 'string') {
    const v = core.named?.[d];
    if (v === undefined) throw new Error(`DEFAULT ${d} is not a named value of the type`);
    return v;
  }
  if (d !== null && typeof d === 'object') {
    if ('names' in d) return [...(d as { names: string[] }).names];
    if ('hex' in d) return hexBytes((d as { hex: string }).hex);
    if (core.kind === 'seqof' || core.kind === 'setof') return [];
    if (core.kind === 'bits') return core.bitNames ? [] : { bytes: new Uint8Array(0), unusedBits: 0 };
  }
  return d;
}

function hexBytes(h: string): Uint8Array {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Read/write wrappers for tags

function makeRead(c: Compiled): (buf: Uint8Array, depth: number) => unknown {
  const { core, wrappers, own } = c;
  const constructed = core.constructed;
  const isChoiceOrAny = own < 0;
  const inner = own >= 0 ? own : -1;
  const innerFirst = isChoiceOrAny ? (c.firstKeys && wrappers.length ? choiceFirst(core) : null) : null;
  return function read(buf: Uint8Array, depth: number): unknown {
    if (depth > MAX_DEPTH) throw new Asn1Error('ERR_ASN1_DEPTH', `nesting deeper than ${MAX_DEPTH}`, H_START);
    for (let i = 0; i < wrappers.length; i++) {
      if (!H_CONS) throw new Asn1Error('ERR_ASN1_TAG', `explicit tag ${describeTag(H_KEY)} must be constructed`, H_START);
      const ce = H_CE;
      const at = H_START;
      head(buf, H_CS, ce, depth);
      if (H_END !== ce) throw new Asn1Error('ERR_ASN1_TRAILING', 'more than one value inside an explicit tag', H_END);
      const expected = i + 1 < wrappers.length ? wrappers[i + 1]! : inner;
      if (expected >= 0) {
        if (H_KEY !== expected) throw new Asn1Error('ERR_ASN1_TAG', `expected ${describeTag(expected)}, found ${describeTag(H_KEY)}`, H_START);
      } else if (innerFirst && !innerFirst.has(H_KEY)) {
        throw new Asn1Error('ERR_ASN1_TAG', `no alternative has tag ${describeTag(H_KEY)}`, H_START);
      }
      void at;
    }
    if (inner >= 0 && H_CONS !== constructed) {
      throw new Asn1Error('ERR_ASN1_TAG', constructed ? `${describeTag(H_KEY)} must be constructed` : `${describeTag(H_KEY)} must be primitive`, H_START);
    }
    return core.read(buf, depth + 1);
  };
}

function choiceFirst(core: Core): Set<number> | null {
  if (core.kind === 'any') return null;
  const s = new Set<number>();
  for (const a of core.alts!) for (const k of a.type.firstKeys!) s.add(k);
  return s;
}

function makeWrite(c: Compiled): (w: Writer, v: unknown) => void {
  const { core, wrapperIds, ownId } = c;
  const mayBeVerbatim = core.kind === 'seq' || core.kind === 'set' || core.kind === 'choice';
  return function write(w: Writer, v: unknown): void {
    if (mayBeVerbatim && v !== null && typeof v === 'object' && ENCODED in v) {
      w.bytes((v as { [ENCODED]: Uint8Array })[ENCODED]);
      return;
    }
    const start = w.size();
    core.write(w, v);
    if (ownId) {
      w.length(w.size() - start);
      w.bytes(ownId);
    }
    for (let i = wrapperIds.length - 1; i >= 0; i--) {
      w.length(w.size() - start);
      w.bytes(wrapperIds[i]!);
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Primitive cores

function primitive(node: Node, kind: 'bool' | 'null' | 'oid', read: Core['read'], write: Core['write']): Core {
  return { kind, node, universal: tagKey(0, UNIVERSAL[kind]!), constructed: false, read, write };
}

function readBool(buf: Uint8Array): boolean {
  if (H_CE - H_CS !== 1) throw new Asn1Error('ERR_ASN1_VALUE', 'BOOLEAN must have one content octet', H_START);
  return buf[H_CS] !== 0;
}
function writeBool(w: Writer, v: unknown): void {
  if (typeof v !== 'boolean') throw typeError('a boolean', v);
  w.byte(v ? 0xff : 0);
}
function readNull(): null {
  if (H_CE !== H_CS) throw new Asn1Error('ERR_ASN1_VALUE', 'NULL must be empty', H_START);
  return null;
}
function writeNull(_w: Writer, v: unknown): void {
  if (v !== null) throw typeError('null', v);
}

function readOid(buf: Uint8Array): string {
  const cs = H_CS;
  const ce = H_CE;
  if (ce === cs) throw new Asn1Error('ERR_ASN1_VALUE', 'empty OBJECT IDENTIFIER', H_START);
  const arcs: string[] = [];
  let p = cs;
  let first = true;
  while (p < ce) {
    if (buf[p] === 0x80) throw new Asn1Error('ERR_ASN1_VALUE', 'OBJECT IDENTIFIER arc with a leading 0x80', p);
    let v = 0;
    let big: bigint | null = null;
    let b: number;
    do {
      if (p >= ce) throw new Asn1Error('ERR_ASN1_VALUE', 'OBJECT IDENTIFIER ends inside an arc', p);
      b = buf[p++]!;
      if (big !== null) big = big * 128n + BigInt(b & 0x7f);
      else {
        v = v * 128 + (b & 0x7f);
        if (v > 2 ** 45) big = BigInt(v);
      }
    } while (b & 0x80);
    if (first) {
      first = false;
      if (big !== null) {
        arcs.push('2', (big - 80n).toString());
      } else if (v < 40) arcs.push('0', String(v));
      else if (v < 80) arcs.push('1', String(v - 40));
      else arcs.push('2', String(v - 80));
    } else arcs.push(big !== null ? big.toString() : String(v));
  }
  return arcs.join('.');
}

function writeArc(w: Writer, arc: bigint): void {
  w.byte(Number(arc & 0x7fn));
  arc >>= 7n;
  while (arc > 0n) {
    w.byte(Number(arc & 0x7fn) | 0x80);
    arc >>= 7n;
  }
}

function writeOid(w: Writer, v: unknown): void {
  if (typeof v !== 'string' || !/^[0-2](\.(0|[1-9][0-9]*))+$/.test(v)) throw new Asn1Error('ERR_ASN1_TYPE', `not a dotted OBJECT IDENTIFIER: ${String(v)}`);
  const arcs = v.split('.').map((a) => BigInt(a));
  if (arcs[0]! < 2n && arcs[1]! >= 40n) throw new Asn1Error('ERR_ASN1_TYPE', `second arc of ${v} must be below 40`);
  for (let i = arcs.length - 1; i >= 2; i--) writeArc(w, arcs[i]!);
  writeArc(w, arcs[0]! * 40n + arcs[1]!);
}

// INTEGER and ENUMERATED: JS numbers while safe, bigint beyond 2^53.
function intCore(node: Node, universal: number, named: Readonly<Record<string, number>> | undefined, range: Bounds | undefined): Core {
  const kind = node.k as 'int' | 'enum';
  const isEnum = kind === 'enum';
  const allowed = isEnum ? new Set(Object.values(named ?? {})) : null;
  const extensible = isEnum && (node as { ext?: 1 }).ext === 1;
  return {
    kind,
    node,
    universal: tagKey(0, universal),
    constructed: false,
    named,
    ...(range ? { range } : {}),
    read(buf) {
      const cs = H_CS;
      const len = H_CE - cs;
      if (len === 0) throw new Asn1Error('ERR_ASN1_VALUE', 'INTEGER with no content octets', H_START);
      let v: number | bigint;
      if (len <= 6) {
        let n = buf[cs]! >= 0x80 ? buf[cs]! - 256 : buf[cs]!;
        for (let i = cs + 1; i < H_CE; i++) n = n * 256 + buf[i]!;
        v = n;
      } else {
        let n = BigInt(buf[cs]! >= 0x80 ? buf[cs]! - 256 : buf[cs]!);
        for (let i = cs + 1; i < H_CE; i++) n = (n << 8n) | BigInt(buf[i]!);
        v = n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
      }
      if (CHECK_CONSTRAINTS) {
        if (range && (v < range[0] || v > range[1])) throw new Asn1Error('ERR_ASN1_CONSTRAINT', `value ${v} outside ${range[0]}..${range[1]}`, H_START);
        if (allowed && !extensible && !allowed.has(v as number)) throw new Asn1Error('ERR_ASN1_VALUE', `${v} is not a value of the ENUMERATED type`, H_START);
      }
      return v;
    },
    write(w, v) {
      if (typeof v === 'string') {
        const n = named?.[v];
        if (n !== undefined) v = n;
        else if (/^-?[0-9]+$/.test(v)) v = BigInt(v);
        else throw new Asn1Error('ERR_ASN1_TYPE', `${JSON.stringify(v)} is not a named value of this type`);
      }
      if (typeof v === 'number') {
        if (!Number.isSafeInteger(v)) throw new Asn1Error('ERR_ASN1_TYPE', `${v} is not a safe integer (use a bigint)`);
        if (range && (v < range[0] || v > range[1])) throw new Asn1Error('ERR_ASN1_CONSTRAINT', `value ${v} outside ${range[0]}..${range[1]}`);
        if (allowed && !extensible && !allowed.has(v)) throw new Asn1Error('ERR_ASN1_TYPE', `${v} is not a value of the ENUMERATED type`);
        let n = v;
        for (;;) {
          const b = ((n % 256) + 256) % 256;
          w.byte(b);
          n = Math.floor(n / 256);
          if ((n === 0 && b < 0x80) || (n === -1 && b >= 0x80)) return;
        }
      }
      if (typeof v === 'bigint') {
        if (range && (v < range[0] || v > range[1])) throw new Asn1Error('ERR_ASN1_CONSTRAINT', `value ${v} outside ${range[0]}..${range[1]}`);
        let n = v;
        for (;;) {
          const b = Number(n & 0xffn);
          w.byte(b);
          n >>= 8n;
          if ((n === 0n && b < 0x80) || (n === -1n && b >= 0x80)) return;
        }
      }
      throw typeError('an integer', v);
    },
  };
}

function octetsCore(node: Node, size: Bounds | undefined): Core {
  return {
    kind: 'octets',
    node,
    universal: tagKey(0, 4),
    constructed: false,
    ...(size ? { size } : {}),
    read(buf) {
      // A view into the input, not a copy: decoding stays allocation-light.
      if (size && CHECK_CONSTRAINTS) {
        const n = H_CE - H_CS;
        if (n < size[0] || n > size[1]) throw sizeError('length', n, size, H_START);
      }
      return buf.subarray(H_CS, H_CE);
    },
    write(w, v) {
      if (!(v instanceof Uint8Array)) throw typeError('a Uint8Array', v);
      if (size && (v.length < size[0] || v.length > size[1])) throw sizeError('length', v.length, size, -1);
      w.bytes(v);
    },
  };
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }); // a leading U+FEFF is content, not a mark
const utf8Encoder = new TextEncoder();
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

function latin1(buf: Uint8Array, cs: number, ce: number, max: number): string | null {
  let s = '';
  for (let i = cs; i < ce; i++) {
    const c = buf[i]!;
    if (c > max) return null;
    s += String.fromCharCode(c);
  }
  return s;
}

/** What decoding accepts for the restricted string and time types (BER forms included). */
const DECODE_SYNTAX: Partial<Record<StringKind, RegExp>> = {
  printable: PRINTABLE,
  numeric: /^[0-9 ]*$/,
  // X.680 §47: YYMMDDhhmm[ss] then Z or a UTC offset.
  utctime: /^[0-9]{10}([0-9]{2})?(Z|[+-][0-9]{4})$/,
  // X.680 §46: YYYYMMDDhh[mm[ss]][.fraction] then optionally Z or a UTC offset.
  gentime: /^[0-9]{10}([0-9]{2}([0-9]{2})?)?([.,][0-9]+)?(Z|[+-][0-9]{4})?$/,
};

function stringCore(node: Node, s: StringKind, size: Bounds | undefined): Core {
  const syntax = DECODE_SYNTAX[s];
  return {
    kind: 'str',
    node,
    universal: tagKey(0, STRING_TAG[s]),
    constructed: false,
    ...(size ? { size } : {}),
    read(buf) {
      const cs = H_CS;
      const ce = H_CE;
      let v: string | null;
      switch (s) {
        case 'utf8':
          v = ce - cs < 64 ? latin1(buf, cs, ce, 0x7f) : null;
          if (v === null) {
            try {
              v = utf8Decoder.decode(buf.subarray(cs, ce));
            } catch {
              throw new Asn1Error('ERR_ASN1_VALUE', 'UTF8String is not valid UTF-8', H_START);
            }
          }
          break;
        case 'bmp':
        case 'universal': {
          const unit = s === 'bmp' ? 2 : 4;
          if ((ce - cs) % unit !== 0) throw new Asn1Error('ERR_ASN1_VALUE', `${s === 'bmp' ? 'BMPString' : 'UniversalString'} length not a multiple of ${unit}`, H_START);
          v = '';
          for (let i = cs; i < ce; i += unit) {
            const cp = unit === 2 ? (buf[i]! << 8) | buf[i + 1]! : ((buf[i]! << 24) >>> 0) + (buf[i + 1]! << 16) + (buf[i + 2]! << 8) + buf[i + 3]!;
            // UCS-2 / UCS-4 characters: surrogate code points and values beyond U+10FFFF are not characters.
            if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) throw new Asn1Error('ERR_ASN1_VALUE', `invalid character U+${cp.toString(16)}`, i);
            v += String.fromCodePoint(cp);
          }
          break;
        }
        case 'teletex':
          v = latin1(buf, cs, ce, 0xff);
          break;
        default:
          v = latin1(buf, cs, ce, 0x7f);
          if (v === null) throw new Asn1Error('ERR_ASN1_VALUE', 'non-ASCII byte in a 7-bit string type', H_START);
          if (syntax && !syntax.test(v)) throw new Asn1Error('ERR_ASN1_VALUE', `${JSON.stringify(v.slice(0, 40))} is not a valid ${s === 'printable' ? 'PrintableString' : s === 'numeric' ? 'NumericString' : s === 'utctime' ? 'UTCTime' : 'GeneralizedTime'}`, H_START);
      }
      if (size && CHECK_CONSTRAINTS) {
        const n = [...v!].length;
        if (n < size[0] || n > size[1]) throw sizeError('length', n, size, H_START);
      }
      return v;
    },
    write(w, v) {
      if (typeof v !== 'string') throw typeError('a string', v);
      if (size) {
        const n = [...v].length;
        if (n < size[0] || n > size[1]) throw sizeError('length', n, size, -1);
      }
      switch (s) {
        case 'utf8':
          w.bytes(utf8Encoder.encode(v));
          return;
        case 'bmp':
        case 'universal': {
          const cps = [...v].map((c) => c.codePointAt(0)!);
          for (let i = cps.length - 1; i >= 0; i--) {
            const c = cps[i]!;
            if (s === 'bmp') {
              if (c > 0xffff) throw new Asn1Error('ERR_ASN1_TYPE', 'character outside the BMP');
              w.byte(c & 0xff);
              w.byte(c >> 8);
            } else {
              w.byte(c & 0xff);
              w.byte((c >> 8) & 0xff);
              w.byte((c >> 16) & 0xff);
              w.byte(c >>> 24);
            }
          }
          return;
        }
        default: {
          const max = s === 'teletex' ? 0xff : 0x7f;
          if (s === 'printable' && !PRINTABLE.test(v)) throw new Asn1Error('ERR_ASN1_TYPE', `${JSON.stringify(v)} has characters not allowed in a PrintableString`);
          if (s === 'numeric' && !/^[0-9 ]*$/.test(v)) throw new Asn1Error('ERR_ASN1_TYPE', `${JSON.stringify(v)} is not a NumericString`);
          if (s === 'utctime' && !/^[0-9]{12}Z$/.test(v)) throw new Asn1Error('ERR_ASN1_TYPE', `${JSON.stringify(v)} is not a DER UTCTime (YYMMDDHHMMSSZ)`);
          if (s === 'gentime' && !/^[0-9]{14}(\.[0-9]*[1-9])?Z$/.test(v)) throw new Asn1Error('ERR_ASN1_TYPE', `${JSON.stringify(v)} is not a DER GeneralizedTime (YYYYMMDDHHMMSS[.f]Z)`);
          for (let i = v.length - 1; i >= 0; i--) {
            const c = v.charCodeAt(i);
            if (c > max) throw new Asn1Error('ERR_ASN1_TYPE', 'character outside the string type');
            w.byte(c);
          }
        }
      }
    },
  };
}

function bitsCore(node: Node, size: Bounds | undefined): Core {
  return {
    kind: 'bits',
    node,
    universal: tagKey(0, 3),
    constructed: false,
    ...(size ? { size } : {}),
    read(buf): BitString {
      const { cs, unused } = bitHeader(buf);
      if (size && CHECK_CONSTRAINTS) {
        const n = (H_CE - cs - 1) * 8 - unused;
        if (n < size[0] || n > size[1]) throw sizeError('bit length', n, size, H_START);
      }
      return { bytes: buf.subarray(cs + 1, H_CE), unusedBits: unused };
    },
    write(w, v) {
      const b = v as BitString;
      if (!b || !(b.bytes instanceof Uint8Array) || typeof b.unusedBits !== 'number') throw typeError('{bytes, unusedBits}', v);
      if (b.unusedBits < 0 || b.unusedBits > 7 || (b.bytes.length === 0 && b.unusedBits !== 0)) throw new Asn1Error('ERR_ASN1_TYPE', 'unusedBits must be 0..7 (0 when empty)');
      if (size) {
        const n = b.bytes.length * 8 - b.unusedBits;
        if (n < size[0] || n > size[1]) throw sizeError('bit length', n, size, -1);
      }
      if (b.unusedBits && b.bytes.length) {
        // DER: unused bits are zero.
        const last = b.bytes[b.bytes.length - 1]! & (0xff << b.unusedBits) & 0xff;
        w.byte(last);
        w.bytes(b.bytes.subarray(0, b.bytes.length - 1));
      } else w.bytes(b.bytes);
      w.byte(b.unusedBits);
    },
  };
}

function bitHeader(buf: Uint8Array): { cs: number; unused: number } {
  const cs = H_CS;
  if (H_CE === cs) throw new Asn1Error('ERR_ASN1_VALUE', 'BIT STRING without the unused-bits octet', H_START);
  const unused = buf[cs]!;
  if (unused > 7 || (H_CE - cs === 1 && unused !== 0)) throw new Asn1Error('ERR_ASN1_VALUE', `invalid unused-bits count ${unused}`, cs);
  return { cs, unused };
}

function namedBitsCore(node: Node, named: Readonly<Record<string, number>>, size: Bounds | undefined): Core {
  const names: string[] = [];
  for (const [n, i] of Object.entries(named)) names[i] = n;
  const index = new Map(Object.entries(named));
  return {
    kind: 'bits',
    node,
    universal: tagKey(0, 3),
    constructed: false,
    named,
    bitNames: names,
    ...(size ? { size } : {}),
    read(buf): string[] {
      const { cs, unused } = bitHeader(buf);
      const total = (H_CE - cs - 1) * 8 - unused;
      const out: string[] = [];
      for (let i = 0; i < total; i++) {
        if (buf[cs + 1 + (i >> 3)]! & (0x80 >> (i & 7))) out.push(names[i] ?? `bit${i}`);
      }
      return out;
    },
    write(w, v) {
      if (!Array.isArray(v)) throw typeError('an array of bit names', v);
      let max = -1;
      const idx: number[] = [];
      for (const n of v) {
        let i = typeof n === 'string' ? index.get(n) : undefined;
        if (i === undefined && typeof n === 'string' && /^bit[0-9]+$/.test(n)) i = Number(n.slice(3));
        if (i === undefined) throw new Asn1Error('ERR_ASN1_TYPE', `unknown bit name ${JSON.stringify(n)}`);
        idx.push(i);
        if (i > max) max = i;
      }
      // DER (X.690 §11.2.2): trailing zero bits of a named-bit list are removed, but a SIZE lower bound is honoured.
      let bits = max + 1;
      if (size && bits < size[0]) bits = size[0];
      if (size && bits > size[1]) throw sizeError('bit length', bits, size, -1);
      const nbytes = (bits + 7) >> 3;
      const out = new Uint8Array(nbytes);
      for (const i of idx) out[i >> 3]! |= 0x80 >> (i & 7);
      w.bytes(out);
      w.byte(nbytes * 8 - bits);
    },
  };
}

function anyCore(node: Node): Core {
  return {
    kind: 'any',
    node,
    universal: -1,
    constructed: false,
    read(buf) {
      return buf.subarray(H_START, H_END);
    },
    write(w, v) {
      if (!(v instanceof Uint8Array)) throw typeError('the bytes of one TLV', v);
      try {
        head(v, 0, v.length, 0);
      } catch (e) {
        throw new Asn1Error('ERR_ASN1_TYPE', `open type value is not a TLV: ${(e as Error).message}`);
      }
      if (H_END !== v.length) throw new Asn1Error('ERR_ASN1_TYPE', 'open type value holds more than one TLV');
      w.bytes(v);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Constructed cores

function accepts(f: CompiledField, key: number): boolean {
  return f.key === key || f.anyFirst || (f.keySet !== null && f.keySet.has(key));
}

function missing(f: CompiledField, at: number): Asn1Error {
  return new Asn1Error('ERR_ASN1_MISSING', `mandatory component ${f.name} is absent`, at);
}

function within(e: unknown, segment: string): unknown {
  if (e instanceof Asn1Error) return e.within(segment);
  return e;
}

function seqCore(node: Node, fields: CompiledField[], ext: boolean, keepRaw: boolean): Core {
  const n = fields.length;
  const defaults = fields.filter((f) => f.hasDefault);
  return {
    kind: 'seq',
    node,
    universal: tagKey(0, 16),
    constructed: true,
    fields,
    read(buf, depth) {
      const start = H_START;
      const end = H_END;
      const ce = H_CE;
      let pos = H_CS;
      const obj: Record<string | symbol, unknown> = {};
      let fi = 0;
      while (pos < ce) {
        head(buf, pos, ce, depth);
        const key = H_KEY;
        const next = H_END;
        while (fi < n && !accepts(fields[fi]!, key)) {
          if (!fields[fi]!.optional) throw missing(fields[fi]!, pos);
          fi++;
        }
        if (fi === n) {
          // Extensibility (X.680 §52 / EXTENSIBILITY IMPLIED): unknown trailing components are skipped.
          if (!ext) throw new Asn1Error('ERR_ASN1_TAG', `unexpected component ${describeTag(key)}`, pos);
          pos = next;
          continue;
        }
        const f = fields[fi]!;
        try {
          obj[f.name] = f.type.read(buf, depth);
        } catch (e) {
          throw within(e, f.name);
        }
        pos = next;
        fi++;
      }
      for (; fi < n; fi++) if (!fields[fi]!.optional) throw missing(fields[fi]!, ce);
      for (let i = 0; i < defaults.length; i++) {
        const f = defaults[i]!;
        if (obj[f.name] === undefined) obj[f.name] = f.defaultValue;
      }
      if (keepRaw) obj[RAW] = buf.subarray(start, end);
      return obj;
    },
    write(w, v) {
      if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) throw typeError('an object', v);
      const o = v as Record<string, unknown>;
      for (let i = n - 1; i >= 0; i--) {
        const f = fields[i]!;
        const fv = o[f.name];
        if (fv === undefined) {
          if (!f.optional) throw new Asn1Error('ERR_ASN1_MISSING', `mandatory component ${f.name} is absent`).within(f.name);
          continue;
        }
        if (f.hasDefault && deepEqual(fv, f.defaultValue)) continue; // DER: a DEFAULT value is not encoded
        try {
          f.type.write(w, fv);
        } catch (e) {
          throw within(e, f.name);
        }
      }
    },
  };
}

function setCore(node: Node, fields: CompiledField[], ext: boolean, keepRaw: boolean): Core {
  return {
    kind: 'set',
    node,
    universal: tagKey(0, 17),
    constructed: true,
    fields,
    read(buf, depth) {
      const start = H_START;
      const end = H_END;
      const ce = H_CE;
      let pos = H_CS;
      const obj: Record<string | symbol, unknown> = {};
      while (pos < ce) {
        head(buf, pos, ce, depth);
        const next = H_END;
        const f = fields.find((x) => accepts(x, H_KEY));
        if (!f) {
          if (!ext) throw new Asn1Error('ERR_ASN1_TAG', `unexpected component ${describeTag(H_KEY)}`, pos);
        } else {
          if (obj[f.name] !== undefined) throw new Asn1Error('ERR_ASN1_TAG', `component ${f.name} appears twice`, pos);
          try {
            obj[f.name] = f.type.read(buf, depth);
          } catch (e) {
            throw within(e, f.name);
          }
        }
        pos = next;
      }
      for (const f of fields) {
        if (obj[f.name] !== undefined) continue;
        if (!f.optional) throw missing(f, ce);
        if (f.hasDefault) obj[f.name] = f.defaultValue;
      }
      if (keepRaw) obj[RAW] = buf.subarray(start, end);
      return obj;
    },
    write(w, v) {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw typeError('an object', v);
      const o = v as Record<string, unknown>;
      const parts: Uint8Array[] = [];
      for (const f of fields) {
        const fv = o[f.name];
        if (fv === undefined) {
          if (!f.optional) throw new Asn1Error('ERR_ASN1_MISSING', `mandatory component ${f.name} is absent`).within(f.name);
          continue;
        }
        if (f.hasDefault && deepEqual(fv, f.defaultValue)) continue;
        const sub = new Writer(64);
        try {
          f.type.write(sub, fv);
        } catch (e) {
          throw within(e, f.name);
        }
        parts.push(sub.result());
      }
      // DER (X.690 §10.3, X.680 §8.6): SET components in the canonical order of their tags:
      // class (universal, application, context, private), then number; the constructed bit does not count.
      parts.sort((a, b) => tagOrder(a) - tagOrder(b));
      for (let i = parts.length - 1; i >= 0; i--) w.bytes(parts[i]!);
    },
  };
}

function tagOrder(tlvBytes: Uint8Array): number {
  head(tlvBytes, 0, tlvBytes.length, 0);
  return H_KEY;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function seqOfCore(node: Node, item: Compiled, size: Bounds | undefined): Core {
  const isSet = node.k === 'setof';
  const itemKeys = item.firstKeys;
  const single = itemKeys && itemKeys.size === 1 ? [...itemKeys][0]! : -1;
  return {
    kind: node.k as 'seqof' | 'setof',
    node,
    universal: tagKey(0, isSet ? 17 : 16),
    constructed: true,
    item,
    ...(size ? { size } : {}),
    read(buf, depth) {
      const ce = H_CE;
      const at = H_START;
      let pos = H_CS;
      const out: unknown[] = [];
      while (pos < ce) {
        head(buf, pos, ce, depth);
        const next = H_END;
        if (H_KEY !== single && itemKeys !== null && !itemKeys.has(H_KEY)) {
          throw new Asn1Error('ERR_ASN1_TAG', `unexpected element ${describeTag(H_KEY)}`, pos).within(`[${out.length}]`);
        }
        try {
          out.push(item.read(buf, depth));
        } catch (e) {
          throw within(e, `[${out.length}]`);
        }
        pos = next;
      }
      if (size && CHECK_CONSTRAINTS && (out.length < size[0] || out.length > size[1])) throw sizeError('element count', out.length, size, at);
      return out;
    },
    write(w, v) {
      if (!Array.isArray(v)) throw typeError('an array', v);
      if (size && (v.length < size[0] || v.length > size[1])) throw sizeError('element count', v.length, size, -1);
      if (!isSet) {
        for (let i = v.length - 1; i >= 0; i--) {
          try {
            item.write(w, v[i]);
          } catch (e) {
            throw within(e, `[${i}]`);
          }
        }
        return;
      }
      // DER (X.690 §11.6): SET OF elements sorted by their encodings.
      const parts = v.map((x, i) => {
        const sub = new Writer(64);
        try {
          item.write(sub, x);
        } catch (e) {
          throw within(e, `[${i}]`);
        }
        return sub.result();
      });
      parts.sort(compareBytes);
      for (let i = parts.length - 1; i >= 0; i--) w.bytes(parts[i]!);
    },
  };
}

function choiceCore(node: Node, alts: CompiledField[]): Core {
  const byKey = new Map<number, CompiledField>();
  for (const a of alts) {
    for (const k of a.type.firstKeys ?? []) {
      if (byKey.has(k)) throw new Error(`CHOICE alternatives ${byKey.get(k)!.name} and ${a.name} share tag ${describeTag(k)}`);
      byKey.set(k, a);
    }
  }
  const byName = new Map(alts.map((a) => [a.name, a]));
  return {
    kind: 'choice',
    node,
    universal: -1,
    constructed: true,
    alts,
    read(buf, depth) {
      const a = byKey.get(H_KEY);
      if (!a) throw new Asn1Error('ERR_ASN1_TAG', `no alternative has tag ${describeTag(H_KEY)}`, H_START);
      try {
        return { [a.name]: a.type.read(buf, depth) };
      } catch (e) {
        throw within(e, a.name);
      }
    },
    write(w, v) {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw typeError('an object with one alternative', v);
      let found: CompiledField | undefined;
      let value: unknown;
      for (const k in v as Record<string, unknown>) {
        const a = byName.get(k);
        if (!a) throw new Asn1Error('ERR_ASN1_TYPE', `${k} is not an alternative (expected one of ${[...byName.keys()].join(', ')})`);
        if (found) throw new Asn1Error('ERR_ASN1_TYPE', `a CHOICE value has exactly one alternative, got ${found.name} and ${k}`);
        found = a;
        value = (v as Record<string, unknown>)[k];
      }
      if (!found) throw new Asn1Error('ERR_ASN1_TYPE', 'a CHOICE value needs one alternative');
      try {
        found.type.write(w, value);
      } catch (e) {
        throw within(e, found.name);
      }
    },
  };
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return compareBytes(a, b) === 0;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Entry points

export interface DecodeOptions {
  /** Check SIZE and value-range constraints while decoding (default true). */
  constraints?: boolean;
}

export function decodeWith(c: Compiled, typeName: string, bytes: Uint8Array, opts?: DecodeOptions): unknown {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('decode expects a Uint8Array');
  CHECK_CONSTRAINTS = opts?.constraints !== false;
  try {
    head(bytes, 0, bytes.length, 0);
    if (c.firstKeys !== null && !c.firstKeys.has(H_KEY)) {
      throw new Asn1Error('ERR_ASN1_TAG', `expected ${[...c.firstKeys].map(describeTag).join(' or ')}, found ${describeTag(H_KEY)}`, 0);
    }
    const end = H_END;
    const v = c.read(bytes, 0);
    if (end !== bytes.length) throw new Asn1Error('ERR_ASN1_TRAILING', `${bytes.length - end} bytes after the value`, end);
    return v;
  } catch (e) {
    if (e instanceof Asn1Error) throw e.within(typeName);
    if (e instanceof RangeError) throw new Asn1Error('ERR_ASN1_DEPTH', 'input too deeply nested', -1).within(typeName);
    throw e;
  } finally {
    CHECK_CONSTRAINTS = true;
  }
}

const shared = new Writer(4096);

export function encodeWith(c: Compiled, typeName: string, value: unknown): Uint8Array {
  const w = shared.pos === shared.buf.length ? shared : new Writer(1024);
  try {
    c.write(w, value);
    return w.result();
  } catch (e) {
    if (e instanceof Asn1Error) throw e.within(typeName);
    throw e;
  } finally {
    w.pos = w.buf.length;
  }
}
