// Groups (issue 6 §1): static groups list their members; dynamic groups are a filter on tags and
// attributes. Create, list, show, delete, change a static group's members, list members by cursor.
import { z } from 'zod';
import { deleteGroup } from '../../services/delete-group.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import { changeMembers, createGroup, requireGroup } from '../../services/groups.ts';
import { listGroupMembers } from '../../services/list-group-members.ts';
import { PageQuery, route, type RouteSpec } from '../route.ts';
import { EidIn, euiccSummary, EuiccSummary, GroupOut, groupView, paged } from '../views.ts';

const MAX_MEMBERS_PER_CALL = 10_000;
const Eids = z.array(EidIn).max(MAX_MEMBERS_PER_CALL);

const CreateGroup = z
  .object({
    name: z.string().min(1).max(100),
    kind: z.enum(['static', 'dynamic']),
    eids: Eids.optional().describe('static groups: the first members'),
    filter: z
      .object({ tags: z.array(z.string()).optional(), attributes: z.record(z.string(), z.string()).optional() })
      .strict()
      .optional()
      .describe('dynamic groups: every tag present and every attribute equal'),
  })
  .strict();

const GroupId = z.object({ id: z.uuid() });

export function groupRoutes(deps: ServiceDeps): RouteSpec[] {
  return [
    route({
      method: 'post',
      path: '/groups',
      operationId: 'createGroup',
      summary: 'Create a static or dynamic group',
      tag: 'Groups',
      role: 'operator',
      status: 201,
      body: CreateGroup,
      response: GroupOut,
      handler: async ({ body, auth }) => groupView(await createGroup(deps, auth.tenantId, body)),
    }),
    route({
      method: 'get',
      path: '/groups',
      operationId: 'listGroups',
      summary: 'List groups, by name',
      tag: 'Groups',
      role: 'viewer',
      response: z.object({ items: z.array(GroupOut) }),
      handler: async ({ auth }) => ({ items: (await deps.store.listGroups(auth.tenantId)).map(groupView) }),
    }),
    route({
      method: 'get',
      path: '/groups/:id',
      operationId: 'getGroup',
      summary: 'Show a group',
      tag: 'Groups',
      role: 'viewer',
      params: GroupId,
      response: GroupOut,
      handler: async ({ params, auth }) => groupView(await requireGroup(deps, auth.tenantId, params.id)),
    }),
    route({
      method: 'delete',
      path: '/groups/:id',
      operationId: 'deleteGroup',
      summary: 'Delete a group (its members stay)',
      tag: 'Groups',
      role: 'operator',
      status: 204,
      params: GroupId,
      handler: ({ params, auth }) => deleteGroup(deps, auth.tenantId, params.id),
    }),
    route({
      method: 'post',
      path: '/groups/:id/members',
      operationId: 'changeGroupMembers',
      summary: 'Add or remove members of a static group',
      tag: 'Groups',
      role: 'operator',
      status: 204,
      params: GroupId,
      body: z.object({ add: Eids.optional(), remove: Eids.optional() }).strict(),
      handler: ({ params, body, auth }) => changeMembers(deps, auth.tenantId, params.id, body),
    }),
    route({
      method: 'get',
      path: '/groups/:id/members',
      operationId: 'listGroupMembers',
      summary: "List a group's members",
      tag: 'Groups',
      role: 'viewer',
      params: GroupId,
      query: PageQuery,
      response: paged(EuiccSummary),
      handler: async ({ params, query, auth }) => {
        const page = await listGroupMembers(deps, auth.tenantId, params.id, query);
        return { items: page.items.map(euiccSummary), next: page.next };
      },
    }),
  ];
}
