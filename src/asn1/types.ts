// The public face of the codec: one Asn1Type per ASN.1 type, compiled on first use.
import { Asn1Error } from './errors.ts';
import { MODULES } from './generated/schema.ts';
import { fromJsonValue, toJsonValue } from './json.ts';
import { Registry, decodeWith, encodeWith, type BitString, type Compiled, type DecodeOptions } from './runtime.ts';

export type { BitString, DecodeOptions };

export interface Asn1Type<T> {
  readonly module: string;
  readonly name: string;
  /** Decodes exactly one value (BER accepted); throws Asn1Error with code, path and offset. */
  decode(bytes: Uint8Array, opts?: DecodeOptions): T;
  /** Encodes in DER; throws Asn1Error (ERR_ASN1_TYPE / ERR_ASN1_MISSING / ERR_ASN1_CONSTRAINT) on a bad value. */
  encode(value: T): Uint8Array;
  /** The project's JSON form of a value (see README: "The JSON form"). */
  toJson(value: T): unknown;
  /** Parses the JSON form; throws Asn1Error (ERR_ASN1_TYPE) naming the path of a bad field. */
  fromJson(json: unknown): T;
  /** The compiled schema, for tools and tests. */
  compiled(): Compiled;
}

export const registry = new Registry(MODULES);

class TypeHandle<T> implements Asn1Type<T> {
  private c: Compiled | undefined;
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  compiled(): Compiled {
    return (this.c ??= registry.type(this.module, this.name));
  }
  decode(bytes: Uint8Array, opts?: DecodeOptions): T {
    return decodeWith(this.c ?? this.compiled(), this.name, bytes, opts) as T;
  }
  encode(value: T): Uint8Array {
    return encodeWith(this.c ?? this.compiled(), this.name, value);
  }
  toJson(value: T): unknown {
    try {
      return toJsonValue(this.compiled(), value);
    } catch (e) {
      throw e instanceof Asn1Error ? e.within(this.name) : e;
    }
  }
  fromJson(json: unknown): T {
    try {
      return fromJsonValue(this.compiled(), json) as T;
    } catch (e) {
      throw e instanceof Asn1Error ? e.within(this.name) : e;
    }
  }
}

const handles = new Map<string, TypeHandle<unknown>>();

/** The handle of `module.name`; used by the generated files. */
export function codec<T>(module: string, name: string): Asn1Type<T> {
  const id = `${module}.${name}`;
  let h = handles.get(id);
  if (!h) {
    h = new TypeHandle(module, name);
    handles.set(id, h);
  }
  return h as Asn1Type<T>;
}

/** Every type the modules define, as `Module.Type`. */
export function allTypeNames(): string[] {
  const out: string[] = [];
  for (const [m, types] of Object.entries(MODULES)) for (const t of Object.keys(types)) out.push(`${m}.${t}`);
  return out;
}

/**
 * Finds a type by `Module.Type` or by its bare name. A bare name defined in several modules
 * (ProfileInfo in SGP.22 and SGP.32, ...) must be qualified.
 */
export function findType(name: string): Asn1Type<unknown> {
  const dot = name.indexOf('.');
  if (dot > 0) {
    const m = name.slice(0, dot);
    const t = name.slice(dot + 1);
    if (!MODULES[m]?.[t]) throw new Asn1Error('ERR_ASN1_UNKNOWN_TYPE', `no type ${name}`);
    return codec(m, t);
  }
  const hits = Object.keys(MODULES).filter((m) => MODULES[m]![name]);
  if (hits.length === 0) throw new Asn1Error('ERR_ASN1_UNKNOWN_TYPE', `no type ${name} (see 'eim asn1 types')`);
  if (hits.length > 1) throw new Asn1Error('ERR_ASN1_UNKNOWN_TYPE', `${name} is defined in ${hits.join(' and ')}: write ${hits.map((m) => `${m}.${name}`).join(' or ')}`);
  return codec(hits[0]!, name);
}
