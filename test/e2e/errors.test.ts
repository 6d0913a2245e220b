// End to end, what goes wrong on the wire (GitHub issue 5 §7): unknown and malformed EIDs get the
// function's error code (SGP.32 v1.2 GetEimPackageResponse eidNotFound(2) / invalidEid(3) / missingEid(4),
// ProvideEimPackageResultResponse the same), and malformed bodies get the right 4xx on both bindings with
// nothing changed in the database (checklist §5.5).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SGP32Definitions as S } from '../../src/asn1/index.ts';
import { fromHex, toBase64 } from '../../src/lib/bytes.ts';
import { createOrder } from '../../src/services/create-order.ts';
import { post } from '../../simulators/common/https-client.ts';
import { VirtualEuicc } from '../../simulators/euicc/euicc.ts';
import { IpaSimulator } from '../../simulators/ipa/index.ts';
import { type Binding, type Device, newDevice, type Rig, rowCounts, startRig } from './support.ts';

let rig: Rig;
let device: Device;
let queuedOrder: string;
beforeAll(async () => {
  rig = await startRig({ euiccs: 4 });
  device = await newDevice(rig, 'P-256', 0, 'asn1');
  queuedOrder = (await createOrder(rig.eim.deps, { eid: device.eid, request: { kind: 'euiccData', tags: ['bf20'] } })).id;
}, 60_000);
afterAll(async () => {
  await rig?.close();
});

const ASN1 = 'application/x-gsma-rsp-asn1';
const raw = (path: string, contentType: string, body: Uint8Array | string) =>
  post(`${rig.eim.esipa.url}${path}`, contentType, typeof body === 'string' ? new TextEncoder().encode(body) : body, { ca: rig.ca });
const json = async (fn: string, body: unknown) => {
  const res = await raw(`/gsma/rsp2/esipa/${fn}`, 'application/json', JSON.stringify(body));
  const isJson = String(res.headers['content-type'] ?? '').startsWith('application/json');
  return { status: res.status, json: isJson ? (JSON.parse(new TextDecoder().decode(res.body)) as Record<string, unknown>) : undefined };
};
/** An EID of the test PKI that was never registered in the eIM. */
const unknownCard = () => VirtualEuicc.fromPki(rig.pkiDir, { curve: 'P-256', euiccIndex: 3 });
/** 16 bytes whose digits fail the EID check digits (ITU-T E.118-style mod 97). */
const BAD_CHECK = '89049032123451234512345678901234';

describe.each<Binding>(['asn1', 'json'])('EIDs on the %s binding', (binding) => {
  it('an EID the eIM does not know: eidNotFound(2) for GetEimPackage and for ProvideEimPackageResult', async () => {
    const ipa = new IpaSimulator({ card: unknownCard(), eimUrl: rig.eim.esipa.url, binding, ca: rig.ca, retry: { attempts: 1 } });
    expect(await ipa.pollOnce()).toMatchObject({ package: 'eimPackageError', eimPackageError: 2 });
    const someResult = S.EimPackageResult.encode({ eimPackageResultResponseError: { eimPackageResultErrorCode: 127 } });
    expect(await ipa.esipa.provideEimPackageResult(await ipa.eid(), someResult)).toEqual({ provideEimPackageResultError: 2 });
  });

  it('a malformed EID: invalidEid(3); a missing one: missingEid(4)', async () => {
    if (binding === 'asn1') {
      // 15 bytes: the SIZE(16) constraint fails while decoding; the binding still answers with the function's code.
      const short = await raw('/gsma/rsp2/asn1', ASN1, fromHex(`bf4f115a0f${BAD_CHECK.slice(0, 30)}`));
      expect(short.status).toBe(200);
      expect(S.EsipaMessageFromEimToIpa.decode(short.body)).toEqual({ getEimPackageResponse: { eimPackageError: 3 } });
      const bad = await raw('/gsma/rsp2/asn1', ASN1, S.GetEimPackageRequest.encode({ eidValue: fromHex(BAD_CHECK) }));
      expect(S.EsipaMessageFromEimToIpa.decode(bad.body)).toEqual({ getEimPackageResponse: { eimPackageError: 3 } });
      const provide = await raw('/gsma/rsp2/asn1', ASN1, fromHex(`bf50145a0f${BAD_CHECK.slice(0, 30)}a003020101`));
      expect(S.EsipaMessageFromEimToIpa.decode(provide.body)).toEqual({ provideEimPackageResultResponse: { provideEimPackageResultError: 3 } });
    } else {
      expect((await json('getEimPackage', { eidValue: 'not-an-eid' })).json).toMatchObject({ eimPackageError: 3 });
      expect((await json('getEimPackage', { eidValue: BAD_CHECK })).json).toMatchObject({ eimPackageError: 3 });
      expect((await json('getEimPackage', {})).json).toMatchObject({ eimPackageError: 4 });
      const failed = (await json('provideEimPackageResult', { eidValue: '1234', eimPackageResult: toBase64(fromHex('a003020101')) })).json!;
      expect(failed.header).toMatchObject({ functionExecutionStatus: { status: 'Failed', statusCodeData: { message: 'invalidEid (3)' } } });
    }
  });
});

