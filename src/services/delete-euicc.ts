// Use case: forget an eUICC. Its association, orders, packages, profile inventory and group memberships
// go with it (cascades); activation codes it held keep their history without it.
import type { ServiceDeps } from './deps.ts';
import { emit } from './events.ts';
import { tenantEuicc } from './tenant-euicc.ts';

export async function deleteEuicc(deps: ServiceDeps, tenantId: string, eid: string): Promise<void> {
  await deps.store.transaction(async (tx) => {
    const euicc = await tenantEuicc(tx, tenantId, eid);
    await tx.deleteEuicc(euicc.id);
    await emit(tx, tenantId, 'euicc.deleted', { type: 'euicc', id: euicc.eid }, { eid: euicc.eid });
  });
}
