// The IPA simulator against a minimal ESipa server (ASN.1 binding): what it sends for each package, that
// the eUICC's signed TLVs travel byte for byte, that acknowledged seqNumbers leave the eUICC, state-change
// notification, and retries on transport failures (SGP.32 v1.2 §3.1.1, §6.3.2.6-7; checklist §2.7).

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { SGP32Definitions as S } from '../../../src/asn1/index.ts';
import { bytesEqual, fromHex, toHex } from '../../../src/lib/bytes.ts';
import { trustedCaPem } from '../../../simulators/common/tls.ts';
import type { VirtualEuicc } from '../../../simulators/euicc/euicc.ts';
import { IpaSimulator, TransportError } from '../../../simulators/ipa/index.ts';
import { children } from '../../../simulators/ipa/tlv.ts';
import { cardWithEim, euiccKey, euiccPackage, iccid, makePki, metadata, signedResult, type TestEim, type TestPki } from '../euicc/helpers.ts';
import { type FakeEim, startFakeEim } from './fake-eim.ts';

let p: TestPki;
let fake: FakeEim;
let card: VirtualEuicc;
let eim: TestEim;
let ipa: IpaSimulator;

/** The card, with every ES10 response it gives recorded. */
function recording(c: VirtualEuicc) {
  const responses: Uint8Array[] = [];
  const transmit = async (cmd: Uint8Array) => {
    const r = await c.transmit(cmd);
    responses.push(r);
    return r;
  };
  return { responses, card: Object.assign(Object.create(c) as VirtualEuicc, { transmit }) };
}

let responses: Uint8Array[];
beforeAll(async () => {
  p = makePki();
  fake = await startFakeEim(join(p.dir, 'pki'));
});
afterAll(async () => {
  await fake?.close();
  p?.cleanup();
});
beforeEach(async () => {
  ({ card, eim } = await cardWithEim(p, 'P-256'));
  card.preloadProfile({ metadata: metadata('8901000000000000011'), enabled: true });
  card.preloadProfile({ metadata: metadata('8901000000000000022') });
  const rec = recording(card);
  responses = rec.responses;
  fake.requests.length = 0;
  fake.queue.length = 0;
  ipa = new IpaSimulator({ card: rec.card, eimUrl: fake.url, ca: trustedCaPem(p.pki), retry: { baseDelayMs: 5 } });
});

const last = (fn: string) => fake.requests.filter((r) => r.message && fn in r.message).at(-1)!;

