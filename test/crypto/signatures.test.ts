// Each named signature: the exact bytes it covers (taken from third-party vectors), a sign/verify
// round trip on both curves, and — where real signed bytes exist (Comprion eUICC, SGP.26 SM-DP+) —
// verification of an independent signature.
import { describe, expect, it } from 'vitest';
import { certificatePublicKey, parseCertificate } from '../../src/crypto/certificate.ts';
import { rawToDer } from '../../src/crypto/ecdsa.ts';
import { CURVES, generateKeyPair } from '../../src/crypto/engine.ts';
import * as sig from '../../src/crypto/signatures.ts';
import { FileKeySigner } from '../../src/crypto/signer.ts';
import { tlv } from '../../src/asn1/tlv.ts';
import { fromHex, toHex } from '../../src/lib/bytes.ts';
import { pick, valueOf, vector, vectorBytes } from './helpers.ts';

describe('Comprion known answers (independent signatures, SGP.26 test PKI)', () => {
  const auth = vectorBytes('sgp22-comprion-authserverresp'); // BF38 { A0 { euiccSigned1, 5F37, CERT.EUICC, CERT.EUM } }
  const euiccSigned1 = pick(auth, 0, 0);
  const euiccSignature1Value = valueOf(pick(auth, 0, 1));
  const euiccKey = certificatePublicKey(parseCertificate(pick(auth, 0, 2)));

  it('euiccSignature1 covers DER(euiccSigned1) and verifies with PK.EUICC', () => {
    const v = vector('sgp22-comprion-authserverresp').signature!;
    expect(toHex(sig.euiccSignature1.data(euiccSigned1))).toBe(v.signedDataHex);
    expect(toHex(euiccSignature1Value)).toBe(v.signatureHex);
    expect(sig.euiccSignature1.verify(euiccKey, euiccSignature1Value, euiccSigned1)).toBe(true);
    expect(sig.euiccSignature1.verify(euiccKey, rawToDer(euiccSignature1Value), euiccSigned1)).toBe(true); // DER fallback
  });

  it('fails when any byte of the signed data or the signature changes', () => {
    for (const i of [0, 5, euiccSigned1.length - 1]) {
      const bad = euiccSigned1.slice();
      bad[i] ^= 0x01;
      expect(sig.euiccSignature1.verify(euiccKey, euiccSignature1Value, bad), `data byte ${i}`).toBe(false);
    }
    const badSig = euiccSignature1Value.slice();
    badSig[63] ^= 0x80;
    expect(sig.euiccSignature1.verify(euiccKey, badSig, euiccSigned1)).toBe(false);
    expect(sig.euiccSignature1.verify(euiccKey, badSig.subarray(1), euiccSigned1)).toBe(false);
  });

  it('smdpSignature2 covers smdpSigned2 ‖ 5F37 euiccSignature1 and verifies with PK.DPpb', () => {
    const v = vector('sgp22-comprion-smdpsigned2');
    const smdpSigned2 = fromHex(v.hex);
    expect(toHex(sig.smdpSignature2.data(smdpSigned2, euiccSignature1Value))).toBe(v.signature!.signedDataHex);
    const dpPb = certificatePublicKey(parseCertificate(fromHex(v.signature!.signerCertificateHex)));
    const s2 = fromHex(v.signature!.signatureHex);
    expect(sig.smdpSignature2.verify(dpPb, s2, smdpSigned2, euiccSignature1Value)).toBe(true);
    // smdpSigned2 alone, or chained to another euiccSignature1, does not verify
    expect(sig.euiccSignature1.verify(dpPb, s2, smdpSigned2)).toBe(false);
    const other = euiccSignature1Value.slice();
    other[0] ^= 1;
    expect(sig.smdpSignature2.verify(dpPb, s2, smdpSigned2, other)).toBe(false);
  });

  it('the same smdpSignature2 appears in the ESipa AuthenticateClientResponse and verifies there', () => {
    const okDp = pick(vectorBytes('sgp32-comprion-authclient-resp-okdp'), 0); // A0 {80, BF25, 30 smdpSigned2, 5F37, 30 cert}
    const [, , smdpSigned2, s2, cert] = [0, 1, 2, 3, 4].map((i) => pick(okDp, i));
    expect(sig.smdpSignature2.verify(certificatePublicKey(parseCertificate(cert!)), valueOf(s2!), smdpSigned2!, euiccSignature1Value)).toBe(true);
  });
});

