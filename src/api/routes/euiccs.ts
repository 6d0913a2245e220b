// eUICCs (issue 6 §1): register one or import many, list with filters and cursor paging, show one with
// its inventory, associations and orders, change its tags and attributes, delete it. Tenant-scoped.
import { z } from 'zod';
import { invalid } from '../../domain/errors.ts';
import { MAX_ATTRIBUTE_NAME, MAX_ATTRIBUTE_VALUE, MAX_ATTRIBUTES, MAX_TAG_LENGTH, MAX_TAGS } from '../../domain/labels.ts';
import { deleteEuicc } from '../../services/delete-euicc.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import { importEuiccs, MAX_IMPORT } from '../../services/import-euiccs.ts';
import { listEuiccs } from '../../services/list-euiccs.ts';
import { registerEuicc } from '../../services/register-euicc.ts';
import { showEuicc } from '../../services/show-euicc.ts';
import { updateEuiccLabels } from '../../services/update-euicc.ts';
import { PageQuery, route, type RouteSpec } from '../route.ts';
import { association, AssociationOut, EidIn, euiccSummary, EuiccSummary, orderView, OrderOut, paged, profile, ProfileOut } from '../views.ts';

const Tags = z.array(z.string().min(1).max(MAX_TAG_LENGTH)).max(MAX_TAGS);
const Attributes = z
  .record(z.string().min(1).max(MAX_ATTRIBUTE_NAME), z.string().max(MAX_ATTRIBUTE_VALUE))
  .refine((a) => Object.keys(a).length <= MAX_ATTRIBUTES, `at most ${MAX_ATTRIBUTES} attributes`);

const Registration = z
  .object({
    eid: EidIn,
    curve: z.enum(['P-256', 'brainpoolP256r1']).optional().describe('curve of the eIM key that signs this eUICC\'s packages (default P-256)'),
    verificationPolicy: z.enum(['enforce', 'off']).optional().describe('enforce (default): only verified results change state; off: labs only'),
    counterValue: z.number().int().min(0).max(0x7fffff).optional().describe("initial counterValue of this eIM's association (SGP.32 v1.2 §3.2)"),
    associationToken: z.number().int().min(0).optional().describe("associationToken of this eIM's association (SGP.32 v1.2 §3.6)"),
    tags: Tags.optional(),
    attributes: Attributes.optional(),
  })
  .strict();

const EuiccDetails = EuiccSummary.extend({
  associations: z.array(AssociationOut),
  profiles: z.array(ProfileOut),
  orders: z.object({ pending: z.array(OrderOut), past: z.array(OrderOut).describe('the most recent finished orders; GET /orders?eid= has them all') }),
});

const one = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const manyStrings = z.union([z.string(), z.array(z.string())]).optional();

const ListQuery = PageQuery.extend({
  tag: manyStrings.describe('only eUICCs with this tag (repeat for several: all must match)'),
  attribute: manyStrings.describe('name=value (repeat for several: all must match)'),
  eidPrefix: z.string().regex(/^[0-9]{1,32}$/, 'must be 1 to 32 decimal digits').optional(),
  inventoryStale: z.enum(['true', 'false']).optional(),
  lastSeenBefore: z.iso.datetime({ offset: true }).optional(),
  lastSeenAfter: z.iso.datetime({ offset: true }).optional(),
});

function attributeFilter(raw: string[]): Record<string, string> | undefined {
  if (raw.length === 0) return undefined;
  const out: Record<string, string> = {};
  raw.forEach((pair, i) => {
    const at = pair.indexOf('=');
    if (at < 1) throw invalid(raw.length > 1 ? `attribute[${i}]` : 'attribute', 'must be name=value');
    out[pair.slice(0, at)] = pair.slice(at + 1);
  });
  return out;
}

