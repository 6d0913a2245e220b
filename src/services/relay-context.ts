// What the relay steps share: the RSP client, the correlation of an ESipa request with its order and
// session, and closing an order with what the servers said (SGP.32 v1.2 §3.2; checklist §4.1).
import { RSPDefinitions as R, SGP32Definitions as S } from '../asn1/index.ts';
import { FINAL_ORDER_STATUSES, type Euicc, type Order, type OrderError, type OrderStatus } from '../domain/records.ts';
import type { OrderRequest } from '../domain/operations.ts';
import { fromHex, toHex } from '../lib/bytes.ts';
import type { ServiceDeps } from './deps.ts';
import type { DownloadSession, DownloadSessionDetail, DownloadSessionState } from './download-session-ports.ts';
import { updateOrder } from './events.ts';
import type { RspServerClient } from './rsp-client.ts';

export interface RelayOptions {
  /** The SM-DS asked for a contactSmds order that names none (the eUICC's root SM-DS). */
  defaultSmdsAddress?: string;
}

export interface RelayContext {
  deps: ServiceDeps;
  client: RspServerClient;
  options: RelayOptions;
  /** Called when a notification was stored, so it gets forwarded soon. */
  notificationStored(): void;
}

/** SGP.22 v2.5 §4.1 Activation Code: `1$<SM-DP+ address>$<matching id>[$<SM-DP+ OID>[$<CC required flag>]]`. */
export function parseActivationCode(ac: string): { smdpAddress: string; matchingId: string } | undefined {
  const parts = ac.split('$');
  if (parts[0] !== '1' || !parts[1]) return undefined;
  return { smdpAddress: parts[1], matchingId: parts[2] ?? '' };
}

export type DownloadOrderRequest = Extract<OrderRequest, { kind: 'download' }>;

/** The order an eimTransactionId belongs to: its ProfileDownloadTriggerRequest, or a trigger the relay built from an SM-DS event. */
export interface DownloadTarget {
  order: Order;
  euicc: Euicc;
  /** Set when the trigger came from an SM-DS event: the session awaiting this InitiateAuthentication. */
  triggered?: DownloadSession;
}

/** SGP.32 v1.2 §3.3: the eimTransactionId names an open download order, or the request is refused (52). */
export async function findDownloadTarget(deps: ServiceDeps, eimTransactionId: Uint8Array): Promise<DownloadTarget | undefined> {
  const pkg = await deps.store.findPackageByTransactionId(eimTransactionId);
  let orderId: string | null = null;
  let triggered: DownloadSession | undefined;
  if (pkg) {
    if (pkg.kind === 'profileDownloadTriggerRequest') orderId = pkg.orderId;
  } else {
    const s = await deps.store.findDownloadSessionByEimTransactionId(eimTransactionId);
    if (s?.state === 'triggered') ({ orderId, triggered } = { orderId: s.orderId, triggered: s });
  }
  const order = orderId ? await deps.store.findOrder(orderId) : undefined;
  if (!order || order.kind !== 'download' || FINAL_ORDER_STATUSES.includes(order.status)) return undefined;
  const euicc = await deps.store.findEuiccById(order.euiccId);
  return euicc ? { order, euicc, ...(triggered ? { triggered } : {}) } : undefined;
}

/** The euiccInfo1 the IPA left out (SGP.32 v1.2 §3.2: minimizeEsipaBytes / eIM-held data): last one seen for this eUICC. */
export async function cachedEuiccInfo1(deps: ServiceDeps, euiccId: number): Promise<Uint8Array | undefined> {
  const hex = await deps.store.findLatestEuiccInfo1(euiccId);
  if (hex) return fromHex(hex);
  // An IpaEuiccData answer with BF20 (order outcome, JSON form of IpaEuiccData { euiccInfo1 }).
  const data = await latestEuiccData(deps, euiccId, 'euiccInfo1');
  if (!data) return undefined;
  const info = S.IpaEuiccData.fromJson(data).euiccInfo1;
  return info ? R.EUICCInfo1.encode(info) : undefined;
}

/** The newest completed euiccData order outcome that holds `field`. */
export async function latestEuiccData(deps: ServiceDeps, euiccId: number, field: string): Promise<unknown> {
  const done = await deps.store.listOrders(euiccId, ['done']);
  for (const o of done.reverse()) {
    const outcome = o.outcome as Record<string, unknown> | null;
    if (o.kind === 'euiccData' && outcome && outcome[field] !== undefined) return outcome[field];
  }
  return undefined;
}

export async function findSession(deps: ServiceDeps, transactionId: Uint8Array, states: DownloadSessionState[]): Promise<DownloadSession | undefined> {
  const s = await deps.store.findDownloadSessionByTransactionId(toHex(transactionId));
  return s && states.includes(s.state) ? s : undefined;
}

/** Ends a session and, when it has one, its order (and the order's package, so it is not delivered again). */
export async function closeSession(
  ctx: RelayContext,
  session: Pick<DownloadSession, 'id' | 'orderId' | 'detail'>,
  state: DownloadSessionState,
  order: { status: OrderStatus; outcome?: unknown; error?: OrderError | null } | undefined,
  detail: Partial<DownloadSessionDetail> = {},
): Promise<void> {
  const now = ctx.deps.now();
  await ctx.deps.store.transaction(async (tx) => {
    await tx.updateDownloadSession(session.id, { state, detail: { ...(session.detail ?? { server: 'smdp' }), ...detail } });
    if (!order || !session.orderId) return;
    const current = await tx.findOrder(session.orderId);
    if (!current || FINAL_ORDER_STATUSES.includes(current.status)) return;
    await tx.closePackages(session.orderId, 'answered');
    await updateOrder(tx, session.orderId, { status: order.status, completedAt: now, outcome: order.outcome ?? null, error: order.error ?? null });
  });
}
