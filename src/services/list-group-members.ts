// Use case: a group's members (static or dynamic), one page at a time, by an opaque cursor.
import type { Euicc } from '../domain/records.ts';
import { decodeCursor, encodeCursor, type Page } from './cursor.ts';
import type { ServiceDeps } from './deps.ts';
import { groupMembers, requireGroup } from './groups.ts';

const isMemberCursor = (v: unknown): v is ['member', number] => Array.isArray(v) && v.length === 2 && v[0] === 'member' && Number.isSafeInteger(v[1]) && (v[1] as number) >= 0;

export async function listGroupMembers(deps: ServiceDeps, tenantId: string, groupId: string, page: { limit: number; after?: string | undefined }): Promise<Page<Euicc>> {
  const group = await requireGroup(deps, tenantId, groupId);
  const afterId = page.after === undefined ? 0 : decodeCursor(page.after, isMemberCursor)[1];
  const rows = await groupMembers(deps, group, afterId, page.limit + 1);
  const items = rows.slice(0, page.limit);
  return { items, next: rows.length > page.limit ? encodeCursor(['member', items[items.length - 1]!.id]) : null };
}
