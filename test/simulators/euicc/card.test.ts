// The card as a whole: ES10 dispatch by outer tag (Es10Card), persistence to the state file and back,
// IpaEuiccData for the IPA, the BPP arriving in parts as LPAs send it, memory reset, and the CLI.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { RSPDefinitions as R, SGP32Definitions as S } from '../../../src/asn1/index.ts';
import { fromHex, toHex } from '../../../src/lib/bytes.ts';
import { describeEuicc, openEuicc, registerEuiccSimCommand } from '../../../simulators/euicc/cli.ts';
import { Es10CommandError } from '../../../simulators/euicc/es10-card.ts';
import { VirtualEuicc } from '../../../simulators/euicc/euicc.ts';
import { cardWithEim, eimConfig, euiccKey, euiccPackage, iccid, makePki, metadata, signedResult } from './helpers.ts';

const pki = makePki();
afterAll(() => pki.cleanup());
const pkiDir = join(pki.dir, 'pki');

describe('ES10 dispatch', () => {
  it('answers GetEID, EUICCInfo1/2 and GetCerts for the certificates of the PKI', async () => {
    const card = VirtualEuicc.fromPki(pkiDir, { euiccIndex: 1 });
    expect(card.eid).toBe(pki.set('P-256').euiccs[1]!.eid);
    expect(await card.getEid()).toBe(card.eid);
    const info1 = R.EUICCInfo1.decode(await card.getEuiccInfo1());
    expect(info1.euiccCiPKIdListForSigning.map(toHex)).toEqual(pki.pki.sets.map((s) => s.ciPkId));
    const info2 = S.EUICCInfo2.decode(await card.getEuiccInfo2());
    expect(info2.iotSpecificInfo?.iotVersion).toEqual([fromHex('010200')]);
    expect(info2.ipaMode).toBe(0);
    // one chain per CI: GetCerts by euiccCiPKId gives the brainpool certificates
    const brp = pki.set('brainpoolP256r1');
    const certs = S.GetCertsResponse.decode(await card.getCerts(fromHex(brp.ciPkId)));
    expect('certs' in certs && S.GetCertsResponse.encode(certs).length).toBeGreaterThan(0);
    expect(toHex(await card.getCerts(new Uint8Array(20)))).toBe('bf5603810101'); // getCertsError (automatic tag [1]) invalidCiPKId(1)
  });

  it('a command that is not a known, well-formed ES10 TLV is Es10CommandError', async () => {
    const card = VirtualEuicc.fromPki(pkiDir, {});
    await expect(card.transmit(fromHex('bf7f00'))).rejects.toBeInstanceOf(Es10CommandError);
    await expect(card.transmit(fromHex('bf2d04a0025a00'))).rejects.toBeInstanceOf(Es10CommandError);
    await expect(card.transmit(fromHex('bf5103300100'))).rejects.toBeInstanceOf(Es10CommandError);
    await expect(card.transmit(fromHex('87020000'))).rejects.toBeInstanceOf(Es10CommandError); // a BPP segment with no BPP
  });
});

describe('persistence', () => {
  it('a state file round trip keeps profiles, eIMs with counter and token, notifications and results; writes are atomic', async () => {
    const stateFile = join(pki.dir, 'card.json');
    const { card, eim } = await cardWithEim(pki, 'P-256', { stateFile });
    card.preloadProfile({ metadata: metadata('8944000000000000011'), enabled: true });
    card.preloadProfile({ metadata: metadata('8944000000000000029') });
    signedResult(await card.loadEuiccPackage(await euiccPackage(card, eim, { psmos: [{ enable: { iccid: iccid('8944000000000000029') } }] })), euiccKey(pki, 'P-256'), eim.token);
    expect(readdirSync(pki.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const reopened = VirtualEuicc.fromStateFile(stateFile);
    expect(reopened.snapshot()).toEqual(card.snapshot());
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).format).toBe('sgp32-virtual-euicc/1');
    // the reopened card continues: same token, the counter moved on, replay still refused
    expect(reopened.eims()[0]).toMatchObject({ counterValue: 1, associationToken: eim.token });
    const next = await euiccPackage(reopened, eim, { psmos: [{ listProfileInfo: { tagList: Uint8Array.of(0x5a) } }] });
    const data = signedResult(await reopened.loadEuiccPackage(next), euiccKey(pki, 'P-256'), eim.token);
    expect(data.seqNumber).toBe(card.snapshot().nextSeqNumber);
    // fromPki with an existing state file loads it instead of creating a new card
    expect(VirtualEuicc.fromPki(pkiDir, { curve: 'P-256', stateFile }).snapshot()).toEqual(reopened.snapshot());
  });
});

