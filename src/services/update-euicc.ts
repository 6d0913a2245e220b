// Use case: change an eUICC's tags (replaced) and attributes (merged; null removes one). Dynamic groups
// follow at once, since they are filters on these labels.
import { mergeAttributes, parseTags } from '../domain/labels.ts';
import type { Euicc } from '../domain/records.ts';
import type { ServiceDeps } from './deps.ts';
import { emit } from './events.ts';
import { tenantEuicc } from './tenant-euicc.ts';

export interface EuiccLabelsPatch {
  tags?: string[];
  attributes?: Record<string, string | null>;
}

export async function updateEuiccLabels(deps: ServiceDeps, tenantId: string, eid: string, patch: EuiccLabelsPatch): Promise<Euicc> {
  const tags = patch.tags === undefined ? undefined : parseTags(patch.tags);
  return deps.store.transaction(async (tx) => {
    const euicc = await tenantEuicc(tx, tenantId, eid);
    const next = {
      ...(tags !== undefined ? { tags } : {}),
      ...(patch.attributes !== undefined ? { attributes: mergeAttributes(euicc.attributes, patch.attributes) } : {}),
    };
    await tx.updateEuicc(euicc.id, next);
    const updated = { ...euicc, ...next };
    await emit(tx, tenantId, 'euicc.updated', { type: 'euicc', id: euicc.eid }, { eid: euicc.eid, tags: updated.tags, attributes: updated.attributes });
    return updated;
  });
}
