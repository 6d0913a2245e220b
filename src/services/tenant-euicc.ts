// An eUICC looked up by EID within one tenant: another tenant's eUICC is "not found", never "forbidden",
// so a key cannot even learn that an EID exists elsewhere.
import { DomainError } from '../domain/errors.ts';
import { parseEid } from '../domain/identifiers.ts';
import type { Euicc } from '../domain/records.ts';
import type { Repositories } from './ports.ts';

export async function tenantEuicc(repo: Pick<Repositories, 'findEuiccByEid'>, tenantId: string, eid: string, field = 'eid'): Promise<Euicc> {
  const parsed = parseEid(eid, field);
  const euicc = await repo.findEuiccByEid(parsed);
  if (!euicc || euicc.tenantId !== tenantId) throw new DomainError('ERR_NOT_FOUND', `no eUICC ${parsed}`, field);
  return euicc;
}
