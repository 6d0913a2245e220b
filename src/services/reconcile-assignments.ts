// The reconciler of pool assignments (issue 6 §2): every member of an assigned group that has no profile
// from the pool gets one code and a download order; with enable-after-install, every installed code gets
// an enable order. It runs after imports and assignments, and periodically (scheduler.ts), which is how
// devices that joined a group since are served. Running it twice at once is safe: a device is served
// under a lock of its own, and codes are claimed with SKIP LOCKED, so no code goes to two devices and no
// device gets two codes.
import { activationCodeOf, type PoolAssignmentRecord } from '../domain/activation-codes.ts';
import type { Euicc } from '../domain/records.ts';
import { moveCode } from './code-lifecycle.ts';
import { queueOrder } from './create-order.ts';
import type { ServiceDeps } from './deps.ts';
import { allGroupMembers } from './groups.ts';
import { createScheduler, type Scheduler } from './scheduler.ts';

export interface ReconcileResult {
  assignments: number;
  /** Codes reserved (each with a download order). */
  reserved: number;
  /** Enable orders queued for installed codes. */
  enables: number;
  /** Members left without a code because the pool ran out. */
  unserved: number;
  /** Members or codes skipped after an error (logged); tried again next time. */
  errors: number;
  /** False when the time budget ran out first: the periodic run serves the rest. */
  complete: boolean;
}

/** Time a run started from a request (import, assignment) may take; the periodic run has none. */
export const REQUEST_BUDGET_MS = 10_000;

const PAGE = 500;

type Outcome = 'reserved' | 'served' | 'exhausted' | 'inactive' | 'error';

/** Serves one member inside its own transaction, under the member's lock, re-checking what it read before. */
async function serveMember(deps: ServiceDeps, a: PoolAssignmentRecord, euicc: Euicc): Promise<Outcome> {
  try {
    return await deps.store.transaction(async (tx) => {
      await tx.lockPoolMember(a.poolId, euicc.id);
      if ((await tx.findAssignment(a.tenantId, a.id))?.status !== 'active') return 'inactive';
      if ((await tx.heldCodes(a.poolId, [euicc.id])).length > 0) return 'served';
      const code = await tx.claimAvailableCode(a.poolId);
      if (!code) return 'exhausted';
      const expiresAt = new Date(deps.now().getTime() + deps.defaultOrderTtlMs);
      const order = await queueOrder(deps, tx, euicc, { kind: 'download', activationCode: activationCodeOf(code) }, a.tenantId, expiresAt, { activationCodeId: code.id });
      await moveCode(tx, code, 'reserved', { euiccId: euicc.id, orderId: order.id });
      return 'reserved';
    });
  } catch (e) {
    deps.log.warn('pool assignment: a member could not be served', { assignmentId: a.id, eid: euicc.eid, error: e instanceof Error ? e.message : String(e) });
    return 'error';
  }
}

/** The members of a page that hold no code of the pool and have no profile from it. */
async function unserved(deps: ServiceDeps, poolId: string, members: Euicc[]): Promise<Euicc[]> {
  const held = new Set((await deps.store.heldCodes(poolId, members.map((m) => m.id))).map((c) => c.euiccId));
  const rest = members.filter((m) => !held.has(m.id));
  if (rest.length === 0) return rest;
  const withProfile = await deps.store.withPoolProfile(poolId, rest.map((m) => m.id));
  return rest.filter((m) => !withProfile.has(m.id));
}

async function serveAssignment(deps: ServiceDeps, a: PoolAssignmentRecord, r: ReconcileResult, deadline: number): Promise<void> {
  const group = await deps.store.findGroup(a.tenantId, a.groupId);
  if (!group) return;
  let page: Euicc[] = [];
  let exhausted = false;
  const servePage = async (): Promise<void> => {
    for (const m of await unserved(deps, a.poolId, page)) {
      if (!exhausted && Date.now() > deadline) r.complete = false;
      if (!r.complete) return;
      if (exhausted) {
        r.unserved++;
        continue;
      }
      const outcome = await serveMember(deps, a, m);
      if (outcome === 'reserved') r.reserved++;
      else if (outcome === 'error') r.errors++;
      else if (outcome === 'exhausted') {
        exhausted = true;
        r.unserved++;
      }
    }
    page = [];
  };
  for await (const m of allGroupMembers(deps, group, PAGE)) {
    page.push(m);
    if (page.length === PAGE) await servePage();
    if (!r.complete) return;
  }
  await servePage();
  if (exhausted) deps.log.warn('pool assignment: the pool has no available code left', { assignmentId: a.id, poolId: a.poolId, unserved: r.unserved });
}

/** Queues an enable order for each installed code whose profile has not been enabled by the pool yet. */
async function enableInstalled(deps: ServiceDeps, a: PoolAssignmentRecord, r: ReconcileResult, deadline: number): Promise<void> {
  let after = 0;
  for (;;) {
    if (Date.now() > deadline) r.complete = false;
    if (!r.complete) return;
    const codes = await deps.store.installedAwaitingEnable(a.poolId, after, PAGE);
    for (const c of codes) {
      after = c.id;
      try {
        const queued = await deps.store.transaction(async (tx) => {
          const code = await tx.lockCode(c.id);
          if (!code || code.state !== 'installed' || code.orderId !== c.orderId || !code.iccid || code.euiccId === null) return false;
          const euicc = await tx.findEuiccById(code.euiccId);
          if (!euicc) return false;
          const expiresAt = new Date(deps.now().getTime() + deps.defaultOrderTtlMs);
          const order = await queueOrder(deps, tx, euicc, { kind: 'psmo', operations: [{ op: 'enable', iccid: code.iccid }] }, a.tenantId, expiresAt);
          // The code's latest order is now the enable, which is also how the next run knows it is done.
          await tx.updateCode(code.id, { orderId: order.id });
          return true;
        });
        if (queued) r.enables++;
      } catch (e) {
        r.errors++;
        deps.log.warn('pool assignment: the enable order could not be queued', { assignmentId: a.id, codeId: c.id, error: e instanceof Error ? e.message : String(e) });
      }
    }
    if (codes.length < PAGE) return;
  }
}

/** Serves every active assignment (of one tenant, or all), for at most `budgetMs` when given. */
export async function reconcileAssignments(deps: ServiceDeps, tenantId?: string, budgetMs = Infinity): Promise<ReconcileResult> {
  const deadline = Date.now() + budgetMs;
  const r: ReconcileResult = { assignments: 0, reserved: 0, enables: 0, unserved: 0, errors: 0, complete: true };
  for (const a of await deps.store.listAssignments({ ...(tenantId ? { tenantId } : {}), activeOnly: true })) {
    if (!r.complete) break;
    r.assignments++;
    await serveAssignment(deps, a, r, deadline);
    if (a.enableAfterInstall) await enableInstalled(deps, a, r, deadline);
  }
  return r;
}

/** How often the reconciler runs on its own (new group members are served within this time). */
export const RECONCILE_INTERVAL_MS = 60_000;

/** Starts the periodic reconciler of every tenant's assignments; `stop()` it before closing the store. */
export function startPoolReconciler(deps: ServiceDeps, intervalMs = RECONCILE_INTERVAL_MS): Scheduler {
  const scheduler = createScheduler('pool reconciler', intervalMs, () => reconcileAssignments(deps), deps.log);
  scheduler.start();
  return scheduler;
}
