// The Store of src/services/ports.ts on drizzle: one implementation for PGlite and PostgreSQL.
import { and, asc, count, desc, eq, gt, inArray, lt, sql } from 'drizzle-orm';
import type { ApiKeyRecord, AuditRecord, Association, EimPackage, Euicc, EventRecord, NotificationRecord, Order, ProfileRecord } from '../domain/records.ts';
import type { Repositories, Store } from '../services/ports.ts';
import type { Db, Queryable } from './database.ts';
import { euiccRepositories } from './euicc-queries.ts';
import { groupRepositories } from './groups.ts';
import { eventFeedRepositories } from './events.ts';
import { webhookRepositories } from './webhooks.ts';
import { poolRepositories } from './pools.ts';
import { orderRepositories } from './order-queries.ts';
import { downloadSessionRepositories } from './download-sessions.ts';
import { packageCycleRepositories, pendingPackage } from './package-cycle.ts';
import { batchedCycle } from './batched-cycle.ts';
import { fanOutRepositories } from './fan-out.ts';
import { apiKeys, associations, auditLog, euiccs, events, notifications, orders, packages, profiles, results } from './schema.ts';

const OPEN_PACKAGE = ['queued', 'delivered'];
/** The profile columns an inventory write overwrites (all but the key). */
const PROFILE_COLUMNS = ['isdpAid', 'state', 'profileClass', 'profileName', 'serviceProviderName', 'nickname', 'fallbackAttribute', 'updatedAt'] as const;

/**
 * The reads every package cycle makes, as named prepared statements built once: PostgreSQL parses and plans
 * each once per connection (an unnamed statement is parsed and planned on every call, about 0.15 ms of the
 * server's CPU each), and drizzle does not build the SQL again on every call. Outside transactions only:
 * a transaction's reads run on its own connection, through the query builder.
 */
function hotReads(q: Queryable) {
  const p = sql.placeholder;
  return {
    euiccByEid: q.select().from(euiccs).where(eq(euiccs.eid, p('eid'))).limit(1).prepare('eim_euicc_by_eid'),
    euiccById: q.select().from(euiccs).where(eq(euiccs.id, p('id'))).limit(1).prepare('eim_euicc_by_id'),
    nextPackage: q
      .select({ p: packages, orderStatus: orders.status, orderExpiresAt: orders.expiresAt, orderTenantId: orders.tenantId, orderKind: orders.kind, orderActivationCodeId: orders.activationCodeId })
      .from(packages)
      .innerJoin(orders, eq(orders.id, packages.orderId))
      .where(and(eq(packages.euiccId, p('euiccId')), inArray(packages.status, OPEN_PACKAGE)))
      .orderBy(asc(packages.id))
      .limit(1)
      .prepare('eim_next_package'),
    packageByTxid: q.select().from(packages).where(eq(packages.eimTransactionId, p('txid'))).limit(1).prepare('eim_package_by_txid'),
  };
}