describe('IPA simulator, ASN.1 binding', () => {
  it('polls with its EID; after a local change the next poll carries notifyStateChange and the cause, once', async () => {
    expect(await ipa.pollOnce()).toMatchObject({ package: 'none', removed: [] });
    expect(last('getEimPackageRequest').message).toEqual({ getEimPackageRequest: { eidValue: fromHex(card.eid) } });
    ipa.notifyStateChange(4); // StateChangeCause reset(4)
    expect(await ipa.pollOnce()).toMatchObject({ package: 'none', stateChangeCause: 4 });
    expect(toHex(last('getEimPackageRequest').body)).toBe(`bf4f175a10${card.eid}8000810104`);
    await ipa.pollOnce();
    expect(last('getEimPackageRequest').message).toEqual({ getEimPackageRequest: { eidValue: fromHex(card.eid) } });
  });

  it('a local fallback (ES10b.ExecuteFallbackMechanism) is reported with stateChangeCause fallback(1)', async () => {
    // No profile carries the fallback attribute: the card refuses and nothing is notified.
    expect(await ipa.executeFallback()).toBe(6);
    expect((await ipa.pollOnce()).stateChangeCause).toBeUndefined();
  });

  it("executes a package and sends the eUICC's BF51 byte for byte with the pending notifications (ePRAndNotifications); acknowledged seqNumbers are removed", async () => {
    const txid = fromHex('0102030405060708');
    const pkg = await euiccPackage(card, eim, { psmos: [{ enable: { iccid: iccid('8901000000000000022') } }], eimTransactionId: txid });
    fake.queue.push({ euiccPackageRequest: S.EuiccPackageRequest.decode(pkg) });
    const before = card.snapshot();
    const r = await ipa.pollOnce();
    expect(r).toMatchObject({ package: 'euiccPackageRequest', eimTransactionId: '0102030405060708' });
    // The BF51 the card returned for the package, and the BF2B it returned for RetrieveNotificationsList.
    const epr = responses.find((x) => x[0] === 0xbf && x[1] === 0x51)!;
    const list = responses.find((x) => x[0] === 0xbf && x[1] === 0x2b)!;
    const body = last('provideEimPackageResult').body;
    const [eid, result] = children(body);
    expect(toHex(eid!.value)).toBe(card.eid);
    expect(result!.tag).toBe('30'); // v1.2 ePRAndNotifications
    const [sentEpr, sentList] = children(result!.tlv);
    expect(bytesEqual(sentEpr!.tlv, epr)).toBe(true);
    expect(bytesEqual(sentList!.tlv, children(list)[0]!.tlv)).toBe(true);
    const data = signedResult(sentEpr!.tlv, euiccKey(p, 'P-256'), eim.token);
    expect(data.euiccResult).toEqual([{ enableResult: 0 }]);
    // Notifications: disable of the old profile, enable of the new one; all three seqNumbers acknowledged and removed.
    expect(r.notifications).toHaveLength(2);
    expect(r.answer).toEqual({ eimAcknowledgements: [Number(data.seqNumber), ...r.notifications!] });
    expect(r.removed.sort()).toEqual([Number(data.seqNumber), ...r.notifications!].sort());
    const after = card.snapshot();
    expect(before.notifications).toHaveLength(0);
    expect(after.notifications).toHaveLength(0);
    expect(after.packageResults).toHaveLength(0);
  });

  it('without acknowledgements the result stays on the eUICC (emptyResponse)', async () => {
    fake.provideAnswer = () => ({ emptyResponse: {} });
    try {
      fake.queue.push({ euiccPackageRequest: S.EuiccPackageRequest.decode(await euiccPackage(card, eim, { psmos: [{ getRAT: {} }] })) });
      const r = await ipa.pollOnce();
      expect(r.answer).toEqual({ emptyResponse: true });
      expect(r.sent![0]).toBe(0xbf); // the bare BF51: no notifications were pending
      expect(card.snapshot().packageResults).toHaveLength(1);
    } finally {
      delete fake.provideAnswer;
    }
  });

  it('answers an IpaEuiccDataRequest with its configured capabilities, the eUICC certificate and the eimTransactionId', async () => {
    const caps: S.IpaCapabilities = { ipaFeatures: ['directRspServerCommunication'], ipaSupportedProtocols: ['ipaRetrieveHttps', 'ipaInjectHttps'] };
    ipa = new IpaSimulator({ card, eimUrl: fake.url, ca: trustedCaPem(p.pki), capabilities: caps });
    expect(ipa.downloadMode).toBe('direct');
    fake.queue.push({ ipaEuiccDataRequest: { tagList: fromHex('a8a6bf20'), eimTransactionId: fromHex('aabb') } });
    const r = await ipa.pollOnce();
    expect(r.package).toBe('ipaEuiccDataRequest');
    const sent = S.EimPackageResult.decode(r.sent!);
    if (!('ipaEuiccDataResponse' in sent) || !('ipaEuiccData' in sent.ipaEuiccDataResponse)) throw new Error('expected IpaEuiccData');
    const data = sent.ipaEuiccDataResponse.ipaEuiccData;
    expect(data.ipaCapabilities).toEqual(caps);
    expect(data.euiccCertificate).toBeDefined();
    expect(data.euiccInfo1).toBeDefined();
    expect(toHex(data.eimTransactionId!)).toBe('aabb');
  });

  it('a capability it lacks cannot be chosen as the download mode', () => {
    expect(() => new IpaSimulator({ card, eimUrl: fake.url, ca: 'x', capabilities: { ipaFeatures: ['directRspServerCommunication'] }, download: 'indirect' })).toThrow(/indirectRspServerCommunication/);
  });

  it('retries a dropped connection with exponential backoff', async () => {
    const delays: number[] = [];
    ipa = new IpaSimulator({ card, eimUrl: fake.url, ca: trustedCaPem(p.pki), retry: { attempts: 3, baseDelayMs: 10 }, log: (e, d) => e === 'retry' && delays.push(d!.delayMs as number) });
    fake.drops = 2;
    expect((await ipa.pollOnce()).package).toBe('none');
    expect(delays).toEqual([10, 20]);
  });

  it('gives up after the last attempt with a TransportError, and a result it could not send goes first on the next poll', async () => {
    ipa = new IpaSimulator({ card, eimUrl: fake.url, ca: trustedCaPem(p.pki), retry: { attempts: 2, baseDelayMs: 5 } });
    fake.queue.push({ euiccPackageRequest: S.EuiccPackageRequest.decode(await euiccPackage(card, eim, { psmos: [{ getRAT: {} }] })) });
    fake.dropProvide = 2;
    await expect(ipa.pollOnce()).rejects.toBeInstanceOf(TransportError);
    expect(card.snapshot().packageResults).toHaveLength(1);
    const r = await ipa.pollOnce();
    expect(r.resent?.answer).toHaveProperty('eimAcknowledgements');
    expect(r.resent?.removed).toHaveLength(1);
    expect(card.snapshot().packageResults).toHaveLength(0);
    expect(r.package).toBe('none');
  });

  it('identifies itself as an IPAd (User-Agent) and speaks X-Admin-Protocol', async () => {
    await ipa.pollOnce();
    const h = last('getEimPackageRequest').headers;
    expect(h['user-agent']).toMatch(/^gsma-rsp-ipad/);
    expect(h['x-admin-protocol']).toMatch(/^gsma\/rsp\/v2\./);
    expect(h['content-type']).toBe('application/x-gsma-rsp-asn1');
  });
});
