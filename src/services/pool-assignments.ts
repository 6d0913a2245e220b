// Use cases: assign an activation-code pool to a group, take it back, and see where each member stands.
// Unassigning removes what the pool put on the devices: for each member holding a code, a disable (if
// the profile is or may be enabled) and a delete are queued for its ICCID, and the code is released
// (never downloaded) or retired (downloaded). Failed codes stay failed for the operator to decide.
import type { ActivationCodeRecord, PoolAssignmentRecord } from '../domain/activation-codes.ts';
import { DomainError } from '../domain/errors.ts';
import type { PsmoRequest } from '../domain/operations.ts';
import type { Euicc, Order } from '../domain/records.ts';
import { moveCode } from './code-lifecycle.ts';
import { queueOrder } from './create-order.ts';
import type { ServiceDeps } from './deps.ts';
import { emit, updateOrder } from './events.ts';
import { allGroupMembers, groupMembers, requireGroup } from './groups.ts';
import type { Repositories } from './ports.ts';
import { requirePool } from './pools.ts';
import { REQUEST_BUDGET_MS, reconcileAssignments, type ReconcileResult } from './reconcile-assignments.ts';

export async function assignPool(deps: ServiceDeps, tenantId: string, poolId: string, input: { groupId: string; enableAfterInstall: boolean }): Promise<{ assignment: PoolAssignmentRecord; reconcile: ReconcileResult }> {
  const pool = await requirePool(deps, tenantId, poolId);
  const group = await requireGroup(deps, tenantId, input.groupId);
  const assignment = await deps.store.transaction(async (tx) => {
    const active = await tx.listAssignments({ poolId: pool.id, activeOnly: true });
    if (active.some((a) => a.groupId === group.id)) throw new DomainError('ERR_CONFLICT', `pool ${pool.name} is already assigned to group ${group.name}`, 'groupId');
    const a = await tx.insertAssignment({ tenantId, poolId: pool.id, groupId: group.id, enableAfterInstall: input.enableAfterInstall });
    await emit(tx, tenantId, 'pool.assigned', { type: 'pool', id: pool.id }, { poolId: pool.id, assignmentId: a.id, groupId: group.id, enableAfterInstall: a.enableAfterInstall });
    return a;
  });
  return { assignment, reconcile: await reconcileAssignments(deps, tenantId, REQUEST_BUDGET_MS) };
}

export async function requireAssignment(deps: ServiceDeps, tenantId: string, poolId: string, id: string): Promise<PoolAssignmentRecord> {
  const a = await deps.store.findAssignment(tenantId, id);
  if (!a || a.poolId !== poolId) throw new DomainError('ERR_NOT_FOUND', `no assignment ${id} of pool ${poolId}`, 'assignmentId');
  return a;
}

export interface UnassignResult {
  assignment: PoolAssignmentRecord;
  members: number;
  released: number;
  retired: number;
  ordersQueued: number;
  /** Codes being downloaded whose ICCID is unknown: unassign again once their download has ended. */
  inFlight: number;
  errors: number;
}

/** A delivery claimed the order between our read and our lock: the member is taken again. */
class LostToDelivery extends Error {}

/**
 * Cancels an order the device has not fetched yet; its code, if any, follows through updateOrder. Locks in
 * a delivery's order (packages, then the order, then the code), so the two never deadlock; a delivery that
 * won the race rolls the attempt back.
 */
async function cancelQueued(deps: ServiceDeps, tx: Repositories, order: Order | undefined): Promise<boolean> {
  if (!order || order.status !== 'queued') return false;
  await tx.closePackages(order.id, 'cancelled');
  if ((await tx.lockOrder(order.id))?.status !== 'queued') throw new LostToDelivery();
  await updateOrder(tx, order.id, { status: 'cancelled', completedAt: deps.now() });
  return true;
}

type Step = 'released' | 'retired' | 'inFlight' | 'none';

/** A reserved code: its queued download order is cancelled, which releases it (code.released). */
async function release(deps: ServiceDeps, tx: Repositories, code: ActivationCodeRecord): Promise<Step> {
  if (await cancelQueued(deps, tx, code.orderId ? await tx.findOrder(code.orderId) : undefined)) return 'released';
  const locked = await tx.lockCode(code.id);
  if (locked?.state !== 'reserved') throw new LostToDelivery();
  await moveCode(tx, locked, 'available', { euiccId: null, orderId: null }, 'the pool was unassigned');
  return 'released';
}

