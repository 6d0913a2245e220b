// What the operator API returns for eUICCs, orders and groups: zod schemas (for the OpenAPI document)
// and the functions that turn records into them. EIDs and UUIDs identify things; internal row ids never
// leave the server; times are ISO 8601.
import { z } from 'zod';
import { eidCheckDigitsValid } from '../domain/identifiers.ts';
import type { Association, Euicc, GroupRecord, Order, ProfileRecord } from '../domain/records.ts';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
const Time = z.iso.datetime();

/** An EID on input: 32 digits whose check digits are right (GSMA SGP.29). */
export const EidIn = z
  .string()
  .regex(/^[0-9]{32}$/, 'an EID is 32 decimal digits')
  .refine(eidCheckDigitsValid, 'the EID check digits are wrong (GSMA SGP.29)');
const EidOut = z.string().regex(/^[0-9]{32}$/).describe('EID, 32 decimal digits');

export const EuiccSummary = z.object({
  eid: EidOut,
  curve: z.enum(['P-256', 'brainpoolP256r1']),
  verificationPolicy: z.enum(['enforce', 'off']),
  tags: z.array(z.string()),
  attributes: z.record(z.string(), z.string()),
  inventoryStale: z.boolean().describe('the device reported a state change; a fresh profile list is on its way'),
  lastStateChangeCause: z.number().nullable(),
  certificatesKnown: z.boolean().describe('the eUICC certificate is known, so results can be verified'),
  lastSeenAt: Time.nullable(),
  createdAt: Time,
});

export function euiccSummary(e: Euicc): z.infer<typeof EuiccSummary> {
  return {
    eid: e.eid,
    curve: e.curve,
    verificationPolicy: e.verificationPolicy,
    tags: e.tags,
    attributes: e.attributes,
    inventoryStale: e.inventoryStale,
    lastStateChangeCause: e.lastStateChangeCause,
    certificatesKnown: e.euiccCertificate !== null,
    lastSeenAt: iso(e.lastSeenAt),
    createdAt: e.createdAt.toISOString(),
  };
}

export const AssociationOut = z.object({ eimId: z.string(), counterValue: z.number(), associationToken: z.number().nullable() });
export const association = (a: Association): z.infer<typeof AssociationOut> => ({ eimId: a.eimId, counterValue: a.counterValue, associationToken: a.associationToken });

export const ProfileOut = z.object({
  iccid: z.string(),
  isdpAid: z.string().nullable(),
  state: z.enum(['enabled', 'disabled']),
  profileClass: z.string().nullable(),
  profileName: z.string().nullable(),
  serviceProviderName: z.string().nullable(),
  nickname: z.string().nullable(),
  fallbackAttribute: z.boolean(),
  updatedAt: Time,
});
export function profile(p: ProfileRecord): z.infer<typeof ProfileOut> {
  const { euiccId: _, updatedAt, ...rest } = p;
  return { ...rest, updatedAt: updatedAt.toISOString() };
}

const OperationOutcome = z.object({
  operation: z.string().describe('the operation asked for, e.g. enable, listProfileInfo, addEim'),
  result: z.string().describe('the EuiccResultData alternative returned, e.g. enableResult, processingTerminated'),
  ok: z.boolean(),
  code: z.number().optional().describe('the result code, verbatim (SGP.32 v1.2 §2.11.2.1)'),
  name: z.string().optional().describe("the code's name in SGP.32 v1.2, e.g. iccidOrAidNotFound"),
  data: z.unknown().optional(),
});

export const OrderOut = z.object({
  id: z.uuid(),
  eid: EidOut,
  kind: z.enum(['psmo', 'eco', 'euiccData', 'download']),
  request: z.record(z.string(), z.unknown()).describe('the order request as validated'),
  status: z.enum(['queued', 'delivered', 'done', 'failed', 'expired', 'cancelled']),
  bulkId: z.uuid().nullable(),
  attempts: z.number(),
  createdAt: Time,
  deliveredAt: Time.nullable(),
  completedAt: Time.nullable(),
  expiresAt: Time.nullable(),
  operations: z.array(OperationOutcome).nullable().describe('per operation of a PSMO/eCO package: the outcome with the spec code and name'),
  outcome: z.unknown().nullable().describe('everything the result said (verification, eUICC data, download result)'),
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }).nullable(),
});

export function orderView(o: Order & { eid: string }): z.infer<typeof OrderOut> {
  const ops = (o.outcome as { operations?: unknown } | null)?.operations;
  return {
    id: o.id,
    eid: o.eid,
    kind: o.kind,
    request: o.request as unknown as Record<string, unknown>,
    status: o.status,
    bulkId: o.bulkId,
    attempts: o.attempts,
    createdAt: o.createdAt.toISOString(),
    deliveredAt: iso(o.deliveredAt),
    completedAt: iso(o.completedAt),
    expiresAt: iso(o.expiresAt),
    operations: Array.isArray(ops) ? (ops as z.infer<typeof OperationOutcome>[]) : null,
    outcome: o.outcome ?? null,
    error: o.error,
  };
}

export const GroupFilterOut = z.object({ tags: z.array(z.string()).optional(), attributes: z.record(z.string(), z.string()).optional() });
export const GroupOut = z.object({ id: z.uuid(), name: z.string(), kind: z.enum(['static', 'dynamic']), filter: GroupFilterOut.nullable(), createdAt: Time });
export const groupView = (g: GroupRecord): z.infer<typeof GroupOut> => ({ id: g.id, name: g.name, kind: g.kind, filter: g.filter, createdAt: g.createdAt.toISOString() });

/** A page of a list: `next` is the cursor to pass as `after`, null on the last page. */
export const paged = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), next: z.string().nullable() });
