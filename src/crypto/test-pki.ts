// A complete test PKI for one curve, shaped like SGP.26: CI → {EUM → eUICC…, DPauth, DPpb, DPtls,
// DSauth, DStls, eIM signing, eIM TLS}. Pure: returns PEM texts and an index; pki-directory.ts writes
// and reads them.

import { toHex } from '../lib/bytes.ts';
import type { KeyUsageName } from './certificate.ts';
import { buildCertificate, keyIdentifier, type NameAttribute } from './certificate-builder.ts';
import { RSP_ROLE_POLICY, type CertificateRole } from './certificates.ts';
import { type Curve, type EcPrivateKey, exportPkcs8, generateKeyPair, randomBytes } from './engine.ts';
import { pemEncode } from './keys.ts';

export interface PkiEntryIndex {
  cert: string;
  key?: string;
}

/** One curve's worth of certificates, with file names relative to the PKI directory. */
export interface PkiSetIndex {
  curve: Curve;
  /** Hex SubjectKeyIdentifier of the CI: the euiccCiPKId that names this chain. */
  ciPkId: string;
  ci: PkiEntryIndex;
  eum: PkiEntryIndex;
  euiccs: (PkiEntryIndex & { eid: string })[];
  dpAuth: PkiEntryIndex;
  dpPb: PkiEntryIndex;
  dpTls: PkiEntryIndex;
  dsAuth: PkiEntryIndex;
  dsTls: PkiEntryIndex;
  eimSign: PkiEntryIndex;
  eimTls: PkiEntryIndex;
}

export interface PkiIndex {
  format: 'sgp32-eim-pki/1';
  createdAt?: string;
  sets: PkiSetIndex[];
}

export interface GeneratedPkiSet {
  index: PkiSetIndex;
  /** Relative path → PEM text. */
  files: Map<string, string>;
}

export interface TestPkiOptions {
  curve: Curve;
  euiccs?: number;
  /** The EUM's EIN: the first 8 EID digits it may issue (SGP.29 EID layout). */
  ein?: string;
  now?: Date;
  /** Subdirectory for this set's files (e.g. "nist"). */
  prefix?: string;
  /** Extra DNS names for the TLS certificates (localhost is always included). */
  tlsNames?: string[];
}

/** EID = 30 digits + 2 check digits chosen so the 32-digit number mod 97 = 1 (ISO 7064 MOD 97-10, as in IBAN/E.118). */
export function eidWithCheckDigits(first30: string): string {
  const cd = 98n - ((BigInt(first30) * 100n) % 97n);
  return first30 + cd.toString().padStart(2, '0');
}

const TEST_OID = { ci: '2.999.1', eum: '2.999.5', dp: '2.999.10', ds: '2.999.15', eim: '2.999.20' };

