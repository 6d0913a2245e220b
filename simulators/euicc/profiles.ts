// Profiles on the card: lookup, the state changes behind the enable/disable/delete PSMOs (SGP.32 v1.2
// §2.11.1.1.3, with the SGP.22 v2.5 §5.7.16-§5.7.18 semantics they reuse) and ProfileInfo as
// ListProfileInfo returns it. Pure state changes: the notifications they call for are returned as
// events and signed by notifications.ts.

import { RSPDefinitions as R, SGP32Definitions as S } from '../../src/asn1/index.ts';
import { bytesEqual, fromHex, toHex } from '../../src/lib/bytes.ts';
import type { EuiccState, ProfileRecord } from './state.ts';

export type NotificationEventName = 'notificationInstall' | 'notificationEnable' | 'notificationDisable' | 'notificationDelete';

/** A state change that may call for a notification (SGP.22 v2.5 §2.8; only if the metadata names an address). */
export interface ProfileEvent {
  event: NotificationEventName;
  profile: ProfileRecord;
}

export function findByIccid(state: EuiccState, iccid: Uint8Array): ProfileRecord | undefined {
  const hex = toHex(iccid);
  return state.profiles.find((p) => p.iccid === hex);
}

export function enabledProfile(state: EuiccState): ProfileRecord | undefined {
  return state.profiles.find((p) => p.state === 'enabled');
}

export function metadataOf(p: ProfileRecord): S.StoreMetadataRequest {
  return S.StoreMetadataRequest.fromJson(p.metadata);
}

function hasPpr(p: ProfileRecord, ppr: 'ppr1' | 'ppr2'): boolean {
  return metadataOf(p).profilePolicyRules?.includes(ppr) ?? false;
}

export interface ChangeResult {
  code: number;
  events: ProfileEvent[];
}

const fail = (code: number): ChangeResult => ({ code, events: [] });

/** SGP.32 v1.2 §2.11.1.1.3 enable: EnableProfileResult codes. */
export function enableProfile(state: EuiccState, iccid: Uint8Array, rollbackFlag: boolean): ChangeResult {
  const target = findByIccid(state, iccid);
  if (!target) return fail(1); // iccidOrAidNotFound
  if (target.state !== 'disabled') return fail(2); // profileNotInDisabledState
  const current = enabledProfile(state);
  // SGP.22 v2.5 §2.9.2.1: PPR1 forbids disabling the enabled profile, which enabling another implies.
  if (current && hasPpr(current, 'ppr1')) return fail(3); // disallowedByPolicy
  // Interpretation: rollback needs a profile to return to; without an enabled profile it is rollbackNotAvailable(20).
  if (rollbackFlag && !current) return fail(20);
  const events: ProfileEvent[] = [];
  if (current) {
    current.state = 'disabled';
    events.push({ event: 'notificationDisable', profile: current });
  }
  target.state = 'enabled';
  events.push({ event: 'notificationEnable', profile: target });
  return { code: 0, events };
}

/** SGP.32 v1.2 §2.11.1.1.3 disable: DisableProfileResult codes. */
export function disableProfile(state: EuiccState, iccid: Uint8Array): ChangeResult {
  const target = findByIccid(state, iccid);
  if (!target) return fail(1);
  if (target.state !== 'enabled') return fail(2); // profileNotInEnabledState
  if (hasPpr(target, 'ppr1')) return fail(3); // disallowedByPolicy
  target.state = 'disabled';
  return { code: 0, events: [{ event: 'notificationDisable', profile: target }] };
}

/** SGP.32 v1.2 §2.11.1.1.3 delete: DeleteProfileResult codes. */
export function deleteProfile(state: EuiccState, iccid: Uint8Array): ChangeResult {
  const target = findByIccid(state, iccid);
  if (!target) return fail(1);
  if (target.state !== 'disabled') return fail(2); // profileNotInDisabledState
  if (hasPpr(target, 'ppr2')) return fail(3); // disallowedByPolicy
  // The profile a pending ProfileRollback would return to must stay (SGP.32 v1.2 §5.9.16).
  if (state.rollback && (state.rollback.previousIccid === target.iccid || state.rollback.enabledIccid === target.iccid)) return fail(20);
  // Interpretation: returnFallbackProfile(21) refuses deleting the profile that carries the fallback attribute.
  if (target.fallbackAttribute) return fail(21);
  state.profiles = state.profiles.filter((p) => p !== target);
  return { code: 0, events: [{ event: 'notificationDelete', profile: target }] };
}

/** SGP.32 v1.2 §2.11.1.1.3 setFallbackAttribute: SetFallbackAttributeResult codes. */
export function setFallbackAttribute(state: EuiccState, iccid: Uint8Array): number {
  const target = findByIccid(state, iccid);
  if (!target) return 1; // iccidOrAidNotFound
  // Interpretation: an absent fallbackAllowed in the metadata does not forbid the attribute; only false does.
  if (metadataOf(target).fallbackAllowed === false) return 2; // fallbackNotAllowed
  const holder = state.profiles.find((p) => p.fallbackAttribute);
  if (holder && holder !== target && holder.state === 'enabled') return 3; // fallbackProfileEnabled
  for (const p of state.profiles) p.fallbackAttribute = p === target;
  return 0;
}

