// Group repositories on drizzle.
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Euicc, GroupRecord } from '../domain/records.ts';
import type { GroupRepositories } from '../services/group-ports.ts';
import type { Queryable } from './database.ts';
import { euiccs, groupMembers, groups } from './schema.ts';

export function groupRepositories(q: Queryable): GroupRepositories {
  return {
    async insertGroup(values) {
      const [row] = await q.insert(groups).values(values).returning();
      return row as GroupRecord;
    },
    async findGroup(tenantId, id) {
      const [row] = await q.select().from(groups).where(and(eq(groups.tenantId, tenantId), eq(groups.id, id))).limit(1);
      return row as GroupRecord | undefined;
    },
    async listGroups(tenantId) {
      return (await q.select().from(groups).where(eq(groups.tenantId, tenantId)).orderBy(asc(groups.name))) as GroupRecord[];
    },
    async deleteGroup(tenantId, id) {
      await q.delete(groups).where(and(eq(groups.tenantId, tenantId), eq(groups.id, id)));
    },
    async addGroupMembers(groupId, ids) {
      if (ids.length) await q.insert(groupMembers).values(ids.map((euiccId) => ({ groupId, euiccId }))).onConflictDoNothing();
    },
    async removeGroupMembers(groupId, ids) {
      if (ids.length) await q.delete(groupMembers).where(and(eq(groupMembers.groupId, groupId), inArray(groupMembers.euiccId, ids)));
    },
    async staticMembers(groupId, afterId, limit) {
      const rows = await q
        .select({ e: euiccs })
        .from(groupMembers)
        .innerJoin(euiccs, eq(euiccs.id, groupMembers.euiccId))
        .where(and(eq(groupMembers.groupId, groupId), gt(euiccs.id, afterId)))
        .orderBy(asc(euiccs.id))
        .limit(limit);
      return rows.map((r) => r.e) as Euicc[];
    },
    async filteredEuiccs(tenantId, filter, afterId, limit) {
      const conds = [eq(euiccs.tenantId, tenantId), gt(euiccs.id, afterId)];
      // jsonb containment: every tag present, every attribute equal.
      if (filter.tags?.length) conds.push(sql`${euiccs.tags} @> ${JSON.stringify(filter.tags)}::jsonb`);
      if (filter.attributes && Object.keys(filter.attributes).length) conds.push(sql`${euiccs.attributes} @> ${JSON.stringify(filter.attributes)}::jsonb`);
      return (await q.select().from(euiccs).where(and(...conds)).orderBy(asc(euiccs.id)).limit(limit)) as Euicc[];
    },
  };
}
