// The SM-DS simulator and the SM-DS path of a download: the SM-DP+ simulator registers an event over
// ES12 when an order bound to an EID is added, the eUICC side retrieves it over ES11 (JSON on the
// es11 and es9plus paths, and the ASN.1 binding) as eventEntries, downloads from the SM-DP+ with the
// EventID as matchingId, and the PIR makes the SM-DP+ delete the event again.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson } from '../../../simulators/common/https-client.ts';
import { type SmdppHandle, startSmdpp } from '../../../simulators/smdpp/server.ts';
import { type SmdsHandle, startSmds } from '../../../simulators/smds/server.ts';
import { type Binding, RspClient } from '../smdpp/es9-client.ts';
import { makeTestPki, sampleProfile, type TestPki } from '../smdpp/fixtures.ts';
import { expectFailure, fullDownload } from '../smdpp/steps.ts';
import { TestEuicc } from '../smdpp/test-euicc.ts';

let t: TestPki;
let smds: SmdsHandle;
let smdp: SmdppHandle;

beforeAll(async () => {
  t = makeTestPki();
  smds = await startSmds({ pki: t.pki, address: 'smds.example.test' });
  smdp = await startSmdpp({ pki: t.pki, address: 'smdp.example.test', smds: { url: smds.url } });
});
afterAll(async () => {
  await smdp?.close();
  await smds?.close();
  t?.cleanup();
});

/** ES11 InitiateAuthentication + AuthenticateClient; the eventEntries result. */
async function retrieve(client: RspClient, euicc: TestEuicc, eventId?: string, opts: { corruptSignature?: boolean } = {}) {
  const init = await client.initiateAuthentication(euicc.euiccChallenge, euicc.euiccInfo1(), smds.address);
  expect(init.failure).toBeUndefined();
  expect(init.ok!.serverSigned1.serverAddress).toBe('smds.example.test');
  return client.authenticateClientEs11(init.ok!.transactionId, await euicc.authenticateServer(init.ok!, eventId, opts));
}

const es11Clients: [string, Binding, string][] = [
  ['JSON /gsma/rsp2/es11', 'json', '/gsma/rsp2/es11'],
  ['JSON /gsma/rsp2/es9plus (lpac)', 'json', '/gsma/rsp2/es9plus'],
  ['ASN.1 binding', 'asn1', ''],
];

describe('SM-DS simulator: register, retrieve, delete', () => {
  for (const [name, binding, prefix] of es11Clients) {
    it(`${name}: an order registered by the SM-DP+ is retrieved as eventEntries, then downloaded and deleted`, async () => {
      const euicc = new TestEuicc(t.pki.sets[0]!, binding === 'asn1' ? 1 : 0);
      const eventId = `EVT-${name.replace(/\W+/g, '-')}`;
      await smdp.addProfile({ matchingId: eventId, profile: sampleProfile(), eid: euicc.eid, registerSmdsEvent: true });
      expect(smds.listEvents().map((e) => e.eventId)).toContain(eventId);
      expect(smdp.events.some((e) => e.type === 'smdsEvent' && e.action === 'register' && e.eventId === eventId && e.ok)).toBe(true);

      const client = new RspClient(smds.url, binding, { ca: smds.ca }, prefix);
      const all = await retrieve(client, euicc);
      expect(all.ok).toContainEqual({ eventId, rspServerAddress: 'smdp.example.test' });
      const one = await retrieve(client, euicc, eventId);
      expect(one.ok).toEqual([{ eventId, rspServerAddress: 'smdp.example.test' }]);

      // The event leads to the SM-DP+: download with the EventID as matchingId; the PIR deletes the event.
      const dp = new RspClient(smdp.url, binding === 'asn1' ? 'asn1' : 'json', { ca: smdp.ca });
      await fullDownload(dp, euicc, smdp, eventId);
      await smds.recorded.waitFor('deleted', (e) => e.eventId === eventId);
      expect((await retrieve(client, euicc)).ok!.map((e) => e.eventId)).not.toContain(eventId);
    });

    it(`${name}: an unknown EventID → eventIdUnknown; a bad euiccSignature1 → euiccSignatureInvalid`, async () => {
      const euicc = new TestEuicc(t.pki.sets[1]!, 0);
      const client = new RspClient(smds.url, binding, { ca: smds.ca }, prefix);
      expectFailure(await retrieve(client, euicc, 'NO-SUCH-EVENT'), binding, { json: ['8.9.5', '3.9'], asn1: 6 });
      expectFailure(await retrieve(client, euicc, undefined, { corruptSignature: true }), binding, { json: ['8.1', '6.1'], asn1: 5 });
      expect(smds.events.some((e) => e.type === 'rejected' && e.error === 'eventIdUnknown')).toBe(true);
    });
  }

  it('ES12 over JSON: register, refuse a duplicate EventID, delete, refuse deleting it again', async () => {
    const eid = t.pki.sets[0]!.euiccs[0]!.eid;
    const body = { eid, eventId: 'ES12-DIRECT', rspServerAddress: 'other-smdp.example.test', forwardingIndicator: false };
    const ok = await postJson(smds.url, '/gsma/rsp2/es12/registerEvent', body, { ca: smds.ca });
    expect(ok.json).toMatchObject({ header: { functionExecutionStatus: { status: 'Executed-Success' } } });
    const dup = await postJson(smds.url, '/gsma/rsp2/es12/registerEvent', body, { ca: smds.ca });
    expect(dup.json).toMatchObject({ header: { functionExecutionStatus: { status: 'Failed', statusCodeData: { subjectCode: '8.9.5', reasonCode: '3.3' } } } });
    const euicc = new TestEuicc(t.pki.sets[0]!, 0);
    expect((await retrieve(new RspClient(smds.url, 'json', { ca: smds.ca }), euicc, 'ES12-DIRECT')).ok).toEqual([{ eventId: 'ES12-DIRECT', rspServerAddress: 'other-smdp.example.test' }]);
    const del = await postJson(smds.url, '/gsma/rsp2/es12/deleteEvent', { eid, eventId: 'ES12-DIRECT' }, { ca: smds.ca });
    expect(del.json).toMatchObject({ header: { functionExecutionStatus: { status: 'Executed-Success' } } });
    const again = await postJson(smds.url, '/gsma/rsp2/es12/deleteEvent', { eid, eventId: 'ES12-DIRECT' }, { ca: smds.ca });
    expect(again.json).toMatchObject({ header: { functionExecutionStatus: { status: 'Failed', statusCodeData: { subjectCode: '8.9.5', reasonCode: '3.9' } } } });
  });

  it('InitiateAuthentication with another SM-DS address is refused (8.9.1/3.8, 1)', async () => {
    const euicc = new TestEuicc(t.pki.sets[0]!, 0);
    for (const binding of ['json', 'asn1'] as const) {
      const r = await new RspClient(smds.url, binding, { ca: smds.ca }, '/gsma/rsp2/es11').initiateAuthentication(euicc.euiccChallenge, euicc.euiccInfo1(), 'smdp.example.test');
      expectFailure(r, binding, { json: ['8.9.1', '3.8'], asn1: 1 });
    }
  });
});
