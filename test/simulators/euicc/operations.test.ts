// Every PSMO and eCO (SGP.32 v1.2 §2.11.1.1.2-3) through LoadEuiccPackage: the signed result verifies with
// PK.EUICC over the received euiccPackageResultDataSigned ‖ associationToken TLV, carries the spec's result
// code, and the card's state and notifications follow.
import { afterAll, describe, expect, it } from 'vitest';
import { PKIX1Explicit88 as X, rawBytes } from '../../../src/asn1/index.ts';
import { euiccNotificationSignature } from '../../../src/crypto/signatures.ts';
import { toHex } from '../../../src/lib/bytes.ts';
import type { VirtualEuicc } from '../../../simulators/euicc/euicc.ts';
import { cardWithEim, CURVES, eimConfig, euiccKey, euiccPackage, iccid, makePki, metadata, profileInfos, S, signedResult, type TestEim } from './helpers.ts';

const pki = makePki();
afterAll(() => pki.cleanup());

const A = '8944000000000000011';
const B = '8944000000000000029';

async function run(card: VirtualEuicc, eim: TestEim, curve: 'P-256' | 'brainpoolP256r1', input: { psmos?: S.Psmo[]; ecos?: S.Eco[] }) {
  return signedResult(await card.loadEuiccPackage(await euiccPackage(card, eim, input)), euiccKey(pki, curve), eim.token).euiccResult;
}

async function twoProfiles(curve: 'P-256' | 'brainpoolP256r1') {
  const { card, eim } = await cardWithEim(pki, curve);
  card.preloadProfile({ metadata: metadata(A), enabled: true });
  card.preloadProfile({ metadata: metadata(B, { profilePolicyRules: [] }) });
  return { card, eim };
}

/** The pending notifications, each checked against PK.EUICC over the received tbsOtherNotification. */
async function notifications(card: VirtualEuicc, curve: 'P-256' | 'brainpoolP256r1') {
  const r = S.RetrieveNotificationsListResponse.decode(await card.retrieveNotificationsList());
  if (!('notificationList' in r)) throw new Error('no list');
  return r.notificationList.map((n) => {
    if (!('otherSignedNotification' in n)) throw new Error('expected other notifications');
    const o = n.otherSignedNotification;
    return { meta: o.tbsOtherNotification, verified: euiccNotificationSignature.verify(euiccKey(pki, curve), o.euiccNotificationSignature, rawBytes(o.tbsOtherNotification)!) };
  });
}

describe.each(CURVES)('PSMOs on %s', (curve) => {
  it('enable disables the enabled profile and enables the target; both changes are signed notifications', async () => {
    const { card, eim } = await twoProfiles(curve);
    expect(await run(card, eim, curve, { psmos: [{ enable: { iccid: iccid(B) } }] })).toEqual([{ enableResult: 0 }]);
    expect(card.snapshot().profiles.map((p) => p.state)).toEqual(['disabled', 'enabled']);
    const n = await notifications(card, curve);
    expect(n.map((x) => [x.meta.profileManagementOperation, toHex(x.meta.iccid!), x.verified])).toEqual([
      [['notificationDisable'], toHex(iccid(A)), true],
      [['notificationEnable'], toHex(iccid(B)), true],
    ]);
  });

  it('enable of an unknown or already enabled profile: iccidOrAidNotFound(1), profileNotInDisabledState(2)', async () => {
    const { card, eim } = await twoProfiles(curve);
    expect(await run(card, eim, curve, { psmos: [{ enable: { iccid: iccid('8944000000000000995') } }] })).toEqual([{ enableResult: 1 }]);
    expect(await run(card, eim, curve, { psmos: [{ enable: { iccid: iccid(A) } }] })).toEqual([{ enableResult: 2 }]);
  });

  it('disable and delete; deleting an enabled profile is profileNotInDisabledState(2)', async () => {
    const { card, eim } = await twoProfiles(curve);
    expect(await run(card, eim, curve, { psmos: [{ delete: { iccid: iccid(A) } }] })).toEqual([{ deleteResult: 2 }]);
    expect(await run(card, eim, curve, { psmos: [{ disable: { iccid: iccid(A) } }, { delete: { iccid: iccid(A) } }] })).toEqual([{ disableResult: 0 }, { deleteResult: 0 }]);
    expect(card.snapshot().profiles.map((p) => p.iccid)).toEqual([toHex(iccid(B))]);
    expect((await notifications(card, curve)).map((x) => x.meta.profileManagementOperation[0])).toEqual(['notificationDisable', 'notificationDelete']);
  });
});

