// The project's JSON form of ASN.1 values (README "The JSON form"):
// SEQUENCE/SET -> object (absent OPTIONAL left out); CHOICE -> { alternative: value }; SEQUENCE OF -> array;
// OCTET STRING and open types -> lowercase hex; BIT STRING -> names of the set bits (hex when the type
// names no bits); INTEGER/ENUMERATED -> number (decimal string beyond +-2^53; an ENUMERATED or named
// INTEGER may be given by name); BOOLEAN; NULL -> null; OBJECT IDENTIFIER -> dotted; strings and times -> strings.
import { fromHex, toHex } from '../lib/bytes.ts';
import { Asn1Error } from './errors.ts';
import type { BitString, Compiled } from './runtime.ts';

function within(e: unknown, seg: string): unknown {
  return e instanceof Asn1Error ? e.within(seg) : e;
}

function bad(expected: string, v: unknown): Asn1Error {
  return new Asn1Error('ERR_ASN1_TYPE', `expected ${expected}, got ${JSON.stringify(v)?.slice(0, 40) ?? typeof v}`);
}

export function toJsonValue(c: Compiled, v: unknown): unknown {
  const core = c.core;
  switch (core.kind) {
    case 'octets':
    case 'any':
      if (!(v instanceof Uint8Array)) throw bad('bytes', v);
      return toHex(v);
    case 'int':
    case 'enum':
      return typeof v === 'bigint' ? v.toString() : v;
    case 'bits':
      if (core.bitNames) return v;
      {
        const b = v as BitString;
        return b.unusedBits ? { hex: toHex(b.bytes), unusedBits: b.unusedBits } : toHex(b.bytes);
      }
    case 'seq':
    case 'set': {
      const o = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const f of core.fields!) {
        if (o[f.name] === undefined) continue;
        try {
          out[f.name] = toJsonValue(f.type, o[f.name]);
        } catch (e) {
          throw within(e, f.name);
        }
      }
      return out;
    }
    case 'seqof':
    case 'setof':
      return (v as unknown[]).map((x, i) => {
        try {
          return toJsonValue(core.item!, x);
        } catch (e) {
          throw within(e, `[${i}]`);
        }
      });
    case 'choice': {
      const [k, x] = Object.entries(v as Record<string, unknown>)[0]!;
      const a = core.alts!.find((y) => y.name === k);
      if (!a) throw new Asn1Error('ERR_ASN1_TYPE', `${k} is not an alternative`);
      try {
        return { [k]: toJsonValue(a.type, x) };
      } catch (e) {
        throw within(e, k);
      }
    }
    default:
      return v;
  }
}

export function fromJsonValue(c: Compiled, j: unknown): unknown {
  const core = c.core;
  switch (core.kind) {
    case 'octets':
    case 'any':
      if (typeof j !== 'string') throw bad('a hex string', j);
      try {
        return fromHex(j);
      } catch (e) {
        throw new Asn1Error('ERR_ASN1_TYPE', (e as Error).message);
      }
    case 'int':
    case 'enum':
      if (typeof j === 'number') {
        if (!Number.isInteger(j)) throw bad('an integer', j);
        return j;
      }
      if (typeof j === 'string') {
        if (/^-?[0-9]+$/.test(j)) {
          const b = BigInt(j);
          return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
        }
        const n = core.named?.[j];
        if (n === undefined) throw new Asn1Error('ERR_ASN1_TYPE', `${JSON.stringify(j)} is not a named value (${Object.keys(core.named ?? {}).join(', ') || 'none'})`);
        return n;
      }
      throw bad('an integer', j);
    case 'bits':
      if (core.bitNames) {
        if (!Array.isArray(j) || !j.every((x) => typeof x === 'string')) throw bad('an array of bit names', j);
        return j;
      }
      if (typeof j === 'string') return { bytes: fromJsonValueHex(j), unusedBits: 0 };
      if (j && typeof j === 'object' && typeof (j as { hex?: unknown }).hex === 'string') {
        const o = j as { hex: string; unusedBits?: number };
        return { bytes: fromJsonValueHex(o.hex), unusedBits: o.unusedBits ?? 0 };
      }
      throw bad('a hex string', j);
    case 'bool':
      if (typeof j !== 'boolean') throw bad('true or false', j);
      return j;
    case 'null':
      if (j !== null) throw bad('null', j);
      return null;
    case 'oid':
    case 'str':
      if (typeof j !== 'string') throw bad('a string', j);
      return j;
    case 'seq':
    case 'set': {
      if (j === null || typeof j !== 'object' || Array.isArray(j)) throw bad('an object', j);
      const o = j as Record<string, unknown>;
      const names = new Set(core.fields!.map((f) => f.name));
      for (const k of Object.keys(o)) if (!names.has(k)) throw new Asn1Error('ERR_ASN1_TYPE', `unknown component ${k} (expected ${[...names].join(', ')})`);
      const out: Record<string, unknown> = {};
      for (const f of core.fields!) {
        if (o[f.name] === undefined) {
          if (!f.optional) throw new Asn1Error('ERR_ASN1_MISSING', `mandatory component ${f.name} is absent`).within(f.name);
          continue;
        }
        try {
          out[f.name] = fromJsonValue(f.type, o[f.name]);
        } catch (e) {
          throw within(e, f.name);
        }
      }
      return out;
    }
    case 'seqof':
    case 'setof':
      if (!Array.isArray(j)) throw bad('an array', j);
      return j.map((x, i) => {
        try {
          return fromJsonValue(core.item!, x);
        } catch (e) {
          throw within(e, `[${i}]`);
        }
      });
    case 'choice': {
      if (j === null || typeof j !== 'object' || Array.isArray(j)) throw bad('an object with one alternative', j);
      const entries = Object.entries(j as Record<string, unknown>);
      if (entries.length !== 1) throw new Asn1Error('ERR_ASN1_TYPE', `a CHOICE takes exactly one of ${core.alts!.map((a) => a.name).join(', ')}`);
      const [k, x] = entries[0]!;
      const a = core.alts!.find((y) => y.name === k);
      if (!a) throw new Asn1Error('ERR_ASN1_TYPE', `${k} is not an alternative (expected one of ${core.alts!.map((y) => y.name).join(', ')})`);
      try {
        return { [k]: fromJsonValue(a.type, x) };
      } catch (e) {
        throw within(e, k);
      }
    }
    case 'ref':
      throw new Error('unreachable');
  }
}

function fromJsonValueHex(h: string): Uint8Array {
  try {
    return fromHex(h);
  } catch (e) {
    throw new Asn1Error('ERR_ASN1_TYPE', (e as Error).message);
  }
}
