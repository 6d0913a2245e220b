// Every SGP.22 check of the SM-DP+ simulator, on both bindings: the request is refused with the
// function's error (JSON subject/reason codes, ASN.1 error INTEGER) and the refusal is recorded.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from '../../../src/crypto/engine.ts';
import { fromHex } from '../../../src/lib/bytes.ts';
import { type SmdppHandle, startSmdpp } from '../../../simulators/smdpp/server.ts';
import { RspClient } from './es9-client.ts';
import { makeTestPki, sampleProfile, type TestPki } from './fixtures.ts';
import { authenticate, authenticated, expectFailure, fullDownload, initiate } from './steps.ts';
import { TestEuicc } from './test-euicc.ts';

let t: TestPki;
let other: TestPki; // a second, unrelated PKI: its CI is unknown to the SM-DP+
let smdp: SmdppHandle;
let n = 0;
const mid = () => `REJ-${++n}`;

beforeAll(async () => {
  t = makeTestPki();
  other = makeTestPki();
  smdp = await startSmdpp({ pki: t.dir, address: 'smdp.example.test' });
});
afterAll(async () => {
  await smdp?.close();
  t?.cleanup();
  other?.cleanup();
});

for (const binding of ['json', 'asn1'] as const) {
  describe(`SM-DP+ simulator rejections (${binding} binding)`, () => {
    const client = () => new RspClient(smdp.url, binding, { ca: smdp.ca });
    const euicc = (i = 0) => new TestEuicc(t.pki.sets[0]!, i);
    const add = async (extra: Partial<Parameters<SmdppHandle['addProfile']>[0]> = {}) => (await smdp.addProfile({ matchingId: mid(), profile: sampleProfile(), ...extra })).matchingId;

    it('InitiateAuthentication: another SM-DP+ address → invalidDpAddress (8.8.1/3.8, 1)', async () => {
      const e = euicc();
      expectFailure(await client().initiateAuthentication(e.euiccChallenge, e.euiccInfo1(), 'other.example.test'), binding, { json: ['8.8.1', '3.8'], asn1: 1 });
    });

    it('InitiateAuthentication: only unknown CI PKIds → ciPKNotSupported (8.8.2/3.1, 3)', async () => {
      const e = new TestEuicc(other.pki.sets[0]!);
      expectFailure(await client().initiateAuthentication(e.euiccChallenge, e.euiccInfo1(), smdp.address), binding, { json: ['8.8.2', '3.1'], asn1: 3 });
    });

    it('AuthenticateClient: unknown matchingId → matchingIdRefused (8.2.6/3.8, 6)', async () => {
      const { auth } = await authenticate(client(), euicc(), smdp, 'NO-SUCH-ORDER');
      expectFailure(auth, binding, { json: ['8.2.6', '3.8'], asn1: 6 });
      expect(smdp.events.some((e) => e.type === 'rejected' && e.error === 'matchingIdRefused')).toBe(true);
    });

    it('AuthenticateClient: expired order → downloadOrderExpired (8.8.5/4.10, 18)', async () => {
      const m = await add({ expiresAt: new Date(Date.now() - 1000) });
      expectFailure((await authenticate(client(), euicc(), smdp, m)).auth, binding, { json: ['8.8.5', '4.10'], asn1: 18 });
    });

    it('AuthenticateClient: a used single-use matchingId → matchingIdRefused; a reusable one downloads again', async () => {
      const single = await add();
      await fullDownload(client(), euicc(), smdp, single);
      expectFailure((await authenticate(client(), euicc(), smdp, single)).auth, binding, { json: ['8.2.6', '3.8'], asn1: 6 });
      const reusable = await add({ reusable: true });
      await fullDownload(client(), euicc(), smdp, reusable);
      await fullDownload(client(), euicc(1), smdp, reusable);
      expect(smdp.catalogue.get(reusable)!.downloads).toBe(2);
    });

    it('AuthenticateClient: an order bound to another EID → eidMismatch (8.1.1/3.8, 7)', async () => {
      const m = await add({ eid: t.pki.sets[0]!.euiccs[1]!.eid });
      expectFailure((await authenticate(client(), euicc(0), smdp, m)).auth, binding, { json: ['8.1.1', '3.8'], asn1: 7 });
      await authenticated(client(), euicc(1), smdp, m); // the bound eUICC gets it
      smdp.catalogue.remove(m); // keep it from being the pending order of the next test
    });

    it('AuthenticateClient: without matchingId, the pending order for the EID is found (default SM-DP+)', async () => {
      const e = euicc(1);
      const m = await add({ eid: e.eid });
      const { ok } = await authenticated(client(), e, smdp, undefined);
      expect(ok.profileMetaData.profileName).toBe(m);
      smdp.catalogue.remove(m);
    });

    it('AuthenticateClient: bad euiccSignature1 → euiccSignatureInvalid (8.1/6.1, 5)', async () => {
      const m = await add();
      expectFailure((await authenticate(client(), euicc(), smdp, m, { corruptSignature: true })).auth, binding, { json: ['8.1', '6.1'], asn1: 5 });
    });

    it('AuthenticateClient: wrong serverChallenge → euiccSignatureInvalid (8.1/6.1, 5)', async () => {
      const m = await add();
      expectFailure((await authenticate(client(), euicc(), smdp, m, { serverChallenge: randomBytes(16) })).auth, binding, { json: ['8.1', '6.1'], asn1: 5 });
    });

    it('AuthenticateClient: eUICC certificate chaining to an unknown CI → ciPKUnknown (8.11.1/3.9, 9)', async () => {
      const m = await add();
      const stranger = new TestEuicc(other.pki.sets[0]!, 0, fromHex(t.pki.sets[0]!.ciPkId)); // claims our CI
      expectFailure((await authenticate(client(), stranger, smdp, m)).auth, binding, { json: ['8.11.1', '3.9'], asn1: 9 });
    });

    it('AuthenticateClient: unknown transactionId, or a signed one that differs → invalidTransactionId (8.10.1/3.9, 10)', async () => {
      const m = await add();
      const e = euicc();
      const init = await initiate(client(), e, smdp);
      const asr = await e.authenticateServer(init, m);
      expectFailure(await client().authenticateClient(randomBytes(16), asr), binding, { json: ['8.10.1', '3.9'], asn1: 10 });
      const e2 = euicc();
      const init2 = await initiate(client(), e2, smdp);
      const mismatched = await e2.authenticateServer(init2, m, { transactionId: randomBytes(16) });
      expectFailure(await client().authenticateClient(init2.transactionId, mismatched), binding, { json: ['8.10.1', '3.9'], asn1: 10 });
    });

    it('GetBoundProfilePackage: unknown transactionId → invalidTransactionId (8.10.1/3.9, 95); bad euiccSignature2 → euiccSignatureInvalid (8.1/6.1, 1)', async () => {
      const m = await add();
      const e = euicc();
      const { txid, ok } = await authenticated(client(), e, smdp, m);
      expectFailure(await client().getBoundProfilePackage(randomBytes(16), await e.prepareDownload(ok)), binding, { json: ['8.10.1', '3.9'], asn1: 95 });
      expectFailure(await client().getBoundProfilePackage(txid, await e.prepareDownload(ok, { corruptSignature: true })), binding, { json: ['8.1', '6.1'], asn1: 1 });
      expect((await client().getBoundProfilePackage(txid, await e.prepareDownload(ok))).ok).toBeDefined();
    });

    it('Confirmation Code: ccRequiredFlag set; missing hashCc, wrong code, retries exceeded; the right code downloads', async () => {
      const m = await add({ confirmationCode: '4711', confirmationCodeRetries: 2 });
      const e = euicc();
      const { txid, ok } = await authenticated(client(), e, smdp, m);
      expect(ok.smdpSigned2.ccRequiredFlag).toBe(true);
      expectFailure(await client().getBoundProfilePackage(txid, await e.prepareDownload(ok)), binding, { json: ['8.2.7', '2.2'], asn1: 2 });
      expectFailure(await client().getBoundProfilePackage(txid, await e.prepareDownload(ok, { confirmationCode: '0000' })), binding, { json: ['8.2.7', '3.8'], asn1: 3 });
      const right = await e.prepareDownload(ok, { confirmationCode: '4711' });
      const bpp = await client().getBoundProfilePackage(txid, right);
      expect(bpp.failure).toBeUndefined();
      expect(e.open(bpp.ok!, txid).profile.length).toBeGreaterThan(0);

      const m2 = await add({ confirmationCode: '4711', confirmationCodeRetries: 2 });
      const s = await authenticated(client(), e, smdp, m2);
      expectFailure(await client().getBoundProfilePackage(s.txid, await e.prepareDownload(s.ok, { confirmationCode: '1' })), binding, { json: ['8.2.7', '3.8'], asn1: 3 });
      expectFailure(await client().getBoundProfilePackage(s.txid, await e.prepareDownload(s.ok, { confirmationCode: '2' })), binding, { json: ['8.2.7', '6.4'], asn1: 4 });
      expectFailure(await client().getBoundProfilePackage(s.txid, await e.prepareDownload(s.ok, { confirmationCode: '4711' })), binding, { json: ['8.2.7', '6.4'], asn1: 4 });
    });

    it('CancelSession: signed cancel accepted and recorded; unknown transactionId → invalidTransactionId (8.10.1/3.9, 1)', async () => {
      const m = await add();
      const e = euicc();
      const { txid } = await authenticated(client(), e, smdp, m);
      const csr = await e.cancelSessionResponse(txid, '2.999.10', 1);
      expectFailure(await client().cancelSession(randomBytes(16), csr), binding, { json: ['8.10.1', '3.9'], asn1: 1 });
      expect((await client().cancelSession(txid, csr)).ok).toBe(true);
      const cancelled = await smdp.recorded.waitFor('cancelled', (c) => c.matchingId === m);
      expect(cancelled).toMatchObject({ verified: true, reason: 1 });
      expect(smdp.catalogue.get(m)!.state).toBe('released'); // postponed: the order stays downloadable
      expectFailure(await client().cancelSession(txid, csr), binding, { json: ['8.10.1', '3.9'], asn1: 1 }); // session is gone
    });

    it('CancelSession: another smdpOid → refused (8.8/3.10, 127)', async () => {
      const m = await add();
      const e = euicc();
      const { txid } = await authenticated(client(), e, smdp, m);
      expectFailure(await client().cancelSession(txid, await e.cancelSessionResponse(txid, '2.999.99', 0)), binding, { json: ['8.8', '3.10'], asn1: 127 });
    });
  });
}