/** SGP.32 v1.2 §2.11.1.1.3 unsetFallbackAttribute: UnsetFallbackAttributeResult codes. */
export function unsetFallbackAttribute(state: EuiccState): number {
  const holder = state.profiles.find((p) => p.fallbackAttribute);
  if (!holder) return 2; // noFallbackAttribute
  if (holder.state === 'enabled') return 3; // fallbackProfileEnabled
  holder.fallbackAttribute = false;
  return 0;
}

// ---- ProfileInfo (SGP.32 v1.2 §2.11.1.1.3 listProfileInfo, SGP.22 v2.5 §5.7.15) ----

/** The tags a tagList may name, and the ProfileInfo component each selects. */
const PROFILE_INFO_TAGS: Record<number, keyof S.ProfileInfo> = {
  0x5a: 'iccid', 0x4f: 'isdpAid', 0x9f70: 'profileState', 0x90: 'profileNickname', 0x91: 'serviceProviderName',
  0x92: 'profileName', 0x93: 'iconType', 0x94: 'icon', 0x95: 'profileClass', 0xb6: 'notificationConfigurationInfo',
  0xb7: 'profileOwner', 0xb8: 'dpProprietaryData', 0x99: 'profilePolicyRules', 0xbf22: 'serviceSpecificDataStoredInEuicc',
  0x9f7b: 'ecallIndication', 0x9f26: 'fallbackAttribute', 0x9f67: 'fallbackAllowed',
};

/** The tags in a tagList (5C value: concatenated BER tag octets); undefined when malformed. */
export function parseTagList(list: Uint8Array): number[] | undefined {
  const tags: number[] = [];
  for (let i = 0; i < list.length; ) {
    let tag = list[i++]!;
    if ((tag & 0x1f) === 0x1f) {
      do {
        if (i >= list.length || tags.length > 64) return undefined;
        tag = tag * 256 + list[i]!;
      } while (list[i++]! & 0x80);
    }
    tags.push(tag);
  }
  return tags;
}

export function profileInfo(p: ProfileRecord, fields?: Set<keyof S.ProfileInfo>): S.ProfileInfo {
  const m = metadataOf(p);
  const full: S.ProfileInfo = {
    iccid: fromHex(p.iccid),
    isdpAid: fromHex(p.isdpAid),
    profileState: p.state === 'enabled' ? 1 : 0,
    ...(p.nickname !== undefined ? { profileNickname: p.nickname } : {}),
    serviceProviderName: m.serviceProviderName,
    profileName: m.profileName,
    ...(m.iconType !== undefined ? { iconType: m.iconType } : {}),
    ...(m.icon ? { icon: m.icon } : {}),
    profileClass: m.profileClass ?? 2,
    ...(m.notificationConfigurationInfo ? { notificationConfigurationInfo: m.notificationConfigurationInfo } : {}),
    ...(m.profileOwner ? { profileOwner: m.profileOwner } : {}),
    ...(p.dpProprietaryData ? { dpProprietaryData: R.DpProprietaryData.fromJson(p.dpProprietaryData) } : {}),
    ...(m.profilePolicyRules ? { profilePolicyRules: m.profilePolicyRules } : {}),
    ...(m.serviceSpecificDataStoredInEuicc ? { serviceSpecificDataStoredInEuicc: m.serviceSpecificDataStoredInEuicc } : {}),
    ...(m.ecallIndication !== undefined ? { ecallIndication: m.ecallIndication } : {}),
    fallbackAttribute: p.fallbackAttribute,
    ...(m.fallbackAllowed !== undefined ? { fallbackAllowed: m.fallbackAllowed } : {}),
  };
  if (!fields) return full;
  return Object.fromEntries(Object.entries(full).filter(([k]) => fields.has(k as keyof S.ProfileInfo))) as S.ProfileInfo;
}

/** ListProfileInfo with search criteria and tag list: the SGP.32 ProfileInfoListResponse (BF2D). */
export function listProfileInfo(state: EuiccState, request: R.ProfileInfoListRequest): S.ProfileInfoListResponse {
  let fields: Set<keyof S.ProfileInfo> | undefined;
  if (request.tagList) {
    const tags = parseTagList(request.tagList);
    // SGP.22 v2.5 §5.7.15: a tag list the eUICC cannot interpret is incorrectInputValues(1).
    if (!tags || tags.some((t) => !(t in PROFILE_INFO_TAGS))) return { profileInfoListError: 1 };
    fields = new Set(tags.map((t) => PROFILE_INFO_TAGS[t]!));
  }
  const c = request.searchCriteria;
  const selected = state.profiles.filter((p) => {
    if (!c) return true;
    if ('iccid' in c) return p.iccid === toHex(c.iccid);
    if ('isdpAid' in c) return bytesEqual(fromHex(p.isdpAid), c.isdpAid);
    return (metadataOf(p).profileClass ?? 2) === c.profileClass;
  });
  return { profileInfoListOk: selected.map((p) => profileInfo(p, fields)) };
}
