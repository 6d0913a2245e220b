// Activation-code pools (issue 6 §2): create and read pools and their codes; the operator's own code
// transitions (retire; release a failed code the SM-DP+ has re-released).
import { CODE_STATES, type ActivationCodeRecord, type CodeState, type PoolRecord } from '../domain/activation-codes.ts';
import { DomainError, invalid } from '../domain/errors.ts';
import { moveCode } from './code-lifecycle.ts';
import type { ServiceDeps } from './deps.ts';
import { emit } from './events.ts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/;

export async function createPool(deps: ServiceDeps, tenantId: string, name: string): Promise<PoolRecord> {
  if (!NAME.test(name)) throw invalid('name', 'letters, digits, space, ".", "_" or "-", at most 100 characters');
  return deps.store.transaction(async (tx) => {
    if (await tx.findPoolByName(tenantId, name)) throw new DomainError('ERR_CONFLICT', `a pool named ${name} exists`, 'name');
    const pool = await tx.insertPool({ tenantId, name });
    await emit(tx, tenantId, 'pool.created', { type: 'pool', id: pool.id }, { poolId: pool.id, name });
    return pool;
  });
}

export async function requirePool(deps: ServiceDeps, tenantId: string, id: string): Promise<PoolRecord> {
  const pool = await deps.store.findPool(tenantId, id);
  if (!pool) throw new DomainError('ERR_NOT_FOUND', `no pool ${id}`, 'poolId');
  return pool;
}

export type PoolCounts = Record<CodeState, number> & { total: number };

export async function poolCounts(deps: ServiceDeps, poolId: string): Promise<PoolCounts> {
  const raw = await deps.store.countCodes(poolId);
  const counts = Object.fromEntries(CODE_STATES.map((s) => [s, raw[s] ?? 0])) as Record<CodeState, number>;
  return { ...counts, total: CODE_STATES.reduce((n, s) => n + counts[s], 0) };
}

export async function showPool(deps: ServiceDeps, tenantId: string, id: string): Promise<PoolRecord & { counts: PoolCounts }> {
  const pool = await requirePool(deps, tenantId, id);
  return { ...pool, counts: await poolCounts(deps, pool.id) };
}

export async function listCodes(deps: ServiceDeps, tenantId: string, poolId: string, opts: { state?: CodeState; after?: number; limit: number }): Promise<{ items: ActivationCodeRecord[]; next: number | null }> {
  const pool = await requirePool(deps, tenantId, poolId);
  const items = await deps.store.listCodes(pool.id, opts.state, opts.after ?? 0, opts.limit);
  return { items, next: items.length === opts.limit ? items[items.length - 1]!.id : null };
}

async function operatorMove(deps: ServiceDeps, tenantId: string, poolId: string, codeId: number, to: 'retired' | 'available', why: string): Promise<ActivationCodeRecord> {
  await requirePool(deps, tenantId, poolId);
  return deps.store.transaction(async (tx) => {
    const code = await tx.lockCode(codeId);
    if (!code || code.tenantId !== tenantId || code.poolId !== poolId) throw new DomainError('ERR_NOT_FOUND', `no activation code ${codeId} in pool ${poolId}`, 'codeId');
    if (to === 'available' && code.state !== 'failed') throw new DomainError('ERR_CONFLICT', `only a failed code can be released by hand; code ${codeId} is ${code.state}`, 'codeId', { state: code.state });
    if (to === 'retired' && (code.state === 'reserved' || code.state === 'downloading')) {
      throw new DomainError('ERR_CONFLICT', `code ${codeId} is ${code.state} for a device; unassign the pool or cancel the order first`, 'codeId', { state: code.state });
    }
    return moveCode(tx, code, to, to === 'available' ? { euiccId: null, orderId: null } : {}, why);
  });
}

/** Takes a code out of use for good (any state but reserved and downloading). */
export function retireCode(deps: ServiceDeps, tenantId: string, poolId: string, codeId: number): Promise<ActivationCodeRecord> {
  return operatorMove(deps, tenantId, poolId, codeId, 'retired', 'retired by the operator');
}

/**
 * Puts a failed code back into the pool, for when the operator has made it usable again at the SM-DP+
 * (ES2+ re-release). Its device is then served again by the next reconciliation.
 */
export function releaseCode(deps: ServiceDeps, tenantId: string, poolId: string, codeId: number): Promise<ActivationCodeRecord> {
  return operatorMove(deps, tenantId, poolId, codeId, 'available', 'released by the operator after a failed download');
}
