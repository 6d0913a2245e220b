// Profile download by the IPA simulator (SGP.32 v1.2 §3.2): direct (ES9+ to the SM-DP+ simulator, then
// ProfileDownloadTriggerResult to the eIM) and indirect (ESipa through a minimal eIM that relays to the
// same SM-DP+), including CancelSession and a relay that fails.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { RSPDefinitions as R, SGP32Definitions as S } from '../../../src/asn1/index.ts';
import { bytesEqual, fromHex, toHex } from '../../../src/lib/bytes.ts';
import { trustedCaPem } from '../../../simulators/common/tls.ts';
import type { VirtualEuicc } from '../../../simulators/euicc/euicc.ts';
import { IpaSimulator } from '../../../simulators/ipa/index.ts';
import { children } from '../../../simulators/ipa/tlv.ts';
import { type SmdppHandle, startSmdpp } from '../../../simulators/smdpp/server.ts';
import { cardWithEim, makePki, type TestPki } from '../euicc/helpers.ts';
import { RspClient } from '../smdpp/es9-client.ts';
import { sampleProfile } from '../smdpp/fixtures.ts';
import { type FakeEim, startFakeEim } from './fake-eim.ts';

let p: TestPki;
let fake: FakeEim;
let smdp: SmdppHandle;
let card: VirtualEuicc;
const EIM_TXID = fromHex('00112233445566778899aabbccddeeff');

beforeAll(async () => {
  p = makePki();
  fake = await startFakeEim(join(p.dir, 'pki'));
  smdp = await startSmdpp({ pki: join(p.dir, 'pki'), address: 'smdp.example.test' });
  fake.smdpAddress = smdp.address;
});
afterAll(async () => {
  await fake?.close();
  await smdp?.close();
  p?.cleanup();
});
beforeEach(async () => {
  ({ card } = await cardWithEim(p, 'P-256'));
  fake.requests.length = 0;
  delete fake.relay;
});

function ipaFor(download: 'direct' | 'indirect', extra: Partial<ConstructorParameters<typeof IpaSimulator>[0]> = {}) {
  return new IpaSimulator({ card, eimUrl: fake.url, ca: trustedCaPem(p.pki), download, smdp: { ca: smdp.ca, url: () => smdp.url }, retry: { attempts: 1 }, ...extra });
}

async function trigger(matchingId: string, profile = sampleProfile(7)) {
  const entry = await smdp.addProfile({ matchingId, profile });
  fake.queue.push({ profileDownloadTriggerRequest: { profileDownloadData: { activationCode: smdp.activationCode(matchingId) }, eimTransactionId: EIM_TXID } });
  return entry;
}

const installed = (iccid: string) => card.snapshot().profiles.find((x) => x.iccid === iccid);
const functionsCalled = () => fake.requests.map((r) => Object.keys(r.message ?? { none: 1 })[0]);

describe('direct download (ES9+ to the SM-DP+)', () => {
  it('installs the profile, notifies the SM-DP+, and reports the PIR as produced in a ProfileDownloadTriggerResult', async () => {
    const entry = await trigger('IPA-DIRECT-1', sampleProfile(11));
    const r = await ipaFor('direct').pollOnce();
    expect(r.download).toMatchObject({ ok: true, mode: 'direct', notified: true, smdpAddress: smdp.address });
    const pir = (r.download as { pir: Uint8Array }).pir;
    // BF54 { 82 eimTransactionId, BF37 the PIR byte for byte }.
    const [txid, sentPir] = children(r.sent!);
    expect(toHex(txid!.value)).toBe(toHex(EIM_TXID));
    expect(bytesEqual(sentPir!.tlv, pir)).toBe(true);
    expect(functionsCalled()).toEqual(['getEimPackageRequest', 'provideEimPackageResult']);
    const n = await smdp.recorded.waitFor('notification', (e) => e.matchingId === 'IPA-DIRECT-1');
    expect(n).toMatchObject({ verified: true, finalResult: 'success', eid: card.eid });
    // The decrypted profile on the card is the catalogue's; the PIR notification left the card once delivered.
    const iccidHex = toHex(R.ProfileInstallationResult.decode(pir).profileInstallationResultData.notificationMetadata.iccid!);
    expect(installed(iccidHex)?.content).toBe(toHex(sampleProfile(11)));
    expect(entry.state).toBe('installed');
    expect(card.snapshot().notifications).toHaveLength(0);
  });

  it('a refused download is reported as profileDownloadError with the SM-DP+ answer', async () => {
    fake.queue.push({ profileDownloadTriggerRequest: { profileDownloadData: { activationCode: smdp.activationCode('NO-SUCH-ORDER') }, eimTransactionId: EIM_TXID } });
    const r = await ipaFor('direct').pollOnce();
    expect(r.download).toMatchObject({ ok: false, stage: 'authenticateClient' });
    const sent = S.EimPackageResult.decode(r.sent!);
    if (!('profileDownloadTriggerResult' in sent)) throw new Error('expected a ProfileDownloadTriggerResult');
    const d = sent.profileDownloadTriggerResult.profileDownloadTriggerResultData;
    expect(d).toMatchObject({ profileDownloadError: { profileDownloadErrorReason: 127 } });
    expect(new TextDecoder().decode((d as { profileDownloadError: { errorResponse: Uint8Array } }).profileDownloadError.errorResponse)).toMatch(/"Failed"/);
  });
});

