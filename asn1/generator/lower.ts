// Turns parsed modules into the runtime schema (src/asn1/schema.ts): resolves references to their
// modules, decides automatic tagging, and fixes each written tag as implicit or explicit.
import type { ComponentAst, ModuleAst, TypeAst } from './ast.ts';
import type { Field, Node, StringKind, TagSpec } from '../../src/asn1/schema.ts';

const CLASS = { UNIVERSAL: 0, APPLICATION: 1, CONTEXT: 2, PRIVATE: 3 } as const;

const STRINGS: Record<string, StringKind> = {
  UTF8String: 'utf8',
  IA5String: 'ia5',
  PrintableString: 'printable',
  VisibleString: 'visible',
  NumericString: 'numeric',
  TeletexString: 'teletex',
  BMPString: 'bmp',
  UniversalString: 'universal',
  UTCTime: 'utctime',
  GeneralizedTime: 'gentime',
};

export interface LowerOptions {
  /** `Module.Type` names whose decoded values keep their received bytes (signed structures). */
  keepRaw: Set<string>;
}

export class Lowering {
  constructor(
    private readonly modules: Map<string, ModuleAst>,
    private readonly opts: LowerOptions,
  ) {}

  /** Which module defines `name` as seen from `mod`. */
  resolve(mod: ModuleAst, name: string): string {
    if (mod.types.has(name)) return mod.name;
    const from = mod.imports.get(name);
    if (!from) throw new Error(`${mod.file}: unknown type ${name}`);
    const target = this.modules.get(from);
    if (!target) throw new Error(`${mod.file}: ${name} is imported from ${from}, which is not in asn1/`);
    if (target.types.has(name)) return from;
    if (target.imports.has(name)) return this.resolve(target, name); // re-exported import
    throw new Error(`${mod.file}: ${from} does not define ${name}`);
  }

  lowerModule(mod: ModuleAst): Record<string, Node> {
    const out: Record<string, Node> = {};
    for (const name of mod.order) {
      const node = this.lower(mod, mod.types.get(name)!);
      if (this.opts.keepRaw.has(`${mod.name}.${name}`)) {
        const target = node.k === 'seq' || node.k === 'set' ? node : undefined;
        if (!target) throw new Error(`${mod.name}.${name} is listed to keep raw bytes but is not a SEQUENCE or SET`);
        target.raw = 1;
      }
      out[name] = node;
    }
    return out;
  }

  lower(mod: ModuleAst, t: TypeAst): Node {
    const tags: TagSpec[] = [];
    while (t.kind === 'tagged') {
      const explicit = t.mode === 'EXPLICIT' || (t.mode === 'DEFAULT' && mod.tagDefault === 'EXPLICIT');
      tags.push([CLASS[t.cls], t.num, explicit ? 1 : 0]);
      t = t.inner;
    }
    const node = this.lowerUntagged(mod, t);
    if (tags.length) (node as { tags?: TagSpec[] }).tags = tags;
    return node;
  }

  private lowerUntagged(mod: ModuleAst, t: TypeAst): Node {
    switch (t.kind) {
      case 'primitive': {
        const size = t.constraint?.size ? ([t.constraint.size.min, t.constraint.size.max] as const) : undefined;
        const range = t.constraint?.range ? ([t.constraint.range.min, t.constraint.range.max] as const) : undefined;
        const named = t.named ? Object.fromEntries(t.named.map((n) => [n.name, n.value])) : undefined;
        switch (t.name) {
          case 'BOOLEAN':
            return { k: 'bool' };
          case 'NULL':
            return { k: 'null' };
          case 'OBJECT IDENTIFIER':
            return { k: 'oid' };
          case 'INTEGER':
            return { k: 'int', ...(named ? { named } : {}), ...(range ? { range } : {}) };
          case 'OCTET STRING':
            return { k: 'octets', ...(size ? { size } : {}) };
          case 'BIT STRING':
            return { k: 'bits', ...(named ? { named } : {}), ...(size ? { size } : {}) };
          default:
            return { k: 'str', s: STRINGS[t.name]!, ...(size ? { size } : {}) };
        }
      }
      case 'enumerated':
        return { k: 'enum', items: Object.fromEntries(t.items.map((n) => [n.name, n.value])), ...(t.extensible || mod.extensibilityImplied ? { ext: 1 as const } : {}) };
      case 'any':
        return { k: 'any' };
      case 'ref': {
        const size = t.constraint?.size ? ([t.constraint.size.min, t.constraint.size.max] as const) : undefined;
        const range = t.constraint?.range ? ([t.constraint.range.min, t.constraint.range.max] as const) : undefined;
        return { k: 'ref', m: this.resolve(mod, t.name), n: t.name, ...(size ? { size } : {}), ...(range ? { range } : {}) };
      }
      case 'sequenceOf':
      case 'setOf':
        return { k: t.kind === 'sequenceOf' ? 'seqof' : 'setof', item: this.lower(mod, t.item), ...(t.size ? { size: [t.size.min, t.size.max] as const } : {}) };
      case 'sequence':
      case 'set':
      case 'choice': {
        const comps = t.kind === 'choice' ? t.alternatives : this.expandComponentsOf(mod, t.components);
        const fields = this.fields(mod, comps);
        const ext = t.extensible || mod.extensibilityImplied ? { ext: 1 as const } : {};
        if (t.kind === 'choice') return { k: 'choice', alts: fields, ...ext };
        return { k: t.kind === 'sequence' ? 'seq' : 'set', fields, ...ext };
      }
      case 'tagged':
        throw new Error('unreachable');
    }
  }

  private expandComponentsOf(mod: ModuleAst, comps: ComponentAst[]): ComponentAst[] {
    const out: ComponentAst[] = [];
    for (const c of comps) {
      if (!c.componentsOf) {
        out.push(c);
        continue;
      }
      if (c.type.kind !== 'ref') throw new Error(`${mod.file}: COMPONENTS OF needs a type reference`);
      const target = this.modules.get(this.resolve(mod, c.type.name))!.types.get(c.type.name)!;
      if (target.kind !== 'sequence') throw new Error(`${mod.file}: COMPONENTS OF ${c.type.name} is not a SEQUENCE`);
      out.push(...target.components.filter((x) => !x.extension));
    }
    return out;
  }

  /**
   * X.680 §25.3/§29.2 (automatic tagging): in an AUTOMATIC TAGS module, the components of a SEQUENCE,
   * SET or CHOICE get [0], [1], ... in order only when none of them is written with a tag.
   */
  private fields(mod: ModuleAst, comps: ComponentAst[]): Field[] {
    const automatic = mod.tagDefault === 'AUTOMATIC' && comps.every((c) => c.type.kind !== 'tagged');
    return comps.map((c, i) => {
      const t: TypeAst = automatic ? { kind: 'tagged', cls: 'CONTEXT', num: i, mode: 'DEFAULT', inner: c.type } : c.type;
      const f: Field = { n: c.name, t: this.lower(mod, t) };
      if (c.optional) f.o = 1;
      if (c.default !== undefined) f.d = c.default;
      return f;
    });
  }
}