/** A downloading or installed code with a known ICCID: disable (if it is or may be enabled) and delete, then retire. */
async function takeBack(deps: ServiceDeps, tx: Repositories, euicc: Euicc, held: ActivationCodeRecord): Promise<{ step: Step; queued: number }> {
  // A failed code stays for the operator; a download in flight without a known ICCID cannot be deleted yet.
  if (held.state !== 'installed' && held.state !== 'downloading') return { step: 'none', queued: 0 };
  const iccid = held.iccid;
  if (!iccid) return { step: held.state === 'downloading' ? 'inFlight' : 'none', queued: 0 };
  const latest = held.orderId ? await tx.findOrder(held.orderId) : undefined;
  // An enable the pool queued and the device has not fetched is withdrawn; one already delivered may have run.
  const enableOrder = latest?.kind === 'psmo' ? latest : undefined;
  const withdrawn = await cancelQueued(deps, tx, enableOrder);
  const code = await tx.lockCode(held.id);
  if (!code || code.state !== held.state) throw new LostToDelivery();
  const profile = (await tx.listProfiles(euicc.id)).find((p) => p.iccid === iccid);
  const enabled = profile?.state === 'enabled' || (!withdrawn && enableOrder?.status === 'delivered');
  const operations: PsmoRequest[] = [...(enabled ? [{ op: 'disable' as const, iccid }] : []), { op: 'delete', iccid }];
  const expiresAt = new Date(deps.now().getTime() + deps.defaultOrderTtlMs);
  const order = await queueOrder(deps, tx, euicc, { kind: 'psmo', operations }, code.tenantId, expiresAt);
  await moveCode(tx, code, 'retired', { orderId: order.id }, 'the pool was unassigned');
  return { step: 'retired', queued: 1 };
}

/** Takes the pool's codes back from one member, in one transaction under the member's lock. */
async function clearMember(deps: ServiceDeps, poolId: string, euicc: Euicc, r: UnassignResult): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const steps = await deps.store.transaction(async (tx) => {
        // A reconciler serving this member now either finished before, or sees the assignment removed.
        await tx.lockPoolMember(poolId, euicc.id);
        const out: { step: Step; queued: number }[] = [];
        for (const code of await tx.heldCodes(poolId, [euicc.id])) out.push(code.state === 'reserved' ? { step: await release(deps, tx, code), queued: 0 } : await takeBack(deps, tx, euicc, code));
        return out;
      });
      for (const s of steps) {
        if (s.step !== 'none') r[s.step]++;
        r.ordersQueued += s.queued;
      }
      return;
    } catch (e) {
      if (e instanceof LostToDelivery && attempt < 3) continue;
      throw e;
    }
  }
}

/** Removes an assignment and takes back the pool's profiles from the group's members. Calling it again on a removed assignment finishes what was left. */
export async function unassignPool(deps: ServiceDeps, tenantId: string, poolId: string, id: string): Promise<UnassignResult> {
  const a = await requireAssignment(deps, tenantId, poolId, id);
  if (a.status === 'active') {
    await deps.store.transaction(async (tx) => {
      await tx.updateAssignment(a.id, { status: 'removed', removedAt: deps.now() });
      await emit(tx, tenantId, 'pool.unassigned', { type: 'pool', id: poolId }, { poolId, assignmentId: a.id, groupId: a.groupId });
    });
  }
  const r: UnassignResult = { assignment: (await deps.store.findAssignment(tenantId, id))!, members: 0, released: 0, retired: 0, ordersQueued: 0, inFlight: 0, errors: 0 };
  const group = await deps.store.findGroup(tenantId, a.groupId);
  if (!group) return r;
  for await (const euicc of allGroupMembers(deps, group)) {
    r.members++;
    try {
      await clearMember(deps, poolId, euicc, r);
    } catch (e) {
      r.errors++;
      deps.log.warn('pool unassignment: a member could not be cleared', { assignmentId: a.id, eid: euicc.eid, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return r;
}

export interface MemberStatus {
  eid: string;
  code: Pick<ActivationCodeRecord, 'id' | 'state' | 'iccid'> | null;
  order: Pick<Order, 'id' | 'kind' | 'status'> | null;
}

/** A page of the group's members with the code each holds from the pool and that code's latest order. */
export async function assignmentStatus(deps: ServiceDeps, tenantId: string, poolId: string, id: string, page: { after?: number; limit: number }): Promise<{ assignment: PoolAssignmentRecord; members: MemberStatus[]; next: number | null }> {
  const a = await requireAssignment(deps, tenantId, poolId, id);
  const group = await requireGroup(deps, tenantId, a.groupId);
  const members = await groupMembers(deps, group, page.after ?? 0, page.limit);
  const codes = await deps.store.heldCodes(poolId, members.map((m) => m.id));
  const orders = new Map((await deps.store.ordersByIds(codes.flatMap((c) => (c.orderId ? [c.orderId] : [])))).map((o) => [o.id, o]));
  const byEuicc = new Map(codes.map((c) => [c.euiccId, c]));
  return {
    assignment: a,
    members: members.map((m) => {
      const c = byEuicc.get(m.id);
      const o = c?.orderId ? orders.get(c.orderId) : undefined;
      return { eid: m.eid, code: c ? { id: c.id, state: c.state, iccid: c.iccid } : null, order: o ? { id: o.id, kind: o.kind, status: o.status } : null };
    }),
    next: members.length === page.limit ? members[members.length - 1]!.id : null,
  };
}
