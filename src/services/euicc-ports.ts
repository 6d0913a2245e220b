// Persistence the operator API's eUICC use cases need (issue 6 §1): filtered, paged lists, the
// association rows, bulk import and deletion.
import type { Association, Euicc, EventRecord } from '../domain/records.ts';

export interface EuiccListQuery {
  tenantId: string;
  /** Every tag present. */
  tags?: string[];
  /** Every attribute equal. */
  attributes?: Record<string, string>;
  eidPrefix?: string;
  inventoryStale?: boolean;
  lastSeenBefore?: Date;
  lastSeenAfter?: Date;
  /** EIDs greater than this one (the list is in EID order). */
  afterEid?: string;
  limit: number;
}

export type NewEuiccRow = Pick<Euicc, 'eid' | 'tenantId' | 'curve' | 'verificationPolicy' | 'tags' | 'attributes'>;

export interface EuiccRepositories {
  listEuiccs(query: EuiccListQuery): Promise<Euicc[]>;
  /** The eUICCs among `eids` that exist, in any tenant (EIDs are unique across tenants). */
  findEuiccsByEids(eids: string[]): Promise<Pick<Euicc, 'id' | 'eid' | 'tenantId'>[]>;
  /** Inserts many eUICCs in one statement and returns them in input order. */
  insertEuiccs(rows: NewEuiccRow[]): Promise<Euicc[]>;
  insertAssociations(rows: Association[]): Promise<void>;
  /** Association rows of one eUICC (this eIM's, and any other eIM's the eIM has learned of). */
  listAssociations(euiccId: number): Promise<Association[]>;
  /** Associations of many eUICCs with one eIM. */
  associationsOf(euiccIds: number[], eimId: string): Promise<Association[]>;
  /** Deletes an eUICC and, by cascade, its associations, orders, packages, profiles and memberships. */
  deleteEuicc(id: number): Promise<void>;
  insertEvents(rows: Omit<EventRecord, 'id' | 'createdAt'>[]): Promise<void>;
}
