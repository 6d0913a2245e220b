// Use case: list a tenant's eUICCs by tag, attribute, EID prefix, inventory staleness and last-seen time,
// in EID order, one page at a time.
import { invalid } from '../domain/errors.ts';
import type { Euicc } from '../domain/records.ts';
import { decodeCursor, encodeCursor, type Page } from './cursor.ts';
import type { ServiceDeps } from './deps.ts';
import type { EuiccListQuery } from './euicc-ports.ts';

export type EuiccFilter = Omit<EuiccListQuery, 'tenantId' | 'afterEid' | 'limit'>;

const isEidCursor = (v: unknown): v is ['eid', string] => Array.isArray(v) && v.length === 2 && v[0] === 'eid' && typeof v[1] === 'string' && /^[0-9]{32}$/.test(v[1]);

export async function listEuiccs(deps: ServiceDeps, tenantId: string, filter: EuiccFilter, page: { limit: number; after?: string | undefined }): Promise<Page<Euicc>> {
  if (filter.eidPrefix !== undefined && !/^[0-9]{1,32}$/.test(filter.eidPrefix)) throw invalid('eidPrefix', 'must be 1 to 32 decimal digits');
  const afterEid = page.after === undefined ? undefined : decodeCursor(page.after, isEidCursor)[1];
  // One more than asked tells whether another page follows, so the last page never points to an empty one.
  const rows = await deps.store.listEuiccs({ ...filter, tenantId, limit: page.limit + 1, ...(afterEid ? { afterEid } : {}) });
  const items = rows.slice(0, page.limit);
  return { items, next: rows.length > page.limit ? encodeCursor(['eid', items[items.length - 1]!.eid]) : null };
}
