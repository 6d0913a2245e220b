// Use case: list a tenant's orders by eUICC, status, kind and bulk order, newest first, one page at a time.
import type { Order, OrderStatus } from '../domain/records.ts';
import { decodeCursor, encodeCursor, type Page } from './cursor.ts';
import type { ServiceDeps } from './deps.ts';
import type { ListedOrder } from './order-ports.ts';
import { tenantEuicc } from './tenant-euicc.ts';

export interface OrderFilter {
  eid?: string;
  statuses?: OrderStatus[];
  kind?: Order['kind'];
  bulkId?: string;
}

type Position = ['order', string, string];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A timestamptz as PostgreSQL prints it, e.g. `2025-01-02 03:04:05.678901+00`. */
const PG_TIMESTAMP = /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d{1,6})?([+-]\d\d(:\d\d){0,2}|Z)$/;
const isPosition = (v: unknown): v is Position =>
  Array.isArray(v) && v.length === 3 && v[0] === 'order' && typeof v[1] === 'string' && PG_TIMESTAMP.test(v[1]) && typeof v[2] === 'string' && UUID.test(v[2]);

export async function listOrders(deps: ServiceDeps, tenantId: string, filter: OrderFilter, page: { limit: number; after?: string | undefined }): Promise<Page<ListedOrder>> {
  let euiccId: number | undefined;
  if (filter.eid !== undefined) {
    // An EID of another tenant (or none) simply matches no order: lists never reveal other tenants.
    try {
      euiccId = (await tenantEuicc(deps.store, tenantId, filter.eid)).id;
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_NOT_FOUND') return { items: [], next: null };
      throw e;
    }
  }
  const before = page.after === undefined ? undefined : decodeCursor(page.after, isPosition);
  const rows = await deps.store.queryOrders({
    tenantId,
    limit: page.limit + 1,
    ...(euiccId !== undefined ? { euiccId } : {}),
    ...(filter.statuses?.length ? { statuses: filter.statuses } : {}),
    ...(filter.kind ? { kind: filter.kind } : {}),
    ...(filter.bulkId ? { bulkId: filter.bulkId } : {}),
    ...(before ? { before: { createdAt: before[1], id: before[2] } } : {}),
  });
  const items = rows.slice(0, page.limit);
  const last = items[items.length - 1];
  return { items, next: rows.length > page.limit && last ? encodeCursor(['order', last.position.createdAt, last.position.id]) : null };
}
