// Persistence of activation-code pools, their codes and their assignments to groups (issue 6 §2).
import type { ActivationCodeRecord, CodeState, NewActivationCode, PoolAssignmentRecord, PoolRecord } from '../domain/activation-codes.ts';
import type { Order } from '../domain/records.ts';

export type CodePatch = Partial<Pick<ActivationCodeRecord, 'state' | 'euiccId' | 'orderId' | 'iccid'>>;

export interface PoolRepositories {
  insertPool(values: Pick<PoolRecord, 'tenantId' | 'name'>): Promise<PoolRecord>;
  findPool(tenantId: string, id: string): Promise<PoolRecord | undefined>;
  findPoolByName(tenantId: string, name: string): Promise<PoolRecord | undefined>;
  listPools(tenantId: string): Promise<PoolRecord[]>;
  /** How many codes of the pool are in each state. */
  countCodes(poolId: string): Promise<Partial<Record<CodeState, number>>>;

  /** Inserts codes; a code whose SM-DP+ address and matching ID are already in the pool is skipped. Returns the keys inserted (`smdp$matchingId`). */
  insertCodes(rows: NewActivationCode[]): Promise<Set<string>>;
  /** Of these keys (`smdp$matchingId`) and ICCIDs, those already in the pool. */
  existingCodes(poolId: string, keys: string[], iccids: string[]): Promise<{ keys: Set<string>; iccids: Set<string> }>;
  findCode(tenantId: string, id: number): Promise<ActivationCodeRecord | undefined>;
  /** The code, locked until the transaction ends. */
  lockCode(id: number): Promise<ActivationCodeRecord | undefined>;
  /**
   * The oldest available code of the pool, locked; codes other transactions hold are skipped
   * (SELECT … FOR UPDATE SKIP LOCKED), so two reservations never get the same code.
   */
  claimAvailableCode(poolId: string): Promise<ActivationCodeRecord | undefined>;
  updateCode(id: number, patch: CodePatch): Promise<void>;
  /** A page of the pool's codes in id order, optionally in one state. */
  listCodes(poolId: string, state: CodeState | undefined, afterId: number, limit: number): Promise<ActivationCodeRecord[]>;
  /** The codes of the pool held by these eUICCs (states reserved, downloading, installed, failed). */
  heldCodes(poolId: string, euiccIds: number[]): Promise<ActivationCodeRecord[]>;
  /** Of these eUICCs, those with a profile whose ICCID is one of the pool's codes. */
  withPoolProfile(poolId: string, euiccIds: number[]): Promise<Set<number>>;
  /** Installed codes of the pool whose latest order is still their download (no enable queued yet). */
  installedAwaitingEnable(poolId: string, afterId: number, limit: number): Promise<ActivationCodeRecord[]>;
  /**
   * Serialises serving one device from one pool until the transaction ends (a transaction-scoped
   * advisory lock), so two reconcilers never give the same device two codes.
   */
  lockPoolMember(poolId: string, euiccId: number): Promise<void>;
  /** The orders of these ids. */
  ordersByIds(ids: string[]): Promise<Order[]>;

  insertAssignment(values: Pick<PoolAssignmentRecord, 'tenantId' | 'poolId' | 'groupId' | 'enableAfterInstall'>): Promise<PoolAssignmentRecord>;
  findAssignment(tenantId: string, id: string): Promise<PoolAssignmentRecord | undefined>;
  /** Assignments of a pool (all), or every active assignment (of one tenant, or of all). */
  listAssignments(filter: { poolId?: string; tenantId?: string; activeOnly?: boolean }): Promise<PoolAssignmentRecord[]>;
  updateAssignment(id: string, patch: Partial<Pick<PoolAssignmentRecord, 'status' | 'removedAt'>>): Promise<void>;
}
