// Certificate chain validation for the SGP.22 roles (SGP.22 v2.5 §4.5.2 certificate profiles;
// checklist §3.5, §6.4). Paths are short and fixed: eUICC ← EUM ← CI, every other role ← CI, and the
// CI is a self-signed trust anchor identified by its SubjectKeyIdentifier. Signatures are verified
// with node's OpenSSL (brainpoolP256r1 included) over the TBS bytes as received.

import { bytesEqual, toHex } from '../lib/bytes.ts';
import { certificatePublicKey, OID, type KeyUsageName, type ParsedCertificate } from './certificate.ts';
import { derToRaw } from './ecdsa.ts';
import { ecdsaVerify } from './engine.ts';
import { CertificateError, CryptoError } from './errors.ts';

export type CertificateRole = 'ci' | 'eum' | 'euicc' | 'dpAuth' | 'dpPb' | 'dpTls' | 'dsAuth' | 'dsTls' | 'eimSign' | 'eimTls';

/** GSMA RSP role policies 2.23.146.1.2.1.x (SGP.22 v2.5 §4.5.2; checklist §6.4). */
export const RSP_ROLE_POLICY: Partial<Record<CertificateRole, string>> = {
  ci: '2.23.146.1.2.1.0',
  euicc: '2.23.146.1.2.1.1',
  eum: '2.23.146.1.2.1.2',
  dpTls: '2.23.146.1.2.1.3',
  dpAuth: '2.23.146.1.2.1.4',
  dpPb: '2.23.146.1.2.1.5',
  dsTls: '2.23.146.1.2.1.6',
  dsAuth: '2.23.146.1.2.1.7',
};
const RSP_ROLE_ARC = '2.23.146.1.2.1.';

interface RoleRule {
  issuer: 'self' | 'ci' | 'eum';
  ca: boolean;
  pathLength?: number;
  keyUsage: KeyUsageName;
  serverAuth?: boolean;
}

const RULES: Record<CertificateRole, RoleRule> = {
  ci: { issuer: 'self', ca: true, keyUsage: 'keyCertSign' },
  eum: { issuer: 'ci', ca: true, pathLength: 0, keyUsage: 'keyCertSign' },
  euicc: { issuer: 'eum', ca: false, keyUsage: 'digitalSignature' },
  dpAuth: { issuer: 'ci', ca: false, keyUsage: 'digitalSignature' },
  dpPb: { issuer: 'ci', ca: false, keyUsage: 'digitalSignature' },
  dsAuth: { issuer: 'ci', ca: false, keyUsage: 'digitalSignature' },
  dpTls: { issuer: 'ci', ca: false, keyUsage: 'digitalSignature', serverAuth: true },
  dsTls: { issuer: 'ci', ca: false, keyUsage: 'digitalSignature', serverAuth: true },
  // Interpretation: no public source gives a GSMA role policy for the eIM certificates (SGP.26 v3.0.2 ships
  // them under the CI); we require no policy but reject any other RSP role's policy (see checkRole).
  eimSign: { issuer: 'ci', ca: false, keyUsage: 'digitalSignature' },
  eimTls: { issuer: 'ci', ca: false, keyUsage: 'digitalSignature', serverAuth: true },
};

/** Revocation hook: resolves true when `cert` (issued by `issuer`) is revoked, e.g. listed on the CI's CRL. */
export type RevocationCheck = (cert: ParsedCertificate, issuer: ParsedCertificate) => boolean | Promise<boolean>;

export interface ValidationOptions {
  /** Configured CI certificates (trust anchors). */
  trustAnchors: ParsedCertificate[];
  /** Validation time; default now. */
  time?: Date;
  /** Only accept the CI with this SubjectKeyIdentifier (e.g. euiccCiPKIdToBeUsed). */
  ciPkId?: Uint8Array;
  /** Intermediate certificates offered with the leaf (CERT.EUM for a CERT.EUICC). */
  intermediates?: ParsedCertificate[];
  isRevoked?: RevocationCheck;
}

export interface ValidatedPath {
  /** Leaf first, CI last. */
  chain: ParsedCertificate[];
  ci: ParsedCertificate;
  /** For an eUICC certificate: the EID from subject serialNumber. */
  eid?: string;
}

const describe = (c: ParsedCertificate, role: CertificateRole) => `${role}: ${c.subjectText}`;

function checkAlgorithms(c: ParsedCertificate, role: CertificateRole): void {
  // SGP.22 v2.5 §2.6.5: ECDSA with SHA-256 on NIST P-256 or brainpoolP256r1 only.
  if (c.signatureAlgorithm !== OID.ecdsaWithSha256) throw new CertificateError('ERR_CERT_CURVE', `signature algorithm ${c.signatureAlgorithm} is not ecdsa-with-SHA256`, describe(c, role));
  certificatePublicKey(c);
}

