// ES10b.LoadEuiccPackage: the verification ladder (SGP.32 v1.2 §5.9.1) rejects what a real eUICC rejects,
// each with the spec's result, and the signed outcomes verify with PK.EUICC over the bytes received.
import { afterAll, describe, expect, it } from 'vitest';
import { rawBytes } from '../../../src/asn1/index.ts';
import { tlv } from '../../../src/asn1/tlv.ts';
import { eimSignature } from '../../../src/crypto/signatures.ts';
import { concatBytes, fromHex } from '../../../src/lib/bytes.ts';
import { join } from 'node:path';
import { VirtualEuicc } from '../../../simulators/euicc/euicc.ts';
import { CURVES, cardWithEim, EIM_ID, eimConfig, type TestEim, euiccKey, euiccPackage, iccid, makePki, metadata, S, signedError, signedResult } from './helpers.ts';

const pki = makePki();
afterAll(() => pki.cleanup());

describe.each(CURVES)('LoadEuiccPackage checks on %s', (curve) => {
  it('a wrong eimSignature gets euiccPackageErrorUnsigned carrying the association token, and changes nothing', async () => {
    const { card, eim } = await cardWithEim(pki, curve);
    const der = await euiccPackage(card, eim, { psmos: [{ getRAT: {} }], eimTransactionId: fromHex('0102') });
    const tampered = der.slice();
    tampered[tampered.length - 1] ^= 0x01;
    const r = S.EuiccPackageResult.decode(await card.loadEuiccPackage(tampered));
    expect(r).toEqual({ euiccPackageErrorUnsigned: { eimId: eim.eimId, eimTransactionId: fromHex('0102'), associationToken: eim.token } });
    expect(card.eims()[0]!.counterValue).toBe(0);
  });

  it('a package signed without the association token in the signed data is refused the same way', async () => {
    const { card, eim } = await cardWithEim(pki, curve);
    expect(eim.token).toBeGreaterThan(0);
    const r = S.EuiccPackageResult.decode(await card.loadEuiccPackage(await euiccPackage(card, eim, { psmos: [{ getRAT: {} }], token: undefined })));
    expect(Object.keys(r)).toEqual(['euiccPackageErrorUnsigned']);
  });

  it('an unknown eIM gets euiccPackageErrorUnsigned without a token', async () => {
    const { card, eim } = await cardWithEim(pki, curve);
    const r = S.EuiccPackageResult.decode(await card.loadEuiccPackage(await euiccPackage(card, eim, { psmos: [{ getRAT: {} }], eimId: 'someone.else' })));
    expect(r).toEqual({ euiccPackageErrorUnsigned: { eimId: 'someone.else' } });
  });

  it('a wrong EID gets the signed invalidEid(3), echoing eimId, counterValue and eimTransactionId', async () => {
    const { card, eim } = await cardWithEim(pki, curve);
    const other = pki.set(curve).euiccs[1]!.eid;
    const der = await euiccPackage(card, eim, { psmos: [{ getRAT: {} }], eid: other, counter: 5, eimTransactionId: fromHex('aa') });
    const e = signedError(await card.loadEuiccPackage(der), euiccKey(pki, curve), eim.token);
    expect(e).toMatchObject({ eimId: eim.eimId, counterValue: 5, eimTransactionId: fromHex('aa'), euiccPackageErrorCode: 3 });
  });

  it('a replayed counter gets replayError(4); an equal-or-lower one never executes', async () => {
    const { card, eim } = await cardWithEim(pki, curve);
    const first = await euiccPackage(card, eim, { psmos: [{ getRAT: {} }], counter: 7 });
    signedResult(await card.loadEuiccPackage(first), euiccKey(pki, curve), eim.token);
    expect(signedError(await card.loadEuiccPackage(first), euiccKey(pki, curve), eim.token).euiccPackageErrorCode).toBe(4);
    const lower = await euiccPackage(card, eim, { psmos: [{ getRAT: {} }], counter: 6 });
    expect(signedError(await card.loadEuiccPackage(lower), euiccKey(pki, curve), eim.token).euiccPackageErrorCode).toBe(4);
    expect(card.eims()[0]!.counterValue).toBe(7);
  });

  it('a counter above 0x7FFFFF gets counterValueOutOfRange(6); 0x7FFFFF itself is accepted', async () => {
    const { card, eim } = await cardWithEim(pki, curve);
    const tooLarge = await euiccPackage(card, eim, { psmos: [{ getRAT: {} }], counter: 0x800000 });
    expect(signedError(await card.loadEuiccPackage(tooLarge), euiccKey(pki, curve), eim.token)).toMatchObject({ counterValue: 0x800000, euiccPackageErrorCode: 6 });
    const max = await euiccPackage(card, eim, { psmos: [{ getRAT: {} }], counter: 0x7fffff });
    expect(signedResult(await card.loadEuiccPackage(max), euiccKey(pki, curve), eim.token).counterValue).toBe(0x7fffff);
  });
});

