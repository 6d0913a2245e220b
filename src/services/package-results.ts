// Results of eUICC packages (SGP.32 v1.2 §2.11.2.1, §3.4). Only a result whose euiccSignEPR / EPE verifies
// with the eUICC's certified key, over the bytes received followed by the association token TLV, changes
// anything; its eimId, counterValue and eimTransactionId must match the package, and its seqNumber must be
// newer than the last one accepted. Unsigned errors are advisory.
import { SGP32Definitions as S, rawBytes, verbatim } from '../asn1/index.ts';
import { randomBytes } from '../crypto/engine.ts';
import { euiccSignEPE, euiccSignEPR } from '../crypto/signatures.ts';
import { bytesEqual, toHex } from '../lib/bytes.ts';
import { interpretPackageResult, type InventoryChange } from '../domain/results.ts';
import { planInventory, type ProfileEvent } from '../domain/inventory.ts';
import type { Euicc, Order, ResultRecord } from '../domain/records.ts';
import type { ServiceDeps } from './deps.ts';
import { changesAlone, eventRow, orderChange, updateOrder } from './events.ts';
import { euiccPublicKey } from './euicc-keys.ts';
import type { Repositories } from './ports.ts';
import type { ResultContext } from './package-cycle-ports.ts';
import { signedPackage } from './create-order.ts';

/** How many times a package is re-signed with a higher counter after a signed replayError. */
export const MAX_REPLAY_RETRIES = 3;

const EPE_CODES: Record<number, string> = { 3: 'invalidEid', 4: 'replayError', 6: 'counterValueOutOfRange', 15: 'sizeOverflow', 104: 'ecallActive', 127: 'undefinedError' };

type Verification = { accepted: true; verified: boolean } | { accepted: false; reason: string };

/** Checks the eUICC's signature with its certified key, over the received bytes and this eIM's association token. */
async function verify(deps: ServiceDeps, euicc: Euicc, token: number | null, check: (key: Parameters<typeof euiccSignEPR.verify>[0], token: number | undefined) => boolean): Promise<Verification> {
  if (euicc.verificationPolicy === 'off') {
    deps.log.warn('result accepted WITHOUT signature verification (verification policy off; labs only)', { eid: euicc.eid });
    return { accepted: true, verified: false };
  }
  const key = await euiccPublicKey(deps, euicc);
  if (!key) return { accepted: false, reason: 'the eUICC certificate is not known or does not validate, so the result cannot be verified' };
  return check(key, token ?? undefined) ? { accepted: true, verified: true } : { accepted: false, reason: 'the eUICC signature does not verify' };
}

/** The package a result names (by eimTransactionId, else by counterValue) when it is this eUICC's, and the association token, in one query. */
async function resultContext(deps: ServiceDeps, euicc: Euicc, txid: Uint8Array | undefined, counter: number): Promise<ResultContext> {
  const ctx = await deps.store.findResultContext(euicc.id, deps.eim.eimId, txid, counter);
  return ctx.pkg && ctx.pkg.euiccId !== euicc.id ? { ...ctx, pkg: undefined } : ctx;
}

/** Applies one EuiccPackageResult; returns the seqNumbers to acknowledge. */
export async function takePackageResult(deps: ServiceDeps, euicc: Euicc, result: S.EuiccPackageResult): Promise<number[]> {
  if ('euiccPackageResultSigned' in result) return takeSignedResult(deps, euicc, result.euiccPackageResultSigned);
  if ('euiccPackageErrorSigned' in result) {
    await takeSignedError(deps, euicc, result.euiccPackageErrorSigned);
    return [];
  }
  await takeUnsignedError(deps, euicc, result.euiccPackageErrorUnsigned);
  return [];
}

