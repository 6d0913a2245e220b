// Chain validation: real SGP.26-based chains (Comprion eUICC, SGP.26 SM-DP+), every role of a
// generated PKI on both curves, and one broken chain per error code.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCertificate, type ParsedCertificate } from '../../src/crypto/certificate.ts';
import { buildCertificate, type CertificateTemplate, keyIdentifier, type NameAttribute } from '../../src/crypto/certificate-builder.ts';
import { type CertificateRole, RSP_ROLE_POLICY, revokedSerials, validateCertificatePath, type ValidationOptions } from '../../src/crypto/certificates.ts';
import { CURVES, generateKeyPair } from '../../src/crypto/engine.ts';
import { loadPrivateKey, pemDecodeAll, pemEncode } from '../../src/crypto/keys.ts';
import { eidWithCheckDigits, generateTestPki } from '../../src/crypto/test-pki.ts';
import { fromHex, toHex } from '../../src/lib/bytes.ts';
import { FIXTURES, openssl, pick, tempDir, vector, vectorBytes, writeBytes } from './helpers.ts';

const pemCert = (text: string) => parseCertificate(pemDecodeAll(text)[0]!.der);
const sgp26Ci = pemCert(readFileSync(join(FIXTURES, 'sgp26-ci-nist.pem'), 'utf8'));
const at2025 = new Date('2025-06-01T00:00:00Z');

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'accepted';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

describe('real chains from the SGP.26 test PKI', () => {
  const auth = vectorBytes('sgp22-comprion-authserverresp');
  const euicc = parseCertificate(pick(auth, 0, 2));
  const eum = parseCertificate(pick(auth, 0, 3));

  it('accepts the Comprion eUICC ← EUM ← SGP.26 CI chain and reads the EID', async () => {
    const r = await validateCertificatePath(euicc, 'euicc', { trustAnchors: [sgp26Ci], intermediates: [eum], time: at2025, ciPkId: fromHex('f54172bdf98a95d65cbeb88a38a1c11d800a85c3') });
    expect(r.eid).toBe('89049032123451234512345678901235');
    expect(r.chain.map((c) => c.subjectText)).toEqual([euicc.subjectText, eum.subjectText, sgp26Ci.subjectText]);
    expect(eum.permittedEidPrefixes).toEqual(['89049032']);
  });

  it('openssl, an RFC 5280 validator, rejects the same chain on the EUM name constraint (why we check EID prefixes ourselves)', () => {
    const tmp = tempDir();
    try {
      const ci = writeBytes(join(tmp.dir, 'ci.pem'), pemEncode('CERTIFICATE', sgp26Ci.der));
      const e = writeBytes(join(tmp.dir, 'eum.pem'), pemEncode('CERTIFICATE', eum.der));
      const u = writeBytes(join(tmp.dir, 'euicc.pem'), pemEncode('CERTIFICATE', euicc.der));
      expect(openssl(['verify', '-CAfile', ci, e]).ok).toBe(true);
      const r = openssl(['verify', '-CAfile', ci, '-untrusted', e, u]);
      expect(r.ok).toBe(false);
      expect(r.out).toContain('permitted subtree violation');
    } finally {
      tmp.cleanup();
    }
  });

  it('CERT.DPpb "TEST SM-DP+" is valid as DPpb, not as DPauth, and expires in 2030', async () => {
    const dpPb = parseCertificate(fromHex(vector('sgp22-comprion-smdpsigned2').signature!.signerCertificateHex));
    await expect(validateCertificatePath(dpPb, 'dpPb', { trustAnchors: [sgp26Ci], time: at2025 })).resolves.toBeTruthy();
    expect(await codeOf(validateCertificatePath(dpPb, 'dpAuth', { trustAnchors: [sgp26Ci], time: at2025 }))).toBe('ERR_CERT_ROLE');
    expect(await codeOf(validateCertificatePath(dpPb, 'dpPb', { trustAnchors: [sgp26Ci], time: new Date('2031-01-01') }))).toBe('ERR_CERT_EXPIRED');
    expect(await codeOf(validateCertificatePath(dpPb, 'dpPb', { trustAnchors: [sgp26Ci], time: at2025, ciPkId: new Uint8Array(20) }))).toBe('ERR_CERT_UNTRUSTED');
  });

  it('the CI itself is a valid self-signed trust anchor', async () => {
    await expect(validateCertificatePath(sgp26Ci, 'ci', { trustAnchors: [sgp26Ci], time: at2025 })).resolves.toBeTruthy();
  });
});

