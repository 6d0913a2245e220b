// Use case: one order for every member of a group (a bulk order). Members are read by keyset pages and
// each page is written as one batch in one transaction (src/services/fan-out.ts: set-based, thousands of
// members per transaction); two batches are in flight, so one signs while the database writes the other.
// A member that cannot take the order (no association with this eIM, counter exhausted, no signing key
// for its curve) is reported, never fatal. The progress (bulk_orders) is committed with each batch, so
// GET /bulk-orders/:bulkId shows it while the bulk order runs, from any eIM instance.
import { DomainError, invalid } from '../domain/errors.ts';
import { parseOrderRequest } from '../domain/operations.ts';
import type { GroupRecord } from '../domain/records.ts';
import { queueOrder } from './create-order.ts';
import type { ServiceDeps } from './deps.ts';
import { emit } from './events.ts';
import { cannotSign, fanOutBatch, fanOutPlan, uuid, type BulkFailure, type FanOutPlan } from './fan-out.ts';
import type { FanOutMember } from './fan-out-ports.ts';
import { requireGroup } from './groups.ts';

export type { BulkFailure };

export interface BulkOrderInput {
  groupId: string;
  request: unknown;
  expiresAt?: Date;
}

export interface BulkOrderReport {
  bulkId: string;
  groupId: string;
  /** running while batches are being written; done when every member has been handled. */
  status: 'running' | 'done' | 'failed';
  created: number;
  failed: number;
  /** The first MAX_FAILURES_LISTED failures; `failed` counts them all. */
  failures: BulkFailure[];
}

export interface BulkOrderJob {
  bulkId: string;
  /** Resolves with the final report once every member has been handled. */
  done: Promise<BulkOrderReport>;
  /** The report so far (committed batches). */
  progress(): BulkOrderReport;
}

/** Members per batch (one transaction each): large enough for set-based writes, small enough to bound memory and lock time. */
export const BULK_BATCH = 2000;
/** Batches in flight: one is signed in this process while the database writes the other. */
const IN_FLIGHT = 2;
export const MAX_FAILURES_LISTED = 1000;
const MAX_INTERNAL_IN_A_ROW = 10;

/** Runs a bulk order to the end and answers its report. */
export async function createBulkOrder(deps: ServiceDeps, tenantId: string, input: BulkOrderInput, batchSize = BULK_BATCH): Promise<BulkOrderReport> {
  return (await startBulkOrder(deps, tenantId, input, batchSize)).done;
}

/** Validates and records the bulk order, then runs it; errors in the request are thrown before anything is written. */
export async function startBulkOrder(deps: ServiceDeps, tenantId: string, input: BulkOrderInput, batchSize = BULK_BATCH): Promise<BulkOrderJob> {
  const request = parseOrderRequest(input.request);
  if (input.expiresAt && input.expiresAt.getTime() <= deps.now().getTime()) throw invalid('expiresAt', 'must be in the future');
  const expiresAt = input.expiresAt ?? new Date(deps.now().getTime() + deps.defaultOrderTtlMs);
  const group = await requireGroup(deps, tenantId, input.groupId);
  const report: BulkOrderReport = { bulkId: uuid(), groupId: group.id, status: 'running', created: 0, failed: 0, failures: [] };
  await deps.store.insertBulkOrder({ id: report.bulkId, tenantId, groupId: group.id, kind: request.kind });
  const plan = fanOutPlan(deps, tenantId, request, expiresAt, report.bulkId);
  const done = run(deps, group, plan, report, batchSize).then(
    async () => {
      await deps.store.transaction(async (tx) => {
        await tx.finishBulkOrder(report.bulkId, 'done');
        await emit(tx, tenantId, 'bulkOrder.created', { type: 'bulkOrder', id: report.bulkId }, { bulkId: report.bulkId, groupId: group.id, kind: request.kind, created: report.created, failed: report.failed });
      });
      report.status = 'done';
      return { ...report, failures: [...report.failures] };
    },
    async (err: unknown) => {
      report.status = 'failed';
      deps.log.error('bulk order failed', { bulkId: report.bulkId, created: report.created, error: String(err) });
      await deps.store.finishBulkOrder(report.bulkId, 'failed').catch(() => {});
      throw err;
    },
  );
  return { bulkId: report.bulkId, done, progress: () => ({ ...report, failures: [...report.failures] }) };
}

/** Keyset pages of members, each written as one batch, IN_FLIGHT batches at a time. */
async function run(deps: ServiceDeps, group: GroupRecord, plan: FanOutPlan, report: BulkOrderReport, batchSize: number): Promise<void> {
  const inFlight: Promise<void>[] = [];
  // Failures are listed in member order whatever order the batches commit in.
  const listed: BulkFailure[][] = [];
  let listedCount = 0;
  const record = (index: number, created: number, failures: BulkFailure[]): void => {
    report.created += created;
    report.failed += failures.length;
    listed[index] = failures;
    report.failures = listed.flat().slice(0, MAX_FAILURES_LISTED);
  };
  /** The failures a batch adds to the stored list (MAX_FAILURES_LISTED in all). */
  const toList = (failures: BulkFailure[]): BulkFailure[] => {
    const room = Math.max(0, MAX_FAILURES_LISTED - listedCount);
    listedCount += Math.min(room, failures.length);
    return failures.slice(0, room);
  };
  let index = 0;
  for (let after = 0; ; ) {
    const members = (await deps.store.fanOutMembers(group, after, batchSize)).filter((m) => m.tenantId === plan.tenantId);
    if (members.length) {
      const i = index++;
      inFlight.push(batch(deps, plan, members, toList).then((r) => record(i, r.created, r.failures)));
      if (inFlight.length >= IN_FLIGHT) await inFlight.shift();
    }
    if (members.length < batchSize) break;
    after = members[members.length - 1]!.id;
  }
  await Promise.all(inFlight);
}