async function takeSignedResult(deps: ServiceDeps, euicc: Euicc, signed: S.EuiccPackageResultSigned): Promise<number[]> {
  const data = signed.euiccPackageResultDataSigned;
  const raw = rawBytes(data)!;
  const seq = Number(data.seqNumber);
  const counter = Number(data.counterValue);
  const der = S.EuiccPackageResult.encode({ euiccPackageResultSigned: { ...signed, euiccPackageResultDataSigned: verbatim(raw) } });
  const { associationToken, pkg, inventory } = await resultContext(deps, euicc, data.eimTransactionId, counter);
  const v = await verify(deps, euicc, associationToken, (key, token) => euiccSignEPR.verify(key, signed.euiccSignEPR, raw, token));
  const problem = !v.accepted
    ? v.reason
    : data.eimId !== deps.eim.eimId
      ? `the result names eIM ${data.eimId}, not this eIM`
      : !pkg
        ? 'no package of this eIM matches the result (eimTransactionId / counterValue)'
        : pkg.counterValue !== counter
          ? `counterValue ${counter} does not match the package's ${pkg.counterValue}`
          : data.eimTransactionId && !bytesEqual(data.eimTransactionId, pkg.eimTransactionId)
            ? 'eimTransactionId does not match the package'
            : undefined;
  const verified = v.accepted && v.verified;
  const record: ResultRecord = { euiccId: euicc.id, packageId: pkg?.id ?? null, kind: 'euiccPackageResult', seqNumber: seq, der, verified };
  if (problem) {
    await deps.store.insertResult(record);
    deps.log.warn('package result rejected', { eid: euicc.eid, seq, reason: problem });
    return [seq];
  }
  // SGP.32 v1.2 §5.14.6 (as read by the checklist §2.4): a result not newer than the last accepted one is a replay.
  if (euicc.lastSeqNumber !== null && seq <= euicc.lastSeqNumber) {
    await deps.store.insertResult(record);
    deps.log.warn('package result with an old seqNumber ignored', { eid: euicc.eid, seq, last: euicc.lastSeqNumber });
    return [seq];
  }
  if (pkg!.status === 'answered') {
    await deps.store.insertResult(record);
    return [seq];
  }
  const order = pkg!.order;
  const { outcomes, ok, changes } = interpretPackageResult(order.request, data.euiccResult);
  const now = deps.now();
  const patch = {
    status: ok ? 'done' : 'failed',
    completedAt: now,
    outcome: { operations: outcomes, seqNumber: seq, verified },
    error: ok ? null : { code: 'ERR_OPERATION_FAILED', message: failureMessage(outcomes), details: outcomes.filter((o) => !o.ok) },
  } as const;
  const rolledBack = data.euiccResult.some((r) => 'rollbackResult' in r);
  // A fresh full inventory clears the stale mark, even after a rollback; a rollback alone sets it.
  const inventoryStale = changes.some((c) => c.kind === 'replace') ? false : rolledBack ? true : undefined;
  const answered = { id: euicc.id, lastSeqNumber: seq, ...(inventoryStale !== undefined ? { inventoryStale } : {}) };
  // The result, the package, the order, its event, the eUICC's seqNumber, and the inventory it changes
  // with the profiles' events, in one statement: the inventory plan is made from the inventory read with
  // the result context, and written only if that is still the inventory.
  if (changesAlone(order)) {
    const plan = changes.length ? planInventory(inventory.profiles, changes) : undefined;
    const write = plan && { check: inventory.check, upserts: plan.upserts, deletes: plan.deletes, events: profileEventRows(euicc, plan.events) };
    const outcome = await deps.store.answerPackage(pkg!.id, now, record, orderChange(order, euicc.eid, patch), plan?.stale ? { ...answered, inventoryStale: true } : answered, write);
    if (outcome !== 'inventoryChanged') return [seq];
  }
  // The inventory changed in between (or the order moves more than itself): in one transaction, on the inventory as it is then.
  await deps.store.transaction(async (tx) => {
    if (changesAlone(order)) {
      if ((await tx.answerPackage(pkg!.id, now, record, orderChange(order, euicc.eid, patch), answered)) !== 'answered') return;
    } else {
      await tx.insertResult(record);
      await tx.updatePackage(pkg!.id, { status: 'answered', answeredAt: now });
      await updateOrder(tx, order.id, patch);
      await tx.updateEuicc(euicc.id, { lastSeqNumber: seq, ...(inventoryStale !== undefined ? { inventoryStale } : {}) });
    }
    await applyInventory(tx, euicc.id, changes, euicc);
  });
  return [seq];
}

function failureMessage(outcomes: { operation: string; ok: boolean; name?: string; code?: number }[]): string {
  const f = outcomes.find((o) => !o.ok);
  return f ? `${f.operation} failed: ${f.name ?? 'code'} (${f.code})` : 'the eUICC did not execute every operation';
}

/** The event rows of a plan's profile events, for the eUICC they happened on. */
export function profileEventRows(euicc: Pick<Euicc, 'tenantId' | 'eid'>, events: ProfileEvent[]): ReturnType<typeof eventRow>[] {
  return events.map((e) => eventRow(euicc.tenantId, e.type, { type: 'profile', id: `${euicc.eid}/${e.iccid}` }, { eid: euicc.eid, iccid: e.iccid, ...e.data }));
}

/** Applies inventory changes and writes their events (inside `tx`); `known` (the eUICC's tenant and EID) spares a query. */
export async function applyInventory(tx: Repositories, euiccId: number, changes: InventoryChange[], known?: Pick<Euicc, 'tenantId' | 'eid'>): Promise<void> {
  if (changes.length === 0) return;
  const euicc = known ?? (await tx.findEuiccById(euiccId))!;
  const plan = planInventory(await tx.listProfiles(euiccId), changes);
  await tx.writeProfiles(euiccId, plan.upserts, plan.deletes);
  if (plan.stale) await tx.updateEuicc(euiccId, { inventoryStale: true });
  if (plan.events.length) await tx.insertEvents(profileEventRows(euicc, plan.events));
}

