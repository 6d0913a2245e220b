// What a verified package result does to the eIM's profile inventory of one eUICC, worked out from the
// inventory as it was before: the rows to write, the rows to remove, and the profile events, in order.
// Pure, so the same plan is written inside a transaction or by one batched statement that first checks
// the inventory is still the one the plan started from.
import type { InventoryChange } from './results.ts';
import type { ProfileRecord } from './records.ts';

/** A profile row as planned (the store sets euiccId and updatedAt). */
export type PlannedProfile = Omit<ProfileRecord, 'euiccId' | 'updatedAt'>;

export interface ProfileEvent {
  /** profile.discovered | profile.installed | profile.enabled | profile.disabled | profile.deleted | profile.updated */
  type: string;
  iccid: string;
  data: Record<string, unknown>;
}

export interface InventoryPlan {
  /** Rows to insert or overwrite (every profile a change touched and that remains). */
  upserts: PlannedProfile[];
  /** ICCIDs whose rows are removed (never also in `upserts`). */
  deletes: string[];
  events: ProfileEvent[];
  /** A change said the inventory is no longer known (SGP.32 v1.2: an operation the eIM cannot follow). */
  stale: boolean;
}

const blank = (iccid: string, state: 'enabled' | 'disabled'): PlannedProfile => ({
  iccid,
  isdpAid: null,
  state,
  profileClass: null,
  profileName: null,
  serviceProviderName: null,
  nickname: null,
  fallbackAttribute: false,
});

function strip(p: PlannedProfile | ProfileRecord): PlannedProfile {
  return {
    iccid: p.iccid,
    isdpAid: p.isdpAid,
    state: p.state,
    profileClass: p.profileClass,
    profileName: p.profileName,
    serviceProviderName: p.serviceProviderName,
    nickname: p.nickname,
    fallbackAttribute: p.fallbackAttribute,
  };
}

const byIccid = (a: { iccid: string }, b: { iccid: string }): number => (a.iccid < b.iccid ? -1 : a.iccid > b.iccid ? 1 : 0);

/** The plan for `changes` (in order, each seeing the ones before it) applied to `before`. */
export function planInventory(before: readonly (PlannedProfile | ProfileRecord)[], changes: readonly InventoryChange[]): InventoryPlan {
  const rows = new Map<string, PlannedProfile>();
  for (const p of [...before].sort(byIccid)) rows.set(p.iccid, strip(p));
  const touched = new Set<string>();
  const removed = new Set<string>();
  const events: ProfileEvent[] = [];
  let stale = false;
  const put = (p: PlannedProfile): void => {
    rows.set(p.iccid, p);
    touched.add(p.iccid);
    removed.delete(p.iccid);
  };
  const remove = (iccid: string): void => {
    rows.delete(iccid);
    touched.delete(iccid);
    removed.add(iccid);
  };
  const event = (type: string, iccid: string, data: Record<string, unknown> = {}): void => {
    events.push({ type, iccid, data });
  };
  for (const c of changes) {
    switch (c.kind) {
      case 'replace': {
        // listProfileInfo: the reported list is the inventory.
        const old = new Map(rows);
        for (const iccid of old.keys()) remove(iccid);
        for (const p of c.profiles) {
          put(strip(p));
          const was = old.get(p.iccid);
          if (!was) event('profile.discovered', p.iccid, { state: p.state });
          else if (was.state !== p.state) event(`profile.${p.state}`, p.iccid);
        }
        for (const iccid of old.keys()) if (!c.profiles.some((p) => p.iccid === iccid)) event('profile.deleted', iccid);
        break;
      }
      case 'upsert': {
        for (const p of c.profiles) {
          const was = rows.get(p.iccid);
          put(strip(p));
          if (!was) event('profile.installed', p.iccid, { state: p.state, isdpAid: p.isdpAid });
          else if (was.state !== p.state) event(`profile.${p.state}`, p.iccid);
        }
        break;
      }
      case 'enable':
      case 'disable': {
        // SGP.32 v1.2: one enabled profile at a time; enabling one disables the one that was enabled.
        for (const p of [...rows.values()].sort(byIccid)) {
          const state = p.iccid === c.iccid ? (c.kind === 'enable' ? 'enabled' : 'disabled') : c.kind === 'enable' ? 'disabled' : p.state;
          if (state !== p.state) {
            put({ ...p, state });
            event(`profile.${state}`, p.iccid);
          }
        }
        if (!rows.has(c.iccid)) {
          const state = c.kind === 'enable' ? 'enabled' : 'disabled';
          put(blank(c.iccid, state));
          event(`profile.${state}`, c.iccid);
        }
        break;
      }
      case 'delete':
        remove(c.iccid);
        event('profile.deleted', c.iccid);
        break;
      case 'fallback':
        for (const p of [...rows.values()].sort(byIccid)) {
          const f = p.iccid === c.iccid;
          if (f !== p.fallbackAttribute) {
            put({ ...p, fallbackAttribute: f });
            event('profile.updated', p.iccid, { fallbackAttribute: f });
          }
        }
        break;
      case 'stale':
        stale = true;
        break;
    }
  }
  return { upserts: [...touched].map((iccid) => rows.get(iccid)!), deletes: [...removed], events, stale };
}
