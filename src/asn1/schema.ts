// The schema format the generator emits for every ASN.1 type (src/asn1/generated/schema.ts) and the
// runtime compiles into decoders and encoders. Plain data, so it can be inspected and tested.

/** A tag as written in the module: [class, number, explicit]. class: 0 universal, 1 application, 2 context, 3 private. */
export type TagSpec = readonly [cls: number, num: number, explicit: 0 | 1];

/** [min, max]; max may be Infinity. */
export type Bounds = readonly [number, number];

export type StringKind = 'utf8' | 'ia5' | 'printable' | 'visible' | 'numeric' | 'teletex' | 'bmp' | 'universal' | 'utctime' | 'gentime';

interface Tagged {
  /** Tags applied to the type, outermost first. Implicit tags on an untagged CHOICE or ANY become explicit at compile time. */
  tags?: readonly TagSpec[];
}

export interface Field {
  n: string;
  t: Node;
  /** OPTIONAL (or DEFAULT). */
  o?: 1;
  /** DEFAULT value as written: boolean, number, identifier, {hex}, {names}, {}. */
  d?: unknown;
  /** Further [class, number] tags accepted on decode for this component (interoperability aliases). */
  a?: readonly (readonly [number, number])[];
}

export type Node =
  | (Tagged & { k: 'bool' | 'null' | 'oid' | 'any' })
  | (Tagged & { k: 'octets'; size?: Bounds })
  | (Tagged & { k: 'str'; s: StringKind; size?: Bounds })
  | (Tagged & { k: 'int'; named?: Readonly<Record<string, number>>; range?: Bounds })
  | (Tagged & { k: 'enum'; items: Readonly<Record<string, number>>; ext?: 1 })
  | (Tagged & { k: 'bits'; named?: Readonly<Record<string, number>>; size?: Bounds })
  | (Tagged & { k: 'seq' | 'set'; fields: readonly Field[]; ext?: 1; raw?: 1 })
  | (Tagged & { k: 'seqof' | 'setof'; item: Node; size?: Bounds })
  | (Tagged & { k: 'choice'; alts: readonly Field[]; ext?: 1 })
  | (Tagged & { k: 'ref'; m: string; n: string; size?: Bounds; range?: Bounds });

export type ModuleSchemas = Readonly<Record<string, Readonly<Record<string, Node>>>>;
