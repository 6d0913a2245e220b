// Events (issue 6 §3): every change of an order, eUICC, profile or code is written in the same
// transaction as the change itself, so the event log and the state never disagree.
import type { Order, OrderPatch } from './ports-types.ts';
import type { Repositories } from './ports.ts';
import { codeFollowsOrder } from './code-lifecycle.ts';

export type { Order, OrderPatch };

/** Records one event. */
export async function emit(tx: Repositories, tenantId: string, type: string, subject: { type: string; id: string }, data: Record<string, unknown>): Promise<void> {
  await tx.insertEvent({ tenantId, type, subjectType: subject.type, subjectId: subject.id, data });
}

/**
 * Changes an order and records `order.<status>` when its status changes (order.delivered, order.done,
 * order.failed, order.expired, order.cancelled, order.queued on a retry).
 */
export async function updateOrder(tx: Repositories, orderId: string, patch: OrderPatch): Promise<void> {
  const before = await tx.findOrder(orderId);
  if (!before) return;
  await tx.updateOrder(orderId, patch);
  if (patch.status && patch.status !== before.status) {
    const euicc = await tx.findEuiccById(before.euiccId);
    await emit(tx, before.tenantId, `order.${patch.status}`, { type: 'order', id: orderId }, {
      orderId,
      eid: euicc?.eid,
      kind: before.kind,
      status: patch.status,
      ...(patch.outcome !== undefined ? { outcome: patch.outcome } : {}),
      ...(patch.error ? { error: patch.error } : {}),
    });
    // A download order with an activation code from a pool moves its code along (code.downloading, …).
    await codeFollowsOrder(tx, before, patch.status, patch.outcome);
  }
}
