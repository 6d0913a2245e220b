// Indirect profile download through the eIM (SGP.32 v1.2 §3.2; checklist §4): the IPA's ESipa calls go to
// the eIM in process, the eIM relays them over real HTTPS on loopback to the SM-DP+ and SM-DS simulators
// (JSON and ASN.1 bindings), and the virtual eUICC does the eUICC side. Runs on PGlite, or PostgreSQL with
// DATABASE_URL.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RSPDefinitions as R, SGP32Definitions as S } from '../../src/asn1/index.ts';
import { HttpsRspClient } from '../../src/clients/rsp-client.ts';
import { trustAnchorsPem } from '../../src/clients/download-relay.ts';
import { randomBytes } from '../../src/crypto/engine.ts';
import { fromHex, toHex } from '../../src/lib/bytes.ts';
import { createOrder } from '../../src/services/create-order.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';
import { DownloadRelayService, withDownloadRelay } from '../../src/services/download-relay.ts';
import { EimService } from '../../src/services/eim-service.ts';
import type { EsipaFunctions } from '../../src/services/esipa-functions.ts';
import type { Database } from '../../src/store/database.ts';
import { createStore } from '../../src/store/repositories.ts';
import { notifications } from '../../src/store/schema.ts';
import type { VirtualEuicc } from '../../simulators/euicc/euicc.ts';
import { type SmdppHandle, startSmdpp } from '../../simulators/smdpp/server.ts';
import { type SmdsHandle, startSmds } from '../../simulators/smds/server.ts';
import { openTestDatabase } from '../support/database.ts';
import { associatedEuicc, EIM_ID, signersOf, type TestEim, testPki } from '../support/eim.ts';
import { sampleProfile } from '../simulators/smdpp/fixtures.ts';
import { IPA_CTX, okOf, TestIpa } from './relay-ipa.ts';

const t = testPki(12);
let database: Database;
let deps: ServiceDeps;
let client: HttpsRspClient;
let relay: DownloadRelayService;
let service: EimService;
let eim: EsipaFunctions;
let smdp: SmdppHandle;
let smds: SmdsHandle;
const warnings: string[] = [];

beforeAll(async () => {
  smds = await startSmds({ pki: t.pki });
  smdp = await startSmdpp({ pki: t.pki, smds: { url: smds.url } });
  database = await openTestDatabase();
  deps = {
    store: createStore(database.db),
    eim: { eimId: EIM_ID, signers: signersOf(t.pki) },
    trustAnchors: t.pki.trustAnchors,
    log: { info() {}, warn: (msg) => warnings.push(msg), error: (msg) => warnings.push(msg) },
    now: () => new Date(),
    defaultOrderTtlMs: 24 * 3600_000,
  };
  client = new HttpsRspClient({ ca: trustAnchorsPem(t.pki), log: deps.log, timeoutMs: 5000 });
  relay = new DownloadRelayService(deps, client, { forwarder: { intervalMs: 0, backoffMs: 10 } });
  service = new EimService(deps, relay, { lastSeenFlushMs: 0 });
  eim = withDownloadRelay(service, relay);
});

afterAll(async () => {
  await relay?.close();
  await service?.close();
  await database?.close();
  await smdp?.close();
  await smds?.close();
  t.cleanup();
});

let cards = 0;
/** A fresh virtual eUICC associated with the eIM (12 in the PKI; the two curves share EIDs). */
function newCard(): Promise<VirtualEuicc> {
  const n = cards++;
  return associatedEuicc({ deps } as TestEim, t.dir, t.pki, n % 2 ? 'brainpoolP256r1' : 'P-256', n);
}

async function downloadOrder(card: VirtualEuicc, matchingId: string, register = false) {
  const profile = sampleProfile(cards, 2500);
  const entry = await smdp.addProfile({ matchingId, profile, ...(register ? { eid: card.eid, registerSmdsEvent: true } : {}) });
  const order = await createOrder(deps, { eid: card.eid, request: { kind: 'download', activationCode: smdp.activationCode(matchingId) } });
  return { profile, entry, order };
}

const orderOf = async (id: string) => (await deps.store.findOrder(id))!;
const calls = (fn: string) => smdp.recorded.of('call').filter((c) => c.function === fn).length;

