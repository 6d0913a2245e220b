// Persistence of groups (issue 6 §1): static groups list their members, dynamic groups hold a filter.
import type { Euicc, GroupFilter, GroupRecord } from '../domain/records.ts';

export interface GroupRepositories {
  insertGroup(values: Pick<GroupRecord, 'tenantId' | 'name' | 'kind' | 'filter'>): Promise<GroupRecord>;
  findGroup(tenantId: string, id: string): Promise<GroupRecord | undefined>;
  listGroups(tenantId: string): Promise<GroupRecord[]>;
  deleteGroup(tenantId: string, id: string): Promise<void>;
  addGroupMembers(groupId: string, euiccIds: number[]): Promise<void>;
  removeGroupMembers(groupId: string, euiccIds: number[]): Promise<void>;
  /** Members of a static group, by eUICC id order, after `afterId`. */
  staticMembers(groupId: string, afterId: number, limit: number): Promise<Euicc[]>;
  /** eUICCs of a tenant matching a filter, by id order, after `afterId`. */
  filteredEuiccs(tenantId: string, filter: GroupFilter, afterId: number, limit: number): Promise<Euicc[]>;
}
