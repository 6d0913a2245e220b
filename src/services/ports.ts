// The persistence the use cases need, as an interface: src/store implements it on drizzle (PGlite or
// PostgreSQL); tests may use it directly. Every method also runs inside `transaction`, which is how the
// use cases make several changes all-or-nothing.
import type { DownloadSessionRepositories } from './download-session-ports.ts';
import type { EventFeedRepositories } from './event-ports.ts';
import type { EuiccRepositories } from './euicc-ports.ts';
import type { GroupRepositories } from './group-ports.ts';
import type { WebhookRepositories } from './webhook-ports.ts';
import type { PoolRepositories } from './pool-ports.ts';
import type { OrderRepositories } from './order-ports.ts';
import type { PackageCycleRepositories } from './package-cycle-ports.ts';
import type { FanOutRepositories } from './fan-out-ports.ts';
import type { ApiKeyRecord, AuditRecord, Association, EimPackage, Euicc, EventRecord, NotificationRecord, Order, OrderStatus, PackageStatus, ProfileRecord, ResultRecord } from '../domain/records.ts';

export type NewEuicc = Pick<Euicc, 'eid'> & Partial<Pick<Euicc, 'tenantId' | 'curve' | 'verificationPolicy' | 'euiccCertificate' | 'eumCertificate' | 'tags' | 'attributes' | 'injectUrl'>>;
export type EuiccPatch = Partial<Omit<Euicc, 'id' | 'eid' | 'createdAt'>>;
export type NewOrder = Pick<Order, 'tenantId' | 'euiccId' | 'kind' | 'request'> & Partial<Pick<Order, 'expiresAt' | 'status' | 'bulkId' | 'activationCodeId'>>;
export type NewEvent = Omit<EventRecord, 'id' | 'createdAt'>;
export type OrderPatch = Partial<Pick<Order, 'status' | 'outcome' | 'error' | 'attempts' | 'deliveredAt' | 'completedAt'>>;
export type NewPackage = Pick<EimPackage, 'orderId' | 'euiccId' | 'kind' | 'eimTransactionId' | 'counterValue' | 'der'>;
export type PackagePatch = Partial<Pick<EimPackage, 'status' | 'deliveryCount' | 'deliveredAt' | 'answeredAt'>>;
export type NewNotification = Omit<NotificationRecord, 'id' | 'receivedAt' | 'forwardedAt' | 'status'>;

export type PendingPackage = EimPackage & {
  orderStatus: OrderStatus;
  orderExpiresAt: Date | null;
  orderTenantId: string;
  orderKind: Order['kind'];
  orderActivationCodeId: number | null;
};

export interface Repositories extends DownloadSessionRepositories, GroupRepositories, EuiccRepositories, OrderRepositories, FanOutRepositories, PoolRepositories, EventFeedRepositories, WebhookRepositories, PackageCycleRepositories {
  findEuiccByEid(eid: string): Promise<Euicc | undefined>;
  findEuiccById(id: number): Promise<Euicc | undefined>;
  insertEuicc(values: NewEuicc): Promise<Euicc>;
  updateEuicc(id: number, patch: EuiccPatch): Promise<void>;
  /** Sets last-seen times for many eUICCs at once (batched poll bookkeeping). */
  touchEuiccs(seen: Map<number, Date>): Promise<void>;

  /** The association row, locked for update inside a transaction. */
  lockAssociation(euiccId: number, eimId: string): Promise<Association | undefined>;
  upsertAssociation(a: Association): Promise<void>;

  insertOrder(values: NewOrder): Promise<Order>;
  findOrder(id: string): Promise<Order | undefined>;
  updateOrder(id: string, patch: OrderPatch): Promise<void>;
  listOrders(euiccId: number, statuses?: OrderStatus[]): Promise<Order[]>;
  /** Orders still queued or delivered whose expiry time has passed, oldest first. */
  listOverdueOrders(now: Date, limit: number): Promise<Order[]>;

  insertPackage(values: NewPackage): Promise<EimPackage>;
  /** The oldest package of this eUICC that is queued or delivered (not yet answered), with its order's state. */
  nextPackage(euiccId: number): Promise<PendingPackage | undefined>;
  findPackageByTransactionId(eimTransactionId: Uint8Array): Promise<EimPackage | undefined>;
  findPackageByCounter(euiccId: number, counterValue: number): Promise<EimPackage | undefined>;
  updatePackage(id: number, patch: PackagePatch): Promise<void>;
  /** Marks a queued package delivered; false when another poll (or another eIM instance) already did. */
  claimPackage(id: number, at: Date): Promise<boolean>;
  /** Marks every unanswered package of an order with `status`. */
  closePackages(orderId: string, status: PackageStatus): Promise<void>;

  insertResult(values: ResultRecord): Promise<void>;

  listProfiles(euiccId: number): Promise<ProfileRecord[]>;
  /** Writes `upserts` (inserted or overwritten, updatedAt now) and removes the `deletes` ICCIDs of one eUICC's inventory. */
  writeProfiles(euiccId: number, upserts: Omit<ProfileRecord, 'euiccId' | 'updatedAt'>[], deletes: string[]): Promise<void>;

  insertEvent(values: NewEvent): Promise<EventRecord>;
  /** A tenant's events with id > afterId, oldest first. */
  listEvents(tenantId: string, afterId: number, limit: number): Promise<EventRecord[]>;

  insertApiKey(values: NewApiKey): Promise<ApiKeyRecord>;
  findApiKeyByPrefix(prefix: string): Promise<ApiKeyRecord | undefined>;
  listApiKeys(tenantId: string): Promise<ApiKeyRecord[]>;
  updateApiKey(id: string, patch: Partial<Pick<ApiKeyRecord, 'lastUsedAt' | 'revokedAt'>>): Promise<void>;
  countApiKeys(): Promise<number>;

  insertAudit(values: NewAudit): Promise<void>;
  /** A tenant's audit entries with id < beforeId (newest first). */
  listAudit(tenantId: string, beforeId: number | undefined, limit: number): Promise<AuditRecord[]>;

  insertNotification(values: NewNotification): Promise<NotificationRecord>;
  updateNotification(id: number, patch: Partial<Pick<NotificationRecord, 'status' | 'forwardedAt'>>): Promise<void>;
}

export type NewApiKey = Pick<ApiKeyRecord, 'tenantId' | 'name' | 'role' | 'prefix' | 'secretHash'>;
export type NewAudit = Omit<AuditRecord, 'id' | 'createdAt'>;

export interface Store extends Repositories {
  /** Runs `fn` in one database transaction: all of its changes or none. */
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T>;
}
