// Webhooks (issue 6 §3): CRUD, signed deliveries checked by a receiver on 127.0.0.1, type filters,
// tenant isolation, retries with backoff after 500s, timeouts and refused connections, a cap, and
// at-least-once delivery across dispatcher restarts, with a delivery log per webhook.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { retryDelay, WebhookDispatcher, type DispatcherOptions } from '../../src/services/webhook-dispatcher.ts';
import { checkWebhookUrl } from '../../src/services/webhooks.ts';
import { startTestEim, testPki, type TestEim, type TestPkiDir } from '../support/eim.ts';
import { emitTest, startEventsApi, startReceiver, waitUntil, type EventsApi, type ReceivedRequest } from '../support/events.ts';

let pki: TestPkiDir;
let eim: TestEim;
let t: EventsApi;
let admin: string;
const cleanups: (() => Promise<unknown>)[] = [];

const FAST: DispatcherOptions = { pollMs: 20, timeoutMs: 250, leaseMs: 800, retry: { baseMs: 100, maxDelayMs: 1000, maxAttempts: 4 } };

function dispatcher(options: DispatcherOptions = {}): WebhookDispatcher {
  const d = new WebhookDispatcher(eim.deps.store, t.feed, { ...FAST, ...options });
  cleanups.push(() => d.stop());
  return d;
}

async function receiver(respond?: Parameters<typeof startReceiver>[0]) {
  const r = await startReceiver(respond);
  cleanups.push(() => r.close());
  return r;
}

async function hook(url: string, extra: Record<string, unknown> = {}, key = admin): Promise<{ id: string; secret: string }> {
  const r = await t.call('POST', '/api/v1/webhooks', key, { url, ...extra });
  expect(r.status).toBe(201);
  cleanups.push(() => t.call('DELETE', `/api/v1/webhooks/${r.body.id}`, key));
  return r.body;
}

const deliveries = async (id: string, query = '') => (await t.call('GET', `/api/v1/webhooks/${id}/deliveries${query}`, admin)).body.items;