describe('IpaEuiccData', () => {
  it('answers the tag list with the card data, the stored results and notifications, and echoes eimTransactionId', async () => {
    const { card, eim } = await cardWithEim(pki, 'brainpoolP256r1');
    card.preloadProfile({ metadata: metadata('8944000000000000011'), enabled: true });
    card.preloadProfile({ metadata: metadata('8944000000000000029') });
    const epr = await card.loadEuiccPackage(await euiccPackage(card, eim, { psmos: [{ enable: { iccid: iccid('8944000000000000029') } }] }));
    const seq = signedResult(epr, euiccKey(pki, 'brainpoolP256r1'), eim.token).seqNumber;
    const request: S.IpaEuiccDataRequest = { tagList: fromHex('a0a2bf20bf2283848aa5a6'.replace('8a', '')), eimTransactionId: fromHex('77'), searchCriteriaEuiccPackageResult: { seqNumber: seq } };
    const r = S.IpaEuiccDataResponse.decode(card.ipaEuiccData(S.IpaEuiccDataRequest.encode(request)));
    if (!('ipaEuiccData' in r)) throw new Error('error response');
    const d = r.ipaEuiccData;
    expect(d.notificationsList).toHaveLength(2); // disable of the old profile, enable of the new one
    expect(d.euiccPackageResultList!.map((x) => S.EuiccPackageResult.encode(x))).toEqual([epr]);
    expect(d.associationToken).toBe(eim.token);
    expect(d.rootSmdsAddress).toBe('lpa.ds.gsma.com');
    expect(d.eimTransactionId).toEqual(fromHex('77'));
    expect(d.euiccInfo2?.euiccCiPKIdListForSigning.map(toHex)).toEqual([pki.set('brainpoolP256r1').ciPkId]);
    expect(Object.keys(d)).not.toContain('defaultSmdpAddress'); // asked for nothing else
  });

  it('a tag that is not an IpaEuiccData member is incorrectTagList(1); an unknown CI is euiccCiPKIdNotFound(5)', async () => {
    const card = VirtualEuicc.fromPki(pkiDir, {});
    expect(S.IpaEuiccDataResponse.decode(card.ipaEuiccData({ tagList: fromHex('5a'), eimTransactionId: fromHex('01') }))).toEqual({ ipaEuiccDataResponseError: { eimTransactionId: fromHex('01'), ipaEuiccDataErrorCode: 1 } });
    expect(S.IpaEuiccDataResponse.decode(card.ipaEuiccData({ tagList: fromHex('a6'), euiccCiPKIdentifierToBeUsed: fromHex('0102') }))).toEqual({ ipaEuiccDataResponseError: { ipaEuiccDataErrorCode: 5 } });
  });
});

