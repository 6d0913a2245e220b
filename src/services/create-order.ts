// Use case: an operator asks something of one eUICC. The order and its package are written in one
// transaction, and for eUICC packages the association's counter is moved forward in the same
// transaction, before the package can leave (SGP.32 v1.2 §3.2: persist the counter before sending).
import { DomainError } from '../domain/errors.ts';
import { eidToBytes, parseEid } from '../domain/identifiers.ts';
import { parseOrderRequest, type OrderRequest } from '../domain/operations.ts';
import type { Euicc, Order } from '../domain/records.ts';
import { randomBytes } from '../crypto/engine.ts';
import type { ServiceDeps } from './deps.ts';
import { emit } from './events.ts';
import type { Repositories } from './ports.ts';
import { MAX_COUNTER_VALUE, buildEuiccPackageRequest, buildIpaEuiccDataRequest, buildProfileDownloadTrigger } from './package-builder.ts';

export interface CreateOrderInput {
  tenantId?: string;
  eid: string;
  request: unknown;
  /** When the order expires if not completed; default now + deps.defaultOrderTtlMs. */
  expiresAt?: Date;
}

/** The tags asked for when the eIM needs the eUICC's certificates first (IpaEuiccData A5 EUM, A6 eUICC). */
const CERTIFICATE_TAGS = ['a5', 'a6'];

export async function createOrder(deps: ServiceDeps, input: CreateOrderInput): Promise<Order> {
  const eid = parseEid(input.eid);
  const request = parseOrderRequest(input.request);
  const tenantId = input.tenantId ?? 'default';
  const expiresAt = input.expiresAt ?? new Date(deps.now().getTime() + deps.defaultOrderTtlMs);
  const order = await deps.store.transaction(async (tx) => {
    const euicc = await tx.findEuiccByEid(eid);
    if (!euicc || euicc.tenantId !== tenantId) throw new DomainError('ERR_NOT_FOUND', `no eUICC ${eid}`, 'eid');
    return queueOrder(deps, tx, euicc, request, tenantId, expiresAt);
  });
  deps.hooks?.orderQueued?.(order.euiccId);
  return order;
}

/**
 * SGP.32 v1.2 §3.4: results are verified with the eUICC certificate. When it is not known yet, ask for it
 * first: packages are delivered in order, so the certificates arrive before the result they verify.
 */
async function certificatesFirst(deps: ServiceDeps, tx: Repositories, euicc: Euicc, request: OrderRequest, tenantId: string, expiresAt: Date | null): Promise<void> {
  if ((request.kind !== 'psmo' && request.kind !== 'eco') || euicc.euiccCertificate || euicc.verificationPolicy !== 'enforce') return;
  // The association lock first (signedPackage takes it anyway): a concurrent order for this eUICC (single or
  // a bulk order's batch, which checks under the same lock) has then committed its certificate request.
  await tx.lockAssociation(euicc.id, deps.eim.eimId);
  const pending = await tx.listOrders(euicc.id, ['queued', 'delivered']);
  if (pending.some((o) => o.kind === 'euiccData' && (o.request as Extract<OrderRequest, { kind: 'euiccData' }>).tags.includes('a6'))) return;
  await queueOrder(deps, tx, euicc, { kind: 'euiccData', tags: CERTIFICATE_TAGS }, tenantId, expiresAt);
}

/** Writes one order and its package inside the caller's transaction (after a certificate request when needed). */
export async function queueOrder(
  deps: ServiceDeps,
  tx: Repositories,
  euicc: Euicc,
  request: OrderRequest,
  tenantId: string,
  expiresAt: Date | null,
  extra: { bulkId?: string; activationCodeId?: number } = {},
): Promise<Order> {
  await certificatesFirst(deps, tx, euicc, request, tenantId, expiresAt);
  const order = await tx.insertOrder({ tenantId, euiccId: euicc.id, kind: request.kind, request, expiresAt, ...extra });
  await emit(tx, tenantId, 'order.queued', { type: 'order', id: order.id }, { orderId: order.id, eid: euicc.eid, kind: request.kind, status: 'queued', request });
  // SGP.32 v1.2 §3.3: a fresh random eimTransactionId for every package.
  const eimTransactionId = randomBytes(16);
  if (request.kind === 'psmo' || request.kind === 'eco') {
    const { der, counterValue } = await signedPackage(deps, tx, euicc, request, eimTransactionId);
    await tx.insertPackage({ orderId: order.id, euiccId: euicc.id, kind: 'euiccPackageRequest', eimTransactionId, counterValue, der });
  } else if (request.kind === 'euiccData') {
    await tx.insertPackage({ orderId: order.id, euiccId: euicc.id, kind: 'ipaEuiccDataRequest', eimTransactionId, counterValue: null, der: buildIpaEuiccDataRequest(request, eimTransactionId) });
  } else {
    await tx.insertPackage({ orderId: order.id, euiccId: euicc.id, kind: 'profileDownloadTriggerRequest', eimTransactionId, counterValue: null, der: buildProfileDownloadTrigger(request, eimTransactionId) });
  }
  return order;
}

/** Reserves the next counter value (row lock held until commit) and signs the package with it. */
export async function signedPackage(
  deps: ServiceDeps,
  tx: Repositories,
  euicc: Euicc,
  request: OrderRequest,
  eimTransactionId: Uint8Array,
  skip = 0,
): Promise<{ der: Uint8Array; counterValue: number }> {
  const association = await tx.lockAssociation(euicc.id, deps.eim.eimId);
  if (!association) throw new DomainError('ERR_NO_ASSOCIATION', `eUICC ${euicc.eid} is not associated with eIM ${deps.eim.eimId}`, 'eid');
  const counterValue = association.counterValue + 1 + skip;
  // SGP.32 v1.2 §3.2: the eUICC refuses values above 0x7FFFFF (counterValueOutOfRange).
  if (counterValue > MAX_COUNTER_VALUE) {
    throw new DomainError('ERR_COUNTER_EXHAUSTED', `the counter for eUICC ${euicc.eid} is exhausted; re-associate the eIM (updateEim with a new counterValue)`, 'eid');
  }
  const signer = deps.eim.signers[euicc.curve];
  if (!signer) throw new DomainError('ERR_VALIDATION', `this eIM has no ${euicc.curve} signing key`, 'curve');
  await tx.upsertAssociation({ ...association, counterValue });
  const der = await buildEuiccPackageRequest({
    eimId: deps.eim.eimId,
    eid: eidToBytes(euicc.eid),
    counterValue,
    eimTransactionId,
    request,
    signer,
    ...(association.associationToken !== null ? { associationToken: association.associationToken } : {}),
  });
  return { der, counterValue };
}
