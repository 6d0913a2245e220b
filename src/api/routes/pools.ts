// Activation-code pools (issue 6 §2, the batch flow): pools, CSV imports with a validation report,
// codes and their states, assignments of a pool to a group and where each member stands.
import { z } from 'zod';
import { CODE_STATES, type ActivationCodeRecord, type PoolAssignmentRecord, type PoolRecord } from '../../domain/activation-codes.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import { importCodes } from '../../services/import-pool.ts';
import { assignPool, assignmentStatus, unassignPool } from '../../services/pool-assignments.ts';
import { createPool, listCodes, releaseCode, requirePool, retireCode, showPool } from '../../services/pools.ts';
import { HttpError } from '../errors.ts';
import { route, type RouteSpec } from '../route.ts';

/** A CSV upload may be large: 100,000 rich rows are about 15 MB. */
export const MAX_CSV_BYTES = 64 * 1024 * 1024;

const State = z.enum(CODE_STATES as [string, ...string[]]);
const PoolOut = z.object({ id: z.string(), name: z.string(), createdAt: z.string() });
const Counts = z.object(Object.fromEntries([...CODE_STATES, 'total'].map((s) => [s, z.number()])));
const CodeOut = z.object({
  id: z.number(),
  state: State,
  iccid: z.string().nullable(),
  smdpAddress: z.string(),
  matchingId: z.string(),
  confirmationCodeRequired: z.boolean(),
  operator: z.string().nullable(),
  ratePlan: z.string().nullable(),
  country: z.string().nullable(),
  euiccId: z.number().nullable(),
  orderId: z.string().nullable(),
  createdAt: z.string(),
});
const AssignmentOut = z.object({ id: z.string(), poolId: z.string(), groupId: z.string(), enableAfterInstall: z.boolean(), status: z.enum(['active', 'removed']), createdAt: z.string(), removedAt: z.string().nullable() });
const Problem = z.object({ line: z.number(), field: z.string(), reason: z.string(), message: z.string() });
const ReportOut = z.object({ format: z.enum(['intune', 'table']), mode: z.enum(['all-or-nothing', 'valid-only']), rows: z.number(), imported: z.number(), rejected: z.number(), byReason: z.record(z.string(), z.number()), problems: z.array(Problem), truncated: z.boolean() });
const ReconcileOut = z.object({ assignments: z.number(), reserved: z.number(), enables: z.number(), unserved: z.number(), errors: z.number(), complete: z.boolean() });
const PoolParams = z.object({ poolId: z.uuid() });
const CodeParams = PoolParams.extend({ codeId: z.coerce.number().int().positive() });
const AssignmentParams = PoolParams.extend({ assignmentId: z.uuid() });
const Paging = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), after: z.coerce.number().int().nonnegative().optional() });

const pool = (p: PoolRecord) => ({ id: p.id, name: p.name, createdAt: p.createdAt.toISOString() });
const code = (c: ActivationCodeRecord) => ({
  id: c.id,
  state: c.state,
  iccid: c.iccid,
  smdpAddress: c.smdpAddress,
  matchingId: c.matchingId,
  // The confirmation code itself is never shown again once imported.
  confirmationCodeRequired: c.confirmationCode !== null,
  operator: c.operator,
  ratePlan: c.ratePlan,
  country: c.country,
  euiccId: c.euiccId,
  orderId: c.orderId,
  createdAt: c.createdAt.toISOString(),
});
const assignment = (a: PoolAssignmentRecord) => ({ id: a.id, poolId: a.poolId, groupId: a.groupId, enableAfterInstall: a.enableAfterInstall, status: a.status, createdAt: a.createdAt.toISOString(), removedAt: a.removedAt?.toISOString() ?? null });

const base = { tag: 'Pools' } as const;

