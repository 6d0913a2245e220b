// The order request as the API accepts it (the domain's OrderRequest, flat in the body), for validation of
// its shape and for the OpenAPI document. The domain (src/domain/operations.ts) applies the exact rules.
import { z } from 'zod';
import { DomainError } from '../../domain/errors.ts';

const PSMO_OPS = ['enable', 'disable', 'delete', 'listProfileInfo', 'getRAT', 'configureImmediateEnable', 'setFallbackAttribute', 'unsetFallbackAttribute', 'setDefaultDpAddress'] as const;
const ECO_OPS = ['addEim', 'deleteEim', 'updateEim', 'listEim'] as const;

const Psmo = z
  .looseObject({
    op: z.enum(PSMO_OPS),
    iccid: z.string().optional().describe('enable, disable, delete, setFallbackAttribute; listProfileInfo search criterion'),
    rollback: z.boolean().optional().describe('enable: rollbackFlag'),
    isdpAid: z.string().optional().describe('listProfileInfo search criterion, hex'),
    profileClass: z.enum(['test', 'provisioning', 'operational']).optional().describe('listProfileInfo search criterion'),
    tags: z.array(z.string()).optional().describe('listProfileInfo tag list, hex tags'),
    immediateEnable: z.boolean().optional(),
    defaultSmdpOid: z.string().optional(),
    defaultSmdpAddress: z.string().optional(),
    address: z.string().optional().describe('setDefaultDpAddress (empty removes it)'),
  })
  .describe('a Profile State Management Operation (SGP.32 v1.2 §2.11.1.1)');

const Eco = z
  .looseObject({
    op: z.enum(ECO_OPS),
    eimConfigurationData: z.unknown().optional().describe('addEim, updateEim: EimConfigurationData in the JSON form'),
    eimId: z.string().optional().describe('deleteEim'),
  })
  .describe('an eIM Configuration Operation (SGP.32 v1.2 §2.11.1.2)');

const ops = <T extends z.ZodType>(op: T) => z.array(op).min(1).max(16);

/** The four kinds of order request; `extra` adds the target (eid or groupId) and expiresAt. */
export function orderRequestBody<E extends z.ZodRawShape>(extra: E) {
  return z.discriminatedUnion('kind', [
    z.looseObject({ ...extra, kind: z.literal('psmo'), operations: ops(Psmo) }),
    z.looseObject({ ...extra, kind: z.literal('eco'), operations: ops(Eco) }),
    z.looseObject({
      ...extra,
      kind: z.literal('euiccData'),
      tags: z.array(z.string()).optional().describe('IpaEuiccData tags, e.g. ["bf20","a6"] (default: a useful set)'),
      notificationSeqNumber: z.number().int().min(0).optional(),
      resultSeqNumber: z.number().int().min(0).optional(),
    }),
    z
      .looseObject({
        ...extra,
        kind: z.literal('download'),
        activationCode: z.string().optional().describe('1$<SM-DP+ address>$<matching id>[...] (SGP.22 v2.5 §4.1)'),
        contactDefaultSmdp: z.literal(true).optional().describe("use the eUICC's default SM-DP+"),
        contactSmds: z.object({ smdsAddress: z.string().optional() }).optional().describe('ask an SM-DS (the root SM-DS when no address)'),
      })
      .describe('exactly one of activationCode, contactDefaultSmdp, contactSmds'),
  ]);
}

/** Splits the body into the domain's order request and the API's own fields. */
export function splitBody<K extends string>(body: Record<string, unknown>, own: readonly K[]): { request: Record<string, unknown>; own: Partial<Record<K, unknown>> } {
  const request: Record<string, unknown> = {};
  const mine: Partial<Record<K, unknown>> = {};
  for (const [k, v] of Object.entries(body)) {
    if ((own as readonly string[]).includes(k)) mine[k as K] = v;
    else request[k] = v;
  }
  return { request, own: mine };
}

/** The domain names fields of the request as `request.…`; in this API the request is the body itself. */
export async function inBody<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof DomainError && e.field?.startsWith('request')) throw new DomainError(e.code, e.message, e.field.replace(/^request\.?/, '') || 'body', e.details);
    throw e;
  }
}
