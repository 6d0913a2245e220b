// The profile download path (SGP.22 v2.5 §3.1.2-§3.1.3) against the virtual eUICC, with the test acting as
// SM-DP+ (src/crypto/bound-profile-package.ts builds the BPP): every signature verifies, the decrypted
// profile equals the original byte for byte, and each check of checklist §6.3-§6.5 fails with its code.
import { afterAll, describe, expect, it } from 'vitest';
import { PKIX1Explicit88 as X, rawBytes, RSPDefinitions as R, SGP32Definitions as S } from '../../../src/asn1/index.ts';
import { readHeader, tlv } from '../../../src/asn1/tlv.ts';
import { buildBoundProfilePackage, randomProfileProtectionKeys } from '../../../src/crypto/bound-profile-package.ts';
import { certificatePublicKey, parseCertificate } from '../../../src/crypto/certificate.ts';
import { validateCertificatePath } from '../../../src/crypto/certificates.ts';
import { type Curve, randomBytes } from '../../../src/crypto/engine.ts';
import type { LoadedPkiSet } from '../../../src/crypto/pki-directory.ts';
import { euiccCancelSessionSignature, euiccSignature1, euiccSignature2, euiccSignPIR, serverSignature1, smdpSignature2 } from '../../../src/crypto/signatures.ts';
import { concatBytes, fromHex, toHex } from '../../../src/lib/bytes.ts';
import { VirtualEuicc } from '../../../simulators/euicc/euicc.ts';
import { CURVES, iccid, makePki, metadata, profileInfos } from './helpers.ts';
import { join } from 'node:path';

const pki = makePki();
const foreign = makePki(); // another CI the card does not know
afterAll(() => {
  pki.cleanup();
  foreign.cleanup();
});

const SERVER = 'smdp.example.test';
const ICCID = '8944000000000000045';

/** A profile package: a ProfileHeader (A0 { …, 83 iccid }) then a large element, so the 86 run has several segments. */
const PROFILE = concatBytes(tlv([0xa0], concatBytes(tlv([0x80], Uint8Array.of(2)), tlv([0x81], Uint8Array.of(3)), tlv([0x83], iccid(ICCID)))), tlv([0xa1], randomBytes(3000)));

interface Smdp {
  set: LoadedPkiSet;
  txid: Uint8Array;
}

async function authenticate(card: VirtualEuicc, smdp: Smdp, options: { ciPkId?: Uint8Array; challenge?: Uint8Array; dpAuth?: LoadedPkiSet } = {}) {
  const challenge = R.GetEuiccChallengeResponse.decode(await card.transmit(fromHex('bf2e00'))).euiccChallenge;
  const dpAuth = (options.dpAuth ?? smdp.set).roles.dpAuth!;
  const serverSigned1 = R.ServerSigned1.encode({ transactionId: smdp.txid, euiccChallenge: options.challenge ?? challenge, serverAddress: SERVER, serverChallenge: randomBytes(16) });
  const request = R.AuthenticateServerRequest.encode({
    serverSigned1: R.ServerSigned1.decode(serverSigned1),
    serverSignature1: await serverSignature1.sign(dpAuth.signer!, serverSigned1),
    euiccCiPKIdToBeUsed: options.ciPkId ?? fromHex(smdp.set.ciPkId),
    serverCertificate: X.Certificate.decode(dpAuth.certificate.der),
    ctxParams1: { ctxParamsForCommonAuthentication: { matchingId: 'MATCHING-ID-1', deviceInfo: { tac: fromHex('35290611'), deviceCapabilities: {} } } },
  });
  return S.AuthenticateServerResponse.decode(await card.transmit(request));
}

async function prepare(card: VirtualEuicc, smdp: Smdp, euiccSignature1Value: Uint8Array) {
  const smdpSigned2 = R.SmdpSigned2.encode({ transactionId: smdp.txid, ccRequiredFlag: false });
  const smdpSignature2Value = await smdpSignature2.sign(smdp.set.roles.dpPb!.signer!, smdpSigned2, euiccSignature1Value);
  const request = R.PrepareDownloadRequest.encode({
    smdpSigned2: R.SmdpSigned2.decode(smdpSigned2),
    smdpSignature2: smdpSignature2Value,
    smdpCertificate: X.Certificate.decode(smdp.set.roles.dpPb!.certificate.der),
  });
  return { response: S.PrepareDownloadResponse.decode(await card.transmit(request)), smdpSignature2Value };
}

