// The encoding traps other implementations fell into (../shared/docs/sgp32-eim-checklist.md §1.3),
// each pinned to the bytes SGP.32 v1.2 / SGP.22 v2.5 require.
import { describe, expect, it } from 'vitest';
import { Asn1Error, PKIX1Explicit88, RSPDefinitions, SGP32Definitions as S, rawBytes, verbatim } from '../../src/asn1/index.ts';
import { tlv } from '../../src/asn1/tlv.ts';
import { concatBytes, fromHex, toHex } from '../../src/lib/bytes.ts';

const T = (tag: string, ...content: (string | Uint8Array)[]): Uint8Array =>
  tlv(fromHex(tag), concatBytes(...content.map((c) => (typeof c === 'string' ? fromHex(c) : c))));
const H = (tag: string, ...content: (string | Uint8Array)[]): string => toHex(T(tag, ...content));

const EID = fromHex('89049032123451234512345678901235');
const ICCID = fromHex('981000000000000001f0');
// A synthetic test eUICC certificate taken from a public fixture (vectors: sgp32-neg-oiot-ipaeuiccdata-cert).
const CERT_CONTENT =
  '30820123a00302010202012a300a06082a8648ce3d040302303e3111300f060355040a1308546573742045554d31293027060355040513203839303434303435393330303030303030303030303032313533383933323130301e170d3236303831313138323431355a170d3236303831323139323431355a303e3111300f060355040a1308546573742045554d312930270603550405132038393034343034353933303030303030303030303030323135333839333231303059301306072a8648ce3d020106082a8648ce3d030107034200041121e5dd35760d5a6b1ef905b2c8477f339482e63147c977e690b19c4cc6e44efad6873b233b79bf0e19211ff815532a5c4efbdfe422239ec462b77df63943a6a3123010300e0603551d0f0101ff040403020780300a06082a8648ce3d040302034800304502206ec3acc2e400d62534bbf646a3b051874e67c4e8d463b3e434e4351bfdfa1c0602210088e47391bdfefe89ff582dbbf0f5c688c560ae55d0deed016fbbeeb649fd097c';
const CERT = fromHex('3082017d' + CERT_CONTENT);

function resultDataSigned(results: S.EuiccResultData[]): S.EuiccPackageResultDataSigned {
  return { eimId: 'eim1', counterValue: 5, eimTransactionId: fromHex('aabbcc'), seqNumber: 2, euiccResult: results };
}