function checkValidity(c: ParsedCertificate, role: CertificateRole, time: Date): void {
  if (time < c.notBefore) throw new CertificateError('ERR_CERT_NOT_YET_VALID', `not valid before ${c.notBefore.toISOString()}`, describe(c, role));
  if (time > c.notAfter) throw new CertificateError('ERR_CERT_EXPIRED', `expired ${c.notAfter.toISOString()}`, describe(c, role));
}

function checkRole(c: ParsedCertificate, role: CertificateRole): void {
  const expected = RSP_ROLE_POLICY[role];
  const rsp = c.policies.filter((p) => p.startsWith(RSP_ROLE_ARC));
  if (expected ? !rsp.includes(expected) : rsp.length > 0) {
    throw new CertificateError('ERR_CERT_ROLE', `policies [${c.policies.join(', ')}] do not identify the ${role} role${expected ? ` (${expected})` : ''}`, describe(c, role));
  }
}

function checkConstraints(c: ParsedCertificate, role: CertificateRole): void {
  const rule = RULES[role];
  const bc = c.basicConstraints;
  if (rule.ca && (!bc || !bc.ca)) throw new CertificateError('ERR_CERT_BASIC_CONSTRAINTS', 'a CA certificate without basicConstraints cA=TRUE', describe(c, role));
  if (!rule.ca && bc?.ca) throw new CertificateError('ERR_CERT_BASIC_CONSTRAINTS', 'an end-entity certificate with cA=TRUE', describe(c, role));
  if (rule.pathLength !== undefined && bc?.pathLength !== rule.pathLength) {
    throw new CertificateError('ERR_CERT_BASIC_CONSTRAINTS', `pathLenConstraint must be ${rule.pathLength}`, describe(c, role));
  }
  if (!c.keyUsage?.has(rule.keyUsage)) throw new CertificateError('ERR_CERT_KEY_USAGE', `keyUsage lacks ${rule.keyUsage}`, describe(c, role));
  if (!rule.ca && c.keyUsage.has('keyCertSign')) throw new CertificateError('ERR_CERT_KEY_USAGE', 'an end-entity certificate with keyCertSign', describe(c, role));
  if (rule.serverAuth && c.extendedKeyUsage && !c.extendedKeyUsage.includes(OID.serverAuth)) {
    throw new CertificateError('ERR_CERT_KEY_USAGE', 'TLS certificate whose extendedKeyUsage lacks serverAuth', describe(c, role));
  }
}

/**
 * Signatures already verified, per parsed certificate and issuer: a signature over fixed bytes with a fixed
 * key verifies the same way every time, so the CI's and an EUM's signatures (shared by every eUICC
 * certificate below them) are verified once per process. Every other check still runs on every validation.
 */
const verifiedBy = new WeakMap<ParsedCertificate, WeakSet<ParsedCertificate>>();

function checkSignedBy(c: ParsedCertificate, role: CertificateRole, issuer: ParsedCertificate): void {
  if (!bytesEqual(c.issuerDer, issuer.subjectDer)) throw new CertificateError('ERR_CERT_ISSUER', `issuer name differs from ${issuer.subjectText}`, describe(c, role));
  if (c !== issuer && c.authorityKeyIdentifier && issuer.subjectKeyIdentifier && !bytesEqual(c.authorityKeyIdentifier, issuer.subjectKeyIdentifier)) {
    throw new CertificateError('ERR_CERT_ISSUER', 'authorityKeyIdentifier differs from the issuer SubjectKeyIdentifier', describe(c, role));
  }
  let raw: Uint8Array;
  try {
    raw = derToRaw(c.signature);
  } catch (err) {
    if (!(err instanceof CryptoError)) throw err;
    throw new CertificateError('ERR_CERT_SIGNATURE', `malformed signature: ${err.message}`, describe(c, role));
  }
  if (verifiedBy.get(c)?.has(issuer)) return;
  if (!ecdsaVerify(certificatePublicKey(issuer), c.tbs, raw)) throw new CertificateError('ERR_CERT_SIGNATURE', `signature does not verify with the key of ${issuer.subjectText}`, describe(c, role));
  let issuers = verifiedBy.get(c);
  if (!issuers) verifiedBy.set(c, (issuers = new WeakSet()));
  issuers.add(issuer);
}