describe('signed-data layout from the vectors', () => {
  it('eimSignature = DER(euiccPackageSigned) ‖ 84 01 00 without a token, ‖ 84 len token with one', () => {
    const signed = pick(vectorBytes('sgp32-tt-euiccpkgreq-enable'), 0);
    expect(toHex(signed).slice(0, 6)).toBe('302e80');
    expect(toHex(sig.eimSignature.data(signed))).toBe(`${toHex(signed)}840100`);
    expect(toHex(sig.eimSignature.data(signed, 123))).toBe(`${toHex(signed)}84017b`);
    expect(toHex(sig.eimSignature.data(signed, 0x80))).toBe(`${toHex(signed)}84020080`);
    expect(toHex(sig.eimSignature.data(signed, 0x1234))).toBe(`${toHex(signed)}84021234`);
    expect(toHex(sig.eimSignature.data(signed, Uint8Array.of(0x7b)))).toBe(`${toHex(signed)}84017b`);
  });

  it('euiccSignEPR / euiccSignEPE cover only the …DataSigned SEQUENCE ‖ associationToken TLV (not BF51, A0/A1, 5F37)', () => {
    const epr = pick(vectorBytes('sgp32-tt-epr-enable'), 0, 0);
    expect(toHex(sig.euiccSignEPR.data(epr))).toBe('301280056d7945494d81010183017b3003830100840100');
    const epe = pick(vectorBytes('sgp32-tt-epr-error-signed'), 0, 0);
    expect(toHex(sig.euiccSignEPE.data(epe, 123))).toBe('301f80056d7945494d81010182100102030405060708090a0b0c0d0e0f1002010484017b');
  });

  it('serverSignature1, euiccSignPIR, euiccNotificationSignature, euiccCancelSessionSignature cover the received TLV', () => {
    const serverSigned1 = pick(vectorBytes('sgp32-tt-initauth-resp-ok'), 0, 0);
    expect(toHex(sig.serverSignature1.data(serverSigned1)).slice(0, 8)).toBe('303b8003');
    expect(sig.serverSignature1.data(serverSigned1).length).toBe(0x3b + 2);
    const pirData = pick(vectorBytes('sgp22-tt-pir'), 0);
    expect(toHex(sig.euiccSignPIR.data(pirData)).slice(0, 8)).toBe('bf275b80');
    const tbs = pick(vectorBytes('sgp32-oipa-handlenotif-compact-other'), 0, 0, 0);
    expect(toHex(sig.euiccNotificationSignature.data(tbs))).toBe('bf2f0a800107810206400c0161');
    const cancel = pick(vectorBytes('sgp32-tt-cancelsession-req'), 1, 0, 0);
    expect(toHex(sig.euiccCancelSessionSignature.data(cancel))).toBe('30118003aabbcc8107678112010201018201 05'.replace(' ', ''));
  });

  it('smdpSign covers 82 ‖ 80 ‖ A6 ‖ 5F49 as received in BF23 (5F37 excluded) ‖ 5F49 euiccOtpk', () => {
    const bf23 = pick(vectorBytes('sgp22-oipa-bpp'), 0);
    const parts = [0, 1, 2, 3].map((i) => toHex(pick(bf23, i)));
    expect(parts.map((p) => p.slice(0, 4))).toEqual(['8201', '8010', 'a610', '5f49']);
    const otpk = fromHex(`04${'11'.repeat(64)}`);
    expect(toHex(sig.smdpSign.data(bf23, otpk))).toBe(`${parts.join('')}5f4941${toHex(otpk)}`);
  });

  it('euiccSignature2 covers euiccSigned2 ‖ 5F37 smdpSignature2', () => {
    const euiccSigned2 = tlv([0x30], fromHex(`8010${'ab'.repeat(16)}5f4941${'04'.repeat(65)}`));
    const s2 = fromHex('77'.repeat(64));
    expect(toHex(sig.euiccSignature2.data(euiccSigned2, s2))).toBe(`${toHex(euiccSigned2)}5f3740${'77'.repeat(64)}`);
  });

  it('rejects signed data that is not one TLV with the right tag (ERR_SIGNED_DATA)', () => {
    const signed = pick(vectorBytes('sgp32-tt-euiccpkgreq-enable'), 0);
    expect(() => sig.eimSignature.data(signed.subarray(0, signed.length - 1))).toThrowError(expect.objectContaining({ code: 'ERR_SIGNED_DATA' }) as Error);
    expect(() => sig.euiccSignPIR.data(signed)).toThrowError(expect.objectContaining({ code: 'ERR_SIGNED_DATA' }) as Error);
    expect(() => sig.smdpSign.data(fromHex('bf2303820101'), new Uint8Array(65))).toThrowError(expect.objectContaining({ code: 'ERR_SIGNED_DATA' }) as Error);
  });
});

describe.each(CURVES)('sign/verify round trip on %s', (curve) => {
  const signer = new FileKeySigner(generateKeyPair(curve));
  const other = generateKeyPair(curve).publicKey;
  const pkg = pick(vectorBytes('sgp32-tt-euiccpkgreq-enable'), 0);

  it('eimSignature binds the associationToken', async () => {
    const s = await sig.eimSignature.sign(signer, pkg, 7);
    expect(s.length).toBe(64);
    expect(sig.eimSignature.verify(signer.publicKey, s, pkg, 7)).toBe(true);
    expect(sig.eimSignature.verify(signer.publicKey, s, pkg)).toBe(false);
    expect(sig.eimSignature.verify(signer.publicKey, s, pkg, 8)).toBe(false);
    expect(sig.eimSignature.verify(other, s, pkg, 7)).toBe(false);
  });

  it('every SGP.22 signature verifies only over its own data', async () => {
    const cases: [sig.SignatureDefinition<any[]>, unknown[]][] = [
      [sig.serverSignature1, [pick(vectorBytes('sgp32-tt-initauth-resp-ok'), 0, 0)]],
      [sig.euiccSignPIR, [pick(vectorBytes('sgp22-tt-pir'), 0)]],
      [sig.euiccCancelSessionSignature, [pick(vectorBytes('sgp32-tt-cancelsession-req'), 1, 0, 0)]],
      [sig.euiccNotificationSignature, [pick(vectorBytes('sgp32-oipa-handlenotif-compact-other'), 0, 0, 0)]],
      [sig.smdpSign, [pick(vectorBytes('sgp22-oipa-bpp'), 0), fromHex(`04${'22'.repeat(64)}`)]],
      [sig.euiccSignEPR, [pick(vectorBytes('sgp32-tt-epr-enable'), 0, 0), undefined]],
      [sig.euiccSignEPE, [pick(vectorBytes('sgp32-tt-epr-error-signed'), 0, 0), 5]],
    ];
    for (const [def, args] of cases) {
      const s = await def.sign(signer, ...args);
      expect(def.verify(signer.publicKey, s, ...args), def.name).toBe(true);
      expect(def.verify(other, s, ...args), def.name).toBe(false);
    }
  });
});
