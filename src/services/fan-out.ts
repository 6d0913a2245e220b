// The fan-out of a bulk order: one batch of members (thousands) becomes their orders, order.queued events,
// packages and counters in one transaction, with a handful of statements whatever the batch size.
// The guarantees are those of queueOrder, member by member:
// - SGP.32 v1.2 §3.2: each member's counter is reserved under a row lock on its association and persisted in
//   the transaction that stores the package signed with it. Locks are taken in euicc id order, so two
//   batches (or a batch and single orders, which lock one association) never deadlock; a counter moved by a
//   concurrent single order is read after that order commits (FOR UPDATE reads the latest version).
// - SGP.32 v1.2 §3.3: a fresh random eimTransactionId for every package.
// - a member whose certificates the eIM does not know yet gets its certificate request first, as
//   queueOrder does (certificatesFirst).
import { randomBytes } from '../crypto/engine.ts';
import { eimSignature } from '../crypto/signatures.ts';
import { eidToBytes } from '../domain/identifiers.ts';
import type { OrderRequest } from '../domain/operations.ts';
import type { ServiceDeps } from './deps.ts';
import type { FanOutMember, FanOutRow, LockedCounter } from './fan-out-ports.ts';
import type { Repositories } from './ports.ts';
import { MAX_COUNTER_VALUE, buildIpaEuiccDataRequest, buildProfileDownloadTrigger, euiccPackageRequestTlv, euiccPackageSignedEncoder } from './package-builder.ts';

export interface BulkFailure {
  eid: string;
  code: string;
  message: string;
}

/** What stays the same for every batch of one bulk order. */
export interface FanOutPlan {
  tenantId: string;
  request: OrderRequest;
  expiresAt: Date | null;
  bulkId: string;
  /** DER(euiccPackageSigned) for this request (signed kinds only). */
  encodeSigned?: ReturnType<typeof euiccPackageSignedEncoder>;
}

/** The DER of a row until its package is built. */
const NO_DER = new Uint8Array(0);

/** The certificate request queued before a signed order when the eUICC's certificates are unknown. */
const CERTIFICATE_REQUEST: OrderRequest = { kind: 'euiccData', tags: ['a5', 'a6'] };

export function fanOutPlan(deps: ServiceDeps, tenantId: string, request: OrderRequest, expiresAt: Date | null, bulkId: string): FanOutPlan {
  const signed = request.kind === 'psmo' || request.kind === 'eco';
  return { tenantId, request, expiresAt, bulkId, ...(signed ? { encodeSigned: euiccPackageSignedEncoder(deps.eim.eimId, request) } : {}) };
}

/** Queues the plan's order for every member of `members` (ascending ids) inside `tx`; returns what failed. */
export async function fanOutBatch(deps: ServiceDeps, tx: Repositories, plan: FanOutPlan, members: FanOutMember[]): Promise<{ created: number; failures: BulkFailure[] }> {
  const signed = plan.encodeSigned !== undefined;
  const counters = signed ? new Map((await tx.lockCounters(members.map((m) => m.id), deps.eim.eimId)).map((c) => [c.euiccId, c])) : undefined;
  const failures: BulkFailure[] = [];
  const accepted: FanOutMember[] = [];
  for (const m of members) {
    const problem = counters ? cannotSign(deps, m, counters.get(m.id)) : undefined;
    if (problem) failures.push(problem);
    else accepted.push(m);
  }
  const needCertificates = signed ? accepted.filter((m) => m.verificationPolicy === 'enforce' && !m.hasCertificate) : [];
  const alreadyAsked = needCertificates.length ? await tx.pendingCertificateRequests(needCertificates.map((m) => m.id)) : new Set<number>();
  const firstAskCertificates = new Set(needCertificates.filter((m) => !alreadyAsked.has(m.id)).map((m) => m.id));

  // Random bytes drawn once per batch: eimTransactionIds and order ids, 16 bytes each.
  const n = accepted.length + firstAskCertificates.size;
  const txids = randomBytes(16 * n);
  const ids = uuidHex(randomBytes(16 * n));
  let t = 0;
  let o = 0;
  const nextTxid = (): Uint8Array => txids.subarray(16 * t, 16 * ++t);
  const nextId = (): string => uuidText(ids.slice(32 * o, 32 * ++o));
  const rows: FanOutRow[] = [];
  const newCounters: { euiccId: number; counterValue: number }[] = [];
  const signing: Promise<void>[] = [];
  for (const m of accepted) {
    if (firstAskCertificates.has(m.id)) {
      const eimTransactionId = nextTxid();
      const der = buildIpaEuiccDataRequest(CERTIFICATE_REQUEST as Extract<OrderRequest, { kind: 'euiccData' }>, eimTransactionId);
      rows.push({ orderId: nextId(), euiccId: m.id, eid: m.eid, request: CERTIFICATE_REQUEST, bulkId: null, packageKind: 'ipaEuiccDataRequest', eimTransactionId, counterValue: null, der });
    }
    const eimTransactionId = nextTxid();
    // One plain object literal per row (a spread into a new object costs more than the row's DER).
    const row: FanOutRow = { orderId: nextId(), euiccId: m.id, eid: m.eid, request: plan.request, bulkId: plan.bulkId, packageKind: 'euiccPackageRequest', eimTransactionId, counterValue: null, der: NO_DER };
    rows.push(row);
    if (plan.request.kind === 'psmo' || plan.request.kind === 'eco') {
      const c = counters!.get(m.id)!;
      row.counterValue = c.counterValue + 1;
      newCounters.push({ euiccId: m.id, counterValue: row.counterValue });
      signing.push(signRow(deps, plan, m, c, row));
    } else if (plan.request.kind === 'euiccData') {
      row.packageKind = 'ipaEuiccDataRequest';
      row.der = buildIpaEuiccDataRequest(plan.request, eimTransactionId);
    } else {
      row.packageKind = 'profileDownloadTriggerRequest';
      row.der = buildProfileDownloadTrigger(plan.request, eimTransactionId);
    }
  }
  await Promise.all(signing);
  await tx.writeFanOut({ tenantId: plan.tenantId, expiresAt: plan.expiresAt, rows, counters: newCounters, eimId: deps.eim.eimId });
  return { created: accepted.length, failures };
}

