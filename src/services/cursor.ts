// Opaque paging cursors: the position of the last item of a page, as base64url JSON. Callers pass the
// `next` value back as `after`; they never build one, so its content may change between versions.
import { invalid } from '../domain/errors.ts';
import { fromBase64, toBase64 } from '../lib/bytes.ts';

export function encodeCursor(position: unknown): string {
  return toBase64(new TextEncoder().encode(JSON.stringify(position))).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

/** Decodes a cursor and checks its shape with `accept`; a cursor that is not one of ours is a 400 on `after`. */
export function decodeCursor<T>(cursor: string, accept: (v: unknown) => v is T): T {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(fromBase64(cursor)));
  } catch {
    throw invalid('after', 'not a cursor returned by this API');
  }
  if (!accept(value)) throw invalid('after', 'not a cursor returned by this API');
  return value;
}

export interface Page<T> {
  items: T[];
  /** Cursor of the next page, or null on the last page. */
  next: string | null;
}
