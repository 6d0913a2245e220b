// Recursive-descent parser for the ASN.1 subset described in asn1/GRAMMAR.md.
import type { Bounds, ComponentAst, Constraint, DefaultValue, ModuleAst, NamedNumber, PrimitiveName, TagClass, TagMode, TypeAst } from './ast.ts';
import { tokenize, type Token } from './lexer.ts';

const STRING_TYPES = new Set([
  'UTF8String',
  'IA5String',
  'PrintableString',
  'VisibleString',
  'NumericString',
  'TeletexString',
  'T61String',
  'BMPString',
  'UniversalString',
  'UTCTime',
  'GeneralizedTime',
  'BOOLEAN',
  'NULL',
]);

export function parseModule(src: string, file: string): ModuleAst {
  return new Parser(tokenize(src, file), file).module();
}

class Parser {
  private i = 0;
  private mod!: ModuleAst;

  constructor(
    private readonly toks: Token[],
    private readonly file: string,
  ) {}

  private peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }
  private next(): Token {
    return this.toks[this.i++]!;
  }
  private is(text: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind !== 'cstring' && t.kind !== 'bstring' && t.text === text;
  }
  private accept(text: string): boolean {
    if (this.is(text)) {
      this.i++;
      return true;
    }
    return false;
  }
  private fail(msg: string): never {
    const t = this.peek();
    throw new Error(`${this.file}:${t.line}: ${msg} (at ${JSON.stringify(t.text)})`);
  }
  private expect(text: string): void {
    if (!this.accept(text)) this.fail(`expected ${text}`);
  }
  private ident(): string {
    const t = this.next();
    if (t.kind !== 'id') {
      this.i--;
      this.fail('expected an identifier');
    }
    return t.text;
  }
  /** Skips a balanced bracketed group starting at the current open bracket. */
  private skipGroup(open: string, close: string): void {
    this.expect(open);
    let depth = 1;
    while (depth > 0) {
      const t = this.next();
      if (t.kind === 'eof') this.fail(`unbalanced ${open}`);
      if (t.kind === 'punct' && t.text === open) depth++;
      if (t.kind === 'punct' && t.text === close) depth--;
    }
  }

  module(): ModuleAst {
    const name = this.ident();
    if (this.is('{')) this.skipGroup('{', '}');
    this.expect('DEFINITIONS');
    let tagDefault: ModuleAst['tagDefault'] = 'EXPLICIT';
    if (this.is('AUTOMATIC') || this.is('IMPLICIT') || this.is('EXPLICIT')) {
      tagDefault = this.next().text as ModuleAst['tagDefault'];
      this.expect('TAGS');
    }
    let extensibilityImplied = false;
    if (this.accept('EXTENSIBILITY')) {
      this.expect('IMPLIED');
      extensibilityImplied = true;
    }
    this.expect('::=');
    this.expect('BEGIN');
    this.mod = { name, file: this.file, tagDefault, extensibilityImplied, imports: new Map(), types: new Map(), integers: new Map(), order: [] };
    if (this.accept('EXPORTS')) {
      while (!this.accept(';')) this.next();
    }
    if (this.accept('IMPORTS')) this.imports();
    while (!this.is('END')) this.assignment();
    return this.mod;
  }

  private imports(): void {
    let pending: string[] = [];
    while (!this.accept(';')) {
      if (this.accept('FROM')) {
        const from = this.ident();
        if (this.is('{')) this.skipGroup('{', '}');
        for (const n of pending) this.mod.imports.set(n, from);
        pending = [];
        continue;
      }
      if (this.accept(',')) continue;
      const n = this.ident();
      if (this.is('{') && this.is('}', 1)) this.i += 2; // parameterised reference marker "Name{}"
      pending.push(n);
    }
    if (pending.length) this.fail('names imported without FROM');
  }

  private assignment(): void {
    const name = this.ident();
    if (this.accept('::=')) {
      if (this.mod.types.has(name)) this.fail(`type ${name} defined twice`);
      this.mod.types.set(name, this.type());
      this.mod.order.push(name);
      return;
    }
    // Value assignment: name Type ::= value
    const t = this.type();
    this.expect('::=');
    if (t.kind === 'primitive' && t.name === 'INTEGER') {
      const v = this.next();
      if (v.kind !== 'num') this.fail('expected an integer value');
      this.mod.integers.set(name, Number(v.text));
    } else if (this.is('{')) {
      this.skipGroup('{', '}');
    } else {
      this.next();
    }
  }

  type(): TypeAst {
    if (this.is('[') && !this.is('[[')) return this.tagged();
    const t = this.next();
    if (t.kind !== 'id') {
      this.i--;
      this.fail('expected a type');
    }
    let ty: TypeAst;
    switch (t.text) {
      case 'SEQUENCE':
      case 'SET': {
        const isSeq = t.text === 'SEQUENCE';
        let size: Bounds | undefined;
        if (this.is('(') || this.is('SIZE')) {
          size = this.constraintGroup().size;
        }
        if (this.accept('OF')) {
          if (this.peek().kind === 'id' && /^[a-z]/.test(this.peek().text)) this.next(); // "SEQUENCE OF item Type": the item name is not needed
          const item = this.type();
          ty = size ? { kind: isSeq ? 'sequenceOf' : 'setOf', item, size } : { kind: isSeq ? 'sequenceOf' : 'setOf', item };
          return ty;
        }
        const { components, extensible } = this.componentList();
        ty = { kind: isSeq ? 'sequence' : 'set', components, extensible };
        break;
      }
      case 'CHOICE': {
        const { components, extensible } = this.componentList();
        ty = { kind: 'choice', alternatives: components, extensible };
        break;
      }
      case 'ENUMERATED': {
        this.expect('{');
        const items: NamedNumber[] = [];
        let extensible = false;
        let nextValue = 0;
        while (!this.accept('}')) {
          if (this.accept(',')) continue;
          if (this.accept('...')) {
            extensible = true;
            continue;
          }
          const n = this.ident();
          let v = nextValue;
          if (this.accept('(')) {
            v = this.intValue();
            this.expect(')');
          }
          items.push({ name: n, value: v });
          nextValue = v + 1;
        }
        ty = { kind: 'enumerated', items, extensible };
        break;
      }
      case 'INTEGER': {
        const named = this.is('{') ? this.namedNumbers() : undefined;
        ty = named ? { kind: 'primitive', name: 'INTEGER', named } : { kind: 'primitive', name: 'INTEGER' };
        break;
      }
      case 'BIT':
      case 'OCTET': {
        this.expect('STRING');
        if (t.text === 'BIT') {
          const named = this.is('{') ? this.namedNumbers() : undefined;
          ty = named ? { kind: 'primitive', name: 'BIT STRING', named } : { kind: 'primitive', name: 'BIT STRING' };
        } else ty = { kind: 'primitive', name: 'OCTET STRING' };
        break;
      }
      case 'OBJECT':
        this.expect('IDENTIFIER');
        ty = { kind: 'primitive', name: 'OBJECT IDENTIFIER' };
        break;
      case 'ANY':
        if (this.accept('DEFINED')) {
          this.expect('BY');
          this.ident();
        }
        return { kind: 'any' };
      default:
        if (STRING_TYPES.has(t.text)) {
          ty = { kind: 'primitive', name: (t.text === 'T61String' ? 'TeletexString' : t.text) as PrimitiveName };
        } else if (/^[A-Z]/.test(t.text)) {
          let name = t.text;
          if (this.is('.') && this.peek(1).kind === 'id') {
            // Module.Type reference
            this.i++;
            name = this.ident();
          }
          if (this.is('{') && this.is('}', 1)) this.i += 2;
          ty = { kind: 'ref', name };
        } else {
          this.i--;
          return this.fail('expected a type');
        }
    }
    while (this.is('(')) {
      const c = this.constraintGroup();
      if (ty.kind === 'primitive' || ty.kind === 'ref') {
        const merged: Constraint = { ...(ty.constraint ?? {}), ...c };
        if (merged.size || merged.range) ty.constraint = merged;
      }
    }
    return ty;
  }

  private tagged(): TypeAst {
    this.expect('[');
    let cls: TagClass = 'CONTEXT';
    if (this.is('APPLICATION') || this.is('PRIVATE') || this.is('UNIVERSAL')) cls = this.next().text as TagClass;
    const num = this.intValue();
    this.expect(']');
    let mode: TagMode = 'DEFAULT';
    if (this.is('IMPLICIT') || this.is('EXPLICIT')) mode = this.next().text as TagMode;
    return { kind: 'tagged', cls, num, mode, inner: this.type() };
  }

  private intValue(): number {
    const t = this.next();
    if (t.kind === 'num') return Number(t.text);
    if (t.kind === 'id' && this.mod.integers.has(t.text)) return this.mod.integers.get(t.text)!;
    this.i--;
    return this.fail('expected a number');
  }

  private namedNumbers(): NamedNumber[] {
    this.expect('{');
    const out: NamedNumber[] = [];
    while (!this.accept('}')) {
      if (this.accept(',') || this.accept('...')) continue;
      const name = this.ident();
      this.expect('(');
      const value = this.intValue();
      this.expect(')');
      out.push({ name, value });
    }
    return out;
  }

  /** Parses one parenthesised constraint, keeping SIZE and value ranges and skipping the rest. */
  private constraintGroup(): Constraint {
    const c: Constraint = {};
    const bare = this.is('SIZE');
    if (!bare) this.expect('(');
    if (this.accept('SIZE')) {
      this.expect('(');
      const b = this.bounds();
      if (b && this.accept(')')) c.size = b;
      else this.skipRest();
    } else {
      const b = this.bounds();
      if (b && this.is(')')) c.range = b;
      else {
        if (!bare) this.skipRest();
        return {};
      }
    }
    if (!bare) {
      if (!this.accept(')')) this.skipRest();
    }
    return c;
  }

  /** Skips to the ')' that closes the group we are in (consuming it). */
  private skipRest(): void {
    let depth = 1;
    while (depth > 0) {
      const t = this.next();
      if (t.kind === 'eof') this.fail('unbalanced (');
      if (t.kind === 'punct' && t.text === '(') depth++;
      if (t.kind === 'punct' && t.text === ')') depth--;
    }
  }

  private bound(): number | undefined {
    const t = this.peek();
    if (t.kind === 'num') {
      this.i++;
      return Number(t.text);
    }
    if (t.kind === 'id' && t.text === 'MAX') {
      this.i++;
      return Infinity;
    }
    if (t.kind === 'id' && t.text === 'MIN') {
      this.i++;
      return -Infinity;
    }
    if (t.kind === 'id' && this.mod.integers.has(t.text)) {
      this.i++;
      return this.mod.integers.get(t.text);
    }
    return undefined;
  }

  private bounds(): Bounds | undefined {
    const min = this.bound();
    if (min === undefined) return undefined;
    if (this.accept('..')) {
      const max = this.bound();
      if (max === undefined) return undefined;
      if (this.accept('...')) {
        // "(a..b, ...)" extensible constraint: not PER-visible, keep the root bounds
      }
      return { min, max };
    }
    return { min, max: min };
  }

  private componentList(): { components: ComponentAst[]; extensible: boolean } {
    this.expect('{');
    const components: ComponentAst[] = [];
    let extensible = false;
    let inExtension = false;
    let markers = 0;
    while (!this.accept('}')) {
      if (this.accept(',')) continue;
      if (this.accept('...')) {
        extensible = true;
        markers++;
        inExtension = markers % 2 === 1;
        if (this.is('!')) {
          this.next();
          this.next();
        }
        continue;
      }
      if (this.accept('[[')) {
        if (this.peek().kind === 'num' && this.is(':', 1)) this.i += 2; // version number
        continue;
      }
      if (this.accept(']]')) continue;
      if (this.accept('COMPONENTS')) {
        this.expect('OF');
        components.push({ name: '', type: this.type(), optional: false, extension: inExtension, componentsOf: true });
        continue;
      }
      const name = this.ident();
      const type = this.type();
      const comp: ComponentAst = { name, type, optional: false, extension: inExtension };
      if (this.accept('OPTIONAL')) comp.optional = true;
      else if (this.accept('DEFAULT')) {
        comp.optional = true;
        comp.default = this.defaultValue();
      }
      components.push(comp);
    }
    return { components, extensible };
  }

  private defaultValue(): DefaultValue {
    const t = this.next();
    if (t.kind === 'num') return Number(t.text);
    if (t.kind === 'bstring') {
      const body = t.text.slice(0, -1);
      return t.text.endsWith('H') ? { hex: body.toLowerCase() } : { bits: body };
    }
    if (t.kind === 'id') {
      if (t.text === 'TRUE') return true;
      if (t.text === 'FALSE') return false;
      return t.text;
    }
    if (t.kind === 'punct' && t.text === '{') {
      const names: string[] = [];
      while (!this.accept('}')) {
        if (this.accept(',')) continue;
        names.push(this.ident());
      }
      return names.length ? { names } : {};
    }
    this.i--;
    return this.fail('unsupported DEFAULT value');
  }
}
