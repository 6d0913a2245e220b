// Use case: one order for every member of a group (a bulk order). Members are taken page by page and
// each page is written in one bounded transaction; a member that cannot take the order (no association
// with this eIM, counter exhausted, no signing key for its curve) is reported, never fatal.
import { randomBytes } from '../crypto/engine.ts';
import { DomainError, invalid } from '../domain/errors.ts';
import { parseOrderRequest, type OrderRequest } from '../domain/operations.ts';
import type { Association, Euicc } from '../domain/records.ts';
import { toHex } from '../lib/bytes.ts';
import { queueOrder } from './create-order.ts';
import type { ServiceDeps } from './deps.ts';
import { emit } from './events.ts';
import { groupMembers, requireGroup } from './groups.ts';
import { MAX_COUNTER_VALUE } from './package-builder.ts';

export interface BulkOrderInput {
  groupId: string;
  request: unknown;
  expiresAt?: Date;
}

export interface BulkFailure {
  eid: string;
  code: string;
  message: string;
}

export interface BulkOrderReport {
  bulkId: string;
  groupId: string;
  created: number;
  failed: number;
  /** The first MAX_FAILURES_LISTED failures; `failed` counts them all. */
  failures: BulkFailure[];
}

/** Members per transaction: bounded, so a large group never holds one long transaction. */
export const BULK_PAGE = 200;
export const MAX_FAILURES_LISTED = 1000;

export async function createBulkOrder(deps: ServiceDeps, tenantId: string, input: BulkOrderInput, pageSize = BULK_PAGE): Promise<BulkOrderReport> {
  const request = parseOrderRequest(input.request);
  if (input.expiresAt && input.expiresAt.getTime() <= deps.now().getTime()) throw invalid('expiresAt', 'must be in the future');
  const expiresAt = input.expiresAt ?? new Date(deps.now().getTime() + deps.defaultOrderTtlMs);
  const group = await requireGroup(deps, tenantId, input.groupId);
  const report: BulkOrderReport = { bulkId: uuid(), groupId: group.id, created: 0, failed: 0, failures: [] };
  const fail = (f: BulkFailure) => {
    report.failed++;
    if (report.failures.length < MAX_FAILURES_LISTED) report.failures.push(f);
  };
  for (let after = 0; ; ) {
    const members = await groupMembers(deps, group, after, pageSize);
    const page = members.filter((e) => e.tenantId === tenantId);
    if (page.length) await orderPage(deps, tenantId, page, request, expiresAt, report.bulkId, report, fail);
    if (members.length < pageSize) break;
    after = members[members.length - 1]!.id;
  }
  await deps.store.transaction((tx) =>
    emit(tx, tenantId, 'bulkOrder.created', { type: 'bulkOrder', id: report.bulkId }, { bulkId: report.bulkId, groupId: group.id, kind: request.kind, created: report.created, failed: report.failed }),
  );
  return report;
}

async function orderPage(deps: ServiceDeps, tenantId: string, page: Euicc[], request: OrderRequest, expiresAt: Date, bulkId: string, report: BulkOrderReport, fail: (f: BulkFailure) => void): Promise<void> {
  const signed = request.kind === 'psmo' || request.kind === 'eco';
  const failures: BulkFailure[] = [];
  let created = 0;
  try {
    await deps.store.transaction(async (tx) => {
      const associations = signed ? new Map((await tx.associationsOf(page.map((e) => e.id), deps.eim.eimId)).map((a) => [a.euiccId, a])) : undefined;
      for (const euicc of page) {
        const problem = associations ? cannotSign(deps, euicc, associations.get(euicc.id)) : undefined;
        if (problem) failures.push(problem);
        else {
          await queueOrder(deps, tx, euicc, request, tenantId, expiresAt, { bulkId });
          created++;
        }
      }
    });
  } catch (err) {
    // An unforeseen failure of one member must not sink the page: redo it one member per transaction.
    deps.log.warn('bulk order page failed; retrying member by member', { bulkId, error: String(err) });
    failures.length = 0;
    created = 0;
    for (const euicc of page) {
      try {
        await deps.store.transaction((tx) => queueOrder(deps, tx, euicc, request, tenantId, expiresAt, { bulkId }));
        created++;
      } catch (e) {
        failures.push(e instanceof DomainError ? { eid: euicc.eid, code: e.code, message: e.message } : { eid: euicc.eid, code: 'ERR_INTERNAL', message: 'internal error' });
        if (!(e instanceof DomainError)) deps.log.error('bulk order: member failed', { bulkId, eid: euicc.eid, error: String(e) });
      }
    }
  }
  report.created += created;
  failures.forEach(fail);
}

/** Why a signed package (PSMO, eCO) cannot be built for this member, checked before writing anything. */
function cannotSign(deps: ServiceDeps, euicc: Euicc, association: Association | undefined): BulkFailure | undefined {
  if (!association) return { eid: euicc.eid, code: 'ERR_NO_ASSOCIATION', message: `eUICC ${euicc.eid} is not associated with eIM ${deps.eim.eimId}` };
  // SGP.32 v1.2 §3.2: counterValue stays at or below 0x7FFFFF.
  if (association.counterValue + 1 > MAX_COUNTER_VALUE) return { eid: euicc.eid, code: 'ERR_COUNTER_EXHAUSTED', message: `the counter for eUICC ${euicc.eid} is exhausted` };
  if (!deps.eim.signers[euicc.curve]) return { eid: euicc.eid, code: 'ERR_VALIDATION', message: `this eIM has no ${euicc.curve} signing key` };
  return undefined;
}

/** A random (version 4) UUID for the bulk order. */
function uuid(): string {
  const b = randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = toHex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** How the orders of a bulk order stand, by status; ERR_NOT_FOUND when the tenant has no such bulk order. */
export async function bulkOrderStatus(deps: ServiceDeps, tenantId: string, bulkId: string): Promise<{ bulkId: string; total: number; byStatus: Record<string, number> }> {
  const byStatus = await deps.store.countBulkOrders(tenantId, bulkId);
  const total = Object.values(byStatus).reduce((a, b) => a + (b ?? 0), 0);
  if (total === 0) throw new DomainError('ERR_NOT_FOUND', `no bulk order ${bulkId}`, 'bulkId');
  return { bulkId, total, byStatus: byStatus as Record<string, number> };
}