export function generateTestPki(options: TestPkiOptions): GeneratedPkiSet {
  const { curve } = options;
  const now = options.now ?? new Date();
  const ein = options.ein ?? '89999001';
  const dir = options.prefix ? `${options.prefix}/` : '';
  const tag = curve === 'P-256' ? 'NIST' : 'BRP';
  const years = (n: number) => new Date(Date.UTC(now.getUTCFullYear() + n, now.getUTCMonth(), now.getUTCDate()));
  const notBefore = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - 86_400_000);
  const files = new Map<string, string>();

  const ciKey = generateKeyPair(curve);
  const ciName: NameAttribute[] = [['CN', `eIM Test CI ${tag}`], ['OU', 'TESTCERT'], ['O', 'SGP32-EIM-TEST'], ['C', 'XX']];
  const ciKeyId = keyIdentifier(ciKey.publicKey.point);

  const save = (name: string, der: Uint8Array, key?: EcPrivateKey): PkiEntryIndex => {
    files.set(`${dir}${name}.pem`, pemEncode('CERTIFICATE', der));
    if (!key) return { cert: `${dir}${name}.pem` };
    files.set(`${dir}${name}.key.pem`, pemEncode('PRIVATE KEY', exportPkcs8(key)));
    return { cert: `${dir}${name}.pem`, key: `${dir}${name}.key.pem` };
  };
  const serial = () => {
    const s = randomBytes(16);
    s[0] = (s[0]! & 0x7f) | 0x01; // positive and non-zero
    return s;
  };
  const policy = (role: CertificateRole) => (RSP_ROLE_POLICY[role] ? [RSP_ROLE_POLICY[role]!] : []);

  const ci = save('ci', buildCertificate({
    serialNumber: serial(), issuer: ciName, subject: ciName, notBefore, notAfter: years(30), spki: ciKey.publicKey.spki, issuerKey: ciKey,
    ca: {}, keyUsage: ['keyCertSign', 'cRLSign'], policies: policy('ci'), subjectAltName: { registeredId: TEST_OID.ci },
  }), ciKey);

  const eumKey = generateKeyPair(curve);
  const eumOrg = `eIM Test EUM ${tag}`;
  const eumName: NameAttribute[] = [['C', 'XX'], ['O', eumOrg], ['CN', `EUM ${tag}`]];
  // nameConstraints: the GSMA-style subtree {O, serialNumber = EIN} carries the EID range (SGP.22 v2.5
  // §4.5.2.1.0.2); the second subtree {C, O} lets RFC 5280 validators such as `openssl verify` match the
  // eUICC subject DN by prefix, which they cannot do for an EID prefix (SGP.26 chains fail openssl for this).
  const eum = save('eum', buildCertificate({
    serialNumber: serial(), issuer: ciName, subject: eumName, notBefore, notAfter: years(20), spki: eumKey.publicKey.spki, issuerKey: ciKey,
    authorityKeyId: ciKeyId, ca: { pathLength: 0 }, keyUsage: ['keyCertSign'], policies: policy('eum'), subjectAltName: { registeredId: TEST_OID.eum },
    permittedSubtrees: [[['O', eumOrg], ['serialNumber', ein]], [['C', 'XX'], ['O', eumOrg]]],
  }), eumKey);

  const euiccs: (PkiEntryIndex & { eid: string })[] = [];
  for (let i = 1; i <= (options.euiccs ?? 1); i++) {
    const eid = eidWithCheckDigits(ein + String(i).padStart(22, '0'));
    const key = generateKeyPair(curve);
    const der = buildCertificate({
      serialNumber: serial(), issuer: eumName, subject: [['C', 'XX'], ['O', eumOrg], ['serialNumber', eid], ['CN', `Test eUICC ${i}`]],
      notBefore, notAfter: years(20), spki: key.publicKey.spki, issuerKey: eumKey, authorityKeyId: keyIdentifier(eumKey.publicKey.point),
      keyUsage: ['digitalSignature'], policies: policy('euicc'),
    });
    euiccs.push({ ...save(`euicc-${eid}`, der, key), eid });
  }

  const leaf = (name: string, role: CertificateRole, cn: string, org: string, registeredId: string | undefined, tls: boolean): PkiEntryIndex => {
    const key = generateKeyPair(curve);
    const usage: KeyUsageName[] = ['digitalSignature'];
    return save(name, buildCertificate({
      serialNumber: serial(), issuer: ciName, subject: [['C', 'XX'], ['O', org], ['CN', cn]], notBefore, notAfter: years(tls ? 2 : 10),
      spki: key.publicKey.spki, issuerKey: ciKey, authorityKeyId: ciKeyId, keyUsage: usage, policies: policy(role),
      ...(tls ? { extKeyUsage: ['1.3.6.1.5.5.7.3.1'] } : {}),
      subjectAltName: { ...(registeredId ? { registeredId } : {}), ...(tls ? { dnsNames: ['localhost', ...(options.tlsNames ?? [])] } : {}) },
    }), key);
  };

  const index: PkiSetIndex = {
    curve,
    ciPkId: toHex(ciKeyId),
    ci,
    eum,
    euiccs,
    dpAuth: leaf('dp-auth', 'dpAuth', 'TEST SM-DP+', 'eIM Test SM-DP+', TEST_OID.dp, false),
    dpPb: leaf('dp-pb', 'dpPb', 'TEST SM-DP+', 'eIM Test SM-DP+', TEST_OID.dp, false),
    dpTls: leaf('dp-tls', 'dpTls', 'localhost', 'eIM Test SM-DP+', TEST_OID.dp, true),
    dsAuth: leaf('ds-auth', 'dsAuth', 'TEST SM-DS', 'eIM Test SM-DS', TEST_OID.ds, false),
    dsTls: leaf('ds-tls', 'dsTls', 'localhost', 'eIM Test SM-DS', TEST_OID.ds, true),
    eimSign: leaf('eim-sign', 'eimSign', 'TEST eIM', 'eIM Test eIM', TEST_OID.eim, false),
    eimTls: leaf('eim-tls', 'eimTls', 'localhost', 'eIM Test eIM', undefined, true),
  };
  return { index, files };
}