export function euiccRoutes(deps: ServiceDeps): RouteSpec[] {
  const details = async (tenantId: string, eid: string): Promise<z.infer<typeof EuiccDetails>> => {
    const d = await showEuicc(deps, tenantId, eid);
    return { ...euiccSummary(d.euicc), associations: d.associations.map(association), profiles: d.profiles.map(profile), orders: { pending: d.pendingOrders.map(orderView), past: d.pastOrders.map(orderView) } };
  };
  return [
    route({
      method: 'post',
      path: '/euiccs',
      operationId: 'registerEuicc',
      summary: 'Register an eUICC associated with this eIM',
      tag: 'eUICCs',
      role: 'operator',
      status: 201,
      body: Registration,
      response: EuiccDetails,
      handler: async ({ body, auth }) => {
        const e = await registerEuicc(deps, { ...body, tenantId: auth.tenantId });
        return details(auth.tenantId, e.eid);
      },
    }),
    route({
      method: 'post',
      path: '/euiccs/import',
      operationId: 'importEuiccs',
      summary: 'Import many eUICCs (all or nothing)',
      tag: 'eUICCs',
      role: 'operator',
      status: 201,
      maxJsonBytes: 16 * 1024 * 1024,
      body: z.array(Registration).min(1).max(MAX_IMPORT).describe(`1 to ${MAX_IMPORT} registrations; any bad item rejects the whole list, and the error lists every bad item by index and field`),
      response: z.object({ imported: z.number() }),
      handler: ({ body, auth }) => importEuiccs(deps, auth.tenantId, body),
    }),
    route({
      method: 'get',
      path: '/euiccs',
      operationId: 'listEuiccs',
      summary: 'List eUICCs, in EID order',
      tag: 'eUICCs',
      role: 'viewer',
      query: ListQuery,
      response: paged(EuiccSummary),
      handler: async ({ query, auth }) => {
        const tags = one(query.tag);
        const attributes = attributeFilter(one(query.attribute));
        const page = await listEuiccs(
          deps,
          auth.tenantId,
          {
            ...(tags.length ? { tags } : {}),
            ...(attributes ? { attributes } : {}),
            ...(query.eidPrefix ? { eidPrefix: query.eidPrefix } : {}),
            ...(query.inventoryStale ? { inventoryStale: query.inventoryStale === 'true' } : {}),
            ...(query.lastSeenBefore ? { lastSeenBefore: new Date(query.lastSeenBefore) } : {}),
            ...(query.lastSeenAfter ? { lastSeenAfter: new Date(query.lastSeenAfter) } : {}),
          },
          query,
        );
        return { items: page.items.map(euiccSummary), next: page.next };
      },
    }),
    route({
      method: 'get',
      path: '/euiccs/:eid',
      operationId: 'getEuicc',
      summary: 'Show an eUICC with its profiles, associations and orders',
      tag: 'eUICCs',
      role: 'viewer',
      params: z.object({ eid: EidIn }),
      response: EuiccDetails,
      handler: ({ params, auth }) => details(auth.tenantId, params.eid),
    }),
    route({
      method: 'patch',
      path: '/euiccs/:eid',
      operationId: 'updateEuicc',
      summary: "Change an eUICC's tags (replaced) and attributes (merged; null removes one)",
      tag: 'eUICCs',
      role: 'operator',
      params: z.object({ eid: EidIn }),
      body: z.object({ tags: Tags.optional(), attributes: z.record(z.string().min(1).max(MAX_ATTRIBUTE_NAME), z.string().max(MAX_ATTRIBUTE_VALUE).nullable()).optional() }).strict(),
      response: EuiccSummary,
      handler: async ({ params, body, auth }) => euiccSummary(await updateEuiccLabels(deps, auth.tenantId, params.eid, body)),
    }),
    route({
      method: 'delete',
      path: '/euiccs/:eid',
      operationId: 'deleteEuicc',
      summary: 'Delete an eUICC with its orders and inventory',
      tag: 'eUICCs',
      role: 'operator',
      status: 204,
      params: z.object({ eid: EidIn }),
      handler: ({ params, auth }) => deleteEuicc(deps, auth.tenantId, params.eid),
    }),
  ];
}