/** Every statement on its own (the store outside transactions batches the package cycle's, see createStore). */
export function repositories(q: Queryable, inTx: boolean): Repositories {
  const hot = inTx ? undefined : hotReads(q);
  return {
    ...downloadSessionRepositories(q),
    ...groupRepositories(q),
    ...eventFeedRepositories(q),
    ...webhookRepositories(q),
    ...poolRepositories(q),
    ...euiccRepositories(q),
    ...orderRepositories(q, inTx),
    ...packageCycleRepositories(q),
    ...fanOutRepositories(q, inTx),
    async findEuiccByEid(eid) {
      const [row] = hot ? await hot.euiccByEid.execute({ eid }) : await q.select().from(euiccs).where(eq(euiccs.eid, eid)).limit(1);
      return row as Euicc | undefined;
    },
    async findEuiccById(id) {
      const [row] = hot ? await hot.euiccById.execute({ id }) : await q.select().from(euiccs).where(eq(euiccs.id, id)).limit(1);
      return row as Euicc | undefined;
    },
    async insertEuicc(values) {
      const [row] = await q.insert(euiccs).values(values).returning();
      return row as Euicc;
    },
    async updateEuicc(id, patch) {
      if (Object.keys(patch).length) await q.update(euiccs).set(patch).where(eq(euiccs.id, id));
    },
    async touchEuiccs(seen) {
      if (seen.size === 0) return;
      const ids = [...seen.keys()];
      const times = ids.map((id) => seen.get(id)!.toISOString());
      // One statement for the whole batch: unnest the (id, time) pairs.
      await q.execute(sql`UPDATE euiccs SET last_seen_at = GREATEST(COALESCE(euiccs.last_seen_at, v.t), v.t)
        FROM (SELECT unnest(${sql.param(ids)}::bigint[]) AS id, unnest(${sql.param(times)}::timestamptz[]) AS t) AS v
        WHERE euiccs.id = v.id`);
    },

    async lockAssociation(euiccId, eimId) {
      const base = q.select().from(associations).where(and(eq(associations.euiccId, euiccId), eq(associations.eimId, eimId)));
      const [row] = inTx ? await base.for('update') : await base;
      return row as Association | undefined;
    },
    async upsertAssociation(a) {
      await q
        .insert(associations)
        .values(a)
        .onConflictDoUpdate({ target: [associations.euiccId, associations.eimId], set: { counterValue: a.counterValue, associationToken: a.associationToken } });
    },

    async insertOrder(values) {
      const [row] = await q.insert(orders).values(values).returning();
      return row as unknown as Order;
    },
    async findOrder(id) {
      const [row] = await q.select().from(orders).where(eq(orders.id, id)).limit(1);
      return row as unknown as Order | undefined;
    },
    async listOverdueOrders(now, limit) {
      return (await q
        .select()
        .from(orders)
        .where(and(inArray(orders.status, ['queued', 'delivered']), lt(orders.expiresAt, now)))
        .orderBy(asc(orders.expiresAt))
        .limit(limit)) as unknown as Order[];
    },
    async updateOrder(id, patch) {
      if (Object.keys(patch).length) await q.update(orders).set(patch).where(eq(orders.id, id));
    },
    async listOrders(euiccId, statuses) {
      const where = statuses ? and(eq(orders.euiccId, euiccId), inArray(orders.status, statuses)) : eq(orders.euiccId, euiccId);
      return (await q.select().from(orders).where(where).orderBy(asc(orders.createdAt))) as unknown as Order[];
    },

    async insertPackage(values) {
      const [row] = await q.insert(packages).values(values).returning();
      return row as EimPackage;
    },
    async nextPackage(euiccId) {
      // The hot path of every poll: one indexed query (packages_euicc_status), usually returning nothing.
      const [row] = hot
        ? await hot.nextPackage.execute({ euiccId })
        : await q
            .select({ p: packages, orderStatus: orders.status, orderExpiresAt: orders.expiresAt, orderTenantId: orders.tenantId, orderKind: orders.kind, orderActivationCodeId: orders.activationCodeId })
            .from(packages)
            .innerJoin(orders, eq(orders.id, packages.orderId))
            .where(and(eq(packages.euiccId, euiccId), inArray(packages.status, OPEN_PACKAGE)))
            .orderBy(asc(packages.id))
            .limit(1);
      return row ? pendingPackage(row) : undefined;
    },
    async findPackageByTransactionId(eimTransactionId) {
      const [row] = hot ? await hot.packageByTxid.execute({ txid: eimTransactionId }) : await q.select().from(packages).where(eq(packages.eimTransactionId, eimTransactionId)).limit(1);
      return row as EimPackage | undefined;
    },
    async findPackageByCounter(euiccId, counterValue) {
      const [row] = await q
        .select()
        .from(packages)
        .where(and(eq(packages.euiccId, euiccId), eq(packages.counterValue, counterValue)))
        .limit(1);
      return row as EimPackage | undefined;
    },
    async updatePackage(id, patch) {
      if (Object.keys(patch).length) await q.update(packages).set(patch).where(eq(packages.id, id));
    },
    async claimPackage(id, at) {
      const rows = await q
        .update(packages)
        .set({ status: 'delivered', deliveryCount: 1, deliveredAt: at })
        .where(and(eq(packages.id, id), eq(packages.status, 'queued')))
        .returning({ id: packages.id });
      return rows.length === 1;
    },
    async closePackages(orderId, status) {
      await q
        .update(packages)
        .set({ status })
        .where(and(eq(packages.orderId, orderId), inArray(packages.status, OPEN_PACKAGE)));
    },

    async insertResult(values) {
      await q.insert(results).values(values);
    },

    async listProfiles(euiccId) {
      return (await q.select().from(profiles).where(eq(profiles.euiccId, euiccId)).orderBy(asc(profiles.iccid))) as ProfileRecord[];
    },
    async writeProfiles(euiccId, upserts, deletes) {
      if (deletes.length) await q.delete(profiles).where(and(eq(profiles.euiccId, euiccId), inArray(profiles.iccid, deletes)));
      if (upserts.length) {
        const updatedAt = new Date();
        await q
          .insert(profiles)
          .values(upserts.map((p) => ({ ...p, euiccId, updatedAt })))
          .onConflictDoUpdate({
            target: [profiles.euiccId, profiles.iccid],
            set: Object.fromEntries(PROFILE_COLUMNS.map((k) => [k, sql`excluded.${sql.identifier(profiles[k].name)}`])),
          });
      }
    },

    async insertEvent(values) {
      const [row] = await q.insert(events).values(values).returning();
      return row as EventRecord;
    },

    async listEvents(tenantId, afterId, limit) {
      return (await q
        .select()
        .from(events)
        .where(and(eq(events.tenantId, tenantId), gt(events.id, afterId)))
        .orderBy(asc(events.id))
        .limit(limit)) as EventRecord[];
    },

    async insertApiKey(values) {
      const [row] = await q.insert(apiKeys).values(values).returning();
      return row as ApiKeyRecord;
    },
    async findApiKeyByPrefix(prefix) {
      const [row] = await q.select().from(apiKeys).where(eq(apiKeys.prefix, prefix)).limit(1);
      return row as ApiKeyRecord | undefined;
    },
    async listApiKeys(tenantId) {
      return (await q.select().from(apiKeys).where(eq(apiKeys.tenantId, tenantId)).orderBy(asc(apiKeys.createdAt))) as ApiKeyRecord[];
    },
    async updateApiKey(id, patch) {
      await q.update(apiKeys).set(patch).where(eq(apiKeys.id, id));
    },
    async countApiKeys() {
      const [row] = await q.select({ n: count() }).from(apiKeys);
      return Number(row?.n ?? 0);
    },

    async insertAudit(values) {
      await q.insert(auditLog).values(values);
    },
    async listAudit(tenantId, beforeId, limit) {
      const where = beforeId === undefined ? eq(auditLog.tenantId, tenantId) : and(eq(auditLog.tenantId, tenantId), lt(auditLog.id, beforeId));
      return (await q.select().from(auditLog).where(where).orderBy(desc(auditLog.id)).limit(limit)) as AuditRecord[];
    },

    async insertNotification(values) {
      const [row] = await q.insert(notifications).values(values).returning();
      return row as NotificationRecord;
    },
    async updateNotification(id, patch) {
      await q.update(notifications).set(patch).where(eq(notifications.id, id));
    },
  };
}

/**
 * The store on `db`. Outside transactions, the package cycle's hot statements are batched across
 * concurrent callers (batched-cycle.ts); inside a transaction every call is its own statement.
 */
export function createStore(db: Db): Store {
  const single = repositories(db, false);
  return {
    ...single,
    ...batchedCycle(db, single).repositories,
    transaction: (fn) => db.transaction((tx) => fn(repositories(tx, true))),
  };
}