/** One batch in one transaction, its progress committed with it; an unforeseen failure redoes it member by member. */
async function batch(deps: ServiceDeps, plan: FanOutPlan, members: FanOutMember[], toList: (f: BulkFailure[]) => BulkFailure[]): Promise<{ created: number; failures: BulkFailure[] }> {
  try {
    return await deps.store.transaction(async (tx) => {
      const r = await fanOutBatch(deps, tx, plan, members);
      // Last statement of the batch: the progress row is the one lock that batches share.
      await tx.addBulkProgress(plan.bulkId, r.created, r.failures.length, toList(r.failures));
      return r;
    });
  } catch (err) {
    // An unforeseen failure of one member must not sink the batch: redo it one member per transaction.
    deps.log.warn('bulk order batch failed; retrying member by member', { bulkId: plan.bulkId, members: members.length, error: String(err) });
    return memberByMember(deps, plan, members, toList);
  }
}

async function memberByMember(deps: ServiceDeps, plan: FanOutPlan, members: FanOutMember[], toList: (f: BulkFailure[]) => BulkFailure[]): Promise<{ created: number; failures: BulkFailure[] }> {
  const failures: BulkFailure[] = [];
  let created = 0;
  let internal = 0;
  for (const m of members) {
    try {
      await deps.store.transaction(async (tx) => {
        const euicc = await tx.findEuiccById(m.id);
        if (!euicc) throw new DomainError('ERR_NOT_FOUND', `no eUICC ${m.eid}`, 'eid');
        if (plan.encodeSigned) {
          const problem = cannotSign(deps, m, await tx.lockAssociation(m.id, deps.eim.eimId));
          if (problem) throw new DomainError(problem.code as 'ERR_NO_ASSOCIATION', problem.message, 'eid');
        }
        await queueOrder(deps, tx, euicc, plan.request, plan.tenantId, plan.expiresAt, { bulkId: plan.bulkId });
        await tx.addBulkProgress(plan.bulkId, 1, 0, []);
      });
      created++;
    } catch (e) {
      const f = e instanceof DomainError ? { eid: m.eid, code: e.code, message: e.message } : { eid: m.eid, code: 'ERR_INTERNAL', message: 'internal error' };
      if (!(e instanceof DomainError)) deps.log.error('bulk order: member failed', { bulkId: plan.bulkId, eid: m.eid, error: String(e) });
      failures.push(f);
      await deps.store.addBulkProgress(plan.bulkId, 0, 1, toList([f])).catch(() => {});
      // Member after member failing for no reason of its own (the database gone, the eIM stopping): stop the
      // bulk order (status failed) rather than fail every remaining member.
      internal = e instanceof DomainError ? 0 : internal + 1;
      if (internal >= MAX_INTERNAL_IN_A_ROW) throw e;
    }
  }
  return { created, failures };
}

export interface BulkOrderStatus {
  bulkId: string;
  groupId?: string;
  status: 'running' | 'done' | 'failed';
  created: number;
  failed: number;
  failures: BulkFailure[];
  createdAt?: Date;
  updatedAt?: Date;
  finishedAt?: Date | null;
  /** Orders counted by status; once the bulk order is no longer running (a count over all its orders). */
  total?: number;
  byStatus?: Record<string, number>;
}

/** How a bulk order stands: its progress while running, then its orders by status; ERR_NOT_FOUND when the tenant has no such bulk order. */
export async function bulkOrderStatus(deps: ServiceDeps, tenantId: string, bulkId: string): Promise<BulkOrderStatus> {
  const job = await deps.store.findBulkOrder(tenantId, bulkId);
  const counts = async () => {
    const byStatus = (await deps.store.countBulkOrders(tenantId, bulkId)) as Record<string, number>;
    return { total: Object.values(byStatus).reduce((a, b) => a + (b ?? 0), 0), byStatus };
  };
  if (!job) {
    // A bulk order written before bulk_orders existed: its orders are all there is.
    const c = await counts();
    if (c.total === 0) throw new DomainError('ERR_NOT_FOUND', `no bulk order ${bulkId}`, 'bulkId');
    return { bulkId, status: 'done', created: c.total, failed: 0, failures: [], ...c };
  }
  const base = { bulkId, groupId: job.groupId, status: job.status, created: job.created, failed: job.failed, failures: job.failures, createdAt: job.createdAt, updatedAt: job.updatedAt, finishedAt: job.finishedAt };
  // Counting a million orders by status takes a while: not on every progress poll.
  return job.status === 'running' ? base : { ...base, ...(await counts()) };
}
