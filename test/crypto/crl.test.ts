// The revocation hook fed from CRLs: openssl accepts our CRL's signature, a listed eUICC is rejected
// with ERR_CERT_REVOKED, and a CRL that does not verify is refused.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/crypto/certificate.ts';
import { buildCrl, type NameAttribute } from '../../src/crypto/certificate-builder.ts';
import { validateCertificatePath } from '../../src/crypto/certificates.ts';
import { crlRevocationCheck, parseCrl } from '../../src/crypto/crl.ts';
import { CURVES, generateKeyPair } from '../../src/crypto/engine.ts';
import { loadPrivateKey, pemDecodeAll, pemEncode } from '../../src/crypto/keys.ts';
import { generateTestPki } from '../../src/crypto/test-pki.ts';
import { openssl, tempDir, writeBytes } from './helpers.ts';

describe.each(CURVES)('EUM CRL on %s', (curve) => {
  const now = new Date();
  const pki = generateTestPki({ curve, euiccs: 2, now });
  const cert = (rel: string) => parseCertificate(pemDecodeAll(pki.files.get(rel)!)[0]!.der);
  const ci = cert(pki.index.ci.cert);
  const eum = cert(pki.index.eum.cert);
  const [e1, e2] = pki.index.euiccs.map((e) => cert(e.cert));
  const tag = curve === 'P-256' ? 'NIST' : 'BRP';
  const eumName: NameAttribute[] = [['C', 'XX'], ['O', `eIM Test EUM ${tag}`], ['CN', `EUM ${tag}`]];
  const crlOf = (key = loadPrivateKey(pki.files.get(pki.index.eum.key!)!)) =>
    buildCrl({ issuer: eumName, issuerKey: key, thisUpdate: new Date(now.getTime() - 60_000), nextUpdate: new Date(now.getTime() + 86_400_000), revokedSerials: [e1!.serialNumber] });

  it('openssl verifies the CRL signature and lists the revoked serial', () => {
    const tmp = tempDir();
    try {
      const crl = writeBytes(join(tmp.dir, 'eum.crl'), pemEncode('X509 CRL', crlOf()));
      const ca = writeBytes(join(tmp.dir, 'eum.pem'), pki.files.get(pki.index.eum.cert)!);
      const r = openssl(['crl', '-in', crl, '-CAfile', ca, '-noout']);
      expect(r.out).toContain('verify OK');
    } finally {
      tmp.cleanup();
    }
  });

  it('a listed eUICC is ERR_CERT_REVOKED, an unlisted one passes', async () => {
    const isRevoked = crlRevocationCheck([parseCrl(crlOf(), eum)]);
    const opts = { trustAnchors: [ci], intermediates: [eum], time: now, isRevoked };
    await expect(validateCertificatePath(e1!, 'euicc', opts)).rejects.toMatchObject({ code: 'ERR_CERT_REVOKED' });
    await expect(validateCertificatePath(e2!, 'euicc', opts)).resolves.toBeTruthy();
  });

  it('a CRL signed by another key is ERR_CERT_SIGNATURE; one from another issuer is ERR_CERT_ISSUER', () => {
    expect(() => parseCrl(crlOf(generateKeyPair(curve)), eum)).toThrowError(expect.objectContaining({ code: 'ERR_CERT_SIGNATURE' }) as Error);
    expect(() => parseCrl(crlOf(), ci)).toThrowError(expect.objectContaining({ code: 'ERR_CERT_ISSUER' }) as Error);
  });
});
