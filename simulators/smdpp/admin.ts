// SM-DP+ simulator admin resources: POST /admin/profiles adds a download order (the JSON form of
// ProfileInput, profile as base64), GET /admin/profiles lists the catalogue without the packages.

import { fromBase64 } from '../../src/lib/bytes.ts';
import { AdminError, type AdminRoutes } from '../common/admin.ts';
import type { JsonObject } from '../common/json-binding.ts';
import type { CatalogueEntry, ProfileClass, ProfileInput } from './catalogue.ts';

const optional = <T>(o: JsonObject, name: string, type: 'string' | 'boolean' | 'number'): T | undefined => {
  const v = o[name];
  if (v === undefined) return undefined;
  if (typeof v !== type) throw new TypeError(`${name} must be a ${type}`);
  return v as T;
};

/** The JSON body of POST /admin/profiles → ProfileInput. */
export function profileInputFromJson(o: JsonObject, now: Date): ProfileInput {
  const matchingId = optional<string>(o, 'matchingId', 'string');
  const profile = optional<string>(o, 'profile', 'string');
  if (!matchingId || !profile) throw new TypeError('matchingId and profile (base64) are required');
  const expiresAt = optional<string>(o, 'expiresAt', 'string');
  const ttlSeconds = optional<number>(o, 'ttlSeconds', 'number');
  const expiry = expiresAt !== undefined ? new Date(expiresAt) : ttlSeconds !== undefined ? new Date(now.getTime() + ttlSeconds * 1000) : undefined;
  if (expiry && Number.isNaN(expiry.getTime())) throw new TypeError('expiresAt must be an ISO 8601 date');
  const input: ProfileInput = { matchingId, profile: fromBase64(profile), ...(expiry ? { expiresAt: expiry } : {}) };
  for (const k of ['iccid', 'serviceProviderName', 'profileName', 'confirmationCode', 'eid'] as const) {
    const v = optional<string>(o, k, 'string');
    if (v !== undefined) input[k] = v;
  }
  const profileClass = optional<string>(o, 'profileClass', 'string');
  if (profileClass !== undefined) {
    if (!['test', 'provisioning', 'operational'].includes(profileClass)) throw new TypeError('profileClass must be test, provisioning or operational');
    input.profileClass = profileClass as ProfileClass;
  }
  for (const k of ['reusable', 'registerSmdsEvent'] as const) {
    const v = optional<boolean>(o, k, 'boolean');
    if (v !== undefined) input[k] = v;
  }
  const retries = optional<number>(o, 'confirmationCodeRetries', 'number');
  if (retries !== undefined) input.confirmationCodeRetries = retries;
  return input;
}

export function describeEntry(e: CatalogueEntry, address: string) {
  return {
    matchingId: e.matchingId,
    activationCode: `1$${address}$${e.matchingId}${e.confirmationCode !== undefined ? '$$1' : ''}`,
    iccid: e.iccid,
    state: e.state,
    downloads: e.downloads,
    reusable: e.reusable ?? false,
    confirmationCodeRequired: e.confirmationCode !== undefined,
    ...(e.eid ? { eid: e.eid } : {}),
    ...(e.expiresAt ? { expiresAt: e.expiresAt.toISOString() } : {}),
  };
}

export function smdppAdminRoutes(deps: { addProfile(input: ProfileInput): Promise<CatalogueEntry>; list(): CatalogueEntry[]; address(): string; now(): Date }): AdminRoutes {
  return {
    '/admin/profiles': async (body, method) => {
      if (method === 'GET') return { status: 200, body: deps.list().map((e) => describeEntry(e, deps.address())) };
      if (method !== 'POST' || !body) throw new AdminError(405, 'use GET or POST');
      const input = profileInputFromJson(body, deps.now());
      try {
        return { status: 201, body: describeEntry(await deps.addProfile(input), deps.address()) };
      } catch (err) {
        if (err instanceof TypeError && /already in the catalogue/.test(err.message)) throw new AdminError(409, err.message);
        throw err;
      }
    },
  };
}
