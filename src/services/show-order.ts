// Use case: one order of the caller's tenant, with its eUICC's EID.
import { DomainError } from '../domain/errors.ts';
import type { Order } from '../domain/records.ts';
import type { ServiceDeps } from './deps.ts';
import type { Repositories } from './ports.ts';

export type OrderView = Order & { eid: string };

export async function showOrder(deps: ServiceDeps, tenantId: string, id: string): Promise<OrderView> {
  return withEid(deps.store, tenantId, await deps.store.findOrder(id), id);
}

/** The order with its EID, or ERR_NOT_FOUND when it is absent or another tenant's. */
export async function withEid(repo: Pick<Repositories, 'findEuiccById'>, tenantId: string, order: Order | undefined, id: string): Promise<OrderView> {
  if (!order || order.tenantId !== tenantId) throw new DomainError('ERR_NOT_FOUND', `no order ${id}`, 'id');
  const euicc = await repo.findEuiccById(order.euiccId);
  return { ...order, eid: euicc!.eid };
}
