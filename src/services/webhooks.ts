// Webhooks (issue 6 §3): a tenant registers URLs that receive its events, signed, at least once.
// The secret is generated (or given) at creation and shown once; reads never return it.
import { DomainError, invalid } from '../domain/errors.ts';
import type { ServiceDeps } from './deps.ts';
import type { DeliveryStatus, WebhookDeliveryRecord, WebhookRecord } from './webhook-ports.ts';
import { generateWebhookSecret } from './webhook-signature.ts';

export interface WebhookPolicy {
  /** Plain http to hosts other than loopback (labs only). */
  allowHttp: boolean;
}

export interface WebhookView {
  id: string;
  url: string;
  eventTypes: string[];
  active: boolean;
  /** The secret's first characters, to tell secrets apart. */
  secretHint: string;
  createdAt: string;
}

export interface WebhookInput {
  url: string;
  eventTypes?: string[];
  secret?: string;
  active?: boolean;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;
const TYPE_PREFIX = /^[a-z][A-Za-z0-9_.-]{0,99}$/;

export function checkWebhookUrl(value: string, policy: WebhookPolicy): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid('url', 'must be an absolute URL');
  }
  if (url.username || url.password) throw invalid('url', 'must not carry credentials (the signature authenticates the eIM)');
  if (url.protocol === 'https:') return url.toString();
  if (url.protocol === 'http:' && (policy.allowHttp || LOOPBACK.test(url.hostname))) return url.toString();
  throw invalid('url', policy.allowHttp ? 'must be http or https' : 'must be https (http only to a loopback address)');
}

function checkTypes(types: string[] | undefined): string[] {
  const list = [...new Set(types ?? [])];
  const bad = list.find((t) => !TYPE_PREFIX.test(t));
  if (bad !== undefined) throw invalid('eventTypes', `"${bad}" is not an event type or prefix (e.g. "order." or "euicc.registered")`);
  return list;
}

export function describeWebhook(w: WebhookRecord): WebhookView {
  return { id: w.id, url: w.url, eventTypes: w.eventTypes, active: w.active, secretHint: w.secret.slice(0, 10), createdAt: w.createdAt.toISOString() };
}

async function mustFind(deps: ServiceDeps, tenantId: string, id: string): Promise<WebhookRecord> {
  const w = await deps.store.findWebhook(tenantId, id);
  if (!w) throw new DomainError('ERR_NOT_FOUND', `no webhook ${id}`, 'id');
  return w;
}

/** Registers a webhook for events after the newest one written so far. */
export async function createWebhook(deps: ServiceDeps, tenantId: string, input: WebhookInput, policy: WebhookPolicy): Promise<WebhookView & { secret: string }> {
  const url = checkWebhookUrl(input.url, policy);
  const eventTypes = checkTypes(input.eventTypes);
  const secret = input.secret ?? generateWebhookSecret();
  const cursor = await deps.store.lastEventId();
  const row = await deps.store.insertWebhook({ tenantId, url, secret, eventTypes, cursor });
  if (input.active === false) await deps.store.updateWebhook(row.id, { active: false });
  return { ...describeWebhook({ ...row, active: input.active ?? true }), secret };
}

export async function getWebhook(deps: ServiceDeps, tenantId: string, id: string): Promise<WebhookView> {
  return describeWebhook(await mustFind(deps, tenantId, id));
}

export async function listWebhooks(deps: ServiceDeps, tenantId: string): Promise<WebhookView[]> {
  return (await deps.store.listWebhooks(tenantId)).map(describeWebhook);
}

/** Changes a webhook; `rotateSecret` generates a new secret, returned once. Deactivated webhooks keep their place and resume where they stopped. */
export async function updateWebhook(deps: ServiceDeps, tenantId: string, id: string, input: Partial<WebhookInput> & { rotateSecret?: boolean }, policy: WebhookPolicy): Promise<WebhookView & { secret?: string }> {
  const w = await mustFind(deps, tenantId, id);
  if (input.rotateSecret && input.secret) throw invalid('secret', 'give a secret or rotateSecret, not both');
  const secret = input.rotateSecret ? generateWebhookSecret() : input.secret;
  const patch = {
    ...(input.url !== undefined ? { url: checkWebhookUrl(input.url, policy) } : {}),
    ...(input.eventTypes !== undefined ? { eventTypes: checkTypes(input.eventTypes) } : {}),
    ...(input.active !== undefined ? { active: input.active } : {}),
    ...(secret !== undefined ? { secret } : {}),
  };
  await deps.store.updateWebhook(id, patch);
  const view = describeWebhook({ ...w, ...patch });
  return input.rotateSecret ? { ...view, secret: secret! } : view;
}

export async function deleteWebhook(deps: ServiceDeps, tenantId: string, id: string): Promise<void> {
  if (!(await deps.store.deleteWebhook(tenantId, id))) throw new DomainError('ERR_NOT_FOUND', `no webhook ${id}`, 'id');
}

export async function listWebhookDeliveries(deps: ServiceDeps, tenantId: string, id: string, q: { before?: number; limit: number; status?: DeliveryStatus }): Promise<WebhookDeliveryRecord[]> {
  await mustFind(deps, tenantId, id);
  return deps.store.listDeliveries(id, q.before, q.limit, q.status);
}