async function takeSignedError(deps: ServiceDeps, euicc: Euicc, signed: S.EuiccPackageErrorSigned): Promise<void> {
  const data = signed.euiccPackageErrorDataSigned;
  const raw = rawBytes(data)!;
  const code = Number(data.euiccPackageErrorCode);
  const der = S.EuiccPackageResult.encode({ euiccPackageErrorSigned: { ...signed, euiccPackageErrorDataSigned: verbatim(raw) } });
  const { associationToken, pkg } = await resultContext(deps, euicc, data.eimTransactionId, Number(data.counterValue));
  const v = await verify(deps, euicc, associationToken, (key, token) => euiccSignEPE.verify(key, signed.euiccSignEPE, raw, token));
  await deps.store.insertResult({ euiccId: euicc.id, packageId: pkg?.id ?? null, kind: 'euiccPackageError', seqNumber: null, der, verified: v.accepted && v.verified });
  if (!v.accepted || !pkg || data.eimId !== deps.eim.eimId || pkg.status === 'answered') {
    deps.log.warn('signed package error not applied', { eid: euicc.eid, code, reason: v.accepted ? 'no matching open package' : v.reason });
    return;
  }
  await deps.store.transaction(async (tx) => {
    const order = (await tx.findOrder(pkg.orderId))!;
    const now = deps.now();
    await tx.updatePackage(pkg.id, { status: 'answered', answeredAt: now });
    // SGP.32 v1.2 §3.2: replayError means the eUICC's stored counter is at or above ours. It is not
    // reported, so move forward in growing steps and send the same operations again, within limits.
    if (code === 4 && order.attempts < MAX_REPLAY_RETRIES && order.status !== 'cancelled') {
      await retryWithHigherCounter(deps, tx, euicc, order);
      return;
    }
    await updateOrder(tx, order.id, {
      status: 'failed',
      completedAt: now,
      error: { code: 'ERR_EUICC_PACKAGE_ERROR', message: `the eUICC refused the package: ${EPE_CODES[code] ?? 'code'} (${code})`, details: { euiccPackageErrorCode: code, name: EPE_CODES[code] } },
    });
  });
}

async function retryWithHigherCounter(deps: ServiceDeps, tx: Repositories, euicc: Euicc, order: Order): Promise<void> {
  const attempts = order.attempts + 1;
  const skip = 16 ** attempts; // 16, 256, 4096 values ahead
  try {
    const eimTransactionId = randomBytes(16);
    const { der, counterValue } = await signedPackage(deps, tx, euicc, order.request, eimTransactionId, skip);
    await tx.insertPackage({ orderId: order.id, euiccId: euicc.id, kind: 'euiccPackageRequest', eimTransactionId, counterValue, der });
    await updateOrder(tx, order.id, { status: 'queued', attempts });
    deps.log.warn('replayError: package re-signed with a higher counter', { eid: euicc.eid, order: order.id, counterValue });
  } catch (e) {
    await updateOrder(tx, order.id, { status: 'failed', completedAt: deps.now(), error: { code: 'ERR_REPLAY', message: `replayError and the counter cannot move forward: ${(e as Error).message}` } });
  }
}

async function takeUnsignedError(deps: ServiceDeps, euicc: Euicc, e: S.EuiccPackageErrorUnsigned): Promise<void> {
  // Unsigned: the eUICC did not recognise this eIM or its signature (SGP.32 v1.2 §2.11.2.1). It cannot be
  // verified, so it changes no eUICC state; it ends the order it names, since re-sending would meet the same answer.
  const pkg = e.eimTransactionId ? await deps.store.findPackageByTransactionId(e.eimTransactionId) : undefined;
  deps.log.warn('unsigned package error from the eUICC', { eid: euicc.eid, eimId: e.eimId, txid: e.eimTransactionId ? toHex(e.eimTransactionId) : undefined });
  if (!pkg || pkg.euiccId !== euicc.id || pkg.status === 'answered') return;
  const now = deps.now();
  await deps.store.transaction(async (tx) => {
    await tx.updatePackage(pkg.id, { status: 'answered', answeredAt: now });
    await updateOrder(tx, pkg.orderId, {
      status: 'failed',
      completedAt: now,
      error: {
        code: 'ERR_EUICC_UNSIGNED_ERROR',
        message: 'the eUICC answered with an unsigned error: it does not know this eIM or the eimSignature did not verify (advisory, not verifiable)',
        details: S.EuiccPackageErrorUnsigned.toJson(e),
      },
    });
  });
}
