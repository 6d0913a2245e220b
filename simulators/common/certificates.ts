// Certificates as they travel inside RSP messages: decoded by the codec as PKIX Certificate values,
// needed as DER for chain validation. The TBS part is taken from the bytes received (the codec keeps
// them, see README "Signed structures keep their bytes"), so the CI/EUM signatures are checked over
// what the eUICC sent, never over a re-encoding.

import { PKIX1Explicit88 as P, rawBytes } from '../../src/asn1/index.ts';
import { readHeader, tlv } from '../../src/asn1/tlv.ts';
import { concatBytes } from '../../src/lib/bytes.ts';
import { type ParsedCertificate, parseCertificate } from '../../src/crypto/certificate.ts';

/** DER of a decoded Certificate, with tbsCertificate exactly as received. */
export function certificateDer(cert: P.Certificate): Uint8Array {
  const encoded = P.Certificate.encode(cert);
  const outer = readHeader(encoded, 0, encoded.length);
  const tbs = readHeader(encoded, outer.contentStart, outer.contentEnd);
  const tbsReceived = rawBytes(cert.tbsCertificate) ?? encoded.subarray(outer.contentStart, tbs.end);
  return tlv([0x30], concatBytes(tbsReceived, encoded.subarray(tbs.end, outer.contentEnd)));
}

export function parseCertificateValue(cert: P.Certificate): ParsedCertificate {
  return parseCertificate(certificateDer(cert));
}

/**
 * The registeredID in subjectAltName: the SM-DP+ / SM-DS OID (SGP.22 v2.5 §4.5.2.1.0.4-5, the smdpOid
 * that PIRs and CancelSession carry).
 */
export function registeredIdOf(cert: ParsedCertificate): string | undefined {
  const ext = cert.pkijs.extensions?.find((e) => e.extnID === '2.5.29.17');
  const names = (ext?.parsedValue as { altNames?: { type: number; value: unknown }[] } | undefined)?.altNames ?? [];
  const id = names.find((n) => n.type === 8)?.value;
  return typeof id === 'string' ? id : undefined;
}