describe('malformed bodies change nothing', () => {
  let before: Record<string, number>;
  beforeAll(async () => {
    before = await rowCounts(rig);
  });

  it('ASN.1 binding: undecodable, truncated, unknown alternative → 400; wrong media type → 415; other path → 404', async () => {
    expect((await raw('/gsma/rsp2/asn1', ASN1, fromHex('deadbeef'))).status).toBe(400);
    expect((await raw('/gsma/rsp2/asn1', ASN1, fromHex(`bf4f205a10${device.eid}`))).status).toBe(400); // length runs past the end
    expect((await raw('/gsma/rsp2/asn1', ASN1, new Uint8Array())).status).toBe(400);
    // A TransferEimPackageResponse is an answer, not a request.
    expect((await raw('/gsma/rsp2/asn1', ASN1, fromHex('bf4e020500'))).status).toBe(400);
    // A ProvideEimPackageResult whose signed result is cut short.
    expect((await raw('/gsma/rsp2/asn1', ASN1, fromHex(`bf501a5a10${device.eid}bf5105a003300100`))).status).toBe(400);
    expect((await raw('/gsma/rsp2/asn1', 'application/json', S.GetEimPackageRequest.encode({ eidValue: fromHex(device.eid) }))).status).toBe(415);
    expect((await raw('/gsma/rsp2/nothing', ASN1, fromHex('bf4f00'))).status).toBe(404);
  });

  it('JSON binding: not JSON, missing or badly encoded fields → 400; wrong media type → 415; unknown function → 404', async () => {
    expect((await raw('/gsma/rsp2/esipa/getEimPackage', 'application/json', '{"eidValue":')).status).toBe(400);
    expect((await raw('/gsma/rsp2/esipa/getEimPackage', 'application/json', '[1,2]')).status).toBe(400);
    expect((await json('provideEimPackageResult', { eidValue: device.eid })).status).toBe(400);
    expect((await json('provideEimPackageResult', { eidValue: device.eid, eimPackageResult: '%%%' })).status).toBe(400);
    expect((await json('provideEimPackageResult', { eidValue: device.eid, eimPackageResult: toBase64(fromHex('bf5105a003300100')) })).status).toBe(400);
    expect((await json('getEimPackage', { eidValue: device.eid, stateChangeCause: 'fallback' })).status).toBe(400);
    expect((await json('handleNotification', { pendingNotification: toBase64(fromHex('0102')) })).status).toBe(400);
    expect((await raw('/gsma/rsp2/esipa/getEimPackage', 'text/plain', JSON.stringify({ eidValue: device.eid }))).status).toBe(415);
    expect((await json('noSuchFunction', {})).status).toBe(404);
  });

  it('the database is as it was, and the queued order is still waiting for its device', async () => {
    expect(await rowCounts(rig)).toEqual(before);
    expect((await rig.eim.deps.store.findOrder(queuedOrder))!.status).toBe('queued');
    const r = await device.ipa.pollOnce();
    expect(r.package).toBe('ipaEuiccDataRequest');
    expect((await rig.eim.deps.store.findOrder(queuedOrder))!.status).toBe('done');
  });
});
