// Activation-code pool repositories on drizzle.
import { and, asc, count, eq, gt, inArray, sql } from 'drizzle-orm';
import type { ActivationCodeRecord, CodeState, PoolAssignmentRecord, PoolRecord } from '../domain/activation-codes.ts';
import { HELD_STATES } from '../domain/activation-codes.ts';
import type { Order } from '../domain/records.ts';
import type { PoolRepositories } from '../services/pool-ports.ts';
import type { Queryable } from './database.ts';
import { activationCodes, orders, poolAssignments, pools, profiles } from './schema.ts';

export function poolRepositories(q: Queryable): PoolRepositories {
  return {
    async insertPool(values) {
      const [row] = await q.insert(pools).values(values).returning();
      return row as PoolRecord;
    },
    async findPool(tenantId, id) {
      const [row] = await q.select().from(pools).where(and(eq(pools.tenantId, tenantId), eq(pools.id, id))).limit(1);
      return row as PoolRecord | undefined;
    },
    async findPoolByName(tenantId, name) {
      const [row] = await q.select().from(pools).where(and(eq(pools.tenantId, tenantId), eq(pools.name, name))).limit(1);
      return row as PoolRecord | undefined;
    },
    async listPools(tenantId) {
      return (await q.select().from(pools).where(eq(pools.tenantId, tenantId)).orderBy(asc(pools.name))) as PoolRecord[];
    },
    async countCodes(poolId) {
      const rows = await q.select({ state: activationCodes.state, n: count() }).from(activationCodes).where(eq(activationCodes.poolId, poolId)).groupBy(activationCodes.state);
      return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
    },

    async insertCodes(rows) {
      if (rows.length === 0) return new Set();
      // One array parameter per column (unnest), not one parameter per value: a 1,000-row batch binds 9 values.
      const col = <K extends keyof (typeof rows)[number]>(k: K) => sql.param(rows.map((r) => r[k]));
      const res = (await q.execute(sql`INSERT INTO activation_codes (pool_id, tenant_id, iccid, smdp_address, matching_id, confirmation_code, operator, rate_plan, country)
        SELECT * FROM unnest(${col('poolId')}::uuid[], ${col('tenantId')}::text[], ${col('iccid')}::text[], ${col('smdpAddress')}::text[], ${col('matchingId')}::text[],
          ${col('confirmationCode')}::text[], ${col('operator')}::text[], ${col('ratePlan')}::text[], ${col('country')}::text[])
        ON CONFLICT (pool_id, smdp_address, matching_id) DO NOTHING
        RETURNING smdp_address, matching_id`)) as unknown as { rows: { smdp_address: string; matching_id: string }[] };
      return new Set(res.rows.map((r) => `${r.smdp_address}$${r.matching_id}`));
    },
    async existingCodes(poolId, keys, iccids) {
      const out = { keys: new Set<string>(), iccids: new Set<string>() };
      if (keys.length) {
        const smdp = keys.map((k) => k.slice(0, k.indexOf('$')));
        const mid = keys.map((k) => k.slice(k.indexOf('$') + 1));
        // One index lookup per key (activation_codes_pool_matching), not a scan of the pool.
        const rows = (await q.execute(sql`SELECT c.smdp_address, c.matching_id FROM activation_codes c
          JOIN unnest(${sql.param(smdp)}::text[], ${sql.param(mid)}::text[]) AS k(s, m)
            ON c.pool_id = ${poolId} AND c.smdp_address = k.s AND c.matching_id = k.m`)) as unknown as { rows: { smdp_address: string; matching_id: string }[] };
        for (const r of rows.rows) out.keys.add(`${r.smdp_address}$${r.matching_id}`);
      }
      if (iccids.length) {
        const rows = await q.select({ iccid: activationCodes.iccid }).from(activationCodes).where(and(eq(activationCodes.poolId, poolId), inArray(activationCodes.iccid, iccids)));
        for (const r of rows) if (r.iccid) out.iccids.add(r.iccid);
      }
      return out;
    },
    async findCode(tenantId, id) {
      const [row] = await q.select().from(activationCodes).where(and(eq(activationCodes.tenantId, tenantId), eq(activationCodes.id, id))).limit(1);
      return row as ActivationCodeRecord | undefined;
    },
    async lockCode(id) {
      const [row] = await q.select().from(activationCodes).where(eq(activationCodes.id, id)).for('update');
      return row as ActivationCodeRecord | undefined;
    },
    async claimAvailableCode(poolId) {
      const [row] = await q
        .select()
        .from(activationCodes)
        .where(and(eq(activationCodes.poolId, poolId), eq(activationCodes.state, 'available')))
        .orderBy(asc(activationCodes.id))
        .limit(1)
        .for('update', { skipLocked: true });
      return row as ActivationCodeRecord | undefined;
    },
    async updateCode(id, patch) {
      if (Object.keys(patch).length) await q.update(activationCodes).set(patch).where(eq(activationCodes.id, id));
    },
    async listCodes(poolId, state, afterId, limit) {
      const conds = [eq(activationCodes.poolId, poolId), gt(activationCodes.id, afterId)];
      if (state) conds.push(eq(activationCodes.state, state));
      return (await q.select().from(activationCodes).where(and(...conds)).orderBy(asc(activationCodes.id)).limit(limit)) as ActivationCodeRecord[];
    },
    async heldCodes(poolId, euiccIds) {
      if (euiccIds.length === 0) return [];
      return (await q
        .select()
        .from(activationCodes)
        .where(and(eq(activationCodes.poolId, poolId), inArray(activationCodes.euiccId, euiccIds), inArray(activationCodes.state, HELD_STATES as CodeState[])))
        .orderBy(asc(activationCodes.id))) as ActivationCodeRecord[];
    },
    async withPoolProfile(poolId, euiccIds) {
      if (euiccIds.length === 0) return new Set();
      const rows = await q
        .selectDistinct({ euiccId: profiles.euiccId })
        .from(profiles)
        .innerJoin(activationCodes, and(eq(activationCodes.iccid, profiles.iccid), eq(activationCodes.poolId, poolId)))
        .where(inArray(profiles.euiccId, euiccIds));
      return new Set(rows.map((r) => r.euiccId));
    },
    async installedAwaitingEnable(poolId, afterId, limit) {
      const rows = await q
        .select({ c: activationCodes })
        .from(activationCodes)
        .innerJoin(orders, eq(orders.id, activationCodes.orderId))
        .where(and(eq(activationCodes.poolId, poolId), gt(activationCodes.id, afterId), eq(activationCodes.state, 'installed'), eq(orders.kind, 'download')))
        .orderBy(asc(activationCodes.id))
        .limit(limit);
      return rows.map((r) => r.c) as ActivationCodeRecord[];
    },
    async lockPoolMember(poolId, euiccId) {
      await q.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`pool-member:${poolId}:${euiccId}`}, 0))`);
    },
    async ordersByIds(ids) {
      if (ids.length === 0) return [];
      return (await q.select().from(orders).where(inArray(orders.id, ids))) as unknown as Order[];
    },

    async insertAssignment(values) {
      const [row] = await q.insert(poolAssignments).values(values).returning();
      return row as PoolAssignmentRecord;
    },
    async findAssignment(tenantId, id) {
      const [row] = await q.select().from(poolAssignments).where(and(eq(poolAssignments.tenantId, tenantId), eq(poolAssignments.id, id))).limit(1);
      return row as PoolAssignmentRecord | undefined;
    },
    async listAssignments(filter) {
      const conds = [];
      if (filter.poolId) conds.push(eq(poolAssignments.poolId, filter.poolId));
      if (filter.tenantId) conds.push(eq(poolAssignments.tenantId, filter.tenantId));
      if (filter.activeOnly) conds.push(eq(poolAssignments.status, 'active'));
      return (await q.select().from(poolAssignments).where(and(...conds)).orderBy(asc(poolAssignments.createdAt))) as PoolAssignmentRecord[];
    },
    async updateAssignment(id, patch) {
      await q.update(poolAssignments).set(patch).where(eq(poolAssignments.id, id));
    },
  };
}