describe('indirect download (ESipa through the eIM)', () => {
  it('runs InitiateAuthentication, AuthenticateClient, GetBoundProfilePackage and HandleNotification through the eIM', async () => {
    fake.relay = new RspClient(smdp.url, 'json', { ca: smdp.ca });
    const entry = await trigger('IPA-INDIRECT-1', sampleProfile(12));
    const r = await ipaFor('indirect').pollOnce();
    expect(r.download).toMatchObject({ ok: true, mode: 'indirect', notified: true });
    expect(functionsCalled()).toEqual(['getEimPackageRequest', 'initiateAuthenticationRequestEsipa', 'authenticateClientRequestEsipa', 'getBoundProfilePackageRequestEsipa', 'handleNotificationEsipa']);
    // The eIM learns which order the session serves (eimTransactionId) and gets the eUICC's PIR as produced.
    const init = fake.requests[1]!.message as { initiateAuthenticationRequestEsipa: S.InitiateAuthenticationRequestEsipa };
    expect(toHex(init.initiateAuthenticationRequestEsipa.eimTransactionId!)).toBe(toHex(EIM_TXID));
    expect(init.initiateAuthenticationRequestEsipa.smdpAddress).toBe(smdp.address);
    const pir = (r.download as { pir: Uint8Array }).pir;
    expect(toHex(fake.requests[4]!.body)).toContain(toHex(pir));
    expect(r.sent).toBeUndefined();
    const n = await smdp.recorded.waitFor('notification', (e) => e.matchingId === 'IPA-INDIRECT-1');
    expect(n).toMatchObject({ verified: true, finalResult: 'success' });
    expect(entry.state).toBe('installed');
    expect(card.snapshot().notifications).toHaveLength(0);
  });

  it('a profile the device declines is cancelled through the eIM (CancelSession with the eUICC-signed reason)', async () => {
    fake.relay = new RspClient(smdp.url, 'json', { ca: smdp.ca });
    const entry = await trigger('IPA-INDIRECT-CANCEL');
    let seen: Uint8Array | undefined;
    const r = await ipaFor('indirect', { acceptProfile: (metadata) => ((seen = metadata), 1) }).pollOnce();
    expect(R.StoreMetadataRequest.decode(seen!).iccid).toBeDefined();
    expect(r.download).toMatchObject({ ok: false, stage: 'cancelSession', cancelled: { reason: 1, ok: true } });
    const cancel = fake.requests.find((x) => x.message && 'cancelSessionRequestEsipa' in x.message)!;
    expect(children(cancel.body)[1]!.tag).toBe('a1'); // the eUICC's BF41 re-tagged (checklist §1.2)
    const c = await smdp.recorded.waitFor('cancelled', () => true);
    expect(c).toMatchObject({ reason: 1, verified: true, matchingId: 'IPA-INDIRECT-CANCEL' });
    expect(entry.state).toBe('released');
    expect(S.EimPackageResult.decode(r.sent!)).toHaveProperty('profileDownloadTriggerResult');
  });

  it('when the eIM cannot relay, the download is reported as profileDownloadError so the order can close', async () => {
    fake.queue.push({ profileDownloadTriggerRequest: { profileDownloadData: { activationCode: '1$smdp.example.test$X' }, eimTransactionId: EIM_TXID } });
    const r = await ipaFor('indirect').pollOnce();
    expect(r.download).toMatchObject({ ok: false, stage: 'initiateAuthentication', code: 127 });
    const sent = S.EimPackageResult.decode(r.sent!) as { profileDownloadTriggerResult: S.ProfileDownloadTriggerResult };
    expect(toHex(sent.profileDownloadTriggerResult.eimTransactionId!)).toBe(toHex(EIM_TXID));
    expect(sent.profileDownloadTriggerResult.profileDownloadTriggerResultData).toMatchObject({ profileDownloadError: { profileDownloadErrorReason: 127 } });
  });
});