describe('result signatures', () => {
  it('the association token enters euiccSignEPR: the result does not verify with 84 01 00 in its place', async () => {
    const { card, eim } = await cardWithEim(pki, 'P-256');
    const der = await card.loadEuiccPackage(await euiccPackage(card, eim, { psmos: [{ getRAT: {} }] }));
    expect(() => signedResult(der, euiccKey(pki, 'P-256'), eim.token)).not.toThrow();
    expect(() => signedResult(der, euiccKey(pki, 'P-256'), undefined)).toThrow('does not verify');
  });

  it('on a card with both curves, results are signed under the CI the eIM names in euiccCiPKId', async () => {
    const card = VirtualEuicc.fromPki(join(pki.dir, 'pki'), {});
    const brp = pki.set('brainpoolP256r1');
    const signer = pki.set('P-256').roles.eimSign!.signer!;
    const r = await card.addInitialEim([eimConfig(signer, EIM_ID, { euiccCiPKId: fromHex(brp.ciPkId) })]);
    const token = Number((r as { addInitialEimOk: { associationToken: number }[] }).addInitialEimOk[0]!.associationToken);
    const eim: TestEim = { eimId: EIM_ID, signer, token, counter: 0 };
    const der = await card.loadEuiccPackage(await euiccPackage(card, eim, { psmos: [{ getRAT: {} }] }));
    expect(() => signedResult(der, euiccKey(pki, 'brainpoolP256r1'), token)).not.toThrow();
    expect(() => signedResult(der, euiccKey(pki, 'P-256'), token)).toThrow('does not verify');
  });
});

