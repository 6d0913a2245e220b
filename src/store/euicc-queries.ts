// eUICC repositories for the operator API on drizzle: filtered lists in EID order, bulk import, deletion.
import { and, asc, eq, gt, inArray, like, lt, sql, type SQL } from 'drizzle-orm';
import type { Association, Euicc } from '../domain/records.ts';
import type { EuiccRepositories } from '../services/euicc-ports.ts';
import type { Queryable } from './database.ts';
import { associations, euiccs, events } from './schema.ts';

/** Rows per INSERT statement: well below PostgreSQL's 65,535 bind parameters. */
const CHUNK = 1000;

function chunks<T>(rows: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += CHUNK) out.push(rows.slice(i, i + CHUNK));
  return out;
}

export function euiccRepositories(q: Queryable): EuiccRepositories {
  return {
    async listEuiccs(f) {
      const conds: SQL[] = [eq(euiccs.tenantId, f.tenantId)];
      // jsonb containment, as for dynamic groups: every tag present, every attribute equal.
      if (f.tags?.length) conds.push(sql`${euiccs.tags} @> ${JSON.stringify(f.tags)}::jsonb`);
      if (f.attributes && Object.keys(f.attributes).length) conds.push(sql`${euiccs.attributes} @> ${JSON.stringify(f.attributes)}::jsonb`);
      // The prefix is digits only (validated), so it holds no LIKE wildcard.
      if (f.eidPrefix) conds.push(like(euiccs.eid, `${f.eidPrefix}%`));
      if (f.inventoryStale !== undefined) conds.push(eq(euiccs.inventoryStale, f.inventoryStale));
      if (f.lastSeenBefore) conds.push(lt(euiccs.lastSeenAt, f.lastSeenBefore));
      if (f.lastSeenAfter) conds.push(gt(euiccs.lastSeenAt, f.lastSeenAfter));
      if (f.afterEid) conds.push(gt(euiccs.eid, f.afterEid));
      return (await q.select().from(euiccs).where(and(...conds)).orderBy(asc(euiccs.eid)).limit(f.limit)) as Euicc[];
    },
    async findEuiccsByEids(eids) {
      const out: Pick<Euicc, 'id' | 'eid' | 'tenantId'>[] = [];
      for (const part of chunks(eids)) out.push(...(await q.select({ id: euiccs.id, eid: euiccs.eid, tenantId: euiccs.tenantId }).from(euiccs).where(inArray(euiccs.eid, part))));
      return out;
    },
    async insertEuiccs(rows) {
      const byEid = new Map<string, Euicc>();
      for (const part of chunks(rows)) for (const r of await q.insert(euiccs).values(part).returning()) byEid.set(r.eid, r as Euicc);
      return rows.map((r) => byEid.get(r.eid)!);
    },
    async insertAssociations(rows) {
      for (const part of chunks(rows)) await q.insert(associations).values(part);
    },
    async listAssociations(euiccId) {
      return (await q.select().from(associations).where(eq(associations.euiccId, euiccId)).orderBy(asc(associations.eimId))).map(association);
    },
    async associationsOf(euiccIds, eimId) {
      const out: Association[] = [];
      for (const part of chunks(euiccIds)) {
        out.push(...(await q.select().from(associations).where(and(eq(associations.eimId, eimId), inArray(associations.euiccId, part)))).map(association));
      }
      return out;
    },
    async deleteEuicc(id) {
      await q.delete(euiccs).where(eq(euiccs.id, id));
    },
    async insertEvents(rows) {
      for (const part of chunks(rows)) await q.insert(events).values(part);
    },
  };
}

function association(r: typeof associations.$inferSelect): Association {
  return { euiccId: r.euiccId, eimId: r.eimId, counterValue: r.counterValue, associationToken: r.associationToken };
}
