// Persistence the operator API's order use cases need (issue 6 §1): filtered lists, newest first, by cursor.
import type { Order, OrderStatus } from '../domain/records.ts';

export interface OrderListQuery {
  tenantId: string;
  euiccId?: number;
  statuses?: OrderStatus[];
  kind?: Order['kind'];
  bulkId?: string;
  /** Orders strictly older than this position (created_at as the database prints it, then id). */
  before?: { createdAt: string; id: string };
  limit: number;
}

/** An order with its eUICC's EID and its position in the list (for the next cursor). */
export type ListedOrder = Order & { eid: string; position: { createdAt: string; id: string } };

export interface OrderRepositories {
  queryOrders(query: OrderListQuery): Promise<ListedOrder[]>;
  /** The order, locked for update inside a transaction. */
  lockOrder(id: string): Promise<Order | undefined>;
  /** Number of orders of a bulk order by status. */
  countBulkOrders(tenantId: string, bulkId: string): Promise<Partial<Record<OrderStatus, number>>>;
}