describe('LoadEuiccPackage package shape (P-256)', () => {
  const curve = 'P-256';

  it('a package mixing PSMOs and eCOs is refused with processingTerminated(unknownOrDamagedCommand) and runs nothing', async () => {
    const { card, eim } = await cardWithEim(pki, curve);
    card.preloadProfile({ metadata: metadata('8944000000000000011'), enabled: true });
    // psmoList [ disable, listEim ]: AB listEim is not a PSMO
    const signedPsmos = S.EuiccPackageSigned.encode({ eimId: eim.eimId, eidValue: fromHex(card.eid), counterValue: 1, euiccPackage: { psmoList: [{ disable: { iccid: iccid('8944000000000000011') } }] } });
    const listEim = S.Eco.encode({ listEim: {} });
    const mixed = patchList(signedPsmos, listEim);
    const der = await signRaw(eim, mixed);
    const data = signedResult(await card.loadEuiccPackage(der), euiccKey(pki, curve), eim.token);
    expect(data.euiccResult).toEqual([{ processingTerminated: 2 }]);
    expect(card.snapshot().profiles[0]!.state).toBe('enabled');
  });

  it('two enables in one package are refused the same way', async () => {
    const { card, eim } = await cardWithEim(pki, curve);
    card.preloadProfile({ metadata: metadata('8944000000000000011') });
    card.preloadProfile({ metadata: metadata('8944000000000000029') });
    const der = await euiccPackage(card, eim, { psmos: [{ enable: { iccid: iccid('8944000000000000011') } }, { enable: { iccid: iccid('8944000000000000029') } }] });
    expect(signedResult(await card.loadEuiccPackage(der), euiccKey(pki, curve), eim.token).euiccResult).toEqual([{ processingTerminated: 2 }]);
    expect(card.snapshot().profiles.map((p) => p.state)).toEqual(['disabled', 'disabled']);
  });

  it('execution stops at the first failure, which is followed by processingTerminated', async () => {
    const { card, eim } = await cardWithEim(pki, curve);
    card.preloadProfile({ metadata: metadata('8944000000000000011') });
    const der = await euiccPackage(card, eim, {
      psmos: [{ getRAT: {} }, { disable: { iccid: iccid('8944000000000000011') } }, { enable: { iccid: iccid('8944000000000000011') } }],
    });
    const data = signedResult(await card.loadEuiccPackage(der), euiccKey(pki, curve), eim.token);
    expect(data.euiccResult).toEqual([{ getRATResult: [] }, { disableResult: 2 }, { processingTerminated: 127 }]);
    expect(card.snapshot().profiles[0]!.state).toBe('disabled');
  });

  it('a signed result is stored with its seqNumber and can be listed and removed', async () => {
    const { card, eim } = await cardWithEim(pki, curve);
    const der = await card.loadEuiccPackage(await euiccPackage(card, eim, { psmos: [{ getRAT: {} }] }));
    const seq = Number(signedResult(der, euiccKey(pki, curve), eim.token).seqNumber);
    const list = S.RetrieveNotificationsListResponse.decode(await card.retrieveNotificationsList({ searchCriteria: { euiccPackageResults: null } }));
    expect('euiccPackageResultList' in list && list.euiccPackageResultList.length).toBe(1);
    // the stored bytes are the bytes returned
    const stored = list as { euiccPackageResultList: S.EuiccPackageResult[] };
    expect(rawBytes((stored.euiccPackageResultList[0] as { euiccPackageResultSigned: S.EuiccPackageResultSigned }).euiccPackageResultSigned.euiccPackageResultDataSigned)).toEqual(
      rawBytes((S.EuiccPackageResult.decode(der) as { euiccPackageResultSigned: S.EuiccPackageResultSigned }).euiccPackageResultSigned.euiccPackageResultDataSigned),
    );
    const bySeq = S.RetrieveNotificationsListResponse.decode(await card.retrieveNotificationsList({ searchCriteria: { seqNumber: seq } }));
    expect('euiccPackageResultList' in bySeq && bySeq.euiccPackageResultList.length).toBe(1);
    expect(await card.removeNotificationFromList(seq)).toEqual(fromHex('bf30038001' + '00'));
    expect(await card.removeNotificationFromList(seq)).toEqual(fromHex('bf30038001' + '01'));
  });
});

/** Replaces the content of the A0 psmoList of an encoded EuiccPackageSigned by its own items plus `extra`. */
function patchList(signed: Uint8Array, extra: Uint8Array): Uint8Array {
  const hex = Buffer.from(signed).toString('hex');
  const at = hex.indexOf('a0', hex.indexOf('81')); // psmoList follows counterValue
  const listLen = parseInt(hex.slice(at + 2, at + 4), 16);
  const items = hex.slice(at + 4, at + 4 + listLen * 2) + Buffer.from(extra).toString('hex');
  const body = hex.slice(4, at) + 'a0' + (items.length / 2).toString(16).padStart(2, '0') + items;
  return fromHex('30' + (body.length / 2).toString(16).padStart(2, '0') + body);
}

async function signRaw(eim: TestEim, signed: Uint8Array): Promise<Uint8Array> {
  return tlv([0xbf, 0x51], concatBytes(signed, tlv([0x5f, 0x37], await eimSignature.sign(eim.signer, signed, eim.token))));
}