/** The 32-digit EID in a CERT.EUICC subject serialNumber, with valid check digits (mod 97 = 1, as for an E.118 EID). */
function checkEid(c: ParsedCertificate, eum: ParsedCertificate): string {
  const eid = c.subjectSerialNumber;
  if (!eid || !/^\d{32}$/.test(eid) || BigInt(eid) % 97n !== 1n) throw new CertificateError('ERR_CERT_EID', `subject serialNumber ${eid ?? '(absent)'} is not a valid 32-digit EID`, describe(c, 'euicc'));
  // SGP.22 v2.5 §4.5.2.1.0.2: the EUM's nameConstraints name the EIN prefixes its eUICCs may carry. A plain
  // RFC 5280 directoryName match would fail on the GSMA attribute order (checklist §3.5), so compare prefixes.
  const prefixes = eum.permittedEidPrefixes ?? [];
  if (!prefixes.some((p) => p.length > 0 && eid.startsWith(p))) {
    throw new CertificateError('ERR_EID_OUT_OF_RANGE', `EID ${eid} is outside the EUM's permitted ranges [${prefixes.join(', ')}]`, describe(c, 'euicc'));
  }
  return eid;
}

/** The issuer among `candidates`: by authorityKeyIdentifier = SubjectKeyIdentifier, else by name. */
function findIssuer(c: ParsedCertificate, candidates: ParsedCertificate[]): ParsedCertificate | undefined {
  return candidates.find((k) =>
    c.authorityKeyIdentifier && k.subjectKeyIdentifier ? bytesEqual(c.authorityKeyIdentifier, k.subjectKeyIdentifier) : bytesEqual(c.issuerDer, k.subjectDer),
  );
}

function selectAnchor(c: ParsedCertificate, role: CertificateRole, options: ValidationOptions): ParsedCertificate {
  const anchors = options.ciPkId ? options.trustAnchors.filter((a) => a.subjectKeyIdentifier && bytesEqual(a.subjectKeyIdentifier, options.ciPkId!)) : options.trustAnchors;
  const ci = role === 'ci' ? anchors.find((a) => bytesEqual(a.der, c.der)) : findIssuer(c, anchors);
  if (!ci) {
    const id = options.ciPkId ? toHex(options.ciPkId) : 'any configured CI';
    throw new CertificateError('ERR_CERT_UNTRUSTED', `chain does not lead to ${id}`, describe(c, role));
  }
  return ci;
}

async function checkRevocation(c: ParsedCertificate, role: CertificateRole, issuer: ParsedCertificate, options: ValidationOptions): Promise<void> {
  if (options.isRevoked && c !== issuer && (await options.isRevoked(c, issuer))) throw new CertificateError('ERR_CERT_REVOKED', 'certificate is revoked', describe(c, role));
}

/**
 * Validates `leaf` for `role`. Checks, per certificate from the leaf up: algorithms and curve, validity at
 * `time`, role policy, basicConstraints/keyUsage, issuer link and signature, revocation; for CERT.EUICC
 * also the EID and the EUM's permitted range. The first failure throws a CertificateError with its code.
 */
export async function validateCertificatePath(leaf: ParsedCertificate, role: CertificateRole, options: ValidationOptions): Promise<ValidatedPath> {
  const time = options.time ?? new Date();
  const rule = RULES[role];
  const path: { cert: ParsedCertificate; role: CertificateRole }[] = [{ cert: leaf, role }];
  if (rule.issuer === 'eum') {
    const eum = findIssuer(leaf, options.intermediates ?? []);
    if (!eum) throw new CertificateError('ERR_CERT_ISSUER', 'no EUM certificate matches the authorityKeyIdentifier', describe(leaf, role));
    path.push({ cert: eum, role: 'eum' });
  }
  const top = path[path.length - 1]!.cert;
  const ci = selectAnchor(top, path[path.length - 1]!.role, options);
  if (role !== 'ci') path.push({ cert: ci, role: 'ci' });

  for (let i = 0; i < path.length; i++) {
    const { cert, role: r } = path[i]!;
    const issuer = i + 1 < path.length ? path[i + 1]!.cert : cert;
    checkAlgorithms(cert, r);
    checkValidity(cert, r, time);
    checkRole(cert, r);
    checkConstraints(cert, r);
    checkSignedBy(cert, r, issuer);
    await checkRevocation(cert, r, issuer, options);
  }
  const eid = role === 'euicc' ? checkEid(leaf, path[1]!.cert) : undefined;
  return { chain: path.map((p) => p.cert), ci, ...(eid ? { eid } : {}) };
}

/** A RevocationCheck over a set of revoked serial numbers per issuer SKI (as read from CRLs). */
export function revokedSerials(entries: { issuerKeyId: Uint8Array; serialNumber: Uint8Array }[]): RevocationCheck {
  const set = new Set(entries.map((e) => `${toHex(e.issuerKeyId)}/${toHex(e.serialNumber)}`));
  return (cert, issuer) => set.has(`${toHex(issuer.subjectKeyIdentifier ?? new Uint8Array())}/${toHex(cert.serialNumber)}`);
}
