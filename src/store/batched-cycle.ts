// The package cycle's hot statements for many devices at once (see batcher.ts): the same reads and
// writes as one device's, each answer or change belonging to its caller, sent as one statement per batch.
// The writes and the result context are package-cycle.ts's many-item statements; the two reads that have
// a single prepared statement of their own (repositories.ts) get a many-item twin here.
import { eq, sql } from 'drizzle-orm';
import type { Euicc } from '../domain/records.ts';
import type { AnswerOutcome, ResultContext } from '../services/package-cycle-ports.ts';
import type { PendingPackage, Repositories } from '../services/ports.ts';
import { Batcher } from './batcher.ts';
import type { Db } from './database.ts';
import { answerPackages, claimPackages, pendingPackage, resultContexts, type Answer, type Claim, type ContextQuery } from './package-cycle.ts';
import { euiccs, orders, packages } from './schema.ts';

type Cycle = Pick<Repositories, 'findEuiccByEid' | 'nextPackage' | 'findResultContext' | 'claimPackageDelivery' | 'answerPackage'>;

/** Batched versions of the cycle's hot statements over `single` (the one-item statements, used for batches of one and retries). */
export function batchedCycle(db: Db, single: Cycle): { repositories: Cycle; batchers: Record<string, Batcher<never, unknown>> } {
  const p = sql.placeholder;
  const euiccsByEid = db
    .select()
    .from(euiccs)
    .where(sql`${euiccs.eid} = ANY(${p('eids')}::text[])`)
    .prepare('eim_euiccs_by_eids');
  const nextPackages = db
    .select({ p: packages, orderStatus: orders.status, orderExpiresAt: orders.expiresAt, orderTenantId: orders.tenantId, orderKind: orders.kind, orderActivationCodeId: orders.activationCodeId })
    .from(packages)
    .innerJoin(orders, eq(orders.id, packages.orderId))
    .where(
      sql`${packages.id} IN (SELECT (SELECT n.id FROM packages n WHERE n.euicc_id = e.id AND n.status IN ('queued', 'delivered') ORDER BY n.id LIMIT 1)
        FROM unnest(${p('ids')}::bigint[]) AS e(id))`,
    )
    .prepare('eim_next_packages');

  const euiccByEid = new Batcher<string, Euicc | undefined>({
    one: (eid) => single.findEuiccByEid(eid),
    async many(eids) {
      const found = new Map((await euiccsByEid.execute({ eids })).map((r) => [r.eid, r as Euicc]));
      return eids.map((eid) => found.get(eid));
    },
  });

  const nextPackage = new Batcher<number, PendingPackage | undefined>({
    one: (id) => single.nextPackage(id),
    async many(ids) {
      const found = new Map<number, PendingPackage>();
      for (const row of await nextPackages.execute({ ids })) {
        found.set(row.p.euiccId, pendingPackage(row));
      }
      return ids.map((id) => found.get(id));
    },
  });

  const resultContext = new Batcher<ContextQuery, ResultContext>({
    one: (c) => single.findResultContext(c.euiccId, c.eimId, c.txid, c.counter),
    many: (items) => resultContexts(db, items),
  });

  const claim = new Batcher<Claim, boolean>({
    one: (c) => single.claimPackageDelivery(c.packageId, c.at, c.change),
    keys: (c) => [`o${c.change.orderId}`, `p${c.packageId}`],
    many: (items) => claimPackages(db, items),
  });

  const answer = new Batcher<Answer, AnswerOutcome>({
    one: (a) => single.answerPackage(a.packageId, a.at, a.result, a.change, a.euicc, a.inventory),
    keys: (a) => [`o${a.change.orderId}`, `p${a.packageId}`, `e${a.euicc.id}`],
    many: (items) => answerPackages(db, items),
  });

  return {
    repositories: {
      findEuiccByEid: (eid) => euiccByEid.call(eid),
      nextPackage: (euiccId) => nextPackage.call(euiccId),
      findResultContext: (euiccId, eimId, txid, counter) => resultContext.call({ euiccId, eimId, txid, counter }),
      claimPackageDelivery: (packageId, at, change) => claim.call({ packageId, at, change }),
      answerPackage: (packageId, at, result, change, euicc, inventory) => answer.call({ packageId, at, result, change, euicc, inventory }),
    },
    batchers: { euiccByEid, nextPackage, resultContext, claim, answer } as unknown as Record<string, Batcher<never, unknown>>,
  };
}
