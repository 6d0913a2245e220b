// A complete profile download against the SM-DP+ simulator over real HTTPS on 127.0.0.1, on both
// bindings and both curves: the BPP opens on the eUICC side (crypto layer checks every MAC and smdpSign)
// and the profile inside is byte for byte the catalogue's; the signed PIR is verified and recorded.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RSPDefinitions as R } from '../../../src/asn1/index.ts';
import { bytesEqual, toHex } from '../../../src/lib/bytes.ts';
import { type SmdppHandle, startSmdpp } from '../../../simulators/smdpp/server.ts';
import { type Binding, RspClient } from './es9-client.ts';
import { makeTestPki, sampleProfile, type TestPki } from './fixtures.ts';
import { TestEuicc } from './test-euicc.ts';

const SMDP_OID = '2.999.10'; // registeredID of the test PKI's DPauth/DPpb certificates
let t: TestPki;
let smdp: SmdppHandle;

beforeAll(async () => {
  t = makeTestPki();
  smdp = await startSmdpp({ pki: t.pki, host: '127.0.0.1', port: 0, address: 'smdp.example.test' });
});
afterAll(async () => {
  await smdp?.close();
  t?.cleanup();
});

async function download(binding: Binding, setIndex: number, matchingId: string) {
  const profile = sampleProfile(setIndex + 7);
  const entry = await smdp.addProfile({ matchingId, profile, serviceProviderName: 'Test SP', profileName: `P ${matchingId}` });
  const euicc = new TestEuicc(t.pki.sets[setIndex]!);
  const client = new RspClient(smdp.url, binding, { ca: smdp.ca });

  const init = await client.initiateAuthentication(euicc.euiccChallenge, euicc.euiccInfo1(), smdp.address);
  expect(init.failure).toBeUndefined();
  expect(init.ok!.serverSigned1.serverAddress).toBe('smdp.example.test');
  expect(toHex(init.ok!.euiccCiPKIdToBeUsed)).toBe(t.pki.sets[setIndex]!.ciPkId);
  const txid = init.ok!.transactionId;

  const auth = await client.authenticateClient(txid, await euicc.authenticateServer(init.ok!, matchingId));
  expect(auth.failure).toBeUndefined();
  expect(auth.ok!.profileMetaData.serviceProviderName).toBe('Test SP');
  expect(auth.ok!.smdpSigned2.ccRequiredFlag).toBe(false);

  const bpp = await client.getBoundProfilePackage(txid, await euicc.prepareDownload(auth.ok!));
  expect(bpp.failure).toBeUndefined();
  const opened = euicc.open(bpp.ok!, txid);
  expect(bytesEqual(opened.profile, profile)).toBe(true);
  // The StoreMetadata inside the BPP is the profileMetadata sent at AuthenticateClient (SGP.22 v2.5 §5.6.3).
  expect(bytesEqual(opened.storeMetadata, R.StoreMetadataRequest.encode(auth.ok!.profileMetaData))).toBe(true);
  expect(R.ConfigureISDPRequest.decode(opened.configureIsdp).dpProprietaryData?.dpOid).toBe(SMDP_OID);

  expect(await client.handleNotification(await euicc.profileInstallationResult(txid, SMDP_OID, smdp.address))).toBe(204);
  const pir = await smdp.recorded.waitFor('notification', (e) => e.transactionId === toHex(txid).toUpperCase());
  return { entry, euicc, pir };
}

describe('SM-DP+ simulator: full download', () => {
  for (const binding of ['json', 'asn1'] as const) {
    for (const [setIndex, curve] of [[0, 'P-256'], [1, 'brainpoolP256r1']] as const) {
      it(`${binding} binding, ${curve}: BPP opens to the catalogue's profile; verified PIR recorded`, async () => {
        expect(t.pki.sets[setIndex]!.curve).toBe(curve);
        const { entry, euicc, pir } = await download(binding, setIndex, `MID-${binding}-${setIndex}`);
        expect(pir).toMatchObject({ kind: 'profileInstallationResult', verified: true, problems: [], finalResult: 'success', eid: euicc.eid, matchingId: entry.matchingId });
        expect(entry.state).toBe('installed');
        expect(smdp.events.some((e) => e.type === 'bppDelivered' && e.matchingId === entry.matchingId)).toBe(true);
      });
    }
  }

  it('answers JSON with the GSMA header and echoes X-Admin-Protocol', async () => {
    const { postJson } = await import('../../../simulators/common/https-client.ts');
    const euicc = new TestEuicc(t.pki.sets[0]!);
    const body = { euiccChallenge: Buffer.from(euicc.euiccChallenge).toString('base64'), euiccInfo1: Buffer.from(R.EUICCInfo1.encode(euicc.euiccInfo1())).toString('base64'), smdpAddress: smdp.address };
    const res = await postJson(smdp.url, '/gsma/rsp2/es9plus/initiateAuthentication', body, { ca: smdp.ca, adminProtocol: 'gsma/rsp/v2.2.0' });
    expect(res.status).toBe(200);
    expect(res.headers['x-admin-protocol']).toBe('gsma/rsp/v2.2.0');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json).toMatchObject({ header: { functionExecutionStatus: { status: 'Executed-Success' } } });
    expect(res.json!.transactionId).toMatch(/^[0-9A-F]{32}$/);
    // serverSignature1 is the whole 5F37 TLV, euiccCiPKIdToBeUsed the whole 04 TLV (osmo-smdpp, lpac)
    expect(Buffer.from(res.json!.serverSignature1 as string, 'base64').subarray(0, 3).toString('hex')).toBe('5f3740');
    expect(Buffer.from(res.json!.euiccCiPKIdToBeUsed as string, 'base64').subarray(0, 2).toString('hex')).toBe('0414');
  });
});