describe('PSMOs (P-256)', () => {
  const curve = 'P-256';

  it('PPR1 forbids disabling (disallowedByPolicy 3)', async () => {
    const { card, eim } = await cardWithEim(pki, curve);
    card.preloadProfile({ metadata: metadata(A, { profilePolicyRules: ['ppr1'] }), enabled: true });
    expect(await run(card, eim, curve, { psmos: [{ disable: { iccid: iccid(A) } }] })).toEqual([{ disableResult: 3 }]);
  });

  it('listProfileInfo honours search criteria and the tag list', async () => {
    const { card, eim } = await twoProfiles(curve);
    const [all] = await run(card, eim, curve, { psmos: [{ listProfileInfo: {} }] });
    expect(all && 'listProfileInfoResult' in all && 'profileInfoListOk' in all.listProfileInfoResult && all.listProfileInfoResult.profileInfoListOk.length).toBe(2);
    const [one] = await run(card, eim, curve, { psmos: [{ listProfileInfo: { searchCriteria: { iccid: iccid(B) }, tagList: Uint8Array.of(0x5a, 0x9f, 0x70, 0x9f, 0x26) } }] });
    expect(one).toEqual({ listProfileInfoResult: { profileInfoListOk: [{ iccid: iccid(B), profileState: 0, fallbackAttribute: false }] } });
    const [bad] = await run(card, eim, curve, { psmos: [{ listProfileInfo: { tagList: Uint8Array.of(0x5f, 0x37) } }] });
    expect(bad).toEqual({ listProfileInfoResult: { profileInfoListError: 1 } });
    // the ES10c form gives the same
    expect(profileInfos(await card.listProfileInfo({ searchCriteria: { profileClass: 2 } })).length).toBe(2);
  });

  it('getRAT, configureImmediateEnable and setDefaultDpAddress', async () => {
    const { card, eim } = await cardWithEim(pki, curve);
    const results = await run(card, eim, curve, {
      psmos: [{ getRAT: {} }, { configureImmediateEnable: { immediateEnableFlag: null, defaultSmdpAddress: 'ie.example.test' } }, { setDefaultDpAddress: { defaultDpAddress: 'dp.example.test' } }],
    });
    expect(results).toEqual([{ getRATResult: [] }, { configureImmediateEnableResult: 0 }, { setDefaultDpAddressResult: { setDefaultDpAddressResult: 0 } }]);
    const s = card.snapshot();
    expect(s.immediateEnable).toEqual({ enabled: true, defaultSmdpAddress: 'ie.example.test' });
    expect(s.defaultSmdpAddress).toBe('dp.example.test');
  });

  it('setFallbackAttribute / unsetFallbackAttribute with their result codes', async () => {
    const { card, eim } = await twoProfiles(curve);
    card.preloadProfile({ metadata: metadata('8944000000000000037', { fallbackAllowed: false }) });
    expect(await run(card, eim, curve, { psmos: [{ unsetFallbackAttribute: {} }] })).toEqual([{ unsetFallbackAttributeResult: 2 }]);
    expect(await run(card, eim, curve, { psmos: [{ setFallbackAttribute: { iccid: iccid('8944000000000000037') } }] })).toEqual([{ setFallbackAttributeResult: 2 }]);
    expect(await run(card, eim, curve, { psmos: [{ setFallbackAttribute: { iccid: iccid(B) } }] })).toEqual([{ setFallbackAttributeResult: 0 }]);
    expect(card.snapshot().profiles.map((p) => p.fallbackAttribute)).toEqual([false, true, false]);
    // the fallback profile cannot be deleted, and while enabled the attribute cannot move or go
    expect(await run(card, eim, curve, { psmos: [{ delete: { iccid: iccid(B) } }] })).toEqual([{ deleteResult: 21 }]);
    expect(await run(card, eim, curve, { psmos: [{ enable: { iccid: iccid(B) } }] })).toEqual([{ enableResult: 0 }]);
    expect(await run(card, eim, curve, { psmos: [{ unsetFallbackAttribute: {} }] })).toEqual([{ unsetFallbackAttributeResult: 3 }]);
    expect(await run(card, eim, curve, { psmos: [{ setFallbackAttribute: { iccid: iccid(A) } }] })).toEqual([{ setFallbackAttributeResult: 3 }]);
    // once the fallback profile is disabled again, the attribute can be removed
    expect(await run(card, eim, curve, { psmos: [{ enable: { iccid: iccid(A) } }, { unsetFallbackAttribute: {} }] })).toEqual([{ enableResult: 0 }, { unsetFallbackAttributeResult: 0 }]);
    expect(card.snapshot().profiles.some((p) => p.fallbackAttribute)).toBe(false);
  });

  it('a rollback-flagged enable can be undone by ProfileRollback, which yields a signed result ending in rollbackResult', async () => {
    const { card, eim } = await twoProfiles(curve);
    expect(S.ProfileRollbackResponse.decode(await card.profileRollback())).toEqual({ cmdResult: 1 }); // nothing to roll back
    expect(await run(card, eim, curve, { psmos: [{ enable: { iccid: iccid(B), rollbackFlag: null } }] })).toEqual([{ enableResult: 0 }]);
    const r = S.ProfileRollbackResponse.decode(await card.profileRollback());
    expect(r.cmdResult).toBe(0);
    const epr = S.EuiccPackageResult.encode(r.eUICCPackageResult!);
    const data = signedResult(epr, euiccKey(pki, curve), eim.token);
    expect(data.euiccResult).toEqual([{ enableResult: 0 }, { rollbackResult: 0 }]);
    expect(data.counterValue).toBe(eim.counter);
    expect(card.snapshot().profiles.map((p) => p.state)).toEqual(['enabled', 'disabled']);
    expect(S.ProfileRollbackResponse.decode(await card.profileRollback())).toEqual({ cmdResult: 1 }); // once only
  });

  it('a rollback-flagged enable without an enabled profile is rollbackNotAvailable(20)', async () => {
    const { card, eim } = await cardWithEim(pki, curve);
    card.preloadProfile({ metadata: metadata(A) });
    expect(await run(card, eim, curve, { psmos: [{ enable: { iccid: iccid(A), rollbackFlag: null } }] })).toEqual([{ enableResult: 20 }]);
  });
});

