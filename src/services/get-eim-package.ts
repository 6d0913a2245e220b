// Use case: ESipa GetEimPackage (SGP.32 v1.2 §6.1.x, retrieve mode). One package per poll, oldest first;
// a package delivered but not answered is delivered again unchanged (same counter, same eimTransactionId),
// so at most one EuiccPackageRequest is outstanding per eUICC.
import { SGP32Definitions as S, verbatim } from '../asn1/index.ts';
import { eidFromBytes } from '../domain/identifiers.ts';
import type { OrderRequest } from '../domain/operations.ts';
import type { ServiceDeps } from './deps.ts';
import type { EsipaContext } from './esipa-functions.ts';
import { changesAlone, emit, orderChange, updateOrder } from './events.ts';
import type { PollBook } from './poll-book.ts';
import type { PendingPackage } from './ports.ts';
import { queueOrder } from './create-order.ts';

/** SGP.32 v1.2 GetEimPackageResponse eimPackageError values. */
export const EimPackageError = { noEimPackageAvailable: 1, eidNotFound: 2, invalidEid: 3, missingEid: 4, undefinedError: 127 } as const;

const NO_PACKAGE: S.GetEimPackageResponse = Object.freeze({ eimPackageError: EimPackageError.noEimPackageAvailable });

/**
 * `ctx`, when given, is marked idle when the answer is noEimPackageAvailable: the ESipa server counts such
 * polls instead of logging each (src/esipa/server.ts).
 */
export async function getEimPackage(deps: ServiceDeps, book: PollBook, request: S.GetEimPackageRequest, ctx?: EsipaContext): Promise<S.GetEimPackageResponse> {
  if (!request.eidValue) return { eimPackageError: EimPackageError.missingEid };
  const eid = eidFromBytes(request.eidValue);
  if (!eid) return { eimPackageError: EimPackageError.invalidEid };
  const euicc = await book.lookup(eid);
  if (!euicc) return { eimPackageError: EimPackageError.eidNotFound };
  const now = deps.now();
  book.seen(euicc, now);
  if (request.notifyStateChange !== undefined) await recordStateChange(deps, euicc.id, request.stateChangeCause);
  // The idle poll: nothing open for this eUICC, known without a query.
  const token = book.hint?.check(euicc.id);
  if (book.hint && token === undefined) return idle(ctx);

  for (let guard = 0; guard < 100; guard++) {
    const pkg = await deps.store.nextPackage(euicc.id);
    if (!pkg) {
      if (token !== undefined) book.hint!.settle(euicc.id, token);
      return idle(ctx);
    }
    if (pkg.status === 'delivered') {
      await deps.store.updatePackage(pkg.id, { deliveryCount: pkg.deliveryCount + 1, deliveredAt: now });
      return response(pkg);
    }
    if (pkg.orderStatus === 'cancelled' || pkg.orderStatus === 'failed' || pkg.orderStatus === 'done') {
      await deps.store.updatePackage(pkg.id, { status: 'cancelled' });
      continue;
    }
    if (pkg.orderExpiresAt && pkg.orderExpiresAt.getTime() <= now.getTime()) {
      await expire(deps, pkg, now);
      continue;
    }
    // Compare-and-set: when two polls (or two eIM instances) race, one claims the first delivery; the
    // other hands out the same bytes as a re-delivery, and the order moves to delivered once.
    const claimed = await claim(deps, euicc.eid, pkg, now);
    // A lost claim is a re-delivery only when the winner delivered it; an order cancelled since
    // nextPackage read it has its package closed, and it must never leave.
    if (!claimed && (await deps.store.findPackageByTransactionId(pkg.eimTransactionId))?.status !== 'delivered') continue;
    return response(pkg);
  }
  deps.log.error('GetEimPackage gave up after skipping 100 stale packages', { eid });
  return { eimPackageError: EimPackageError.undefinedError };
}

/** The first delivery: the package claimed, its order delivered and order.delivered written, all or nothing. */
async function claim(deps: ServiceDeps, eid: string, pkg: PendingPackage, now: Date): Promise<boolean> {
  const order = { id: pkg.orderId, tenantId: pkg.orderTenantId, kind: pkg.orderKind, activationCodeId: pkg.orderActivationCodeId };
  const patch = { status: 'delivered', deliveredAt: now } as const;
  // One statement when nothing follows the order; a download order's pool code moves along in a transaction.
  if (changesAlone(order)) return deps.store.claimPackageDelivery(pkg.id, now, orderChange(order, eid, patch));
  return deps.store.transaction(async (tx) => {
    if (!(await tx.claimPackage(pkg.id, now))) return false;
    await updateOrder(tx, pkg.orderId, patch);
    return true;
  });
}

function idle(ctx: EsipaContext | undefined): S.GetEimPackageResponse {
  if (ctx) ctx.idle = true;
  return NO_PACKAGE;
}

function response(pkg: PendingPackage): S.GetEimPackageResponse {
  switch (pkg.kind) {
    case 'euiccPackageRequest':
      return { euiccPackageRequest: verbatim(pkg.der) };
    case 'ipaEuiccDataRequest':
      return { ipaEuiccDataRequest: verbatim(pkg.der) };
    case 'profileDownloadTriggerRequest':
      return { profileDownloadTriggerRequest: verbatim(pkg.der) };
  }
}

async function expire(deps: ServiceDeps, pkg: PendingPackage, now: Date): Promise<void> {
  await deps.store.transaction(async (tx) => {
    await tx.updatePackage(pkg.id, { status: 'expired' });
    await updateOrder(tx, pkg.orderId, {
      status: 'expired',
      completedAt: now,
      error: { code: 'ERR_EXPIRED', message: `not picked up by the device before ${pkg.orderExpiresAt!.toISOString()}` },
    });
  });
}

/**
 * SGP.32 v1.2 GetEimPackageRequest notifyStateChange / stateChangeCause: the profile state changed on the
 * device (fallback, emergency profile, another eIM, ...). Record the cause, mark the inventory stale and
 * queue a listProfileInfo so the eIM learns the new state (checklist §2.7).
 */
async function recordStateChange(deps: ServiceDeps, euiccId: number, cause: number | undefined): Promise<void> {
  const euicc = await deps.store.findEuiccById(euiccId);
  if (!euicc) return;
  await deps.store.transaction(async (tx) => {
    await tx.updateEuicc(euiccId, { inventoryStale: true, lastStateChangeCause: cause ?? null });
    await emit(tx, euicc.tenantId, 'euicc.stateChanged', { type: 'euicc', id: euicc.eid }, { eid: euicc.eid, stateChangeCause: cause ?? null });
  });
  deps.log.info('eUICC reported a state change', { eid: euicc.eid, cause });
  const refresh: OrderRequest = { kind: 'psmo', operations: [{ op: 'listProfileInfo' }] };
  try {
    await deps.store.transaction(async (tx) => {
      const open = await tx.listOrders(euiccId, ['queued']);
      const queued = open.some((o) => o.kind === 'psmo' && (o.request as Extract<OrderRequest, { kind: 'psmo' }>).operations.every((op) => op.op === 'listProfileInfo'));
      if (!queued) await queueOrder(deps, tx, euicc, refresh, euicc.tenantId, new Date(deps.now().getTime() + deps.defaultOrderTtlMs));
    });
  } catch (e) {
    // The refresh is best effort (e.g. no association yet): the state change itself is recorded.
    deps.log.warn('could not queue a profile inventory refresh after a state change', { eid: euicc.eid, error: String(e) });
  }
}
