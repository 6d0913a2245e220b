// Helpers for the operator API's fleet tests (eUICCs, orders, groups): valid EIDs, an API on a test eIM
// with the fleet routes, and checks that responses leak no internal row ids.
import { expect } from 'vitest';
import { euiccRoutes } from '../../src/api/routes/euiccs.ts';
import { groupRoutes } from '../../src/api/routes/groups.ts';
import { orderRoutes } from '../../src/api/routes/orders.ts';
import { eidCheckDigitsValid } from '../../src/domain/identifiers.ts';
import { startTestApi, type TestApi } from './api.ts';
import type { TestEim } from './eim.ts';

/** A valid EID (GSMA SGP.29 check digits) whose 30 leading digits end in `n`. */
export function makeEid(n: number, prefix = '8904903200000000'): string {
  const body = (prefix + String(n).padStart(30 - prefix.length, '0')).slice(0, 30);
  for (let cd = 0; cd < 100; cd++) {
    const eid = body + String(cd).padStart(2, '0');
    if (eidCheckDigitsValid(eid)) return eid;
  }
  throw new Error('unreachable');
}

export function startFleetApi(eim: TestEim): Promise<TestApi> {
  const deps = eim.deps;
  return startTestApi(eim, [...euiccRoutes(deps), ...orderRoutes(deps), ...groupRoutes(deps)], { rateLimit: { perSecond: 100_000, burst: 100_000 } });
}

/** No internal numeric id anywhere in a response: EIDs and UUIDs are the public identifiers. */
export function expectNoInternalIds(value: unknown, path = '$'): void {
  if (Array.isArray(value)) return value.forEach((v, i) => expectNoInternalIds(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    expect(k, `${path}.${k}`).not.toMatch(/^(euiccId|orderId|packageId|activationCodeId|tenantId)$/);
    if (k === 'id') expect(typeof v, `${path}.id`).toBe('string');
    expectNoInternalIds(v, `${path}.${k}`);
  }
}

export const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
