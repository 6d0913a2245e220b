// Scripted failures and transport behaviour of the SM-DP+ simulator: a chosen function error on both
// bindings, an explicit status, a delay, a dropped connection, a bare HTTP status; bounded request
// bodies, content-type and X-Admin-Protocol checks, and no HTML anywhere.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, postJson } from '../../../simulators/common/https-client.ts';
import { type SmdppHandle, startSmdpp } from '../../../simulators/smdpp/server.ts';
import { RspClient } from './es9-client.ts';
import { makeTestPki, sampleProfile, type TestPki } from './fixtures.ts';
import { expectFailure, fullDownload } from './steps.ts';
import { TestEuicc } from './test-euicc.ts';

let t: TestPki;
let smdp: SmdppHandle;
beforeAll(async () => {
  t = makeTestPki();
  smdp = await startSmdpp({ pki: t.pki, address: 'smdp.example.test', maxBodyBytes: 64 * 1024 });
});
afterAll(async () => {
  await smdp?.close();
  t?.cleanup();
});

const euicc = () => new TestEuicc(t.pki.sets[0]!);

describe('SM-DP+ simulator: scripted failures', () => {
  for (const binding of ['json', 'asn1'] as const) {
    it(`${binding}: a named error answers the next call of that function, once; the one after succeeds`, async () => {
      const client = new RspClient(smdp.url, binding, { ca: smdp.ca });
      smdp.script({ function: 'initiateAuthentication', error: 'ciPKNotSupported' });
      const e = euicc();
      expectFailure(await client.initiateAuthentication(e.euiccChallenge, e.euiccInfo1(), smdp.address), binding, { json: ['8.8.2', '3.1'], asn1: 3 });
      expect((await client.initiateAuthentication(e.euiccChallenge, e.euiccInfo1(), smdp.address)).ok).toBeDefined();
    });

    it(`${binding}: an explicit status and ASN.1 value, applied twice`, async () => {
      const client = new RspClient(smdp.url, binding, { ca: smdp.ca });
      smdp.script({ function: 'initiateAuthentication', status: { subjectCode: '8.8', reasonCode: '4.2', message: 'busy' }, asn1Code: 127, times: 2 });
      const e = euicc();
      for (let i = 0; i < 2; i++) expectFailure(await client.initiateAuthentication(e.euiccChallenge, e.euiccInfo1(), smdp.address), binding, { json: ['8.8', '4.2'], asn1: 127 });
      expect((await client.initiateAuthentication(e.euiccChallenge, e.euiccInfo1(), smdp.address)).ok).toBeDefined();
    });
  }

  it('a delay holds the answer back; the download still completes', async () => {
    await smdp.addProfile({ matchingId: 'SCRIPT-DELAY', profile: sampleProfile() });
    smdp.script({ function: 'getBoundProfilePackage', delayMs: 300 });
    const started = Date.now();
    await fullDownload(new RspClient(smdp.url, 'json', { ca: smdp.ca }), euicc(), smdp, 'SCRIPT-DELAY');
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('a dropped connection gives the client a socket error, not an answer', async () => {
    smdp.script({ function: 'initiateAuthentication', binding: 'json', drop: true });
    const e = euicc();
    await expect(new RspClient(smdp.url, 'json', { ca: smdp.ca }).initiateAuthentication(e.euiccChallenge, e.euiccInfo1(), smdp.address)).rejects.toThrow(/socket hang up|ECONNRESET/);
  });

  it('a bare HTTP status has an empty body', async () => {
    smdp.script({ function: 'authenticateClient', httpStatus: 503 });
    const res = await postJson(smdp.url, '/gsma/rsp2/es9plus/authenticateClient', {}, { ca: smdp.ca });
    expect(res.status).toBe(503);
    expect(res.body.length).toBe(0);
  });
});

describe('SM-DP+ simulator: transport', () => {
  const opts = () => ({ ca: smdp.ca });
  it('an unknown path is a bare 404, never HTML', async () => {
    const res = await post(`${smdp.url}/index.html`, 'text/html', new Uint8Array(), opts());
    expect(res.status).toBe(404);
    expect(res.body.length).toBe(0);
  });

  it('request bodies are bounded (413)', async () => {
    const res = await post(`${smdp.url}/gsma/rsp2/es9plus/initiateAuthentication`, 'application/json', new Uint8Array(65 * 1024).fill(0x20), opts());
    expect(res.status).toBe(413);
  });

  it('wrong content type → 415; X-Admin-Protocol other than gsma/rsp/v2.x.y → 400', async () => {
    expect((await post(`${smdp.url}/gsma/rsp2/es9plus/initiateAuthentication`, 'text/plain', new TextEncoder().encode('{}'), opts())).status).toBe(415);
    expect((await postJson(smdp.url, '/gsma/rsp2/es9plus/initiateAuthentication', {}, { ...opts(), adminProtocol: 'gsma/rsp/v1.0.0' })).status).toBe(400);
    expect((await post(`${smdp.url}/gsma/rsp2/asn1`, 'application/json', new Uint8Array([0xa2, 0x00]), opts())).status).toBe(415);
  });

  it('undecodable ASN.1 → 400; a JSON request missing a field → Failed 1.3.1/2.2', async () => {
    expect((await post(`${smdp.url}/gsma/rsp2/asn1`, 'application/x-gsma-rsp-asn1', new Uint8Array([0xa2, 0x05, 0x01]), opts())).status).toBe(400);
    const res = await postJson(smdp.url, '/gsma/rsp2/es9plus/authenticateClient', { transactionId: 'AB' }, opts());
    expect(res.json).toMatchObject({ header: { functionExecutionStatus: { status: 'Failed', statusCodeData: { subjectCode: '1.3.1', reasonCode: '2.2' } } } });
  });
});
