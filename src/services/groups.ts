// Groups of eUICCs (issue 6 §1), the way an MDM groups devices: static groups list their members;
// dynamic groups are a filter on tags and attributes, so a device belongs as soon as it matches.
import { DomainError, invalid } from '../domain/errors.ts';
import { parseEid } from '../domain/identifiers.ts';
import type { Euicc, GroupFilter, GroupRecord } from '../domain/records.ts';
import type { ServiceDeps } from './deps.ts';
import { emit } from './events.ts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/;

export function parseGroupFilter(input: unknown): GroupFilter {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw invalid('filter', 'must be an object with tags and/or attributes');
  const o = input as Record<string, unknown>;
  for (const k of Object.keys(o)) if (k !== 'tags' && k !== 'attributes') throw invalid(`filter.${k}`, 'unknown field (allowed: tags, attributes)');
  const f: GroupFilter = {};
  if (o.tags !== undefined) {
    if (!Array.isArray(o.tags) || o.tags.some((t) => typeof t !== 'string' || t.length === 0 || t.length > 64)) throw invalid('filter.tags', 'must be a list of tags (1 to 64 characters)');
    f.tags = o.tags as string[];
  }
  if (o.attributes !== undefined) {
    if (o.attributes === null || typeof o.attributes !== 'object' || Array.isArray(o.attributes) || Object.values(o.attributes).some((v) => typeof v !== 'string')) {
      throw invalid('filter.attributes', 'must map attribute names to string values');
    }
    f.attributes = o.attributes as Record<string, string>;
  }
  if (!f.tags?.length && !f.attributes) throw invalid('filter', 'a dynamic group needs at least one tag or attribute to match');
  return f;
}

export async function createGroup(deps: ServiceDeps, tenantId: string, input: { name: string; kind: 'static' | 'dynamic'; filter?: unknown; eids?: string[] }): Promise<GroupRecord> {
  if (typeof input.name !== 'string' || !NAME.test(input.name)) throw invalid('name', 'letters, digits, space, ".", "_" or "-", at most 100 characters');
  if (input.kind !== 'static' && input.kind !== 'dynamic') throw invalid('kind', 'must be static or dynamic');
  const filter = input.kind === 'dynamic' ? parseGroupFilter(input.filter) : null;
  if (input.kind === 'static' && input.filter !== undefined) throw invalid('filter', 'only dynamic groups have a filter');
  if (input.kind === 'dynamic' && input.eids !== undefined) throw invalid('eids', 'dynamic groups have no explicit members');
  return deps.store.transaction(async (tx) => {
    if ((await tx.listGroups(tenantId)).some((g) => g.name === input.name)) throw new DomainError('ERR_CONFLICT', `a group named ${input.name} exists`, 'name');
    const group = await tx.insertGroup({ tenantId, name: input.name, kind: input.kind, filter });
    if (input.eids?.length) {
      const ids = await euiccIds(tx, tenantId, input.eids, 'eids');
      await tx.addGroupMembers(group.id, ids);
    }
    await emit(tx, tenantId, 'group.created', { type: 'group', id: group.id }, { groupId: group.id, name: group.name, kind: group.kind, filter });
    return group;
  });
}

async function euiccIds(tx: Pick<ServiceDeps['store'], 'findEuiccByEid'>, tenantId: string, eids: string[], field: string): Promise<number[]> {
  const ids: number[] = [];
  for (const [i, raw] of eids.entries()) {
    const eid = parseEid(raw, `${field}[${i}]`);
    const e = await tx.findEuiccByEid(eid);
    if (!e || e.tenantId !== tenantId) throw new DomainError('ERR_NOT_FOUND', `no eUICC ${eid}`, `${field}[${i}]`);
    ids.push(e.id);
  }
  return ids;
}

export async function requireGroup(deps: ServiceDeps, tenantId: string, id: string): Promise<GroupRecord> {
  const g = await deps.store.findGroup(tenantId, id);
  if (!g) throw new DomainError('ERR_NOT_FOUND', `no group ${id}`, 'groupId');
  return g;
}

/** Adds or removes members of a static group by EID. */
export async function changeMembers(deps: ServiceDeps, tenantId: string, groupId: string, change: { add?: string[]; remove?: string[] }): Promise<void> {
  const group = await requireGroup(deps, tenantId, groupId);
  if (group.kind !== 'static') throw new DomainError('ERR_CONFLICT', 'members of a dynamic group follow its filter; change the devices\' tags or attributes instead', 'groupId');
  await deps.store.transaction(async (tx) => {
    const add = await euiccIds(tx, tenantId, change.add ?? [], 'add');
    const remove = await euiccIds(tx, tenantId, change.remove ?? [], 'remove');
    await tx.addGroupMembers(group.id, add);
    await tx.removeGroupMembers(group.id, remove);
    await emit(tx, tenantId, 'group.membersChanged', { type: 'group', id: group.id }, { groupId: group.id, added: change.add ?? [], removed: change.remove ?? [] });
  });
}

/** A page of a group's members (static or dynamic), in eUICC id order: pass the last id back as `afterId`. */
export function groupMembers(deps: ServiceDeps, group: GroupRecord, afterId: number, limit: number): Promise<Euicc[]> {
  return group.kind === 'static' ? deps.store.staticMembers(group.id, afterId, limit) : deps.store.filteredEuiccs(group.tenantId, group.filter!, afterId, limit);
}

/** Every member of a group, page by page. */
export async function* allGroupMembers(deps: ServiceDeps, group: GroupRecord, pageSize = 1000): AsyncGenerator<Euicc> {
  let after = 0;
  for (;;) {
    const page = await groupMembers(deps, group, after, pageSize);
    for (const e of page) yield e;
    if (page.length < pageSize) return;
    after = page[page.length - 1]!.id;
  }
}
