// Use case: the operator withdraws an order the device has not fetched yet. Only a queued order can be
// cancelled: once delivered, the eUICC may already have executed it, and only its result can tell.
import { DomainError } from '../domain/errors.ts';
import type { ServiceDeps } from './deps.ts';
import { updateOrder } from './events.ts';
import { withEid, type OrderView } from './show-order.ts';

const notQueued = (id: string, status: string) => new DomainError('ERR_CONFLICT', `order ${id} is ${status}; only a queued order can be cancelled`, 'id', { status });

export async function cancelOrder(deps: ServiceDeps, tenantId: string, id: string): Promise<OrderView> {
  return deps.store.transaction(async (tx) => {
    const found = await withEid(tx, tenantId, await tx.findOrder(id), id);
    if (found.status !== 'queued') throw notQueued(id, found.status);
    // Packages first, then the order: the same lock order as a delivery's claim (package, then order),
    // so the two never deadlock; a claim that lost the race finds the package no longer queued.
    await tx.closePackages(id, 'cancelled');
    const locked = await tx.lockOrder(id);
    if (locked?.status !== 'queued') throw notQueued(id, locked?.status ?? 'gone');
    const completedAt = deps.now();
    await updateOrder(tx, id, { status: 'cancelled', completedAt });
    return { ...found, status: 'cancelled', completedAt };
  });
}