/** The receiver's side of the documented scheme, written independently of the eIM's code. */
function verify(secret: string, r: ReceivedRequest): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(r.headers['x-eim-signature']));
  if (!m) return false;
  const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${m[1]}.${r.body}`).digest();
  return Math.abs(Date.now() / 1000 - Number(m[1])) < 300 && timingSafeEqual(expected, Buffer.from(m[2]!, 'hex'));
}

beforeAll(async () => {
  pki = testPki(1);
  eim = await startTestEim(pki.pki);
  t = await startEventsApi(eim);
  admin = await t.key('acme', 'admin');
}, 60_000);
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await t?.close();
  await eim?.close();
  pki?.cleanup();
});

describe('webhook registration', () => {
  it('creates a webhook whose secret is shown once; lists, changes and deletes it', async () => {
    const created = await t.call('POST', '/api/v1/webhooks', admin, { url: 'https://hooks.example.com/eim', eventTypes: ['order.'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: 'https://hooks.example.com/eim', eventTypes: ['order.'], active: true, secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{43}$/) });
    const id = created.body.id;
    const shown = await t.call('GET', `/api/v1/webhooks/${id}`, admin);
    expect(shown.body.secret).toBeUndefined();
    expect(shown.body.secretHint).toBe(created.body.secret.slice(0, 10));
    expect((await t.call('GET', '/api/v1/webhooks', admin)).body.items.map((w: { id: string }) => w.id)).toContain(id);
    const patched = await t.call('PATCH', `/api/v1/webhooks/${id}`, admin, { eventTypes: ['euicc.'], active: false, rotateSecret: true });
    expect(patched.body).toMatchObject({ eventTypes: ['euicc.'], active: false, secret: expect.stringMatching(/^whsec_/) });
    expect(patched.body.secret).not.toBe(created.body.secret);
    expect((await t.call('DELETE', `/api/v1/webhooks/${id}`, admin)).status).toBe(204);
    expect((await t.call('GET', `/api/v1/webhooks/${id}`, admin)).status).toBe(404);
  });

  it('accepts https, and http only to loopback; needs the admin role; keeps tenants apart', async () => {
    for (const url of ['http://hooks.example.com/x', 'ftp://127.0.0.1/x', 'https://user:pw@hooks.example.com/', 'not a url']) {
      const r = await t.call('POST', '/api/v1/webhooks', admin, { url });
      expect(r.status, url).toBe(400);
      expect(r.body.details).toMatchObject({ field: 'url' });
    }
    expect((await t.call('POST', '/api/v1/webhooks', admin, { url: 'https://x.example/', eventTypes: ['Order!'] })).status).toBe(400);
    // EIM_WEBHOOKS_ALLOW_HTTP=true lifts the loopback rule (labs).
    expect(checkWebhookUrl('http://hooks.example.com/x', { allowHttp: true })).toBe('http://hooks.example.com/x');
    expect(() => checkWebhookUrl('ftp://hooks.example.com/x', { allowHttp: true })).toThrow('must be http or https');
    const operator = await t.key('acme', 'operator');
    expect((await t.call('POST', '/api/v1/webhooks', operator, { url: 'https://x.example/' })).status).toBe(403);
    const mine = await hook('http://127.0.0.1:9/x');
    const other = await t.key('globex', 'admin');
    expect((await t.call('GET', `/api/v1/webhooks/${mine.id}`, other)).status).toBe(404);
    expect((await t.call('GET', `/api/v1/webhooks/${mine.id}/deliveries`, other)).status).toBe(404);
    expect((await t.call('DELETE', `/api/v1/webhooks/${mine.id}`, other)).status).toBe(404);
    expect((await t.call('GET', '/api/v1/webhooks', other)).body.items).toEqual([]);
  });
});

describe('webhook delivery', () => {
  it('POSTs matching events after its creation, signed with the secret (verified by the receiver)', async () => {
    await emitTest(eim.deps.store, 'acme', 'order.done', -1); // before the webhook: not delivered
    const r = await receiver();
    const secret = 'a-secret-given-by-the-operator-0123456789';
    const w = await hook(r.url, { eventTypes: ['order.', 'euicc.registered'], secret });
    expect(w.secret).toBe(secret);
    dispatcher().start();
    await emitTest(eim.deps.store, 'acme', 'order.done', 1);
    await emitTest(eim.deps.store, 'acme', 'profile.enabled', 2);
    await emitTest(eim.deps.store, 'globex', 'order.done', 3);
    await emitTest(eim.deps.store, 'acme', 'euicc.registered', 4);
    await waitUntil(() => r.received.length >= 2, 5000, 'two deliveries');
    await new Promise((res) => setTimeout(res, 200));
    expect(r.received).toHaveLength(2);
    const bodies = r.received.map((x) => JSON.parse(x.body));
    expect(bodies.map((b) => b.data.n).sort()).toEqual([1, 4]);
    for (const x of r.received) {
      expect(verify(secret, x)).toBe(true);
      expect(verify('another-secret-entirely-0123456789', x)).toBe(false);
      const body = JSON.parse(x.body);
      expect(x.headers).toMatchObject({ 'content-type': 'application/json', 'x-eim-event-id': String(body.id), 'x-eim-event-type': body.type, 'x-eim-webhook-id': w.id, 'x-eim-delivery-attempt': '1' });
      expect(body).toEqual({ id: expect.any(Number), type: body.type, subject: { type: 'test', id: String(body.data.n) }, data: { n: body.data.n }, createdAt: expect.any(String) });
    }
  });

  it("delivers none of a tenant's events to another tenant's webhook", async () => {
    const r = await receiver();
    const other = await t.key('globex', 'admin');
    await hook(r.url, {}, other);
    dispatcher().start();
    await emitTest(eim.deps.store, 'acme', 'order.done', 1);
    await emitTest(eim.deps.store, 'globex', 'order.done', 2);
    await waitUntil(() => r.received.length >= 1);
    await new Promise((res) => setTimeout(res, 200));
    expect(r.received.map((x) => JSON.parse(x.body).data.n)).toEqual([2]);
  });

  it('retries after 500s with growing delays, then records the delivery', async () => {
    const r = await receiver((_req, n) => (n <= 2 ? 500 : 204));
    const w = await hook(r.url);
    dispatcher().start();
    await emitTest(eim.deps.store, 'acme', 'order.done', 1);
    await waitUntil(() => r.received.length >= 3);
    await waitUntil(async () => (await deliveries(w.id))[0]?.status === 'delivered');
    const [d] = await deliveries(w.id);
    expect(d).toMatchObject({ eventType: 'order.done', status: 'delivered', attempts: 3, responseStatus: 204, error: null, nextAttemptAt: null, deliveredAt: expect.any(String) });
    const gap1 = r.received[1]!.at - r.received[0]!.at;
    const gap2 = r.received[2]!.at - r.received[1]!.at;
    // base 100 ms, doubled, jitter 0.8–1.2: at least 80 ms, then at least 160 ms (later under load)
    expect(gap1).toBeGreaterThanOrEqual(75);
    expect(gap2).toBeGreaterThanOrEqual(155);
    expect(r.received.map((x) => x.headers['x-eim-delivery-attempt'])).toEqual(['1', '2', '3']);
  });

  it('retries after a timeout; gives up after the last attempt on refused connections', async () => {
    const slow = await receiver((_req, n) => (n === 1 ? 'hang' : 200));
    const w1 = await hook(slow.url);
    const gone = await startReceiver();
    await gone.close();
    const w2 = await hook(gone.url);
    dispatcher().start();
    await emitTest(eim.deps.store, 'acme', 'order.done', 1);
    await waitUntil(async () => (await deliveries(w1.id))[0]?.status === 'delivered');
    expect(slow.received).toHaveLength(2);
    await waitUntil(async () => (await deliveries(w2.id))[0]?.status === 'failed', 8000, 'the refused delivery to fail');
    const [d] = await deliveries(w2.id);
    expect(d).toMatchObject({ status: 'failed', attempts: 4, responseStatus: null, nextAttemptAt: null, deliveredAt: null });
    expect(d.error).toContain('ECONNREFUSED');
  });

  it('records pending retries with their error and next attempt in the log; filters by status', async () => {
    const r = await receiver(() => 503);
    const w = await hook(r.url);
    dispatcher({ retry: { baseMs: 60_000 } }).start();
    await emitTest(eim.deps.store, 'acme', 'order.done', 1);
    await emitTest(eim.deps.store, 'acme', 'order.failed', 2);
    await waitUntil(async () => (await deliveries(w.id)).filter((d: { attempts: number; error: string | null }) => d.attempts === 1 && d.error).length === 2);
    const log = await deliveries(w.id);
    expect(log.map((d: { eventType: string }) => d.eventType)).toEqual(['order.failed', 'order.done']);
    expect(log[0]).toMatchObject({ status: 'pending', attempts: 1, responseStatus: 503, error: 'HTTP 503', deliveredAt: null });
    const next = Date.parse(log[0].nextAttemptAt) - Date.now();
    expect(next).toBeGreaterThan(30_000);
    expect(await deliveries(w.id, '?status=delivered')).toEqual([]);
    expect(await deliveries(w.id, '?limit=1')).toHaveLength(1);
  });
});

describe('retry schedule', () => {
  it('doubles from the base, is capped, and jitters within [0.8, 1.2)', () => {
    const policy = { baseMs: 10_000, maxDelayMs: 3_600_000, maxAttempts: 12 };
    expect([1, 2, 3, 4].map((n) => retryDelay(policy, n, () => 0.5))).toEqual([10_000, 20_000, 40_000, 80_000]);
    expect(retryDelay(policy, 1, () => 0)).toBe(8000);
    expect(retryDelay(policy, 1, () => 0.999999)).toBe(12_000);
    expect(retryDelay(policy, 11, () => 0.5)).toBe(3_600_000);
    expect(retryDelay(policy, 40, () => 0.999999)).toBe(3_600_000);
  });
});

describe('persistent failure', () => {
  it('disables a webhook whose deliveries keep failing for good, with a webhook.disabled event', async () => {
    const gone = await startReceiver();
    await gone.close();
    const w = await hook(gone.url);
    dispatcher({ retry: { maxAttempts: 1 }, disableAfterFailures: 3 }).start();
    for (let i = 0; i < 3; i++) await emitTest(eim.deps.store, 'acme', 'order.done', i);
    await waitUntil(async () => (await t.call('GET', `/api/v1/webhooks/${w.id}`, admin)).body.active === false, 5000, 'the webhook to be disabled');
    expect((await deliveries(w.id)).map((d: { status: string }) => d.status)).toEqual(['failed', 'failed', 'failed']);
    const events = (await t.call('GET', '/api/v1/events?type=webhook.', admin)).body.items;
    expect(events.filter((e: { subject: { id: string } }) => e.subject.id === w.id)).toEqual([
      expect.objectContaining({ type: 'webhook.disabled', subject: { type: 'webhook', id: w.id }, data: expect.objectContaining({ webhookId: w.id, reason: 'the last 3 deliveries failed' }) }),
    ]);
  });
});

describe('at-least-once across restarts', () => {
  it('delivers events written while no dispatcher ran', async () => {
    const r = await receiver();
    await hook(r.url);
    for (let i = 0; i < 5; i++) await emitTest(eim.deps.store, 'acme', 'order.done', i);
    dispatcher().start();
    await waitUntil(() => r.received.length >= 5);
    expect(r.received.map((x) => JSON.parse(x.body).data.n).sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('delivers a delivery claimed by an instance that died, once its lease has passed', async () => {
    const r = await receiver();
    const w = await hook(r.url);
    const first = dispatcher();
    first.start();
    await first.stop(); // enqueues nothing yet: no events
    await emitTest(eim.deps.store, 'acme', 'order.done', 1);
    // An instance enqueues and claims the delivery, then dies before answering.
    const dead = dispatcher({ concurrency: 0 });
    dead.start();
    await waitUntil(async () => (await deliveries(w.id)).length === 1);
    await dead.stop();
    const now = new Date();
    const claimed = await eim.deps.store.claimDueDeliveries(now, new Date(now.getTime() + 1000), 10);
    expect(claimed.map((c) => c.webhook.id)).toEqual([w.id]);
    const second = dispatcher();
    second.start();
    await waitUntil(() => r.received.length === 1, 5000, 'the delivery after the lease');
    expect(r.received[0]!.at).toBeGreaterThanOrEqual(now.getTime() + 1000); // not while the dead instance held it
    await waitUntil(async () => (await deliveries(w.id))[0].status === 'delivered');
    expect((await deliveries(w.id))[0].attempts).toBe(2);
  });

  it('a dispatcher stopped mid-request leaves the delivery due; the next one sends it again', async () => {
    let hang = true;
    const r = await receiver(() => (hang ? 'hang' : 200));
    const w = await hook(r.url);
    const first = dispatcher({ timeoutMs: 10_000, leaseMs: 20_000 });
    first.start();
    await emitTest(eim.deps.store, 'acme', 'order.done', 1);
    await waitUntil(() => r.received.length === 1);
    await first.stop();
    expect((await deliveries(w.id))[0]).toMatchObject({ status: 'pending', error: 'interrupted: the dispatcher stopped' });
    hang = false;
    dispatcher().start();
    await waitUntil(async () => (await deliveries(w.id))[0].status === 'delivered');
    expect(r.received.map((x) => x.headers['x-eim-event-id'])).toEqual([r.received[0]!.headers['x-eim-event-id'], r.received[0]!.headers['x-eim-event-id']]);
  });
});