describe.each(CURVES)('eCOs on %s', (curve) => {
  it('addEim generates an association token; the new eIM can then sign packages with it', async () => {
    const { card, eim } = await cardWithEim(pki, curve);
    const other = pki.set(curve).roles.dpAuth!.signer!; // any key will do as a second eIM's
    const [added] = await run(card, eim, curve, { ecos: [{ addEim: eimConfig(other, 'eim2.example.test', { counterValue: 10 }) }] });
    expect(added && 'addEimResult' in added && 'associationToken' in added.addEimResult).toBe(true);
    const token = Number((added as { addEimResult: { associationToken: number } }).addEimResult.associationToken);
    expect(token).not.toBe(eim.token);
    const eim2: TestEim = { eimId: 'eim2.example.test', signer: other, token, counter: 10 };
    expect(await run(card, eim2, curve, { psmos: [{ getRAT: {} }] })).toEqual([{ getRATResult: [] }]);
    // the same eimId again: associatedEimAlreadyExists(2)
    expect(await run(card, eim, curve, { ecos: [{ addEim: eimConfig(other, 'eim2.example.test') }] })).toEqual([{ addEimResult: { addEimResultCode: 2 } }]);
  });

  it('addEim with an eimCertificate: packages verify with the certificate key', async () => {
    const { card, eim } = await cardWithEim(pki, curve);
    const role = pki.set(curve).roles.dsAuth!; // a certificate and its key standing in for a second eIM's
    const config = eimConfig(role.signer!, 'eim-cert', { eimPublicKeyData: { eimCertificate: X.Certificate.decode(role.certificate.der) } });
    const [added] = await run(card, eim, curve, { ecos: [{ addEim: config }] });
    const token = Number((added as { addEimResult: { associationToken: number } }).addEimResult.associationToken);
    expect(await run(card, { eimId: 'eim-cert', signer: role.signer!, token, counter: 0 }, curve, { psmos: [{ getRAT: {} }] })).toEqual([{ getRATResult: [] }]);
  });

  it('updateEim with a new eimPublicKey: the next package verifies with the new key only (keys kept imported by DER)', async () => {
    const { card, eim } = await cardWithEim(pki, curve);
    const rotated = pki.set(curve).roles.dpPb!.signer!;
    const update = { eimId: eim.eimId, eimPublicKeyData: { eimPublicKey: X.SubjectPublicKeyInfo.decode(rotated.publicKey.spki) } };
    expect(await run(card, eim, curve, { ecos: [{ updateEim: update }] })).toEqual([{ updateEimResult: 0 }]);
    expect(await run(card, { ...eim, signer: rotated }, curve, { psmos: [{ getRAT: {} }] })).toEqual([{ getRATResult: [] }]);
    // SGP.32 v1.2 §5.9.1: a package signed with the replaced key fails eimSignature verification.
    const old = S.EuiccPackageResult.decode(await card.loadEuiccPackage(await euiccPackage(card, eim, { psmos: [{ getRAT: {} }] })));
    expect('euiccPackageErrorUnsigned' in old || 'euiccPackageErrorSigned' in old).toBe(true);
  });

  it('addEim checks: unknown euiccCiPKId (3), counter out of range (6)', async () => {
    const { card, eim } = await cardWithEim(pki, curve);
    const key = pki.set(curve).roles.dpPb!.signer!;
    expect(await run(card, eim, curve, { ecos: [{ addEim: eimConfig(key, 'x', { euiccCiPKId: new Uint8Array(20).fill(7) }) }] })).toEqual([{ addEimResult: { addEimResultCode: 3 } }]);
    expect(await run(card, eim, curve, { ecos: [{ addEim: eimConfig(key, 'y', { counterValue: 0x800000 }) }] })).toEqual([{ addEimResult: { addEimResultCode: 6 } }]);
  });

  it('listEim, updateEim and deleteEim', async () => {
    const { card, eim } = await cardWithEim(pki, curve);
    const key = pki.set(curve).roles.dpPb!.signer!;
    const results = await run(card, eim, curve, {
      ecos: [
        { addEim: eimConfig(key, 'eim3', { associationToken: undefined }) },
        { updateEim: { eimId: 'eim3', eimFqdn: 'new.example.test' } },
        { listEim: {} },
        { deleteEim: { eimId: 'eim3' } },
        { updateEim: { eimId: 'eim3' } },
      ],
    });
    expect(results).toEqual([
      { addEimResult: { addEimResultCode: 0 } },
      { updateEimResult: 0 },
      { listEimResult: { eimIdList: [{ eimId: eim.eimId, eimIdType: 2 }, { eimId: 'eim3', eimIdType: 2 }] } },
      { deleteEimResult: 0 },
      { updateEimResult: 1 },
    ]);
    // deleting the last eIM reports lastEimDeleted(2); the result is still signed with its token
    expect(await run(card, eim, curve, { ecos: [{ deleteEim: { eimId: eim.eimId } }] })).toEqual([{ deleteEimResult: 2 }]);
    expect(card.eims()).toEqual([]);
  });
});

describe('AddInitialEim and GetEimConfigurationData', () => {
  it('AddInitialEim is refused once an eIM is associated; the configuration reads back with counter and token', async () => {
    const { card, eim } = await cardWithEim(pki, 'P-256');
    expect(await card.addInitialEim([eimConfig(eim.signer, 'second')])).toEqual({ addInitialEimError: 2 });
    const r = S.GetEimConfigurationDataResponse.decode(await card.transmit(S.GetEimConfigurationDataRequest.encode({ searchCriteria: { eimId: eim.eimId } })));
    expect(r.eimConfigurationDataList).toHaveLength(1);
    expect(r.eimConfigurationDataList[0]).toMatchObject({ eimId: eim.eimId, counterValue: 0, associationToken: eim.token });
  });
});
