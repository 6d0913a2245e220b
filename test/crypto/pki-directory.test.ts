// `eim pki init` end to end: the command writes a PKI, openssl verifies every chain, our loader reads
// it back, our validator accepts every role, and the loaded keys match their certificates.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificatePublicKey } from '../../src/crypto/certificate.ts';
import { validateCertificatePath } from '../../src/crypto/certificates.ts';
import { loadPkiDirectory, type LoadedPki } from '../../src/crypto/pki-directory.ts';
import { eimSignature } from '../../src/crypto/signatures.ts';
import type { PkiIndex } from '../../src/crypto/test-pki.ts';
import { FIXTURES, openssl, pick, REPO, tempDir, vectorBytes } from './helpers.ts';

const tmp = tempDir();
let pki: LoadedPki;
let index: PkiIndex;

beforeAll(() => {
  const out = execFileSync('npx', ['tsx', 'src/cli/main.ts', 'pki', 'init', '--out', tmp.dir, '--curve', 'both', '--euiccs', '3'], { cwd: REPO }).toString();
  expect(out).toContain('index:');
  index = JSON.parse(readFileSync(join(tmp.dir, 'pki.json'), 'utf8')) as PkiIndex;
  pki = loadPkiDirectory(tmp.dir);
}, 60_000);
afterAll(tmp.cleanup);

describe('eim pki init --curve both --euiccs 3', () => {
  it('writes one set per curve with CI, EUM, 3 eUICCs and every server/eIM role, keys beside certificates', () => {
    expect(index.sets.map((s) => s.curve)).toEqual(['P-256', 'brainpoolP256r1']);
    for (const set of index.sets) {
      expect(set.euiccs).toHaveLength(3);
      for (const role of ['dpAuth', 'dpPb', 'dpTls', 'dsAuth', 'dsTls', 'eimSign', 'eimTls'] as const) expect(set[role].key, role).toBeTruthy();
    }
    expect(readdirSync(join(tmp.dir, 'nist')).filter((f) => f.endsWith('.pem'))).toHaveLength(2 * (1 + 1 + 3 + 7));
  });

  it('openssl verify -x509_strict accepts every chain', () => {
    for (const set of index.sets) {
      const ca = join(tmp.dir, set.ci.cert);
      for (const rel of [set.eum, set.dpAuth, set.dpPb, set.dpTls, set.dsAuth, set.dsTls, set.eimSign, set.eimTls].map((e) => e.cert)) {
        const r = openssl(['verify', '-x509_strict', '-CAfile', ca, join(tmp.dir, rel)]);
        expect(r.out, rel).toContain(': OK');
      }
      for (const e of set.euiccs) {
        const r = openssl(['verify', '-x509_strict', '-CAfile', ca, '-untrusted', join(tmp.dir, set.eum.cert), join(tmp.dir, e.cert)]);
        expect(r.out, e.cert).toContain(': OK');
      }
      for (const tls of [set.dpTls, set.dsTls, set.eimTls]) {
        expect(openssl(['verify', '-purpose', 'sslserver', '-CAfile', ca, join(tmp.dir, tls.cert)]).ok, tls.cert).toBe(true);
      }
    }
  });

  it('our loader and validator accept every certificate, and each key matches its certificate', async () => {
    for (const set of pki.sets) {
      const opts = { trustAnchors: pki.trustAnchors, intermediates: [set.eum.certificate] };
      for (const [role, entry] of Object.entries(set.roles)) {
        await validateCertificatePath(entry.certificate, role as never, opts);
        expect(entry.signer!.publicKey.point).toEqual(certificatePublicKey(entry.certificate).point);
      }
      for (const e of set.euiccs) {
        expect((await validateCertificatePath(e.certificate, 'euicc', { ...opts, ciPkId: set.ci.certificate.subjectKeyIdentifier! })).eid).toBe(e.eid);
        expect(e.signer!.curve).toBe(set.curve);
      }
    }
  });

  it('the eIM signing key from the directory signs a package the eIM certificate verifies', async () => {
    const eim = pki.sets[1]!.roles.eimSign!;
    const pkg = pick(vectorBytes('sgp32-tt-euiccpkgreq-enable'), 0);
    const s = await eimSignature.sign(eim.signer!, pkg, 1);
    expect(eimSignature.verify(certificatePublicKey(eim.certificate), s, pkg, 1)).toBe(true);
  });

  it('loads another PKI unchanged given a pki.json: SGP.26 DER certificates, no keys', async () => {
    const other = tempDir();
    try {
      const auth = vectorBytes('sgp22-comprion-authserverresp');
      writeFileSync(join(other.dir, 'CERT_CI_ECDSA_NIST.pem'), readFileSync(join(FIXTURES, 'sgp26-ci-nist.pem')));
      writeFileSync(join(other.dir, 'CERT_EUM_ECDSA_NIST.der'), pick(auth, 0, 3));
      writeFileSync(join(other.dir, 'CERT_EUICC_ECDSA_NIST.der'), pick(auth, 0, 2));
      const eid = '89049032123451234512345678901235';
      const idx = { format: 'sgp32-eim-pki/1', sets: [{ curve: 'P-256', ciPkId: 'F54172BDF98A95D65CBEB88A38A1C11D800A85C3', ci: { cert: 'CERT_CI_ECDSA_NIST.pem' }, eum: { cert: 'CERT_EUM_ECDSA_NIST.der' }, euiccs: [{ eid, cert: 'CERT_EUICC_ECDSA_NIST.der' }] }] };
      writeFileSync(join(other.dir, 'pki.json'), JSON.stringify(idx));
      const loaded = loadPkiDirectory(other.dir);
      const set = loaded.sets[0]!;
      expect(set.ciPkId).toBe('f54172bdf98a95d65cbeb88a38a1c11d800a85c3');
      expect(set.roles).toEqual({});
      const r = await validateCertificatePath(set.euiccs[0]!.certificate, 'euicc', { trustAnchors: loaded.trustAnchors, intermediates: [set.eum.certificate], time: new Date('2025-06-01') });
      expect(r.eid).toBe(eid);
    } finally {
      other.cleanup();
    }
  });

  it('reports a broken directory with ERR_PKI_DIRECTORY', () => {
    const broken = tempDir();
    try {
      expect(() => loadPkiDirectory(broken.dir)).toThrowError(expect.objectContaining({ code: 'ERR_PKI_DIRECTORY' }) as Error);
      writeFileSync(join(broken.dir, 'pki.json'), JSON.stringify({ format: 'sgp32-eim-pki/1', sets: [{ ...index.sets[0], ci: { cert: 'missing.pem' } }] }));
      expect(() => loadPkiDirectory(broken.dir)).toThrowError(expect.objectContaining({ code: 'ERR_PKI_DIRECTORY' }) as Error);
    } finally {
      broken.cleanup();
    }
  });
});
