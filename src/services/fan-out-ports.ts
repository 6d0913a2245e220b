// Persistence of the bulk-order fan-out: set-based reads and writes of a whole batch of members at once
// (one statement per table), and the bulk order's progress record.
import type { Curve } from '../crypto/engine.ts';
import type { GroupRecord, VerificationPolicy } from '../domain/records.ts';
import type { OrderRequest } from '../domain/operations.ts';

/** What the fan-out needs of a member: no certificates, attributes or tags travel. */
export interface FanOutMember {
  id: number;
  eid: string;
  tenantId: string;
  curve: Curve;
  verificationPolicy: VerificationPolicy;
  hasCertificate: boolean;
}

export interface LockedCounter {
  euiccId: number;
  counterValue: number;
  associationToken: number | null;
}

/** One order with its package, ready to write; rows of a batch are written in array order. */
export interface FanOutRow {
  orderId: string;
  euiccId: number;
  eid: string;
  request: OrderRequest;
  bulkId: string | null;
  packageKind: 'euiccPackageRequest' | 'ipaEuiccDataRequest' | 'profileDownloadTriggerRequest';
  eimTransactionId: Uint8Array;
  counterValue: number | null;
  der: Uint8Array;
}

export interface FanOutBatch {
  tenantId: string;
  expiresAt: Date | null;
  rows: FanOutRow[];
  /** New counter values of the associations (eimId), written with the packages that use them. */
  counters: { euiccId: number; counterValue: number }[];
  eimId: string;
}

export interface BulkOrderRecord {
  id: string;
  tenantId: string;
  groupId: string;
  kind: string;
  status: 'running' | 'done' | 'failed';
  created: number;
  failed: number;
  failures: { eid: string; code: string; message: string }[];
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

export interface FanOutRepositories {
  /** A page of a group's members in id order after `afterId` (keyset), with only what the fan-out needs. */
  fanOutMembers(group: GroupRecord, afterId: number, limit: number): Promise<FanOutMember[]>;
  /** Locks this eIM's associations of these eUICCs FOR UPDATE, in euicc id order (no deadlock between batches). */
  lockCounters(euiccIds: number[], eimId: string): Promise<LockedCounter[]>;
  /** Which of these eUICCs already have a pending (queued or delivered) IpaEuiccData request for tag A6. */
  pendingCertificateRequests(euiccIds: number[]): Promise<Set<number>>;
  /** Writes the orders, their `order.queued` events, their packages and the counters: one statement each. */
  writeFanOut(batch: FanOutBatch): Promise<void>;

  insertBulkOrder(values: Pick<BulkOrderRecord, 'id' | 'tenantId' | 'groupId' | 'kind'>): Promise<void>;
  /** Adds a batch's outcome to the bulk order's progress (inside the batch's transaction). */
  addBulkProgress(id: string, created: number, failed: number, failures: BulkOrderRecord['failures']): Promise<void>;
  finishBulkOrder(id: string, status: 'done' | 'failed'): Promise<void>;
  findBulkOrder(tenantId: string, id: string): Promise<BulkOrderRecord | undefined>;
}
