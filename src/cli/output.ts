// How the command line prints: tables for people, JSON with --json, progress on stderr, and errors as one
// line on stderr with exit code 1 (never a stack trace).
import { ApiError } from './api-client.ts';

export type Column<T> = [header: string, value: (row: T) => unknown];

function cell(v: unknown): string {
  if (v === null || v === undefined || v === '') return '-';
  if (Array.isArray(v)) return v.length ? v.map(cell).join(',') : '-';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A plain text table: a header, then one line per row, columns padded to their widest cell. */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((r) => columns.map(([, f]) => cell(f(r))));
  const widths = columns.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(columns.map(([h]) => h)), ...cells.map(line)].join('\n') + '\n';
}

export function printTable<T>(rows: readonly T[], columns: readonly Column<T>[]): void {
  process.stdout.write(formatTable(rows, columns));
}

/** Two columns, field and value, for one object. */
export function printFields(fields: [string, unknown][]): void {
  const width = Math.max(...fields.map(([k]) => k.length));
  process.stdout.write(fields.map(([k, v]) => `${k.padEnd(width)}  ${cell(v)}`).join('\n') + '\n');
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Progress on stderr: rewritten in place on a terminal, a line at most every `everyMs` otherwise. */
export class Progress {
  #last = 0;
  #shown = false;
  constructor(private readonly everyMs = 1000) {}

  update(text: string, force = false): void {
    const now = Date.now();
    if (!force && now - this.#last < this.everyMs) return;
    this.#last = now;
    this.#shown = true;
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${text}`);
    else process.stderr.write(`${text}\n`);
  }

  done(text: string): void {
    if (process.stderr.isTTY && this.#shown) process.stderr.write(`\r\x1b[2K${text}\n`);
    else process.stderr.write(`${text}\n`);
  }
}

/** The one error line: the API's code and message, or the error's message. */
export function errorLine(err: unknown): string {
  if (err instanceof ApiError) return `error ${err.code}: ${err.message}`;
  const e = err as { code?: unknown; message?: unknown };
  if (e && typeof e.code === 'string' && /^ERR_/.test(e.code)) return `error ${e.code}: ${String(e.message)}`;
  return `error: ${err instanceof Error ? err.message : String(err)}`;
}

/** A usage error in the command's own arguments. */
export function usage(message: string): ApiError {
  return new ApiError('ERR_USAGE', message);
}

export const shortTime = (iso: unknown): string => (typeof iso === 'string' ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-');
