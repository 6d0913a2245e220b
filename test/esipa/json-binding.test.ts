// ESipa JSON binding over real HTTPS (SGP.32 v1.2 §6.4; checklist §5.2): requests written the way IPAs write
// them (IX esipa_json.c, TT esipa_Types_JSON.ttcn), the typed value the function receives (the same as over
// the ASN.1 binding), and the exact JSON coming back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawBytes, RSPDefinitions as R, SGP32Definitions as S } from '../../src/asn1/index.ts';
import { fromHex, toBase64, toHex } from '../../src/lib/bytes.ts';
import { createEsipaServer, type EsipaServer } from '../../src/esipa/index.ts';
import { answers, type Answers, CHALLENGE_HEX, EID_HEX, EIM_TXID_HEX, requests, SIG64, TXID_HEX } from './fixtures.ts';
import { Client, FakeFunctions, JSON_HEADERS, makeTestPki, type TestPki } from './support.ts';

let pki: TestPki;
let fake: FakeFunctions;
let server: EsipaServer;
let client: Client;
let ans: Answers;
const req = requests();
const OK = { functionExecutionStatus: { status: 'Executed-Success' } };

beforeAll(async () => {
  pki = makeTestPki();
  ans = answers({ dpAuth: pki.dpAuthDer, dpPb: pki.dpPbDer });
  fake = new FakeFunctions();
  server = await createEsipaServer({ functions: fake, tls: { cert: pki.cert, key: pki.key }, host: '127.0.0.1', port: 0 });
  client = new Client(server.url, pki.ca);
});

afterAll(async () => {
  client?.close();
  await server?.close();
  pki?.cleanup();
});

async function call(fn: string, body: unknown, answer?: unknown): Promise<{ status: number; json: unknown; raw: Buffer; contentType: unknown }> {
  fake.answers = answer === undefined ? { ...ans } : { ...ans, [fn]: answer };
  const reply = await client.request(`/gsma/rsp2/esipa/${fn}`, JSON.stringify(body), { headers: JSON_HEADERS });
  const text = reply.body.toString('utf8');
  return { status: reply.status, raw: reply.body, contentType: reply.headers['content-type'], json: reply.status === 200 && text ? JSON.parse(text) : text };
}

const b64 = (hex: string) => toBase64(fromHex(hex));
/** The typed value the fake received, in the project's JSON form, for comparison. */
const received = <T>(type: { toJson(v: T): unknown }) => type.toJson(fake.last().request as T);

