// The one JSON form of an event, used by the REST route, the WebSocket stream and webhook bodies.
import type { EventRecord } from '../domain/records.ts';

export interface EventJson {
  /** The cursor: strictly increasing in the order readers see events. */
  id: number;
  /** entity.verb, e.g. order.done, euicc.registered */
  type: string;
  subject: { type: string; id: string };
  data: Record<string, unknown>;
  createdAt: string;
}

export function eventJson(e: EventRecord): EventJson {
  return { id: e.id, type: e.type, subject: { type: e.subjectType, id: e.subjectId }, data: e.data, createdAt: e.createdAt.toISOString() };
}

/** Type filters are prefixes: `order.` selects every order event, `order.done` that one type. */
export function matchesTypes(type: string, prefixes: readonly string[]): boolean {
  return prefixes.length === 0 || prefixes.some((p) => type.startsWith(p));
}

/** Parses `order.,euicc.registered` (the `type` query parameter) into prefixes. */
export function parseTypeList(value: string | undefined): string[] {
  if (!value) return [];
  return [...new Set(value.split(',').map((s) => s.trim()).filter(Boolean))];
}
