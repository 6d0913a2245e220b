// Use case: one eUICC as the operator sees it: its labels, profile inventory, associated eIMs, when it was
// last seen, and its pending and most recent past orders.
import { FINAL_ORDER_STATUSES, type Association, type Euicc, type ProfileRecord } from '../domain/records.ts';
import type { ServiceDeps } from './deps.ts';
import type { ListedOrder } from './order-ports.ts';
import { tenantEuicc } from './tenant-euicc.ts';

export interface EuiccDetails {
  euicc: Euicc;
  profiles: ProfileRecord[];
  associations: Association[];
  pendingOrders: ListedOrder[];
  /** The most recent finished orders, newest first (the whole history is GET /orders?eid=...). */
  pastOrders: ListedOrder[];
}

export const PENDING_SHOWN = 100;
export const PAST_SHOWN = 20;

export async function showEuicc(deps: ServiceDeps, tenantId: string, eid: string): Promise<EuiccDetails> {
  const euicc = await tenantEuicc(deps.store, tenantId, eid);
  const [profiles, associations, pendingOrders, pastOrders] = await Promise.all([
    deps.store.listProfiles(euicc.id),
    deps.store.listAssociations(euicc.id),
    deps.store.queryOrders({ tenantId, euiccId: euicc.id, statuses: ['queued', 'delivered'], limit: PENDING_SHOWN }),
    deps.store.queryOrders({ tenantId, euiccId: euicc.id, statuses: [...FINAL_ORDER_STATUSES], limit: PAST_SHOWN }),
  ]);
  return { euicc, profiles, associations, pendingOrders, pastOrders };
}
