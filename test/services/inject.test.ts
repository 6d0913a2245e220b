// Inject mode (SGP.32 v1.2 §6.3.3.1): the eIM pushes packages to an IPA that listens (the IPA simulator's
// inject listener over HTTPS), handles the results carried in the responses, and pushes the
// acknowledgements back. Runs on PGlite, or PostgreSQL with DATABASE_URL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpsInjectClient } from '../../src/clients/inject-client.ts';
import { trustAnchorsPem } from '../../src/clients/download-relay.ts';
import { createOrder } from '../../src/services/create-order.ts';
import { Injector } from '../../src/services/inject.ts';
import { registerEuicc } from '../../src/services/register-euicc.ts';
import { VirtualEuicc } from '../../simulators/euicc/euicc.ts';
import { tlsFromPkiDirectory } from '../../simulators/common/tls.ts';
import { IpaSimulator, type InjectListener } from '../../simulators/ipa/index.ts';
import { eimConfigFor, startTestEim, testPki, type TestEim, type TestPkiDir } from '../support/eim.ts';

let pki: TestPkiDir;
let eim: TestEim;
let listener: InjectListener;
let card: VirtualEuicc;
let injector: Injector;

beforeAll(async () => {
  pki = testPki(1);
  eim = await startTestEim(pki.pki);
  card = VirtualEuicc.fromPki(pki.dir, { curve: 'P-256' });
  const signer = pki.pki.sets.find((s) => s.curve === 'P-256')!.roles.eimSign!.signer!;
  const r = await card.addInitialEim([eimConfigFor(signer)]);
  const token = 'addInitialEimOk' in r && 'associationToken' in r.addInitialEimOk[0]! ? Number(r.addInitialEimOk[0].associationToken) : undefined;
  const ca = trustAnchorsPem(pki.pki);
  // The IPA's retrieve-mode URL is not used here: everything travels in inject mode.
  const ipa = new IpaSimulator({ card, eimUrl: 'https://127.0.0.1:9', ca, capabilities: { ipaFeatures: ['directRspServerCommunication'], ipaSupportedProtocols: ['ipaRetrieveHttps', 'ipaInjectHttps'] } });
  listener = await ipa.startInjectListener({ tls: tlsFromPkiDirectory(pki.dir, 'dpTls') });
  await registerEuicc(eim.deps, { eid: card.eid, injectUrl: listener.url, ...(token !== undefined ? { associationToken: token } : {}) });
  injector = new Injector(eim.deps, eim.service.book, new HttpsInjectClient({ ca, servername: 'localhost', log: eim.deps.log }));
  eim.deps.hooks = { orderQueued: (id) => injector.kick(id) };
}, 60_000);

afterAll(async () => {
  await injector?.idle();
  await listener?.close();
  await eim?.close();
  pki?.cleanup();
});

describe('inject mode', () => {
  it('pushes the certificate request and the package; the results in the responses complete the order; acknowledgements go back', async () => {
    const order = await createOrder(eim.deps, { eid: card.eid, request: { kind: 'psmo', operations: [{ op: 'getRAT' }] } });
    await injector.idle();
    const done = (await eim.deps.store.findOrder(order.id))!;
    expect(done.status).toBe('done');
    expect(done.outcome).toMatchObject({ verified: true, operations: [{ operation: 'getRAT', ok: true }] });
    const euicc = (await eim.deps.store.findEuiccByEid(card.eid))!;
    expect(euicc.euiccCertificate).not.toBeNull();
    // The eIM acknowledged the result by pushing eimAcknowledgements: the eUICC no longer keeps it.
    expect(card.snapshot().packageResults).toHaveLength(0);
  });

  it('an unreachable IPA leaves the package for a retrieve-mode poll', async () => {
    const euicc = (await eim.deps.store.findEuiccByEid(card.eid))!;
    await eim.deps.store.updateEuicc(euicc.id, { injectUrl: 'https://127.0.0.1:9' });
    const order = await createOrder(eim.deps, { eid: card.eid, request: { kind: 'psmo', operations: [{ op: 'getRAT' }] } });
    await injector.idle();
    expect((await eim.deps.store.findOrder(order.id))!.status).toBe('delivered');
    await eim.deps.store.updateEuicc(euicc.id, { injectUrl: listener.url });
    injector.kick(euicc.id);
    await injector.idle();
    expect((await eim.deps.store.findOrder(order.id))!.status).toBe('done');
  });
});