describe('SGP.32 v1.2 encoding traps (checklist §1.3)', () => {
  it('a signed package result is BF51 { A0 { 30 ... 5F37 } }: automatic tags on the CHOICE, explicit because it is tagged', () => {
    const der = S.EuiccPackageResult.encode({
      euiccPackageResultSigned: { euiccPackageResultDataSigned: resultDataSigned([{ enableResult: 0 }]), euiccSignEPR: new Uint8Array(64) },
    });
    expect(toHex(der.subarray(0, 2))).toBe('bf51');
    expect(der[3]).toBe(0xa0);
    expect(der[5]).toBe(0x30);
  });

  it("EuiccPackageResultDataSigned's result list is an untagged SEQUENCE OF (30) after 80/81/82/83", () => {
    const der = S.EuiccPackageResultDataSigned.encode(resultDataSigned([{ enableResult: 0 }, { processingTerminated: 3 }]));
    // 30 L | 80 04 "eim1" | 81 01 05 | 82 03 aabbcc | 83 01 02 | 30 06 83 01 00 02 01 03
    expect(toHex(der)).toBe(H('30', '800465696d31', '810105', '8203aabbcc', '830102', '3006830100020103'));
  });

  it('IpaEuiccDataResponse carries IpaEuiccData as BF52 { A0 ... }', () => {
    const der = S.IpaEuiccDataResponse.encode({ ipaEuiccData: { defaultSmdpAddress: 'smdp.example' } });
    expect(toHex(der)).toBe(H('bf52', T('a0', T('81', new TextEncoder().encode('smdp.example')))));
  });

  it('a profile list is BF2D { A0 { E3 ... } }', () => {
    const der = S.ProfileInfoListResponse.encode({ profileInfoListOk: [{ iccid: ICCID, profileState: 1 }] });
    expect(toHex(der)).toBe('bf2d14a012e3105a0a981000000000000001f09f700101');
  });

  it('AuthenticateServerResponse is BF38 { A0 ... }', () => {
    const der = S.AuthenticateServerResponse.encode({ authenticateResponseError: { transactionId: fromHex('01'), authenticateErrorCode: 127 } });
    expect(toHex(der)).toBe('bf3808a106800101' + '02017f');
  });

  it('enable.rollbackFlag is a universal NULL 05 00 (iccid is tagged, so no automatic tags); 81 00 is accepted on decode', () => {
    const pkg: S.EuiccPackage = { psmoList: [{ enable: { iccid: ICCID, rollbackFlag: null } }] };
    const der = S.EuiccPackage.encode(pkg);
    expect(toHex(der)).toBe('a010a30e5a0a981000000000000001f00500');
    const alias = fromHex('a010a30e5a0a981000000000000001f08100');
    expect(S.EuiccPackage.decode(alias)).toEqual(pkg);
  });

  it('context-tagged Certificate fields are IMPLICIT: A6 holds tbsCertificate, algorithm and signature directly', () => {
    const cert = PKIX1Explicit88.Certificate.decode(CERT);
    const der = S.IpaEuiccData.encode({ euiccCertificate: cert });
    expect(toHex(der)).toBe('30820181a682017d' + CERT_CONTENT);
    // Re-tagged as 30, the content parses as an X.509 certificate again.
    const back = S.IpaEuiccData.decode(der).euiccCertificate!;
    expect(toHex(PKIX1Explicit88.Certificate.encode(back))).toBe(toHex(CERT));
  });

  it('EimConfigurationData.eimPublicKeyData is an explicit CHOICE wrapper: A5 { A0 <SPKI contents> }', () => {
    const cert = PKIX1Explicit88.Certificate.decode(CERT);
    const spki = cert.tbsCertificate.subjectPublicKeyInfo;
    const der = S.EimConfigurationData.encode({ eimId: 'eim1', eimPublicKeyData: { eimPublicKey: spki } });
    const spkiDer = PKIX1Explicit88.SubjectPublicKeyInfo.encode(spki);
    // 30 L 80 04 "eim1" A5 L A0 L <SPKI content without its 30 header>
    expect(toHex(der)).toBe(H('30', '800465696d31', T('a5', T('a0', spkiDer.subarray(2)))));
  });

  it('an ESipa message is the function TLV itself: no extra wrapper (BF4F, not BF4F BF4F)', () => {
    const inner = S.GetEimPackageResponse.encode({ eimPackageError: 1 });
    const msg = S.EsipaMessageFromEimToIpa.encode({ getEimPackageResponse: { eimPackageError: 1 } });
    expect(toHex(msg)).toBe('bf4f03020101');
    expect(toHex(msg)).toBe(toHex(inner));
  });

  it('an implicit tag on a tagged CHOICE replaces its tag (X.680 §31.2.7): HandleNotificationEsipa is one BF3D', () => {
    const value = { handleNotificationEsipa: { provideEimPackageResult: { eimPackageResult: { euiccPackageResult: { euiccPackageErrorUnsigned: { eimId: 'e' } } } } } };
    const der = S.EsipaMessageFromIpaToEim.encode(value as S.EsipaMessageFromIpaToEim);
    expect(toHex(der.subarray(0, 2))).toBe('bf3d');
    expect(toHex(der.subarray(3, 5))).toBe('bf50');
    expect(S.EsipaMessageFromIpaToEim.decode(der)).toEqual(value);
  });

  it("CancelSessionRequestEsipa re-tags the eUICC's BF41 response as A1 (automatic tags on its components)", () => {
    const der = S.CancelSessionRequestEsipa.encode({ transactionId: fromHex('0102'), cancelSessionResponse: { cancelSessionResponseError: 5 } });
    expect(toHex(der)).toBe('bf410980020102a103810105');
  });

  it('INTEGERs encode minimally and decode with a redundant leading 00', () => {
    const lenient = T('30', '800465696d31', '81020005', '8203aabbcc', '830102', '3003830100');
    const v = S.EuiccPackageResultDataSigned.decode(lenient);
    expect(v.counterValue).toBe(5);
    expect(toHex(S.EuiccPackageResultDataSigned.encode(v))).toBe(H('30', '800465696d31', '810105', '8203aabbcc', '830102', '3003830100'));
  });

  it('INTEGERs beyond 2^53 decode as bigint and encode back', () => {
    const der = T('30', '800465696d31', '81090100000000000000ff', '830102', '3000');
    const v = S.EuiccPackageResultDataSigned.decode(der);
    expect(v.counterValue).toBe(2n ** 64n + 255n);
    expect(toHex(S.EuiccPackageResultDataSigned.encode(v))).toBe(toHex(der));
    expect(S.EuiccPackageResultDataSigned.toJson(v)).toMatchObject({ counterValue: '18446744073709551871' });
  });

  it('OBJECT IDENTIFIER arcs above 127 (2.999.10 is 06 03 88 37 0a)', () => {
    const der = S.Psmo.encode({ configureImmediateEnable: { defaultSmdpOid: '2.999.10' } });
    expect(toHex(der)).toBe('a7058103' + '88370a');
    expect(S.Psmo.decode(der)).toEqual({ configureImmediateEnable: { defaultSmdpOid: '2.999.10' } });
  });

  it('multi-byte tags: 5F37 eimSignature, 9F70 profileState, BF51 package', () => {
    const der = S.EuiccPackageRequest.encode({
      euiccPackageSigned: { eimId: 'e', eidValue: EID, counterValue: 1, euiccPackage: { psmoList: [{ getRAT: {} }] } },
      eimSignature: new Uint8Array(64),
    });
    expect(toHex(der.subarray(0, 2))).toBe('bf51');
    expect(toHex(der)).toContain('5f3740');
  });

  it('BER input is accepted (non-minimal lengths, indefinite length) and re-encoded as DER', () => {
    const ber = fromHex('bf4f80' + '5a8110' + toHex(EID) + '0000');
    const v = S.GetEimPackageRequest.decode(ber);
    expect(toHex(S.GetEimPackageRequest.encode(v))).toBe('bf4f125a10' + toHex(EID));
  });

  it('named BIT STRINGs drop trailing zero bits in DER (X.690 §11.2.2) and decode the padded IPA form', () => {
    const padded = S.IpaCapabilities.decode(fromHex('30088002025081020380'));
    expect(padded).toEqual({ ipaFeatures: ['indirectRspServerCommunication', 'eimCtxParams1Generation'], ipaSupportedProtocols: ['ipaRetrieveHttps'] });
    expect(toHex(S.IpaCapabilities.encode(padded))).toBe('3008800204508102' + '0780');
  });

  it('signed sub-structures keep the exact bytes received, even when they are not DER', () => {
    // euiccPackageResultDataSigned sent with a non-minimal length (30 81 10 ...).
    const data = '308111' + '800465696d31810105830102' + '3003830100';
    const ber = T('bf51', T('a0', data, '5f370400000000'));
    const v = S.EuiccPackageResult.decode(ber);
    if (!('euiccPackageResultSigned' in v)) throw new Error('wrong alternative');
    const signed = v.euiccPackageResultSigned.euiccPackageResultDataSigned;
    expect(toHex(rawBytes(signed)!)).toBe(data);
    expect(toHex(S.EuiccPackageResultDataSigned.encode(signed))).not.toBe(data);
  });

  it('unknown trailing components are skipped (EXTENSIBILITY IMPLIED), v1.3 additions decode', () => {
    const v13 = S.EimConfigurationData.decode(T('30', '800165', T('aa', T('30', '80032a0304', 'a1020400'))));
    expect(v13.eSipaProprietaryProtocolInformation).toBeDefined();
    const future = S.GetEimPackageRequest.decode(fromHex('bf4f165a10' + toHex(EID) + '9f7f0100'));
    expect(future).toEqual({ eidValue: EID });
  });

  it('an unknown CHOICE alternative is an error, not silently something else', () => {
    expect(() => S.GetEimPackageResponse.decode(fromHex('bf4f038a0101'))).toThrow(Asn1Error);
  });

  it('malformed input names the code, the path inside the value and the byte offset', () => {
    // Third result is an OCTET STRING-like 04 instead of a result alternative.
    const data = T('30', '800465696d31810105830102', T('30', '830100', '840100', '0400'));
    const bad = T('bf51', T('a0', data, '5f3700'));
    let err: Asn1Error | undefined;
    try {
      S.EuiccPackageResult.decode(bad);
    } catch (e) {
      err = e as Asn1Error;
    }
    expect(err).toBeInstanceOf(Asn1Error);
    expect(err!.code).toBe('ERR_ASN1_TAG');
    expect(err!.path).toBe('EuiccPackageResult.euiccPackageResultSigned.euiccPackageResultDataSigned.euiccResult[2]');
    expect(err!.offset).toBe(bad.length - 3 - 2); // the 04 00 element, just before 5F 37 00
  });

  it('SIZE constraints are checked on encode and on (strict) decode', () => {
    expect(() => S.GetEimPackageRequest.encode({ eidValue: fromHex('0102') })).toThrow(expect.objectContaining({ code: 'ERR_ASN1_CONSTRAINT', path: 'GetEimPackageRequest.eidValue' }));
    expect(() => S.GetEimPackageRequest.decode(fromHex('bf4f045a020102'))).toThrow(expect.objectContaining({ code: 'ERR_ASN1_CONSTRAINT' }));
    expect(S.GetEimPackageRequest.decode(fromHex('bf4f045a020102'), { constraints: false }).eidValue).toEqual(fromHex('0102'));
  });

  it('the SGP.22 and SGP.32 types of the same name stay apart', () => {
    expect(RSPDefinitions.ProfileInfo.module).toBe('RSPDefinitions');
    expect(S.ProfileInfo.module).toBe('SGP32Definitions');
    // SGP.32 v1.2 moves SetDefaultDpAddressRequest to BF65; SGP.22 v2.5 has it at BF3F.
    expect(toHex(S.SetDefaultDpAddressRequest.encode({ defaultDpAddress: 'a' }))).toBe('bf6503800161');
    expect(toHex(RSPDefinitions.SetDefaultDpAddressRequest.encode({ defaultDpAddress: 'a' }))).toBe('bf3f03800161');
  });

  it('a verbatim value is written unchanged: a stored package goes out byte for byte', () => {
    const stored = fromHex('bf5131302c80036162635a10000102030405060708090a0b0c0d0e0f810101a010a30e5a0a981000000000000001f005005f3700');
    const msg = S.GetEimPackageResponse.encode({ euiccPackageRequest: verbatim<S.EuiccPackageRequest>(stored) });
    expect(toHex(msg)).toBe(H('bf4f', stored));
  });
});
