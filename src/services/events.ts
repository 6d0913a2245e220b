// Events (issue 6 §3): every change of an order, eUICC, profile or code is written in the same
// transaction as the change itself, so the event log and the state never disagree.
import type { Order, OrderPatch } from './ports-types.ts';
import type { OrderStatus } from '../domain/records.ts';
import type { Repositories } from './ports.ts';
import type { OrderChange } from './package-cycle-ports.ts';
import { codeFollowsOrder } from './code-lifecycle.ts';

export type { Order, OrderPatch };

/** The row of one event (emit writes it; a caller writing several at once collects them for insertEvents). */
export function eventRow(tenantId: string, type: string, subject: { type: string; id: string }, data: Record<string, unknown>) {
  return { tenantId, type, subjectType: subject.type, subjectId: subject.id, data };
}

/** Records one event. */
export async function emit(tx: Repositories, tenantId: string, type: string, subject: { type: string; id: string }, data: Record<string, unknown>): Promise<void> {
  await tx.insertEvent(eventRow(tenantId, type, subject, data));
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
    await tx.insertEvent(orderChange(before, euicc?.eid, { ...patch, status: patch.status }).event);
    // A download order with an activation code from a pool moves its code along (code.downloading, …).
    await codeFollowsOrder(tx, before, patch.status, patch.outcome);
  }
}

/**
 * updateOrder for a caller that already holds the order and its eUICC's EID: the change and the event,
 * for one store statement that applies both and writes the event only when the status really changes
 * (claimPackageDelivery, answerPackage). Only for orders that nothing else follows (see `changesAlone`).
 */
export function orderChange(order: Pick<Order, 'id' | 'tenantId' | 'kind'>, eid: string | undefined, patch: OrderPatch & { status: OrderStatus }): OrderChange {
  return {
    orderId: order.id,
    patch,
    event: {
      tenantId: order.tenantId,
      type: `order.${patch.status}`,
      subjectType: 'order',
      subjectId: order.id,
      data: {
        orderId: order.id,
        eid,
        kind: order.kind,
        status: patch.status,
        ...(patch.outcome !== undefined ? { outcome: patch.outcome } : {}),
        ...(patch.error ? { error: patch.error } : {}),
      },
    },
  };
}

/** True when an order's status change moves nothing else (a download order with a pool's code moves its code). */
export function changesAlone(order: Pick<Order, 'kind' | 'activationCodeId'>): boolean {
  return order.kind !== 'download' || order.activationCodeId === null;
}
