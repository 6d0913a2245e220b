// Tokenizer for the ASN.1 subset described in asn1/GRAMMAR.md.

export type TokenKind = 'id' | 'num' | 'punct' | 'bstring' | 'cstring' | 'eof';

export interface Token {
  kind: TokenKind;
  text: string;
  line: number;
}

const PUNCT = ['::=', '...', '..', '[[', ']]', '{', '}', '(', ')', '[', ']', ',', ';', '|', '.', '<', '^', '!', '@', ':'];

export function tokenize(src: string, file: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  const n = src.length;
  const fail = (msg: string): never => {
    throw new Error(`${file}:${line}: ${msg}`);
  };
  while (i < n) {
    const c = src[i]!;
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f') {
      i++;
      continue;
    }
    if (c === '-' && src[i + 1] === '-') {
      // "--" comment ends at the end of the line or at the next "--".
      i += 2;
      while (i < n && src[i] !== '\n' && !(src[i] === '-' && src[i + 1] === '-')) i++;
      if (src[i] === '-') i += 2;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) fail('unterminated /* comment');
      for (let k = i; k < end; k++) if (src[k] === '\n') line++;
      i = end + 2;
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      let j = i + 1;
      while (j < n && (/[A-Za-z0-9]/.test(src[j]!) || (src[j] === '-' && src[j + 1] !== '-' && /[A-Za-z0-9]/.test(src[j + 1] ?? '')))) j++;
      out.push({ kind: 'id', text: src.slice(i, j), line });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(src[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < n && /[0-9]/.test(src[j]!)) j++;
      out.push({ kind: 'num', text: src.slice(i, j), line });
      i = j;
      continue;
    }
    if (c === "'") {
      const end = src.indexOf("'", i + 1);
      if (end < 0) fail('unterminated quoted string');
      const suffix = src[end + 1];
      if (suffix !== 'H' && suffix !== 'B') fail("expected 'H or 'B after a quoted string");
      out.push({ kind: 'bstring', text: src.slice(i + 1, end).replace(/\s/g, '') + suffix, line });
      i = end + 2;
      continue;
    }
    if (c === '"') {
      const end = src.indexOf('"', i + 1);
      if (end < 0) fail('unterminated string');
      out.push({ kind: 'cstring', text: src.slice(i + 1, end), line });
      i = end + 1;
      continue;
    }
    const p = PUNCT.find((x) => src.startsWith(x, i));
    if (!p) fail(`unexpected character ${JSON.stringify(c)}`);
    out.push({ kind: 'punct', text: p!, line });
    i += p!.length;
  }
  out.push({ kind: 'eof', text: '', line });
  return out;
}
