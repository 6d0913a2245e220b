// The keys and certificates a simulated RSP server signs with, one set per CI (curve) found in the
// PKI directory: CERT.DPauth + CERT.DPpb for an SM-DP+, CERT.DSauth for an SM-DS (SGP.22 v2.5 §4.5.2;
// checklist §6.4). The eUICC's euiccCiPKIdList… picks the set (SGP.22 v2.5 §5.6.1).

import { PKIX1Explicit88 as P } from '../../src/asn1/index.ts';
import type { ParsedCertificate } from '../../src/crypto/certificate.ts';
import type { Curve } from '../../src/crypto/engine.ts';
import type { LoadedPki, LoadedPkiSet } from '../../src/crypto/pki-directory.ts';
import type { Signer } from '../../src/crypto/signer.ts';
import { fromHex } from '../../src/lib/bytes.ts';
import { registeredIdOf } from './certificates.ts';

export interface SigningIdentity {
  certificate: ParsedCertificate;
  /** The certificate as a codec value, for ASN.1 responses. */
  value: P.Certificate;
  signer: Signer;
}

export interface ServerCredentialSet {
  curve: Curve;
  /** SubjectKeyIdentifier of the CI this set chains to (euiccCiPKIdToBeUsed). */
  ciPkId: Uint8Array;
  ci: ParsedCertificate;
  auth: SigningIdentity;
  /** CERT.DPpb (SM-DP+ only). */
  pb?: SigningIdentity;
  /** The server OID from the auth certificate's subjectAltName registeredID. */
  oid?: string;
}

function identity(set: LoadedPkiSet, role: 'dpAuth' | 'dpPb' | 'dsAuth'): SigningIdentity | undefined {
  const entry = set.roles[role];
  if (!entry?.signer) return undefined;
  return { certificate: entry.certificate, value: P.Certificate.decode(entry.certificate.der), signer: entry.signer };
}

/** Every set of the PKI that has the needed keys; throws when none has. */
export function serverCredentials(pki: LoadedPki, kind: 'smdpp' | 'smds'): ServerCredentialSet[] {
  const out: ServerCredentialSet[] = [];
  for (const set of pki.sets) {
    const auth = identity(set, kind === 'smdpp' ? 'dpAuth' : 'dsAuth');
    const pb = kind === 'smdpp' ? identity(set, 'dpPb') : undefined;
    if (!auth || (kind === 'smdpp' && !pb)) continue;
    const oid = registeredIdOf(auth.certificate);
    out.push({ curve: set.curve, ciPkId: fromHex(set.ciPkId), ci: set.ci.certificate, auth, ...(pb ? { pb } : {}), ...(oid ? { oid } : {}) });
  }
  if (out.length === 0) throw new TypeError(`the PKI in ${pki.directory} has no ${kind === 'smdpp' ? 'DPauth + DPpb' : 'DSauth'} keys`);
  return out;
}