describe('ESipa JSON binding: POST /gsma/rsp2/esipa/<function> over HTTPS', () => {
  it('getEimPackage: eidValue, notifyStateChange, stateChangeCause, rPlmn in; euiccPackageRequest (base64 of BF51) out', async () => {
    const r = await call('getEimPackage', { header: { functionRequesterIdentifier: 'ipa', functionCallIdentifier: '1' }, eidValue: EID_HEX, notifyStateChange: true, stateChangeCause: 1, rPlmn: '62F210' });
    expect(r.status).toBe(200);
    expect(r.contentType).toBe('application/json;charset=UTF-8');
    expect(received(S.GetEimPackageRequest)).toEqual(S.GetEimPackageRequest.toJson(req.getEimPackage));
    expect(fake.last().ctx).toMatchObject({ binding: 'json', userAgent: 'gsma-rsp-ipae' });
    if (!('euiccPackageRequest' in ans.getEimPackage)) throw new Error('fixture');
    const bf51 = S.EuiccPackageRequest.encode(ans.getEimPackage.euiccPackageRequest);
    expect(toHex(bf51.subarray(0, 2))).toBe('bf51');
    expect(r.json).toEqual({ header: OK, euiccPackageRequest: toBase64(bf51) });
  });

  it('getEimPackage: notifyStateChange false means absent, rPLMN accepted under the module spelling too', async () => {
    await call('getEimPackage', { eidValue: EID_HEX.toLowerCase(), notifyStateChange: false, rPLMN: '62f210' });
    expect(received(S.GetEimPackageRequest)).toEqual({ eidValue: EID_HEX.toLowerCase(), rPLMN: '62f210' });
  });

  it('getEimPackage with nothing pending: eimPackageError stays an integer next to Executed-Success', async () => {
    const r = await call('getEimPackage', { eidValue: EID_HEX }, { eimPackageError: 1 });
    expect(r.raw.toString()).toBe('{"header":{"functionExecutionStatus":{"status":"Executed-Success"}},"eimPackageError":1}');
  });

  it('getEimPackage: ipaEuiccDataRequest and profileDownloadTriggerRequest as base64 of BF52 / BF54', async () => {
    const ipa = S.GetEimPackageResponse.fromJson({ ipaEuiccDataRequest: { tagList: 'bf20bf22', eimTransactionId: EIM_TXID_HEX } });
    const r1 = await call('getEimPackage', { eidValue: EID_HEX }, ipa);
    expect((r1.json as { ipaEuiccDataRequest: string }).ipaEuiccDataRequest).toBe(toBase64(S.IpaEuiccDataRequest.encode((ipa as { ipaEuiccDataRequest: S.IpaEuiccDataRequest }).ipaEuiccDataRequest)));
    expect(toHex(Buffer.from((r1.json as { ipaEuiccDataRequest: string }).ipaEuiccDataRequest, 'base64').subarray(0, 2))).toBe('bf52');
    const pdt = S.GetEimPackageResponse.fromJson({ profileDownloadTriggerRequest: { profileDownloadData: { activationCode: '1$smdp.example.com$MATCHING-1' }, eimTransactionId: EIM_TXID_HEX } });
    const r2 = await call('getEimPackage', { eidValue: EID_HEX }, pdt);
    expect(Object.keys(r2.json as object)).toEqual(['header', 'profileDownloadTriggerRequest']);
    expect(toHex(Buffer.from((r2.json as { profileDownloadTriggerRequest: string }).profileDownloadTriggerRequest, 'base64').subarray(0, 2))).toBe('bf54');
  });

  it('provideEimPackageResult: eimPackageResult (base64 of the EimPackageResult TLV) in, eimAcknowledgements (BF53) out; signed bytes kept', async () => {
    const epr = S.EimPackageResult.encode(req.provideEimPackageResult.eimPackageResult);
    const r = await call('provideEimPackageResult', { eidValue: EID_HEX, eimPackageResult: toBase64(epr) });
    expect(received(S.ProvideEimPackageResult)).toEqual(S.ProvideEimPackageResult.toJson(req.provideEimPackageResult));
    expect(r.json).toEqual({ header: OK, eimAcknowledgements: b64('bf5306' + '80010c' + '800103') });
    const got = fake.last().request as S.ProvideEimPackageResult;
    const signed = (got.eimPackageResult as { euiccPackageResult: { euiccPackageResultSigned: S.EuiccPackageResultSigned } }).euiccPackageResult.euiccPackageResultSigned;
    expect(toHex(epr)).toContain(toHex(rawBytes(signed.euiccPackageResultDataSigned)!));
  });

  it('provideEimPackageResult: a whole BF50 in eimPackageResult is accepted (as OR does), emptyResponse is the header alone', async () => {
    const bf50 = S.ProvideEimPackageResult.encode({ eimPackageResult: req.provideEimPackageResult.eimPackageResult });
    const r = await call('provideEimPackageResult', { eidValue: EID_HEX, eimPackageResult: toBase64(bf50) }, { emptyResponse: {} });
    expect(received(S.ProvideEimPackageResult)).toEqual(S.ProvideEimPackageResult.toJson(req.provideEimPackageResult));
    expect(r.json).toEqual({ header: OK });
  });

  it('provideEimPackageResult error → Failed with statusCodeData naming the ESipa code', async () => {
    const r = await call('provideEimPackageResult', { eimPackageResult: toBase64(S.EimPackageResult.encode(req.provideEimPackageResult.eimPackageResult)) }, { provideEimPackageResultError: 2 });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      header: { functionExecutionStatus: { status: 'Failed', statusCodeData: { subjectCode: '8.1.1', reasonCode: '3.9', message: 'eidNotFound (2)' } } },
    });
  });

  it('handleNotification: pendingNotification (base64) → 204 with no body', async () => {
    if (!('pendingNotification' in req.handleNotification)) throw new Error('fixture');
    const r = await call('handleNotification', { pendingNotification: toBase64(S.PendingNotification.encode(req.handleNotification.pendingNotification)) });
    expect(r.status).toBe(204);
    expect(r.raw.length).toBe(0);
    expect(received(S.HandleNotificationEsipa)).toEqual(S.HandleNotificationEsipa.toJson(req.handleNotification));
  });

  it('handleNotification: provideEimPackageResult (base64 of BF50) → 204', async () => {
    const r = await call('handleNotification', { provideEimPackageResult: toBase64(S.ProvideEimPackageResult.encode(req.provideEimPackageResult)) });
    expect(r.status).toBe(204);
    expect(received(S.HandleNotificationEsipa)).toEqual(S.HandleNotificationEsipa.toJson({ provideEimPackageResult: req.provideEimPackageResult }));
  });

  it('initiateAuthentication: euiccChallenge is base64 of the 16 raw bytes; signature fields carry values, objects their DER', async () => {
    const r = await call('initiateAuthentication', {
      euiccChallenge: b64(CHALLENGE_HEX),
      smdpAddress: 'smdp.example.com',
      euiccInfo1: toBase64(R.EUICCInfo1.encode(req.initiateAuthentication.euiccInfo1!)),
      eimTransactionId: EIM_TXID_HEX,
    });
    expect(received(S.InitiateAuthenticationRequestEsipa)).toEqual(S.InitiateAuthenticationRequestEsipa.toJson(req.initiateAuthentication));
    if (!('initiateAuthenticationOkEsipa' in ans.initiateAuthentication)) throw new Error('fixture');
    const ok = ans.initiateAuthentication.initiateAuthenticationOkEsipa;
    expect(r.json).toEqual({
      header: OK,
      transactionId: TXID_HEX,
      serverSigned1: toBase64(R.ServerSigned1.encode(ok.serverSigned1)),
      serverSignature1: b64(SIG64),
      euiccCiPKIdentifierToBeUsed: b64('51d227e9c60f3d2244f5ec2f674ffa7524663ae6'),
      serverCertificate: toBase64(pki.dpAuthDer),
      matchingId: 'MATCHING-1',
    });
  });

  it('authenticateClient: transactionId hex and authenticateServerResponse (BF38) in; profileMetadata, smdpSigned2, smdpSignature2, smdpCertificate, hashCc out', async () => {
    const r = await call('authenticateClient', {
      transactionId: TXID_HEX.toLowerCase(),
      authenticateServerResponse: toBase64(S.AuthenticateServerResponse.encode(req.authenticateClient.authenticateServerResponse)),
    });
    expect(received(S.AuthenticateClientRequestEsipa)).toEqual(S.AuthenticateClientRequestEsipa.toJson(req.authenticateClient));
    if (!('authenticateClientOkDPEsipa' in ans.authenticateClient)) throw new Error('fixture');
    const dp = ans.authenticateClient.authenticateClientOkDPEsipa;
    expect(r.json).toEqual({
      header: OK,
      transactionId: TXID_HEX,
      profileMetadata: toBase64(S.StoreMetadataRequest.encode(dp.profileMetaData!)),
      smdpSigned2: toBase64(R.SmdpSigned2.encode(dp.smdpSigned2)),
      smdpSignature2: b64(SIG64),
      smdpCertificate: toBase64(pki.dpPbDer),
      hashCc: b64('cc'.repeat(32)),
    });
    expect(toHex(Buffer.from((r.json as { profileMetadata: string }).profileMetadata, 'base64').subarray(0, 2))).toBe('bf25');
  });

  it('authenticateClient error → Failed (euiccCertificateInvalid → 8.1.3 / 6.1)', async () => {
    const r = await call('authenticateClient', { transactionId: TXID_HEX, authenticateServerResponse: toBase64(S.AuthenticateServerResponse.encode(req.authenticateClient.authenticateServerResponse)) }, { authenticateClientErrorEsipa: 3 });
    expect(r.json).toEqual({ header: { functionExecutionStatus: { status: 'Failed', statusCodeData: { subjectCode: '8.1.3', reasonCode: '6.1', message: 'euiccCertificateInvalid (3)' } } } });
  });

  it('getBoundProfilePackage: prepareDownloadResponse (BF21) in, boundProfilePackage (BF36) out', async () => {
    const r = await call('getBoundProfilePackage', { transactionId: TXID_HEX, prepareDownloadResponse: toBase64(S.PrepareDownloadResponse.encode(req.getBoundProfilePackage.prepareDownloadResponse)) });
    expect(received(S.GetBoundProfilePackageRequestEsipa)).toEqual(S.GetBoundProfilePackageRequestEsipa.toJson(req.getBoundProfilePackage));
    if (!('getBoundProfilePackageOkEsipa' in ans.getBoundProfilePackage)) throw new Error('fixture');
    const bpp = R.BoundProfilePackage.encode(ans.getBoundProfilePackage.getBoundProfilePackageOkEsipa.boundProfilePackage);
    expect(toHex(bpp.subarray(0, 2))).toBe('bf36');
    expect(r.json).toEqual({ header: OK, transactionId: TXID_HEX, boundProfilePackage: toBase64(bpp) });
  });

  it('getBoundProfilePackage error invalidTransactionId (95) → 8.10.1 / 3.9', async () => {
    const r = await call('getBoundProfilePackage', { transactionId: TXID_HEX, prepareDownloadResponse: toBase64(S.PrepareDownloadResponse.encode(req.getBoundProfilePackage.prepareDownloadResponse)) }, { getBoundProfilePackageErrorEsipa: 95 });
    expect(r.json).toEqual({ header: { functionExecutionStatus: { status: 'Failed', statusCodeData: { subjectCode: '8.10.1', reasonCode: '3.9', message: 'invalidTransactionId (95)' } } } });
  });

  it('cancelSession: the eUICC response travels as its own BF41; success is the header alone', async () => {
    const bf41 = S.CancelSessionResponse.encode(req.cancelSession.cancelSessionResponse);
    expect(toHex(bf41.subarray(0, 2))).toBe('bf41');
    const r = await call('cancelSession', { transactionId: TXID_HEX, cancelSessionResponse: toBase64(bf41) });
    expect(received(S.CancelSessionRequestEsipa)).toEqual(S.CancelSessionRequestEsipa.toJson(req.cancelSession));
    expect(r.json).toEqual({ header: OK });
  });

  it('cancelSession error and an error code outside the table', async () => {
    const body = { transactionId: TXID_HEX, cancelSessionResponse: toBase64(S.CancelSessionResponse.encode(req.cancelSession.cancelSessionResponse)) };
    expect((await call('cancelSession', body, { cancelSessionError: 1 })).json).toEqual({
      header: { functionExecutionStatus: { status: 'Failed', statusCodeData: { subjectCode: '8.10.1', reasonCode: '3.9', message: 'invalidTransactionId (1)' } } },
    });
    expect((await call('cancelSession', body, { cancelSessionError: 127 })).json).toEqual({
      header: { functionExecutionStatus: { status: 'Failed', statusCodeData: { subjectCode: '8.8', reasonCode: '4.2', message: 'undefinedError (127)' } } },
    });
    expect((await call('cancelSession', body, { cancelSessionError: 99 })).json).toMatchObject({
      header: { functionExecutionStatus: { status: 'Failed', statusCodeData: { message: 'unknown error (99)' } } },
    });
  });

  it('initiateAuthentication error invalidDpAddress → 8.8.1 / 3.8 (as osmo-smdpp raises it)', async () => {
    const r = await call('initiateAuthentication', { euiccChallenge: b64(CHALLENGE_HEX) }, { initiateAuthenticationErrorEsipa: 1 });
    expect(received(S.InitiateAuthenticationRequestEsipa)).toEqual({ euiccChallenge: CHALLENGE_HEX });
    expect(r.json).toEqual({ header: { functionExecutionStatus: { status: 'Failed', statusCodeData: { subjectCode: '8.8.1', reasonCode: '3.8', message: 'invalidDpAddress (1)' } } } });
  });
});