describe.each(['json', 'asn1'] as const)('indirect download over the ES9+ %s binding', (binding) => {
  beforeAll(() => client.configure(smdp.address, { binding }));

  it('installs the catalogue profile from an activation-code order, completes the order and forwards the PIR', async () => {
    const card = await newCard();
    const { profile, entry, order } = await downloadOrder(card, `AC-${binding}`);
    const ipa = new TestIpa(eim, card);
    const trigger = await ipa.trigger();
    expect(trigger.profileDownloadData).toEqual({ activationCode: smdp.activationCode(`AC-${binding}`) });
    const before = smdp.recorded.of('call').length;
    const { init, pir } = await ipa.download(trigger.eimTransactionId, { smdpAddress: smdp.address });

    expect(okOf(init, 'initiateAuthenticationOkEsipa').matchingId).toBe(`AC-${binding}`);
    expect('successResult' in pir.profileInstallationResultData.finalResult).toBe(true);
    // the profile the eUICC decrypted is the catalogue's, byte for byte
    expect(card.snapshot().profiles.map((p) => p.content)).toEqual([toHex(profile)]);
    const done = await orderOf(order.id);
    expect(done).toMatchObject({ status: 'done', error: null, outcome: { iccid: entry.iccid, smdpAddress: smdp.address } });

    // the PIR reached the SM-DP+ (HandleNotification to its notificationAddress) and verified there
    await relay.forwarder.kick();
    const txid = toHex(ipa.transactionId!).toUpperCase();
    expect(await smdp.recorded.waitFor('notification', (e) => e.transactionId === txid)).toMatchObject({ verified: true, finalResult: 'success', eid: card.eid, matchingId: `AC-${binding}` });
    expect(entry.state).toBe('installed');
    // every call went over the binding configured for this SM-DP+, each function once
    const seen = smdp.recorded.of('call').slice(before);
    expect(seen.map((c) => c.function)).toEqual(['initiateAuthentication', 'authenticateClient', 'getBoundProfilePackage', 'handleNotification']);
    expect(new Set(seen.map((c) => c.path))).toEqual(new Set(binding === 'json' ? seen.map((c) => `/gsma/rsp2/es9plus/${c.function}`) : ['/gsma/rsp2/asn1']));
    const rows = await database.db.select().from(notifications).where(eq(notifications.euiccId, (await deps.store.findEuiccByEid(card.eid))!.id));
    expect(rows.map((r) => [r.event, r.status, r.verified])).toEqual([['install', 'forwarded', true]]);
    const session = await deps.store.findDownloadSessionByEimTransactionId(trigger.eimTransactionId!);
    expect(session).toMatchObject({ state: 'done', smdpAddress: smdp.address, smdpTransactionId: txid, matchingId: `AC-${binding}`, orderId: order.id });
  });

  it('a refusal by the SM-DP+ is its ESipa error value, and the order keeps the server codes', async () => {
    const card = await newCard();
    const { order } = await downloadOrder(card, `REFUSED-${binding}`);
    const ipa = new TestIpa(eim, card);
    const init = await ipa.initiate((await ipa.trigger()).eimTransactionId, { smdpAddress: smdp.address });
    smdp.script({ function: 'authenticateClient', error: 'matchingIdRefused' });
    expect(await ipa.authenticate(okOf(init, 'initiateAuthenticationOkEsipa'))).toEqual({ authenticateClientErrorEsipa: 6 });
    const failed = await orderOf(order.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'ERR_RSP_SERVER_REFUSED', details: { function: 'authenticateClient', server: smdp.address, esipaError: 6 } });
    expect(failed.error!.details).toMatchObject(binding === 'json' ? { subjectCode: '8.2.6', reasonCode: '3.8', status: 'Failed' } : { asn1Code: 6 });
  });
});

