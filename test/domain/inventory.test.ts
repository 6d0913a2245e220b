// The inventory plan of a verified result (src/domain/inventory.ts): what each PSMO outcome does to the
// eIM's view of the eUICC's profiles, and the profile events it reports.
import { describe, expect, it } from 'vitest';
import { planInventory, type PlannedProfile } from '../../src/domain/inventory.ts';

const profile = (iccid: string, state: 'enabled' | 'disabled', more: Partial<PlannedProfile> = {}): PlannedProfile => ({
  iccid,
  isdpAid: null,
  state,
  profileClass: 'operational',
  profileName: `P${iccid.slice(-1)}`,
  serviceProviderName: null,
  nickname: null,
  fallbackAttribute: false,
  ...more,
});

describe('inventory plan (SGP.32 v1.2 §5.9 PSMO results)', () => {
  it('listProfileInfo replaces the inventory: new profiles discovered, state changes reported, missing ones deleted', () => {
    const before = [profile('8901', 'enabled'), profile('8902', 'disabled'), profile('8903', 'disabled')];
    const plan = planInventory(before, [{ kind: 'replace', profiles: [profile('8902', 'enabled'), profile('8904', 'disabled'), profile('8901', 'disabled')] }]);
    expect(plan.deletes).toEqual(['8903']);
    expect(plan.upserts.map((p) => [p.iccid, p.state])).toEqual([
      ['8902', 'enabled'],
      ['8904', 'disabled'],
      ['8901', 'disabled'],
    ]);
    expect(plan.events).toEqual([
      { type: 'profile.enabled', iccid: '8902', data: {} },
      { type: 'profile.discovered', iccid: '8904', data: { state: 'disabled' } },
      { type: 'profile.disabled', iccid: '8901', data: {} },
      { type: 'profile.deleted', iccid: '8903', data: {} },
    ]);
    expect(plan.stale).toBe(false);
  });

  it('a listProfileInfo that confirms the inventory rewrites its rows and reports nothing', () => {
    const before = [profile('8901', 'enabled')];
    const plan = planInventory(before, [{ kind: 'replace', profiles: [profile('8901', 'enabled')] }]);
    expect(plan).toEqual({ upserts: [profile('8901', 'enabled')], deletes: [], events: [], stale: false });
    expect(planInventory([], [{ kind: 'replace', profiles: [] }])).toEqual({ upserts: [], deletes: [], events: [], stale: false });
  });

  it('enable disables the profile that was enabled (one enabled profile at a time) and keeps the other columns', () => {
    const before = [profile('8901', 'enabled', { nickname: 'work' }), profile('8902', 'disabled', { fallbackAttribute: true })];
    const plan = planInventory(before, [{ kind: 'enable', iccid: '8902' }]);
    expect(plan.upserts).toEqual([profile('8901', 'disabled', { nickname: 'work' }), profile('8902', 'enabled', { fallbackAttribute: true })]);
    expect(plan.events.map((e) => `${e.type} ${e.iccid}`)).toEqual(['profile.disabled 8901', 'profile.enabled 8902']);
  });

  it('enable or disable of a profile the eIM did not know adds it', () => {
    const plan = planInventory([], [{ kind: 'disable', iccid: '8909' }]);
    expect(plan.upserts).toEqual([{ ...profile('8909', 'disabled'), profileClass: null, profileName: null }]);
    expect(plan.events).toEqual([{ type: 'profile.disabled', iccid: '8909', data: {} }]);
  });

  it('changes apply in order, each on the result of the ones before (enable, then delete the old one)', () => {
    const before = [profile('8901', 'enabled'), profile('8902', 'disabled')];
    const plan = planInventory(before, [
      { kind: 'enable', iccid: '8902' },
      { kind: 'delete', iccid: '8901' },
    ]);
    expect(plan.deletes).toEqual(['8901']);
    expect(plan.upserts.map((p) => [p.iccid, p.state])).toEqual([['8902', 'enabled']]);
    expect(plan.events.map((e) => `${e.type} ${e.iccid}`)).toEqual(['profile.disabled 8901', 'profile.enabled 8902', 'profile.deleted 8901']);
  });

  it('a profile installed (upsert) is reported with its state and ISD-P AID; fallback moves the attribute', () => {
    const plan = planInventory([profile('8901', 'enabled', { fallbackAttribute: true })], [
      { kind: 'upsert', profiles: [profile('8905', 'disabled', { isdpAid: 'a0000005591010ffffffff8900001100' })] },
      { kind: 'fallback', iccid: '8905' },
    ]);
    expect(plan.events).toEqual([
      { type: 'profile.installed', iccid: '8905', data: { state: 'disabled', isdpAid: 'a0000005591010ffffffff8900001100' } },
      { type: 'profile.updated', iccid: '8901', data: { fallbackAttribute: false } },
      { type: 'profile.updated', iccid: '8905', data: { fallbackAttribute: true } },
    ]);
    expect(plan.upserts.find((p) => p.iccid === '8905')?.fallbackAttribute).toBe(true);
  });

  it('a change the eIM cannot follow marks the inventory stale', () => {
    expect(planInventory([profile('8901', 'enabled')], [{ kind: 'stale' }])).toEqual({ upserts: [], deletes: [], events: [], stale: true });
  });
});