/** Runs the download up to PrepareDownload and returns what the SM-DP+ needs to bind the BPP. */
async function upToBpp(curve: Curve) {
  const card = VirtualEuicc.fromPki(join(pki.dir, 'pki'), { curve });
  const smdp: Smdp = { set: pki.set(curve), txid: randomBytes(16) };
  const auth = await authenticate(card, smdp);
  if (!('authenticateResponseOk' in auth)) throw new Error(`AuthenticateServer failed: ${JSON.stringify(S.AuthenticateServerResponse.toJson(auth))}`);
  const ok = auth.authenticateResponseOk;
  // The SM-DP+ side of the checks: CERT.EUICC chains to the CI via CERT.EUM and signs euiccSigned1.
  const euiccCert = parseCertificate(X.Certificate.encode(ok.euiccCertificate));
  const path = await validateCertificatePath(euiccCert, 'euicc', { trustAnchors: pki.pki.trustAnchors, intermediates: [parseCertificate(X.Certificate.encode(ok.eumCertificate))] });
  expect(path.eid).toBe(card.eid);
  expect(euiccSignature1.verify(certificatePublicKey(euiccCert), ok.euiccSignature1, rawBytes(ok.euiccSigned1)!)).toBe(true);
  expect(ok.euiccSigned1.ctxParams1).toEqual({ ctxParamsForCommonAuthentication: { matchingId: 'MATCHING-ID-1', deviceInfo: { tac: fromHex('35290611'), deviceCapabilities: {} } } });
  const { response, smdpSignature2Value } = await prepare(card, smdp, ok.euiccSignature1);
  if (!('downloadResponseOk' in response)) throw new Error('PrepareDownload failed');
  const pd = response.downloadResponseOk;
  expect(euiccSignature2.verify(certificatePublicKey(euiccCert), pd.euiccSignature2, rawBytes(pd.euiccSigned2)!, smdpSignature2Value)).toBe(true);
  return { card, smdp, euiccKey: certificatePublicKey(euiccCert), euiccOtpk: pd.euiccSigned2.euiccOtpk };
}

async function bpp(curve: Curve, s: Awaited<ReturnType<typeof upToBpp>>, withPpk = false, meta = metadata(ICCID)) {
  return (
    await buildBoundProfilePackage({
      dpPbSigner: s.smdp.set.roles.dpPb!.signer!,
      curve,
      transactionId: s.smdp.txid,
      hostId: fromHex('0102030405060708'),
      eid: fromHex(s.card.eid),
      euiccOtpk: s.euiccOtpk,
      configureIsdp: R.ConfigureISDPRequest.encode({ dpProprietaryData: { dpOid: '2.999.10' } }),
      storeMetadata: S.StoreMetadataRequest.encode(meta),
      profile: PROFILE,
      ...(withPpk ? { ppk: randomProfileProtectionKeys() } : {}),
    })
  ).boundProfilePackage;
}

function pirOf(der: Uint8Array, key: ReturnType<typeof certificatePublicKey>) {
  const pir = S.ProfileInstallationResult.decode(der);
  expect(euiccSignPIR.verify(key, pir.euiccSignPIR, rawBytes(pir.profileInstallationResultData)!)).toBe(true);
  return pir.profileInstallationResultData;
}

