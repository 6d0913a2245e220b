// Persistence of the package cycle's hot path (GetEimPackage delivering a package, ProvideEimPackageResult
// answering it), shaped so that each step is one statement: one round trip, atomic on its own or inside
// a caller's transaction. The use cases decide; these only write what they are told, all or nothing.
import type { EimPackage, Order, OrderStatus, ResultRecord } from '../domain/records.ts';
import type { PlannedProfile } from '../domain/inventory.ts';
import type { NewEvent, OrderPatch } from './ports.ts';

/** The order a package belongs to, as the cycle needs it. */
export type PackageOrder = Pick<Order, 'id' | 'tenantId' | 'kind' | 'request' | 'status' | 'attempts' | 'activationCodeId'>;

/** What a returned result is checked against: its package (with its order) and this eIM's association token. */
export interface ResultContext {
  /** The association token of this eIM's association with the eUICC; null when none is set or there is no association. */
  associationToken: number | null;
  /**
   * The eUICC's profile inventory when it was read, and the value the answer compares to check it has not
   * changed since (a plan made from it is written only onto the same inventory).
   */
  inventory: { profiles: PlannedProfile[]; check: unknown };
  /**
   * The package with this eimTransactionId (of any eUICC: the caller checks it is this eUICC's), or when
   * there is none, the eUICC's package with this counterValue.
   */
  pkg: (Pick<EimPackage, 'id' | 'orderId' | 'euiccId' | 'kind' | 'eimTransactionId' | 'counterValue' | 'status'> & { order: PackageOrder }) | undefined;
}

/** A status change of an order and the event it writes when the status is not already that one. */
export interface OrderChange {
  orderId: string;
  patch: OrderPatch & { status: OrderStatus };
  event: NewEvent;
}

/** What an answered package changes on its eUICC. */
export interface AnsweredEuicc {
  id: number;
  lastSeqNumber: number;
  inventoryStale?: boolean;
}

/** The inventory a result changes: the plan made from ResultContext.inventory, and that inventory's check value. */
export interface InventoryWrite {
  check: unknown;
  upserts: PlannedProfile[];
  deletes: string[];
  events: NewEvent[];
}

/** answered: this call answered the package; alreadyAnswered: only the result was recorded; inventoryChanged: nothing was written. */
export type AnswerOutcome = 'answered' | 'alreadyAnswered' | 'inventoryChanged';

export interface PackageCycleRepositories {
  findResultContext(euiccId: number, eimId: string, eimTransactionId: Uint8Array | undefined, counterValue: number): Promise<ResultContext>;
  /**
   * Marks a queued package delivered and applies `change` to its order, in one statement. False (and
   * nothing written) when the package was no longer queued: another poll or eIM instance claimed it.
   */
  claimPackageDelivery(packageId: number, at: Date, change: OrderChange): Promise<boolean>;
  /**
   * Records `result`, and unless the package was already answered: marks it answered, applies `change`
   * to its order, `euicc` to its eUICC and `inventory` to its profiles. One statement. With `inventory`,
   * nothing at all is written when the eUICC's inventory is no longer the one the plan was made from.
   */
  answerPackage(packageId: number, at: Date, result: ResultRecord, change: OrderChange, euicc: AnsweredEuicc, inventory?: InventoryWrite): Promise<AnswerOutcome>;
}
