// The parsed form of an ASN.1 module, before tags are resolved.

export type TagClass = 'UNIVERSAL' | 'APPLICATION' | 'CONTEXT' | 'PRIVATE';
export type TagMode = 'IMPLICIT' | 'EXPLICIT' | 'DEFAULT';
export type TagDefault = 'AUTOMATIC' | 'IMPLICIT' | 'EXPLICIT';

export interface Bounds {
  min: number;
  max: number; // Infinity for MAX
}

export interface Constraint {
  size?: Bounds;
  range?: Bounds;
}

export type PrimitiveName =
  | 'BOOLEAN'
  | 'NULL'
  | 'INTEGER'
  | 'BIT STRING'
  | 'OCTET STRING'
  | 'OBJECT IDENTIFIER'
  | 'UTF8String'
  | 'IA5String'
  | 'PrintableString'
  | 'VisibleString'
  | 'NumericString'
  | 'TeletexString'
  | 'BMPString'
  | 'UniversalString'
  | 'UTCTime'
  | 'GeneralizedTime';

export interface NamedNumber {
  name: string;
  value: number;
}

export type TypeAst =
  | { kind: 'primitive'; name: PrimitiveName; named?: NamedNumber[]; constraint?: Constraint }
  | { kind: 'enumerated'; items: NamedNumber[]; extensible: boolean }
  | { kind: 'ref'; name: string; constraint?: Constraint }
  | { kind: 'sequence' | 'set'; components: ComponentAst[]; extensible: boolean }
  | { kind: 'sequenceOf' | 'setOf'; item: TypeAst; size?: Bounds }
  | { kind: 'choice'; alternatives: ComponentAst[]; extensible: boolean }
  | { kind: 'any' }
  | { kind: 'tagged'; cls: TagClass; num: number; mode: TagMode; inner: TypeAst };

export type DefaultValue = boolean | number | string | { hex: string } | { bits: string } | { names: string[] } | Record<string, never>;

export interface ComponentAst {
  name: string;
  type: TypeAst;
  optional: boolean;
  default?: DefaultValue;
  /** Written after an extension marker. */
  extension: boolean;
  /** `COMPONENTS OF T`: the name is empty and `type` is T. */
  componentsOf?: boolean;
}

export interface ModuleAst {
  name: string;
  file: string;
  tagDefault: TagDefault;
  extensibilityImplied: boolean;
  imports: Map<string, string>; // type or value name -> module name
  types: Map<string, TypeAst>;
  integers: Map<string, number>;
  /** Names of the types in the order they were written. */
  order: string[];
}
