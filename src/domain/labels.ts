// Tags and attributes: the operator's own labels on an eUICC, which dynamic groups and list filters match.
import { invalid } from './errors.ts';

export const MAX_TAGS = 50;
export const MAX_TAG_LENGTH = 64;
export const MAX_ATTRIBUTES = 50;
export const MAX_ATTRIBUTE_NAME = 64;
export const MAX_ATTRIBUTE_VALUE = 256;

/** Tags: 1 to 64 characters each, at most 50, duplicates removed (first occurrence kept). */
export function parseTags(input: unknown, field = 'tags'): string[] {
  if (!Array.isArray(input) || input.length > MAX_TAGS) throw invalid(field, `must be a list of at most ${MAX_TAGS} tags`);
  input.forEach((t, i) => {
    if (typeof t !== 'string' || t.length === 0 || t.length > MAX_TAG_LENGTH) throw invalid(`${field}[${i}]`, `a tag is 1 to ${MAX_TAG_LENGTH} characters`);
  });
  return [...new Set(input as string[])];
}

/** Attributes: name -> value, names 1 to 64 characters, values strings of at most 256 characters, at most 50. */
export function parseAttributes(input: unknown, field = 'attributes'): Record<string, string> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw invalid(field, 'must map attribute names to string values');
  const entries = Object.entries(input);
  if (entries.length > MAX_ATTRIBUTES) throw invalid(field, `at most ${MAX_ATTRIBUTES} attributes`);
  for (const [k, v] of entries) {
    if (k.length === 0 || k.length > MAX_ATTRIBUTE_NAME) throw invalid(`${field}.${k}`, `an attribute name is 1 to ${MAX_ATTRIBUTE_NAME} characters`);
    if (typeof v !== 'string' || v.length > MAX_ATTRIBUTE_VALUE) throw invalid(`${field}.${k}`, `an attribute value is a string of at most ${MAX_ATTRIBUTE_VALUE} characters`);
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/** Applies a JSON merge patch to attributes: a null value removes the attribute. */
export function mergeAttributes(current: Record<string, string>, patch: Record<string, string | null>, field = 'attributes'): Record<string, string> {
  const next = new Map(Object.entries(current));
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) next.delete(k);
    else next.set(k, v);
  }
  // Object.fromEntries defines own properties, so even a name like "__proto__" stays an ordinary attribute.
  return parseAttributes(Object.fromEntries(next), field);
}
