// Use case: delete a group. Its members stay; only the grouping (and pool assignments to it) goes.
import type { ServiceDeps } from './deps.ts';
import { emit } from './events.ts';
import { requireGroup } from './groups.ts';

export async function deleteGroup(deps: ServiceDeps, tenantId: string, id: string): Promise<void> {
  const group = await requireGroup(deps, tenantId, id);
  await deps.store.transaction(async (tx) => {
    await tx.deleteGroup(tenantId, group.id);
    await emit(tx, tenantId, 'group.deleted', { type: 'group', id: group.id }, { groupId: group.id, name: group.name });
  });
}
