// Following orders until they finish, by polling the operator API: one order by id, or every pending
// (queued or delivered) order that matches a filter. Used by `eim orders watch` and the demo.
import type { ApiClient } from './api-client.ts';

export interface OrderView {
  id: string;
  eid: string;
  kind: string;
  request: Record<string, unknown>;
  status: string;
  bulkId: string | null;
  createdAt: string;
  deliveredAt: string | null;
  completedAt: string | null;
  expiresAt: string | null;
  operations: { operation: string; result: string; ok: boolean; code?: number; name?: string }[] | null;
  outcome: unknown;
  error: { code: string; message: string } | null;
}

export const FINAL_STATUSES = ['done', 'failed', 'expired', 'cancelled'] as const;
export const isFinal = (status: string): boolean => (FINAL_STATUSES as readonly string[]).includes(status);

export interface WatchOptions {
  id?: string;
  filter?: { eid?: string | undefined; bulkId?: string | undefined; kind?: string | undefined };
  intervalMs: number;
  /** Called once per status seen (the first sighting included). */
  onChange(order: OrderView): void;
  signal?: AbortSignal;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/** Resolves with the orders followed, in their final states, once none is pending. */
export async function watchOrders(api: ApiClient, options: WatchOptions): Promise<OrderView[]> {
  const seen = new Map<string, string>();
  const finals = new Map<string, OrderView>();
  const note = (o: OrderView) => {
    if (seen.get(o.id) !== o.status) options.onChange(o);
    seen.set(o.id, o.status);
    if (isFinal(o.status)) finals.set(o.id, o);
  };
  while (!options.signal?.aborted) {
    if (options.id) {
      const o = await api.get<OrderView>(`/orders/${encodeURIComponent(options.id)}`);
      note(o);
      if (isFinal(o.status)) return [o];
    } else {
      const pending = await api.all<OrderView>('/orders', { ...options.filter, status: 'queued,delivered', limit: 1000 });
      const ids = new Set(pending.map((o) => o.id));
      // Orders that were pending and are no longer: fetch their final state.
      for (const [id, status] of seen) if (!isFinal(status) && !ids.has(id)) note(await api.get<OrderView>(`/orders/${id}`));
      for (const o of pending) note(o);
      if (pending.length === 0) return [...finals.values()];
    }
    await sleep(options.intervalMs, options.signal);
  }
  return [...finals.values()];
}