describe('IPA-initiated functions', () => {
  it('ExecuteFallbackMechanism enables the fallback profile and ReturnFromFallback goes back, with notifications', async () => {
    const { card, eim } = await cardWithEim(pki, 'P-256');
    const fallback = S.ExecuteFallbackMechanismRequest.encode({ refreshFlag: false });
    const back = S.ReturnFromFallbackRequest.encode({ refreshFlag: false });
    card.preloadProfile({ metadata: metadata('8944000000000000011'), enabled: true });
    card.preloadProfile({ metadata: metadata('8944000000000000029') });
    expect(S.ExecuteFallbackMechanismResponse.decode(await card.transmit(fallback))).toEqual({ executeFallbackMechanismResult: 6 }); // no fallback profile
    signedResult(await card.loadEuiccPackage(await euiccPackage(card, eim, { psmos: [{ setFallbackAttribute: { iccid: iccid('8944000000000000029') } }] })), euiccKey(pki, 'P-256'), eim.token);
    expect(S.ReturnFromFallbackResponse.decode(await card.transmit(back))).toEqual({ returnFromFallbackResult: 7 }); // not in fallback
    expect(S.ExecuteFallbackMechanismResponse.decode(await card.transmit(fallback))).toEqual({ executeFallbackMechanismResult: 0 });
    expect(card.snapshot().profiles.map((p) => p.state)).toEqual(['disabled', 'enabled']);
    expect(S.ExecuteFallbackMechanismResponse.decode(await card.transmit(fallback))).toEqual({ executeFallbackMechanismResult: 2 });
    expect(S.ReturnFromFallbackResponse.decode(await card.transmit(back))).toEqual({ returnFromFallbackResult: 0 });
    expect(card.snapshot().profiles.map((p) => p.state)).toEqual(['enabled', 'disabled']);
    expect(card.snapshot().notifications.map((n) => n.event)).toEqual(['notificationDisable', 'notificationEnable', 'notificationDisable', 'notificationEnable']);
  });

  it('SetDefaultDpAddress (BF65) and ConfigureImmediateProfileEnabling, which only works before an eIM is associated', async () => {
    const card = VirtualEuicc.fromPki(pkiDir, {});
    expect(toHex(await card.transmit(S.SetDefaultDpAddressRequest.encode({ defaultDpAddress: 'dp.example.test' })))).toBe('bf6503800100');
    expect(R.EuiccConfiguredAddressesResponse.decode(await card.transmit(fromHex('bf3c00')))).toEqual({ defaultDpAddress: 'dp.example.test', rootDsAddress: 'lpa.ds.gsma.com' });
    const configure = S.ConfigureImmediateProfileEnablingRequest.encode({ immediateEnableFlag: null, defaultSmdpAddress: 'ie.example.test' });
    expect(S.ConfigureImmediateProfileEnablingResponse.decode(await card.transmit(configure))).toEqual({ configImmediateEnableResult: 0 });
    expect(card.snapshot().immediateEnable).toEqual({ enabled: true, defaultSmdpAddress: 'ie.example.test' });
    await card.addInitialEim([eimConfig(pki.set('P-256').roles.eimSign!.signer!)]);
    expect(S.ConfigureImmediateProfileEnablingResponse.decode(await card.transmit(configure))).toEqual({ configImmediateEnableResult: 2 });
  });
});

describe('eUICCMemoryReset', () => {
  it('deletes the operational profiles and the eIM configuration when asked, and says so', async () => {
    const { card } = await cardWithEim(pki, 'P-256');
    card.preloadProfile({ metadata: metadata('8944000000000000011') });
    card.preloadProfile({ metadata: metadata('8944000000000000029', { profileClass: 0 }) });
    const r = S.EuiccMemoryResetResponse.decode(await card.transmit(S.EuiccMemoryResetRequest.encode({ resetOptions: ['deleteOperationalProfiles', 'resetEimConfigData'] })));
    expect(r).toEqual({ resetResult: 0, resetEimResult: 0 });
    expect(card.snapshot().profiles.map((p) => p.iccid)).toEqual([toHex(iccid('8944000000000000029'))]);
    expect(card.eims()).toEqual([]);
    expect(S.EuiccMemoryResetResponse.decode(await card.transmit(S.EuiccMemoryResetRequest.encode({ resetOptions: ['deleteOperationalProfiles'] })))).toEqual({ resetResult: 1 });
  });
});

describe('eim sim euicc', () => {
  it('creates the state file and prints the EID and the associated eIMs', async () => {
    const stateFile = join(pki.dir, 'cli.json');
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => (out.push(s), true)) as typeof process.stdout.write;
    try {
      const sim = new Command('sim').exitOverride();
      registerEuiccSimCommand(sim);
      await sim.parseAsync(['euicc', '--pki', pkiDir, '--state', stateFile, '--euicc-index', '1', '--curve', 'P-256'], { from: 'user' });
    } finally {
      process.stdout.write = write;
    }
    expect(existsSync(stateFile)).toBe(true);
    expect(out.join('')).toContain(`EID ${pki.set('P-256').euiccs[1]!.eid}`);
    expect(out.join('')).toContain('eIMs: none associated');
    // once an eIM is associated, it is listed
    const card = openEuicc({ state: stateFile, euiccIndex: '0' });
    await card.addInitialEim([eimConfig(pki.set('P-256').roles.eimSign!.signer!, 'eim.cli.test', { counterValue: 3, eimFqdn: 'eim.cli.test' })]);
    expect(describeEuicc(openEuicc({ state: stateFile, euiccIndex: '0' }))).toContain('eIM eim.cli.test fqdn=eim.cli.test counterValue=3 associationToken=1');
  });
});
