// The eIM's records: what it knows about each eUICC, its association, orders and packages.
import type { Curve } from '../crypto/engine.ts';
import type { OrderRequest } from './operations.ts';

export type VerificationPolicy = 'enforce' | 'off';

export interface Euicc {
  id: number;
  tenantId: string;
  eid: string;
  curve: Curve;
  verificationPolicy: VerificationPolicy;
  euiccCertificate: Uint8Array | null;
  eumCertificate: Uint8Array | null;
  /** The certificate's public key (SPKI) once its chain validated, and what it was validated with (see euicc-keys). */
  euiccPublicKey?: Uint8Array | null;
  euiccKeyCheck?: Uint8Array | null;
  ipaCapabilities: unknown;
  /** The IPA's TransferEimPackage endpoint (inject mode, SGP.32 v1.2 §6.3.3.1), when it has one. */
  injectUrl: string | null;
  tags: string[];
  attributes: Record<string, string>;
  inventoryStale: boolean;
  lastStateChangeCause: number | null;
  lastSeenAt: Date | null;
  lastSeqNumber: number | null;
  createdAt: Date;
}

export interface Association {
  euiccId: number;
  eimId: string;
  counterValue: number;
  associationToken: number | null;
}

/** queued -> delivered -> done | failed | expired | cancelled */
export type OrderStatus = 'queued' | 'delivered' | 'done' | 'failed' | 'expired' | 'cancelled';
export const FINAL_ORDER_STATUSES: readonly OrderStatus[] = ['done', 'failed', 'expired', 'cancelled'];

export interface OrderError {
  code: string;
  message: string;
  /** Spec values kept verbatim where the eUICC, IPA or SM-DP+ gave one. */
  details?: unknown;
}

export interface Order {
  id: string;
  tenantId: string;
  euiccId: number;
  kind: OrderRequest['kind'];
  request: OrderRequest;
  status: OrderStatus;
  outcome: unknown;
  error: OrderError | null;
  attempts: number;
  bulkId: string | null;
  activationCodeId: number | null;
  createdAt: Date;
  deliveredAt: Date | null;
  completedAt: Date | null;
  expiresAt: Date | null;
}

export type PackageKind = 'euiccPackageRequest' | 'ipaEuiccDataRequest' | 'profileDownloadTriggerRequest';
/** queued -> delivered -> answered | cancelled | expired */
export type PackageStatus = 'queued' | 'delivered' | 'answered' | 'cancelled' | 'expired';

export interface EimPackage {
  id: number;
  orderId: string;
  euiccId: number;
  kind: PackageKind;
  eimTransactionId: Uint8Array;
  counterValue: number | null;
  /** The GetEimPackageResponse alternative (BF51 / BF52 / BF54 TLV) exactly as delivered. */
  der: Uint8Array;
  status: PackageStatus;
  deliveryCount: number;
  createdAt: Date;
  deliveredAt: Date | null;
  answeredAt: Date | null;
}

export interface ProfileRecord {
  euiccId: number;
  iccid: string;
  isdpAid: string | null;
  state: 'enabled' | 'disabled';
  profileClass: string | null;
  profileName: string | null;
  serviceProviderName: string | null;
  nickname: string | null;
  fallbackAttribute: boolean;
  updatedAt: Date;
}

export interface ResultRecord {
  euiccId: number;
  packageId: number | null;
  kind: string;
  seqNumber: number | null;
  der: Uint8Array;
  verified: boolean;
}

export interface NotificationRecord {
  id: number;
  euiccId: number | null;
  seqNumber: number | null;
  event: string;
  iccid: string | null;
  notificationAddress: string | null;
  der: Uint8Array;
  verified: boolean;
  status: 'received' | 'forwarded' | 'failed';
  receivedAt: Date;
  forwardedAt: Date | null;
}

/** A change the operator's systems can follow (events are `entity.verb`, in order; the id is the cursor). */
export interface EventRecord {
  id: number;
  tenantId: string;
  type: string;
  subjectType: string;
  subjectId: string;
  data: Record<string, unknown>;
  createdAt: Date;
}

export type Role = 'admin' | 'operator' | 'viewer';

export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  name: string;
  role: Role;
  prefix: string;
  secretHash: Uint8Array;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface AuditRecord {
  id: number;
  tenantId: string;
  keyId: string | null;
  method: string;
  path: string;
  action: string;
  target: string | null;
  status: number;
  details: unknown;
  createdAt: Date;
}

export interface GroupFilter {
  /** Every tag must be present. */
  tags?: string[];
  /** Every attribute must be equal. */
  attributes?: Record<string, string>;
}

export interface GroupRecord {
  id: string;
  tenantId: string;
  name: string;
  kind: 'static' | 'dynamic';
  filter: GroupFilter | null;
  createdAt: Date;
}