/** eimSignature over DER(euiccPackageSigned) ‖ association token TLV (SGP.32 v1.2 §2.11.1.1). */
async function signRow(deps: ServiceDeps, plan: FanOutPlan, m: FanOutMember, c: LockedCounter, row: FanOutRow): Promise<void> {
  const signedPart = plan.encodeSigned!(eidToBytes(m.eid), row.counterValue!, row.eimTransactionId);
  const signature = await eimSignature.sign(deps.eim.signers[m.curve]!, signedPart, c.associationToken ?? undefined);
  row.der = euiccPackageRequestTlv(signedPart, signature);
}

/** Why a signed package cannot be built for this member, checked before writing anything (as queueOrder). */
export function cannotSign(deps: ServiceDeps, m: Pick<FanOutMember, 'eid' | 'curve'>, counter: Pick<LockedCounter, 'counterValue'> | undefined): BulkFailure | undefined {
  if (!counter) return { eid: m.eid, code: 'ERR_NO_ASSOCIATION', message: `eUICC ${m.eid} is not associated with eIM ${deps.eim.eimId}` };
  // SGP.32 v1.2 §3.2: counterValue stays at or below 0x7FFFFF.
  if (counter.counterValue + 1 > MAX_COUNTER_VALUE) return { eid: m.eid, code: 'ERR_COUNTER_EXHAUSTED', message: `the counter for eUICC ${m.eid} is exhausted` };
  if (!deps.eim.signers[m.curve]) return { eid: m.eid, code: 'ERR_VALIDATION', message: `this eIM has no ${m.curve} signing key` };
  return undefined;
}

/** A UUID for a new row (version 7, RFC 9562 §5.7). */
export function uuid(): string {
  return uuidText(uuidHex(randomBytes(16)));
}

/** The 8-4-4-4-12 text form of 32 hex digits. */
function uuidText(h: string): string {
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * The hex of consecutive version 7 UUIDs (RFC 9562 §5.7; 32 digits each) from random bytes: the first 48 bits
 * are the Unix time in milliseconds, the rest stays random apart from version and variant. Keys that grow
 * with time land on the right edge of the orders primary key instead of on random pages of it: a million-order
 * fan-out then touches a few index pages per batch, not the whole index (and its full-page WAL images).
 */
function uuidHex(b: Uint8Array): string {
  const ms = Date.now();
  const high = Math.floor(ms / 2 ** 16);
  for (let i = 0; i < b.length; i += 16) {
    b[i] = (high >>> 24) & 0xff;
    b[i + 1] = (high >>> 16) & 0xff;
    b[i + 2] = (high >>> 8) & 0xff;
    b[i + 3] = high & 0xff;
    b[i + 4] = (ms >>> 8) & 0xff;
    b[i + 5] = ms & 0xff;
    b[i + 6] = (b[i + 6]! & 0x0f) | 0x70;
    b[i + 8] = (b[i + 8]! & 0x3f) | 0x80;
  }
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex'); // native, one flat string
}