export function poolRoutes(deps: ServiceDeps): RouteSpec[] {
  return [
    route({ ...base, method: 'post', path: '/pools', operationId: 'createPool', summary: 'Create an activation-code pool', role: 'operator', status: 201, body: z.object({ name: z.string().min(1).max(100) }).strict(), response: PoolOut, handler: async ({ body, auth }) => pool(await createPool(deps, auth.tenantId, body.name)) }),
    route({ ...base, method: 'get', path: '/pools', operationId: 'listPools', summary: 'List activation-code pools', role: 'viewer', response: z.object({ items: z.array(PoolOut) }), handler: async ({ auth }) => ({ items: (await deps.store.listPools(auth.tenantId)).map(pool) }) }),
    route({
      ...base,
      method: 'get',
      path: '/pools/:poolId',
      operationId: 'showPool',
      summary: 'Show a pool with its number of codes in each state',
      role: 'viewer',
      params: PoolParams,
      response: PoolOut.extend({ counts: Counts }),
      handler: async ({ params, auth }) => {
        const p = await showPool(deps, auth.tenantId, params.poolId);
        return { ...pool(p), counts: p.counts };
      },
    }),
    route({
      ...base,
      method: 'post',
      path: '/pools/:poolId/codes',
      operationId: 'importCodes',
      summary: 'Import activation codes from a CSV file (Intune format, or a table with a header)',
      role: 'operator',
      params: PoolParams,
      query: z.object({ mode: z.enum(['all-or-nothing', 'valid-only']).default('all-or-nothing') }),
      textBody: { contentType: 'text/csv', maxBytes: MAX_CSV_BYTES },
      body: z.string(),
      response: ReportOut,
      handler: async ({ params, query, body, auth }) => {
        const report = await importCodes(deps, auth.tenantId, params.poolId, body, query.mode);
        // all-or-nothing with problems: nothing was written; the report travels in the error's details.
        if (query.mode === 'all-or-nothing' && report.rejected > 0) throw new HttpError(422, 'ERR_IMPORT_REJECTED', `${report.rejected} of ${report.rows} rows are invalid; nothing was imported`, report);
        return report;
      },
    }),
    route({
      ...base,
      method: 'get',
      path: '/pools/:poolId/codes',
      operationId: 'listCodes',
      summary: "List a pool's codes, optionally in one state (cursor paging by id)",
      role: 'viewer',
      params: PoolParams,
      query: Paging.extend({ state: State.optional() }),
      response: z.object({ items: z.array(CodeOut), next: z.number().nullable() }),
      handler: async ({ params, query, auth }) => {
        const page = await listCodes(deps, auth.tenantId, params.poolId, { limit: query.limit, ...(query.after !== undefined ? { after: query.after } : {}), ...(query.state ? { state: query.state as ActivationCodeRecord['state'] } : {}) });
        return { items: page.items.map(code), next: page.next };
      },
    }),
    route({ ...base, method: 'post', path: '/pools/:poolId/codes/:codeId/retire', operationId: 'retireCode', summary: 'Retire an activation code', role: 'operator', params: CodeParams, response: CodeOut, handler: async ({ params, auth }) => code(await retireCode(deps, auth.tenantId, params.poolId, params.codeId)) }),
    route({ ...base, method: 'post', path: '/pools/:poolId/codes/:codeId/release', operationId: 'releaseCode', summary: 'Release a failed activation code back into the pool', role: 'operator', params: CodeParams, response: CodeOut, handler: async ({ params, auth }) => code(await releaseCode(deps, auth.tenantId, params.poolId, params.codeId)) }),
    route({
      ...base,
      method: 'post',
      path: '/pools/:poolId/assignments',
      operationId: 'assignPool',
      summary: 'Assign a pool to a group: every member without a profile from the pool gets a code and a download order',
      role: 'operator',
      status: 201,
      params: PoolParams,
      body: z.object({ groupId: z.uuid(), enableAfterInstall: z.boolean().default(false) }).strict(),
      response: z.object({ assignment: AssignmentOut, reconcile: ReconcileOut }),
      handler: async ({ params, body, auth }) => {
        const r = await assignPool(deps, auth.tenantId, params.poolId, body);
        return { assignment: assignment(r.assignment), reconcile: r.reconcile };
      },
    }),
    route({
      ...base,
      method: 'get',
      path: '/pools/:poolId/assignments',
      operationId: 'listPoolAssignments',
      summary: "List a pool's assignments",
      role: 'viewer',
      params: PoolParams,
      response: z.object({ items: z.array(AssignmentOut) }),
      handler: async ({ params, auth }) => {
        const p = await requirePool(deps, auth.tenantId, params.poolId);
        return { items: (await deps.store.listAssignments({ poolId: p.id })).map(assignment) };
      },
    }),
    route({
      ...base,
      method: 'get',
      path: '/pools/:poolId/assignments/:assignmentId',
      operationId: 'showPoolAssignment',
      summary: 'Show an assignment: per member, the code it holds and that code’s latest order',
      role: 'viewer',
      params: AssignmentParams,
      query: Paging,
      response: z.object({
        assignment: AssignmentOut,
        members: z.array(z.object({ eid: z.string(), code: z.object({ id: z.number(), state: State, iccid: z.string().nullable() }).nullable(), order: z.object({ id: z.string(), kind: z.string(), status: z.string() }).nullable() })),
        next: z.number().nullable(),
      }),
      handler: async ({ params, query, auth }) => {
        const s = await assignmentStatus(deps, auth.tenantId, params.poolId, params.assignmentId, { limit: query.limit, ...(query.after !== undefined ? { after: query.after } : {}) });
        return { ...s, assignment: assignment(s.assignment) };
      },
    }),
    route({
      ...base,
      method: 'delete',
      path: '/pools/:poolId/assignments/:assignmentId',
      operationId: 'unassignPool',
      summary: 'Unassign a pool: disable and delete its profiles on the members, release or retire their codes',
      role: 'operator',
      params: AssignmentParams,
      response: z.object({ assignment: AssignmentOut, members: z.number(), released: z.number(), retired: z.number(), ordersQueued: z.number(), inFlight: z.number(), errors: z.number() }),
      handler: async ({ params, auth }) => {
        const r = await unassignPool(deps, auth.tenantId, params.poolId, params.assignmentId);
        return { ...r, assignment: assignment(r.assignment) };
      },
    }),
  ];
}