describe('the relay', () => {
  beforeAll(() => client.configure(smdp.address, { binding: 'json' }));

  it('fills in smdpAddress (activation code) and euiccInfo1 (IpaEuiccData) when the IPA leaves them out', async () => {
    const card = await newCard();
    // the eIM learns EUICCInfo1 from an IpaEuiccData answer first
    await createOrder(deps, { eid: card.eid, request: { kind: 'euiccData', tags: ['bf20'] } });
    const pkg = await eim.getEimPackage({ eidValue: fromHex(card.eid) }, IPA_CTX);
    const request = S.GetEimPackageResponse.decode(S.GetEimPackageResponse.encode(pkg)) as { ipaEuiccDataRequest: S.IpaEuiccDataRequest };
    const data = S.IpaEuiccDataResponse.decode(card.ipaEuiccData(request.ipaEuiccDataRequest));
    await eim.provideEimPackageResult({ eidValue: fromHex(card.eid), eimPackageResult: { ipaEuiccDataResponse: data } }, IPA_CTX);

    const { profile, order } = await downloadOrder(card, 'MINIMAL');
    const ipa = new TestIpa(eim, card);
    await ipa.download((await ipa.trigger()).eimTransactionId);
    expect(card.snapshot().profiles.map((p) => p.content)).toEqual([toHex(profile)]);
    expect((await orderOf(order.id)).status).toBe('done');
  });

  it('answers invalidEimTransactionId(52) for an unknown eimTransactionId and for a finished order', async () => {
    const card = await newCard();
    const ipa = new TestIpa(eim, card);
    expect(await ipa.initiate(randomBytes(16))).toEqual({ initiateAuthenticationErrorEsipa: 52 });
    expect(await ipa.initiate(undefined)).toEqual({ initiateAuthenticationErrorEsipa: 52 });
    await downloadOrder(card, 'ONCE');
    const trigger = await ipa.trigger();
    await ipa.download(trigger.eimTransactionId, { smdpAddress: smdp.address });
    expect(await ipa.initiate(trigger.eimTransactionId, { smdpAddress: smdp.address })).toEqual({ initiateAuthenticationErrorEsipa: 52 });
    // unknown SM-DP+ transactionIds are refused per function
    const none = { transactionId: randomBytes(16) };
    expect(await eim.getBoundProfilePackage({ ...none, prepareDownloadResponse: { downloadResponseError: { transactionId: none.transactionId, downloadErrorCode: 127 } } }, IPA_CTX)).toEqual({ getBoundProfilePackageErrorEsipa: 95 });
    expect(await eim.cancelSession({ ...none, cancelSessionResponse: { cancelSessionResponseError: 127 } }, IPA_CTX)).toEqual({ cancelSessionError: 1 });
  });

  it('a connection dropped at GetBoundProfilePackage is undefinedError(127); the request is not sent again', async () => {
    const card = await newCard();
    const { order } = await downloadOrder(card, 'DROPPED');
    const ipa = new TestIpa(eim, card);
    const init = await ipa.initiate((await ipa.trigger()).eimTransactionId, { smdpAddress: smdp.address });
    const auth = await ipa.authenticate(okOf(init, 'initiateAuthenticationOkEsipa'));
    smdp.script({ function: 'getBoundProfilePackage', drop: true });
    const before = calls('getBoundProfilePackage');
    expect(await ipa.getBpp(okOf(auth, 'authenticateClientOkDPEsipa'))).toEqual({ getBoundProfilePackageErrorEsipa: 127 });
    expect(calls('getBoundProfilePackage')).toBe(before + 1);
    expect((await orderOf(order.id)).error).toMatchObject({ code: 'ERR_RSP_SERVER_UNAVAILABLE', details: { function: 'getBoundProfilePackage', failure: 'transport', esipaError: 127 } });
  });

  it('an SM-DP+ answering after the timeout is undefinedError(127), recorded as a timeout; the request is not sent again', async () => {
    const card = await newCard();
    const { order } = await downloadOrder(card, 'SLOW');
    const ipa = new TestIpa(eim, card);
    const trigger = await ipa.trigger();
    client.configure(smdp.address, { binding: 'json', timeoutMs: 300 });
    smdp.script({ function: 'initiateAuthentication', delayMs: 1200 });
    const before = calls('initiateAuthentication');
    try {
      expect(await ipa.initiate(trigger.eimTransactionId, { smdpAddress: smdp.address })).toEqual({ initiateAuthenticationErrorEsipa: 127 });
    } finally {
      client.configure(smdp.address, { binding: 'json' });
    }
    expect(calls('initiateAuthentication')).toBe(before + 1);
    expect((await orderOf(order.id))).toMatchObject({ status: 'failed', error: { code: 'ERR_RSP_SERVER_TIMEOUT', details: { failure: 'timeout', esipaError: 127 } } });
  });

  it('an unreachable SM-DP+ is retried (nothing was sent), then undefinedError(127)', async () => {
    const card = await newCard();
    const order = await createOrder(deps, { eid: card.eid, request: { kind: 'download', activationCode: '1$127.0.0.1:1$NOWHERE' } });
    const ipa = new TestIpa(eim, card);
    expect(await ipa.initiate((await ipa.trigger()).eimTransactionId, { smdpAddress: '127.0.0.1:1' })).toEqual({ initiateAuthenticationErrorEsipa: 127 });
    expect((await orderOf(order.id)).error).toMatchObject({ code: 'ERR_RSP_SERVER_UNAVAILABLE', details: { failure: 'unreachable', server: '127.0.0.1:1' } });
  });

  it('CancelSession is relayed to the SM-DP+ and closes the order with the reason the eUICC signed', async () => {
    const card = await newCard();
    const { order, entry } = await downloadOrder(card, 'CANCELLED');
    const ipa = new TestIpa(eim, card);
    const init = await ipa.initiate((await ipa.trigger()).eimTransactionId, { smdpAddress: smdp.address });
    okOf(await ipa.authenticate(okOf(init, 'initiateAuthenticationOkEsipa')), 'authenticateClientOkDPEsipa');
    expect(await ipa.cancel(0)).toEqual({ cancelSessionOk: {} });
    expect(await smdp.recorded.waitFor('cancelled', (e) => e.transactionId === toHex(ipa.transactionId!).toUpperCase())).toMatchObject({ verified: true, reason: 0, matchingId: 'CANCELLED' });
    expect(entry.state).toBe('failed');
    expect(await orderOf(order.id)).toMatchObject({ status: 'cancelled', error: { code: 'ERR_DOWNLOAD_CANCELLED', details: { cancelSessionReason: 0, reason: 'endUserRejection' } } });
  });

  it('an SM-DS event becomes a download from the SM-DP+ the event names', async () => {
    const card = await newCard();
    const matchingId = `EVT-${card.eid.slice(-6)}`;
    const profile = sampleProfile(42, 2000);
    await smdp.addProfile({ matchingId, profile, eid: card.eid, registerSmdsEvent: true });
    const order = await createOrder(deps, { eid: card.eid, request: { kind: 'download', contactSmds: { smdsAddress: smds.address } } });
    const ipa = new TestIpa(eim, card);
    const init = okOf(await ipa.initiate((await ipa.trigger()).eimTransactionId, { smdpAddress: smds.address }), 'initiateAuthenticationOkEsipa');
    expect(R.ServerSigned1.decode(R.ServerSigned1.encode(init.serverSigned1)).serverAddress).toBe(smds.address);
    const ds = okOf(await ipa.authenticate(init), 'authenticateClientOkDSEsipa');
    expect(ds.profileDownloadTrigger!.profileDownloadData).toEqual({ activationCode: `1$${smdp.address}$${matchingId}` });
    expect(await smds.recorded.waitFor('retrieved', (e) => e.eid === card.eid)).toMatchObject({ eventIds: [matchingId] });

    await ipa.download(ds.profileDownloadTrigger!.eimTransactionId);
    expect(card.snapshot().profiles.map((p) => p.content)).toEqual([toHex(profile)]);
    expect(await orderOf(order.id)).toMatchObject({ status: 'done', outcome: { smdpAddress: smdp.address } });
  });

  it('no SM-DS event for the eUICC: eventIdUnknown(56) and the order fails', async () => {
    const card = await newCard();
    const order = await createOrder(deps, { eid: card.eid, request: { kind: 'download', contactSmds: { smdsAddress: smds.address } } });
    const ipa = new TestIpa(eim, card);
    const init = okOf(await ipa.initiate((await ipa.trigger()).eimTransactionId, { smdpAddress: smds.address }), 'initiateAuthenticationOkEsipa');
    expect(await ipa.authenticate(init)).toEqual({ authenticateClientErrorEsipa: 56 });
    expect((await orderOf(order.id)).status).toBe('failed');
  });
});
