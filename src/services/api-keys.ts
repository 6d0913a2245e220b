// API keys (issue 6 §4): `eim_<prefix>_<secret>`, shown once; the database keeps the prefix (to find the
// row) and the SHA-256 of the secret. Each key has a role (admin, operator, viewer) and acts for one tenant.
import { randomBytes, sha256 } from '../crypto/engine.ts';
import { DomainError, invalid } from '../domain/errors.ts';
import type { ApiKeyRecord, Role } from '../domain/records.ts';
import { bytesEqual, toHex } from '../lib/bytes.ts';
import type { ServiceDeps } from './deps.ts';

export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

export interface AuthContext {
  keyId: string;
  tenantId: string;
  role: Role;
}

export interface CreatedKey {
  id: string;
  name: string;
  role: Role;
  tenantId: string;
  /** The whole key: shown once, never stored. */
  key: string;
}

const KEY_FORMAT = /^eim_([0-9a-f]{12})_([0-9a-f]{48})$/;
const TENANT_FORMAT = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export async function createApiKey(deps: ServiceDeps, input: { tenantId: string; name: string; role: Role }): Promise<CreatedKey> {
  if (!TENANT_FORMAT.test(input.tenantId)) throw invalid('tenantId', 'lower-case letters, digits, ".", "_" or "-", at most 63 characters');
  if (!ROLES.includes(input.role)) throw invalid('role', `must be one of ${ROLES.join(', ')}`);
  if (typeof input.name !== 'string' || input.name.length === 0 || input.name.length > 100) throw invalid('name', 'must be 1 to 100 characters');
  const prefix = toHex(randomBytes(6));
  const secret = toHex(randomBytes(24));
  const row = await deps.store.insertApiKey({ tenantId: input.tenantId, name: input.name, role: input.role, prefix, secretHash: sha256(new TextEncoder().encode(secret)) });
  return { id: row.id, name: row.name, role: row.role, tenantId: row.tenantId, key: `eim_${prefix}_${secret}` };
}

/** The key's identity, or undefined when the key is malformed, unknown, revoked or wrong. */
export async function verifyApiKey(deps: ServiceDeps, key: string): Promise<AuthContext | undefined> {
  const m = KEY_FORMAT.exec(key);
  if (!m) return undefined;
  const row = await deps.store.findApiKeyByPrefix(m[1]!);
  if (!row || row.revokedAt) return undefined;
  // Both sides are SHA-256 outputs of equal length; bytesEqual compares every byte.
  if (!bytesEqual(row.secretHash, sha256(new TextEncoder().encode(m[2]!)))) return undefined;
  return { keyId: row.id, tenantId: row.tenantId, role: row.role };
}

export function hasRole(auth: AuthContext, needed: Role): boolean {
  return ROLES.indexOf(auth.role) >= ROLES.indexOf(needed);
}

export function describeKey(k: ApiKeyRecord): { id: string; name: string; role: Role; prefix: string; createdAt: string; lastUsedAt: string | null; revokedAt: string | null } {
  return { id: k.id, name: k.name, role: k.role, prefix: k.prefix, createdAt: k.createdAt.toISOString(), lastUsedAt: k.lastUsedAt?.toISOString() ?? null, revokedAt: k.revokedAt?.toISOString() ?? null };
}

export async function revokeApiKey(deps: ServiceDeps, tenantId: string, id: string): Promise<void> {
  const keys = await deps.store.listApiKeys(tenantId);
  const k = keys.find((x) => x.id === id);
  if (!k) throw new DomainError('ERR_NOT_FOUND', `no API key ${id}`, 'id');
  if (k.revokedAt) return;
  await deps.store.updateApiKey(id, { revokedAt: deps.now() });
}

/** On first start: an admin key for the default tenant when there is no key at all. */
export async function bootstrapAdminKey(deps: ServiceDeps): Promise<CreatedKey | undefined> {
  if ((await deps.store.countApiKeys()) > 0) return undefined;
  return createApiKey(deps, { tenantId: 'default', name: 'first admin key', role: 'admin' });
}
