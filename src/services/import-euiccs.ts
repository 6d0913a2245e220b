// Use case: register many eUICCs at once (a manufacturer's or distributor's list). All or nothing: every
// item is checked first and the report names each bad item by index and field; only a clean list is
// written, in one transaction, with its associations and one euicc.registered event per eUICC.
import { DomainError } from '../domain/errors.ts';
import { parseEid } from '../domain/identifiers.ts';
import { parseAttributes, parseTags } from '../domain/labels.ts';
import type { Association, VerificationPolicy } from '../domain/records.ts';
import type { Curve } from '../crypto/engine.ts';
import type { ServiceDeps } from './deps.ts';
import type { NewEuiccRow } from './euicc-ports.ts';
import type { Repositories } from './ports.ts';

export const MAX_IMPORT = 10_000;
const MAX_COUNTER = 0x7fffff;

export interface ImportItem {
  eid: string;
  curve?: Curve;
  verificationPolicy?: VerificationPolicy;
  counterValue?: number;
  associationToken?: number;
  tags?: string[];
  attributes?: Record<string, string>;
}

export interface ItemError {
  /** Index in the request, and the field as a path: `[3].eid`. */
  index: number;
  field: string;
  message: string;
}

interface Checked {
  row: NewEuiccRow;
  association: Omit<Association, 'euiccId'>;
}

export async function importEuiccs(deps: ServiceDeps, tenantId: string, items: ImportItem[]): Promise<{ imported: number }> {
  if (items.length === 0 || items.length > MAX_IMPORT) throw new DomainError('ERR_VALIDATION', `an import holds 1 to ${MAX_IMPORT} eUICCs`, 'body');
  const errors: ItemError[] = [];
  const checked: Checked[] = [];
  const firstIndex = new Map<string, number>();
  items.forEach((item, index) => {
    const c = checkItem(deps, tenantId, item, index, errors);
    if (!c) return;
    const seen = firstIndex.get(c.row.eid);
    if (seen !== undefined) errors.push({ index, field: `[${index}].eid`, message: `repeats the EID of item ${seen}` });
    else firstIndex.set(c.row.eid, index);
    checked.push(c);
  });
  if (errors.length) throw report('ERR_VALIDATION', errors, items.length);
  const off = checked.filter((c) => c.row.verificationPolicy === 'off').length;
  if (off) deps.log.warn('eUICCs imported with result verification off (labs only)', { count: off });

  try {
    return await deps.store.transaction((tx) => write(tx, tenantId, checked, firstIndex, items.length));
  } catch (e) {
    // Another request registered one of these EIDs between the check and the insert (unique index).
    if (uniqueViolation(e)) throw new DomainError('ERR_CONFLICT', 'an eUICC of this list was registered meanwhile; nothing was imported', 'body');
    throw e;
  }
}

async function write(tx: Repositories, tenantId: string, checked: Checked[], firstIndex: Map<string, number>, total: number): Promise<{ imported: number }> {
  const existing = await tx.findEuiccsByEids(checked.map((c) => c.row.eid));
  if (existing.length) {
    // EIDs are unique across tenants; the report does not say which tenant holds one.
    const conflicts = existing.map((e) => ({ index: firstIndex.get(e.eid)!, field: `[${firstIndex.get(e.eid)!}].eid`, message: `eUICC ${e.eid} is already registered` }));
    throw report('ERR_CONFLICT', conflicts.sort((a, b) => a.index - b.index), total);
  }
  const rows = await tx.insertEuiccs(checked.map((c) => c.row));
  await tx.insertAssociations(rows.map((e, i) => ({ euiccId: e.id, ...checked[i]!.association })));
  await tx.insertEvents(
    rows.map((e) => ({ tenantId, type: 'euicc.registered', subjectType: 'euicc', subjectId: e.eid, data: { eid: e.eid, curve: e.curve, verificationPolicy: e.verificationPolicy, tags: e.tags, attributes: e.attributes } })),
  );
  return { imported: rows.length };
}

/** PostgreSQL unique_violation (23505), from pg or PGlite, possibly wrapped by drizzle. */
function uniqueViolation(e: unknown): boolean {
  for (let x = e as { code?: unknown; cause?: unknown } | undefined, depth = 0; x && depth < 3; x = x.cause as typeof x, depth++) if (x.code === '23505') return true;
  return false;
}

function checkItem(deps: ServiceDeps, tenantId: string, item: ImportItem, index: number, errors: ItemError[]): Checked | undefined {
  const at = `[${index}]`;
  const before = errors.length;
  const fail = (field: string, message: string) => errors.push({ index, field: `${at}.${field}`, message });
  const field = (e: unknown, fallback: string) => (e instanceof DomainError ? [e.field ?? fallback, e.message] : [fallback, String(e)]) as [string, string];
  let eid = '';
  let tags: string[] = [];
  let attributes: Record<string, string> = {};
  try {
    eid = parseEid(item.eid, 'eid');
  } catch (e) {
    fail(...field(e, 'eid'));
  }
  const curve = item.curve ?? 'P-256';
  if (curve !== 'P-256' && curve !== 'brainpoolP256r1') fail('curve', 'must be P-256 or brainpoolP256r1');
  else if (!deps.eim.signers[curve]) fail('curve', `this eIM has no ${curve} signing key`);
  const policy = item.verificationPolicy ?? 'enforce';
  if (policy !== 'enforce' && policy !== 'off') fail('verificationPolicy', 'must be enforce or off');
  const counterValue = item.counterValue ?? 0;
  if (!Number.isSafeInteger(counterValue) || counterValue < 0 || counterValue > MAX_COUNTER) fail('counterValue', `must be an integer from 0 to ${MAX_COUNTER}`);
  if (item.associationToken !== undefined && (!Number.isSafeInteger(item.associationToken) || item.associationToken < 0)) fail('associationToken', 'must be a non-negative integer');
  try {
    if (item.tags !== undefined) tags = parseTags(item.tags);
    if (item.attributes !== undefined) attributes = parseAttributes(item.attributes);
  } catch (e) {
    fail(...field(e, 'tags'));
  }
  if (errors.length > before) return undefined;
  return {
    row: { eid, tenantId, curve, verificationPolicy: policy, tags, attributes },
    association: { eimId: deps.eim.eimId, counterValue, associationToken: item.associationToken ?? null },
  };
}

/** At most this many item errors are listed; the message gives the total. */
const MAX_REPORTED = 1000;

function report(code: 'ERR_VALIDATION' | 'ERR_CONFLICT', errors: ItemError[], total: number): DomainError {
  const first = errors[0]!;
  const what = code === 'ERR_CONFLICT' ? 'already registered' : 'invalid';
  return new DomainError(code, `${first.field}: ${first.message} (${errors.length} of ${total} items ${what}; nothing was imported)`, undefined, errors.slice(0, MAX_REPORTED));
}
