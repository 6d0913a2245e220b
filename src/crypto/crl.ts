// Revocation from CRLs (RFC 5280 §5; SGP.22 v2.5 §4.5.2 names CI and EUM CRLs in the certificates'
// CRL distribution points). The chain validator only calls a RevocationCheck hook; this builds one
// from CRLs whose signatures verify with the issuing CI/EUM key. Fetching CRLs is the caller's job.

import * as asn1js from 'asn1js';
import { CertificateRevocationList } from 'pkijs';
import { readHeader } from '../asn1/tlv.ts';
import { bytesEqual, toHex } from '../lib/bytes.ts';
import { certificatePublicKey, OID, type ParsedCertificate } from './certificate.ts';
import type { RevocationCheck } from './certificates.ts';
import { derToRaw } from './ecdsa.ts';
import { ecdsaVerify } from './engine.ts';
import { CertificateError } from './errors.ts';

export interface ParsedCrl {
  der: Uint8Array;
  issuerDer: Uint8Array;
  thisUpdate: Date;
  nextUpdate?: Date;
  /** Revoked serial numbers, hex of the INTEGER content. */
  revoked: Set<string>;
  verifiedBy?: ParsedCertificate;
}

/** Parses a DER CRL and verifies its signature with `issuer`'s key (ERR_CERT_SIGNATURE if it does not). */
export function parseCrl(der: Uint8Array, issuer: ParsedCertificate): ParsedCrl {
  let crl: CertificateRevocationList;
  try {
    const asn = asn1js.fromBER(der);
    if (asn.offset === -1) throw new Error(asn.result.error);
    crl = new CertificateRevocationList({ schema: asn.result });
  } catch (err) {
    throw new CertificateError('ERR_CERT_PARSE', `not a CRL: ${(err as Error).message}`);
  }
  const tbs = new Uint8Array(crl.tbsView);
  // issuer Name is the 3rd TLV of TBSCertList when version is present (v2), else the 2nd.
  const fields: Uint8Array[] = [];
  const outer = readHeader(tbs, 0, tbs.length);
  for (let p = outer.contentStart; p < outer.contentEnd && fields.length < 3; ) {
    const h = readHeader(tbs, p, outer.contentEnd);
    fields.push(tbs.subarray(p, h.end));
    p = h.end;
  }
  const issuerDer = fields[0]![0] === 0x02 ? fields[2]! : fields[1]!;
  if (!bytesEqual(issuerDer, issuer.subjectDer)) throw new CertificateError('ERR_CERT_ISSUER', 'CRL issuer differs from the certificate given', issuer.subjectText);
  const ok =
    crl.signatureAlgorithm.algorithmId === OID.ecdsaWithSha256 &&
    ecdsaVerify(certificatePublicKey(issuer), tbs, derToRaw(new Uint8Array(crl.signatureValue.valueBlock.valueHexView)));
  if (!ok) throw new CertificateError('ERR_CERT_SIGNATURE', 'CRL signature does not verify', issuer.subjectText);
  return {
    der,
    issuerDer,
    thisUpdate: crl.thisUpdate.value,
    ...(crl.nextUpdate ? { nextUpdate: crl.nextUpdate.value } : {}),
    revoked: new Set((crl.revokedCertificates ?? []).map((r) => toHex(new Uint8Array(r.userCertificate.valueBlock.valueHexView)))),
    verifiedBy: issuer,
  };
}

/** A RevocationCheck answering from verified CRLs: revoked when the issuer's CRL lists the serial number. */
export function crlRevocationCheck(crls: ParsedCrl[]): RevocationCheck {
  return (cert, issuer) => crls.some((crl) => bytesEqual(crl.issuerDer, issuer.subjectDer) && crl.revoked.has(toHex(cert.serialNumber)));
}
