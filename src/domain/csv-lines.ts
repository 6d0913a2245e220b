// Incremental CSV reading: text arrives in chunks (a request body, a file stream), lines leave one at a
// time, so a file of any length is read with memory bounded by the longest line.
import { invalid } from './errors.ts';

export interface CsvLine {
  /** 1-based line number in the file. */
  no: number;
  text: string;
}

export type TextSource = string | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;

/** A line longer than this is refused: no activation-code row comes near it, and memory stays bounded. */
export const MAX_LINE_CHARS = 64 * 1024;

async function* chunksOf(source: TextSource): AsyncGenerator<string> {
  if (typeof source === 'string') {
    // A string already in memory is still cut into pieces, so the line loop below never copies it whole.
    for (let i = 0; i < source.length; i += 1 << 20) yield source.slice(i, i + (1 << 20));
    return;
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for await (const chunk of source as AsyncIterable<string | Uint8Array>) yield typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
  const rest = decoder.decode();
  if (rest) yield rest;
}

/** The lines of a text, CRLF or LF, without a leading byte-order mark. */
export async function* csvLines(source: TextSource): AsyncGenerator<CsvLine> {
  let carry = '';
  let no = 0;
  const emit = (text: string): CsvLine => {
    no++;
    if (no === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return { no, text: text.endsWith('\r') ? text.slice(0, -1) : text };
  };
  for await (const chunk of chunksOf(source)) {
    let text = carry + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
      yield emit(text.slice(start, nl));
      start = nl + 1;
    }
    carry = text.slice(start);
    text = '';
    if (carry.length > MAX_LINE_CHARS) throw invalid(`line ${no + 1}`, `a line is longer than ${MAX_LINE_CHARS} characters`);
  }
  if (carry.length) yield emit(carry);
}

/**
 * The fields of one CSV line (RFC 4180 quoting: "a,b" and "" inside quotes). Returns undefined when a
 * quote is left open: fields spanning lines are not part of either accepted format.
 */
export function splitCsvLine(line: string): string[] | undefined {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q === -1) return undefined;
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      if (i < line.length && line[i] !== ',') return undefined;
      fields.push(value);
    } else {
      const c = line.indexOf(',', i);
      fields.push(c === -1 ? line.slice(i) : line.slice(i, c));
      i = c === -1 ? line.length : c;
    }
    if (i >= line.length) return fields;
    i++; // the comma
    if (i === line.length) {
      fields.push('');
      return fields;
    }
  }
}
