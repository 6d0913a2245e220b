// The life of one activation code (the state machine of src/domain/activation-codes.ts): every change
// goes through `moveCode`, which checks the transition and writes its event in the same transaction.
// `codeFollowsOrder` is called by updateOrder (events.ts), the single place order status changes, so a
// code always follows its download order.
import { checkMove, codeEventType, type ActivationCodeRecord, type CodeState } from '../domain/activation-codes.ts';
import type { Order, OrderStatus } from '../domain/records.ts';
import type { CodePatch } from './pool-ports.ts';
import type { Repositories } from './ports.ts';

/** Moves a code to `to` (ERR_CONFLICT when not allowed) and records code.<verb>. Returns the code as it is now. */
export async function moveCode(tx: Repositories, code: ActivationCodeRecord, to: CodeState, patch: Omit<CodePatch, 'state'> = {}, why?: string): Promise<ActivationCodeRecord> {
  checkMove(code.state, to, code.id);
  await tx.updateCode(code.id, { ...patch, state: to });
  const after = { ...code, ...patch, state: to };
  const euiccId = after.euiccId ?? code.euiccId;
  const euicc = euiccId !== null ? await tx.findEuiccById(euiccId) : undefined;
  // Written with insertEvent rather than emit(): events.ts calls into this module, and the record is the same.
  await tx.insertEvent({
    tenantId: code.tenantId,
    type: codeEventType(to),
    subjectType: 'code',
    subjectId: String(code.id),
    // The matching ID is a credential (whoever holds it can download the profile): never in events.
    data: { codeId: code.id, poolId: code.poolId, from: code.state, to, iccid: after.iccid, eid: euicc?.eid ?? null, orderId: after.orderId, ...(why ? { reason: why } : {}) },
  });
  return after;
}

/** The ICCID a download order's outcome names ({ iccid, isdpAid }). */
function installedIccid(outcome: unknown): string | undefined {
  const iccid = (outcome as { iccid?: unknown } | null)?.iccid;
  return typeof iccid === 'string' && iccid.length > 0 ? iccid : undefined;
}

/**
 * The code of a download order follows the order: delivered → downloading, done → installed (keeping
 * the ICCID the eUICC reported), failed → failed. An order that expires or is cancelled before the
 * device took it releases its code (the SM-DP+ never saw it); after delivery it is failed, because the
 * download may have reached the SM-DP+ (see the state machine's note).
 */
export async function codeFollowsOrder(tx: Repositories, order: Order, status: OrderStatus, outcome: unknown): Promise<void> {
  if (order.kind !== 'download' || order.activationCodeId === null) return;
  const code = await tx.lockCode(order.activationCodeId);
  // The code has moved on (released, retired, or another order now acts on it): the order no longer speaks for it.
  if (!code || code.orderId !== order.id) return;
  const from = code.state;
  if (from !== 'reserved' && from !== 'downloading') return;
  switch (status) {
    case 'delivered':
      if (from === 'reserved') await moveCode(tx, code, 'downloading');
      return;
    case 'done': {
      const iccid = installedIccid(outcome);
      await moveCode(tx, code, 'installed', iccid ? { iccid } : {});
      return;
    }
    case 'failed':
      await moveCode(tx, code, 'failed', {}, 'the download order failed');
      return;
    case 'expired':
    case 'cancelled':
      if (from === 'reserved') await moveCode(tx, code, 'available', { euiccId: null, orderId: null }, `the download order was ${status} before delivery`);
      else await moveCode(tx, code, 'failed', {}, `the download order was ${status} after delivery`);
      return;
    case 'queued':
      return;
  }
}