describe.each(CURVES)('generated test PKI on %s', (curve) => {
  const now = new Date();
  const pki = generateTestPki({ curve, euiccs: 2, now });
  const file = (rel: string) => pki.files.get(rel)!;
  const ci = pemCert(file(pki.index.ci.cert));
  const eum = pemCert(file(pki.index.eum.cert));
  const ciKey = loadPrivateKey(file(pki.index.ci.key!));
  const eumKey = loadPrivateKey(file(pki.index.eum.key!));
  const euicc = pemCert(file(pki.index.euiccs[0]!.cert));
  const opts: ValidationOptions = { trustAnchors: [ci], intermediates: [eum], time: now };
  const roles: [CertificateRole, string][] = [['dpAuth', pki.index.dpAuth.cert], ['dpPb', pki.index.dpPb.cert], ['dpTls', pki.index.dpTls.cert], ['dsAuth', pki.index.dsAuth.cert], ['dsTls', pki.index.dsTls.cert], ['eimSign', pki.index.eimSign.cert], ['eimTls', pki.index.eimTls.cert], ['eum', pki.index.eum.cert], ['ci', pki.index.ci.cert]];

  it('every role validates, each eUICC with its EID', async () => {
    for (const [role, rel] of roles) await expect(validateCertificatePath(pemCert(file(rel)), role, opts), role).resolves.toBeTruthy();
    for (const e of pki.index.euiccs) {
      const r = await validateCertificatePath(pemCert(file(e.cert)), 'euicc', { ...opts, ciPkId: fromHex(pki.index.ciPkId) });
      expect(r.eid).toBe(e.eid);
    }
    expect(toHex(ci.subjectKeyIdentifier!)).toBe(pki.index.ciPkId);
  });

  // A CERT.EUICC template matching the generated one; each negative test changes one thing.
  const eumName: NameAttribute[] = [['C', 'XX'], ['O', `eIM Test EUM ${curve === 'P-256' ? 'NIST' : 'BRP'}`], ['CN', `EUM ${curve === 'P-256' ? 'NIST' : 'BRP'}`]];
  const euiccTemplate = (over: Partial<CertificateTemplate> = {}): CertificateTemplate => ({
    serialNumber: Uint8Array.of(0x42), issuer: eumName, subject: [['C', 'XX'], ['O', eumName[1]![1]], ['serialNumber', eidWithCheckDigits(`89999001${'7'.repeat(22)}`)]],
    notBefore: new Date(now.getTime() - 86_400_000), notAfter: new Date(now.getTime() + 365 * 86_400_000), spki: generateKeyPair(curve).publicKey.spki,
    issuerKey: eumKey, authorityKeyId: keyIdentifier(eumKey.publicKey.point), keyUsage: ['digitalSignature'], policies: [RSP_ROLE_POLICY.euicc!], ...over,
  });
  const ciName = ci.pkijs.subject.typesAndValues.map((t) => [({ '2.5.4.3': 'CN', '2.5.4.11': 'OU', '2.5.4.10': 'O', '2.5.4.6': 'C' } as const)[t.type as '2.5.4.3']!, String((t.value as { valueBlock: { value: string } }).valueBlock.value)] as NameAttribute);
  const ciIssued = (over: Partial<CertificateTemplate> = {}): CertificateTemplate => ({
    serialNumber: Uint8Array.of(0x43), issuer: ciName, subject: [['C', 'XX'], ['O', 'Broken'], ['CN', 'broken']], notBefore: new Date(now.getTime() - 86_400_000),
    notAfter: new Date(now.getTime() + 365 * 86_400_000), spki: generateKeyPair(curve).publicKey.spki, issuerKey: ciKey, authorityKeyId: keyIdentifier(ciKey.publicKey.point),
    keyUsage: ['digitalSignature'], policies: [RSP_ROLE_POLICY.dpPb!], ...over,
  });
  const check = (cert: ParsedCertificate, role: CertificateRole, extra: Partial<ValidationOptions> = {}) => codeOf(validateCertificatePath(cert, role, { ...opts, ...extra }));
  const build = (t: CertificateTemplate) => parseCertificate(buildCertificate(t));

  it('the negative-test templates are themselves valid (so each failure below has one cause)', async () => {
    expect(await check(build(euiccTemplate()), 'euicc')).toBe('accepted');
    expect(await check(build(ciIssued()), 'dpPb')).toBe('accepted');
  });

  it('ERR_CERT_SIGNATURE: signed by another key under the EUM name; also rejected by openssl', async () => {
    const forged = build(euiccTemplate({ issuerKey: generateKeyPair(curve) }));
    expect(await check(forged, 'euicc')).toBe('ERR_CERT_SIGNATURE');
    const tmp = tempDir();
    try {
      const r = openssl(['verify', '-CAfile', writeBytes(join(tmp.dir, 'ci.pem'), file(pki.index.ci.cert)), '-untrusted', writeBytes(join(tmp.dir, 'eum.pem'), file(pki.index.eum.cert)), writeBytes(join(tmp.dir, 'x.pem'), pemEncode('CERTIFICATE', forged.der))]);
      expect(r.ok).toBe(false);
    } finally {
      tmp.cleanup();
    }
  });

  it('ERR_CERT_EXPIRED / ERR_CERT_NOT_YET_VALID at the validation time', async () => {
    expect(await check(euicc, 'euicc', { time: new Date(now.getTime() + 21 * 365 * 86_400_000) })).toBe('ERR_CERT_EXPIRED');
    expect(await check(euicc, 'euicc', { time: new Date(now.getTime() - 3 * 86_400_000) })).toBe('ERR_CERT_NOT_YET_VALID');
    expect(await check(build(euiccTemplate({ notAfter: new Date(now.getTime() - 3600_000) })), 'euicc')).toBe('ERR_CERT_EXPIRED');
  });

  it('ERR_CERT_ROLE: wrong or missing GSMA policy, or another role presented as the eIM certificate', async () => {
    expect(await check(build(euiccTemplate({ policies: [RSP_ROLE_POLICY.dpAuth!] })), 'euicc')).toBe('ERR_CERT_ROLE');
    expect(await check(build(euiccTemplate({ policies: [] })), 'euicc')).toBe('ERR_CERT_ROLE');
    expect(await check(pemCert(file(pki.index.dpAuth.cert)), 'dpPb')).toBe('ERR_CERT_ROLE');
    expect(await check(pemCert(file(pki.index.dpPb.cert)), 'eimSign')).toBe('ERR_CERT_ROLE');
  });

  it('ERR_CERT_BASIC_CONSTRAINTS: end entity with cA, EUM without pathLen 0', async () => {
    expect(await check(build(euiccTemplate({ ca: {} })), 'euicc')).toBe('ERR_CERT_BASIC_CONSTRAINTS');
    const eum2Key = generateKeyPair(curve);
    const eum2 = build(ciIssued({ subject: eumName, spki: eum2Key.publicKey.spki, ca: { pathLength: 1 }, keyUsage: ['keyCertSign'], policies: [RSP_ROLE_POLICY.eum!], permittedSubtrees: [[['serialNumber', '89999001']]] }));
    expect(await check(eum2, 'eum')).toBe('ERR_CERT_BASIC_CONSTRAINTS');
  });

  it('ERR_CERT_KEY_USAGE: signing certificate without digitalSignature, end entity with keyCertSign, TLS without serverAuth', async () => {
    expect(await check(build(ciIssued({ keyUsage: ['keyAgreement'] })), 'dpPb')).toBe('ERR_CERT_KEY_USAGE');
    expect(await check(build(ciIssued({ keyUsage: ['digitalSignature', 'keyCertSign'] })), 'dpPb')).toBe('ERR_CERT_KEY_USAGE');
    expect(await check(build(ciIssued({ policies: [RSP_ROLE_POLICY.dpTls!], extKeyUsage: ['1.3.6.1.5.5.7.3.2'] })), 'dpTls')).toBe('ERR_CERT_KEY_USAGE');
  });

  it('ERR_EID_OUT_OF_RANGE and ERR_CERT_EID', async () => {
    expect(await check(build(euiccTemplate({ subject: [['C', 'XX'], ['O', eumName[1]![1]], ['serialNumber', eidWithCheckDigits(`89999002${'1'.repeat(22)}`)]] })), 'euicc')).toBe('ERR_EID_OUT_OF_RANGE');
    const eid = eidWithCheckDigits(`89999001${'3'.repeat(22)}`);
    const badCheck = eid.slice(0, 30) + String((Number(eid.slice(30)) + 1) % 100).padStart(2, '0');
    expect(await check(build(euiccTemplate({ subject: [['C', 'XX'], ['O', eumName[1]![1]], ['serialNumber', badCheck]] })), 'euicc')).toBe('ERR_CERT_EID');
    expect(await check(build(euiccTemplate({ subject: [['C', 'XX'], ['O', eumName[1]![1]], ['CN', 'no EID']] })), 'euicc')).toBe('ERR_CERT_EID');
  });

  it('ERR_CERT_UNTRUSTED and ERR_CERT_ISSUER', async () => {
    const otherCi = pemCert(generateTestPki({ curve, euiccs: 0, now }).files.get('ci.pem')!);
    expect(await check(euicc, 'euicc', { trustAnchors: [otherCi] })).toBe('ERR_CERT_UNTRUSTED');
    expect(await check(euicc, 'euicc', { ciPkId: otherCi.subjectKeyIdentifier! })).toBe('ERR_CERT_UNTRUSTED');
    expect(await check(euicc, 'euicc', { intermediates: [] })).toBe('ERR_CERT_ISSUER');
    expect(await check(build(euiccTemplate({ issuer: [['CN', 'someone else']] })), 'euicc')).toBe('ERR_CERT_ISSUER');
  });

  it('ERR_CERT_REVOKED through the revocation hook', async () => {
    const isRevoked = revokedSerials([{ issuerKeyId: eum.subjectKeyIdentifier!, serialNumber: euicc.serialNumber }]);
    expect(await check(euicc, 'euicc', { isRevoked })).toBe('ERR_CERT_REVOKED');
    expect(await check(pemCert(file(pki.index.euiccs[1]!.cert)), 'euicc', { isRevoked })).toBe('accepted');
    expect(await check(euicc, 'euicc', { isRevoked: async (c) => c.subjectText === eum.subjectText })).toBe('ERR_CERT_REVOKED');
  });

  it('ERR_CERT_CURVE for a P-384 key; ERR_CERT_PARSE for garbage', async () => {
    const p384 = new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ format: 'der', type: 'spki' }));
    expect(await check(build(ciIssued({ spki: p384 })), 'dpPb')).toBe('ERR_CERT_CURVE');
    expect(() => parseCertificate(fromHex('30030201ff'))).toThrowError(expect.objectContaining({ code: 'ERR_CERT_PARSE' }) as Error);
  });
});

