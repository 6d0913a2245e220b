// Inject mode (SGP.32 v1.2 §6.3.3.1 TransferEimPackage): the eIM pushes packages to the IPA's listener.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { SGP32Definitions as S } from '../../../src/asn1/index.ts';
import { fromBase64, fromHex, toBase64 } from '../../../src/lib/bytes.ts';
import { post, postJson } from '../../../simulators/common/https-client.ts';
import { tlsFromPkiDirectory, trustedCaPem } from '../../../simulators/common/tls.ts';
import { IpaSimulator, type InjectListener } from '../../../simulators/ipa/index.ts';
import { children, tlv } from '../../../simulators/ipa/tlv.ts';
import { cardWithEim, euiccKey, euiccPackage, makePki, signedResult, type TestPki } from '../euicc/helpers.ts';

let p: TestPki;
let listener: InjectListener;
let ca: string;
let setup: Awaited<ReturnType<typeof cardWithEim>>;

beforeAll(async () => {
  p = makePki();
  ca = trustedCaPem(p.pki);
  setup = await cardWithEim(p, 'P-256');
  // The eIM URL is never called in these tests (nothing is pushed that reports later).
  const ipa = new IpaSimulator({ card: setup.card, eimUrl: 'https://127.0.0.1:9', ca });
  listener = await ipa.startInjectListener({ tls: tlsFromPkiDirectory(join(p.dir, 'pki'), 'dpTls') });
});
afterAll(async () => {
  await listener?.close();
  p?.cleanup();
});

const asn1 = (body: Uint8Array) => post(`${listener.url}/gsma/rsp2/asn1`, 'application/x-gsma-rsp-asn1', body, { ca });

describe('inject listener', () => {
  it('ASN.1: a pushed EuiccPackageRequest is executed and answered with the signed result in TransferEimPackageResponse', async () => {
    const pkg = await euiccPackage(setup.card, setup.eim, { psmos: [{ getRAT: {} }] });
    const res = await asn1(tlv([0xbf, 0x4e], pkg));
    expect(res.status).toBe(200);
    const r = S.TransferEimPackageResponse.decode(res.body);
    expect(r).toHaveProperty('euiccPackageResult');
    const data = signedResult(children(res.body)[0]!.tlv, euiccKey(p, 'P-256'), setup.eim.token);
    expect(data.euiccResult[0]).toHaveProperty('getRATResult');
  });

  it('ASN.1: pushed acknowledgements delete the results on the eUICC and are answered eimPackageReceived', async () => {
    const seqs = setup.card.snapshot().packageResults.map((r) => r.seqNumber);
    expect(seqs.length).toBeGreaterThan(0);
    const res = await asn1(S.TransferEimPackageRequest.encode({ eimAcknowledgements: seqs }));
    expect(S.TransferEimPackageResponse.decode(res.body)).toEqual({ eimPackageReceived: null });
    expect(setup.card.snapshot().packageResults).toHaveLength(0);
  });

  it('JSON: a pushed IpaEuiccDataRequest is answered with ipaEuiccDataResponse (base64 of BF52)', async () => {
    const req = S.IpaEuiccDataRequest.encode({ tagList: fromHex('bf20'), eimTransactionId: fromHex('01') });
    const res = await postJson(listener.url, '/gsma/rsp2/esipa/transferEimPackage', { ipaEuiccDataRequest: toBase64(req) }, { ca });
    expect(res.json?.header).toEqual({ functionExecutionStatus: { status: 'Executed-Success' } });
    const data = S.IpaEuiccDataResponse.decode(fromBase64(res.json!.ipaEuiccDataResponse as string));
    expect(data).toHaveProperty('ipaEuiccData.euiccInfo1');
  });

  it('refuses what is not a TransferEimPackageRequest', async () => {
    expect((await asn1(fromHex('bf4f03020101'))).status).toBe(400);
    expect((await postJson(listener.url, '/gsma/rsp2/esipa/transferEimPackage', { something: 'else' }, { ca })).status).toBe(400);
  });
});