describe.each(CURVES)('profile download on %s', (curve) => {
  it.each([false, true])('installs the profile byte for byte and answers a signed ProfileInstallationResult (ReplaceSessionKeys: %s)', async (withPpk) => {
    const s = await upToBpp(curve);
    const data = pirOf(await s.card.transmit(await bpp(curve, s, withPpk)), s.euiccKey);
    expect(data.transactionId).toEqual(s.smdp.txid);
    expect(data.smdpOid).toBe('2.999.10');
    expect(data.notificationMetadata).toMatchObject({ profileManagementOperation: ['notificationInstall'], notificationAddress: SERVER, iccid: iccid(ICCID) });
    expect('successResult' in data.finalResult).toBe(true);
    const profile = s.card.snapshot().profiles[0]!;
    expect(profile.content).toBe(toHex(PROFILE));
    expect(profile).toMatchObject({ iccid: toHex(iccid(ICCID)), state: 'disabled', smdpOid: '2.999.10' });
    expect('successResult' in data.finalResult && toHex(data.finalResult.successResult.aid)).toBe(profile.isdpAid);
    // ListProfileInfo shows the installed profile with its metadata and the SM-DP+'s dpProprietaryData
    const [info] = profileInfos(await s.card.listProfileInfo({ tagList: fromHex('5a4f9f7091b8') }));
    expect(info).toEqual({ iccid: iccid(ICCID), isdpAid: fromHex(profile.isdpAid), profileState: 0, serviceProviderName: 'Test Operator', dpProprietaryData: { dpOid: '2.999.10' }, fallbackAttribute: false });
    // the PIR is pending for the SM-DP+, with the same bytes
    const list = S.RetrieveNotificationsListResponse.decode(await s.card.retrieveNotificationsList({ searchCriteria: { profileManagementOperation: ['notificationInstall'] } }));
    expect('notificationList' in list && list.notificationList.length).toBe(1);
  });

  it('accepts the BPP in parts, as LPAs send it (BF36 header + BF23, then each sequence header and segment)', async () => {
    const s = await upToBpp(curve);
    const parts = splitBpp(await bpp(curve, s, true));
    expect(parts.length).toBeGreaterThan(8);
    const responses: Uint8Array[] = [];
    for (const part of parts) responses.push(await s.card.transmit(part));
    expect(responses.slice(0, -1).every((r) => r.length === 0)).toBe(true);
    expect('successResult' in pirOf(responses[responses.length - 1]!, s.euiccKey).finalResult).toBe(true);
    expect(s.card.snapshot().profiles[0]!.content).toBe(toHex(PROFILE));
  });

  it('a BPP with a bad MAC is refused: scp03tSecurityError(8) at loadProfileElements, nothing installed', async () => {
    const s = await upToBpp(curve);
    const b = await bpp(curve, s);
    b[b.length - 1] ^= 0x01; // last byte of the last 86 segment's C-MAC
    const data = pirOf(await s.card.transmit(b), s.euiccKey);
    expect(data.finalResult).toEqual({ errorResult: { bppCommandId: 5, errorReason: 8 } });
    expect(s.card.snapshot().profiles).toEqual([]);
  });

  it('a BPP whose smdpSign does not verify is invalidSignature(2) at initialiseSecureChannel', async () => {
    const s = await upToBpp(curve);
    const b = await bpp(curve, s);
    const at = b.findIndex((_, i) => b[i] === 0x5f && b[i + 1] === 0x37 && b[i + 2] === 0x40) + 3; // the smdpSign value inside BF23
    expect(at).toBeGreaterThan(3);
    b[at] ^= 0x01;
    expect(pirOf(await s.card.transmit(b), s.euiccKey).finalResult).toEqual({ errorResult: { bppCommandId: 0, errorReason: 2 } });
  });

  it('a BPP for another transaction is invalidTransactionId(3); an ICCID already on the card is refused (9)', async () => {
    const s = await upToBpp(curve);
    const other = await bpp(curve, { ...s, smdp: { ...s.smdp, txid: randomBytes(16) } });
    expect(pirOf(await s.card.transmit(other), s.euiccKey).finalResult).toEqual({ errorResult: { bppCommandId: 0, errorReason: 3 } });
    const t = await upToBpp(curve);
    t.card.preloadProfile({ metadata: metadata(ICCID) });
    expect(pirOf(await t.card.transmit(await bpp(curve, t)), t.euiccKey).finalResult).toEqual({ errorResult: { bppCommandId: 2, errorReason: 9 } });
  });

  it('a profile with PPRs the Rules Authorisation Table does not allow is pprNotAllowed(15) at storeMetadata', async () => {
    const s = await upToBpp(curve);
    const b = await bpp(curve, s, false, metadata(ICCID, { profilePolicyRules: ['ppr1'], profileOwner: { mccMnc: fromHex('21f354') } }));
    expect(pirOf(await s.card.transmit(b), s.euiccKey).finalResult).toEqual({ errorResult: { bppCommandId: 2, errorReason: 15 } });
  });

  it('AuthenticateServer: a server certificate from an unknown CI is invalidCertificate(1); an unknown euiccCiPKIdToBeUsed is ciPKUnknown(7)', async () => {
    const card = VirtualEuicc.fromPki(join(pki.dir, 'pki'), { curve });
    const smdp: Smdp = { set: pki.set(curve), txid: randomBytes(16) };
    const fromForeignCi = await authenticate(card, smdp, { dpAuth: foreign.set(curve) });
    expect(fromForeignCi).toEqual({ authenticateResponseError: { transactionId: smdp.txid, authenticateErrorCode: 1 } });
    const unknownCi = await authenticate(card, smdp, { ciPkId: fromHex(foreign.set(curve).ciPkId) });
    expect(unknownCi).toEqual({ authenticateResponseError: { transactionId: smdp.txid, authenticateErrorCode: 7 } });
  });

  it('AuthenticateServer: a wrong euiccChallenge is euiccChallengeMismatch(6); PrepareDownload without a session is noSessionContext(4)', async () => {
    const card = VirtualEuicc.fromPki(join(pki.dir, 'pki'), { curve });
    const smdp: Smdp = { set: pki.set(curve), txid: randomBytes(16) };
    expect(await authenticate(card, smdp, { challenge: randomBytes(16) })).toEqual({ authenticateResponseError: { transactionId: smdp.txid, authenticateErrorCode: 6 } });
    const { response } = await prepare(card, smdp, randomBytes(64));
    expect(response).toEqual({ downloadResponseError: { transactionId: smdp.txid, downloadErrorCode: 4 } });
  });

  it('PrepareDownload: smdpSignature2 not over this euiccSignature1 is invalidSignature(2)', async () => {
    const card = VirtualEuicc.fromPki(join(pki.dir, 'pki'), { curve });
    const smdp: Smdp = { set: pki.set(curve), txid: randomBytes(16) };
    expect('authenticateResponseOk' in (await authenticate(card, smdp))).toBe(true);
    expect((await prepare(card, smdp, randomBytes(64))).response).toEqual({ downloadResponseError: { transactionId: smdp.txid, downloadErrorCode: 2 } });
  });

  it('CancelSession is signed with the SM-DP+ OID and ends the session; another transactionId is invalidTransactionId(5)', async () => {
    const card = VirtualEuicc.fromPki(join(pki.dir, 'pki'), { curve });
    const smdp: Smdp = { set: pki.set(curve), txid: randomBytes(16) };
    const auth = await authenticate(card, smdp);
    const euiccKey = certificatePublicKey(parseCertificate(X.Certificate.encode((auth as { authenticateResponseOk: S.AuthenticateResponseOk }).authenticateResponseOk.euiccCertificate)));
    expect(S.CancelSessionResponse.decode(await card.transmit(R.CancelSessionRequest.encode({ transactionId: randomBytes(16), reason: 1 })))).toEqual({ cancelSessionResponseError: 5 });
    const r = S.CancelSessionResponse.decode(await card.transmit(R.CancelSessionRequest.encode({ transactionId: smdp.txid, reason: 1 })));
    if (!('cancelSessionResponseOk' in r)) throw new Error('cancel failed');
    const signed = r.cancelSessionResponseOk.euiccCancelSessionSigned;
    expect(signed).toMatchObject({ transactionId: smdp.txid, smdpOid: '2.999.10', reason: 1 });
    expect(euiccCancelSessionSignature.verify(euiccKey, r.cancelSessionResponseOk.euiccCancelSessionSignature, rawBytes(signed)!)).toBe(true);
    expect(S.CancelSessionResponse.decode(await card.transmit(R.CancelSessionRequest.encode({ transactionId: smdp.txid, reason: 1 })))).toEqual({ cancelSessionResponseError: 5 });
  });
});

/** SGP.22 v2.5 §2.5.5 transfer: BF36 header with BF23, then each A0-A3 header and each segment on its own. */
function splitBpp(b: Uint8Array): Uint8Array[] {
  const outer = readHeader(b, 0, b.length);
  const out: Uint8Array[] = [];
  const iscr = readHeader(b, outer.contentStart, outer.contentEnd);
  out.push(b.subarray(0, iscr.end));
  for (let p = iscr.end; p < outer.contentEnd; ) {
    const seq = readHeader(b, p, outer.contentEnd);
    out.push(b.subarray(p, seq.contentStart));
    for (let q = seq.contentStart; q < seq.contentEnd; ) {
      const seg = readHeader(b, q, seq.contentEnd);
      out.push(b.subarray(q, seg.end));
      q = seg.end;
    }
    p = seq.end;
  }
  return out;
}
