// X.509 certificate parsing for the RSP roles: pkijs reads the structure; the fields the chain
// validator needs are lifted into a plain object, and the raw TBS/Name/SPKI bytes are kept so
// signatures are verified over the bytes received (style.md).

import * as asn1js from 'asn1js';
import { AuthorityKeyIdentifier, BasicConstraints, Certificate, CertificatePolicies, ExtKeyUsage, NameConstraints, RelativeDistinguishedNames } from 'pkijs';
import { readHeader } from '../asn1/tlv.ts';
import { toHex } from '../lib/bytes.ts';
import { type EcPublicKey, importPublicKey } from './engine.ts';
import { CertificateError, CryptoError } from './errors.ts';

export const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  serialNumber: '2.5.4.5',
  commonName: '2.5.4.3',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  certificatePolicies: '2.5.29.32',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

export type KeyUsageName = 'digitalSignature' | 'nonRepudiation' | 'keyEncipherment' | 'dataEncipherment' | 'keyAgreement' | 'keyCertSign' | 'cRLSign';
const KEY_USAGE_BITS: KeyUsageName[] = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign'];

export interface ParsedCertificate {
  der: Uint8Array;
  /** tbsCertificate exactly as received: what the issuer signed. */
  tbs: Uint8Array;
  signatureAlgorithm: string;
  /** The issuer's signature, DER SEQUENCE {r, s}. */
  signature: Uint8Array;
  serialNumber: Uint8Array;
  /** Raw DER Names, compared byte for byte when linking a chain. */
  issuerDer: Uint8Array;
  subjectDer: Uint8Array;
  subjectText: string;
  /** subject serialNumber attribute (2.5.4.5): the EID in a CERT.EUICC (SGP.22 v2.5 §4.5.2.1.0.3). */
  subjectSerialNumber?: string;
  notBefore: Date;
  notAfter: Date;
  spki: Uint8Array;
  subjectKeyIdentifier?: Uint8Array;
  authorityKeyIdentifier?: Uint8Array;
  basicConstraints?: { ca: boolean; pathLength?: number };
  keyUsage?: Set<KeyUsageName>;
  extendedKeyUsage?: string[];
  policies: string[];
  /** serialNumber values of directoryName permitted subtrees: the EUM's permitted EID prefixes. */
  permittedEidPrefixes?: string[];
  pkijs: Certificate;
}

function nameText(rdn: RelativeDistinguishedNames): string {
  const short: Record<string, string> = { '2.5.4.6': 'C', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.3': 'CN', '2.5.4.5': 'serialNumber' };
  return rdn.typesAndValues.map((t) => `${short[t.type] ?? t.type}=${String((t.value as asn1js.BaseStringBlock).valueBlock.value)}`).join(', ');
}

function attribute(rdn: RelativeDistinguishedNames, type: string): string | undefined {
  const found = rdn.typesAndValues.find((t) => t.type === type);
  return found ? String((found.value as asn1js.BaseStringBlock).valueBlock.value) : undefined;
}

/** The TLVs inside tbsCertificate, as received. */
function tbsFields(tbs: Uint8Array): Uint8Array[] {
  const outer = readHeader(tbs, 0, tbs.length);
  const out: Uint8Array[] = [];
  for (let p = outer.contentStart; p < outer.contentEnd; ) {
    const h = readHeader(tbs, p, outer.contentEnd);
    out.push(tbs.subarray(p, h.end));
    p = h.end;
  }
  return out[0]![0] === 0xa0 ? out.slice(1) : out; // drop the [0] version
}

function readExtensions(cert: Certificate, out: ParsedCertificate): void {
  for (const ext of cert.extensions ?? []) {
    const v = ext.parsedValue as unknown;
    switch (ext.extnID) {
      case OID.subjectKeyIdentifier:
        if (v instanceof asn1js.OctetString) out.subjectKeyIdentifier = new Uint8Array(v.valueBlock.valueHexView);
        break;
      case OID.authorityKeyIdentifier:
        if (v instanceof AuthorityKeyIdentifier && v.keyIdentifier) out.authorityKeyIdentifier = new Uint8Array(v.keyIdentifier.valueBlock.valueHexView);
        break;
      case OID.basicConstraints:
        if (v instanceof BasicConstraints) {
          const pl = v.pathLenConstraint;
          out.basicConstraints = { ca: v.cA, ...(pl === undefined ? {} : { pathLength: typeof pl === 'number' ? pl : pl.valueBlock.valueDec }) };
        }
        break;
      case OID.keyUsage:
        if (v instanceof asn1js.BitString) {
          const bits = v.valueBlock.valueHexView;
          out.keyUsage = new Set(KEY_USAGE_BITS.filter((_, i) => ((bits[i >> 3] ?? 0) >> (7 - (i & 7))) & 1));
        }
        break;
      case OID.extKeyUsage:
        if (v instanceof ExtKeyUsage) out.extendedKeyUsage = [...v.keyPurposes];
        break;
      case OID.certificatePolicies:
        if (v instanceof CertificatePolicies) out.policies = v.certificatePolicies.map((p) => p.policyIdentifier);
        break;
      case OID.nameConstraints:
        if (v instanceof NameConstraints) {
          out.permittedEidPrefixes = (v.permittedSubtrees ?? [])
            .filter((s) => s.base.type === 4 && s.base.value instanceof RelativeDistinguishedNames)
            .map((s) => attribute(s.base.value as RelativeDistinguishedNames, OID.serialNumber))
            .filter((x): x is string => x !== undefined);
        }
        break;
    }
  }
}

/**
 * Parses a DER certificate. Certificates carried in context-tagged fields (IMPLICIT, e.g. IpaEuiccData
 * A5/A6) are re-tagged as SEQUENCE first (checklist §1.3).
 */
export function parseCertificate(input: Uint8Array): ParsedCertificate {
  const der = input[0] === 0x30 ? input : Uint8Array.from([0x30, ...input.subarray(1)]);
  let cert: Certificate;
  try {
    if (readHeader(der, 0, der.length).end !== der.length) throw new Error('trailing bytes after the certificate');
    const asn = asn1js.fromBER(der);
    if (asn.offset === -1) throw new Error(asn.result.error);
    cert = new Certificate({ schema: asn.result });
  } catch (err) {
    throw new CertificateError('ERR_CERT_PARSE', `not an X.509 certificate: ${(err as Error).message}`);
  }
  const tbs = new Uint8Array(cert.tbsView);
  const fields = tbsFields(tbs);
  const subjectSerialNumber = attribute(cert.subject, OID.serialNumber);
  const out: ParsedCertificate = {
    der,
    tbs,
    signatureAlgorithm: cert.signatureAlgorithm.algorithmId,
    signature: new Uint8Array(cert.signatureValue.valueBlock.valueHexView),
    serialNumber: new Uint8Array(cert.serialNumber.valueBlock.valueHexView),
    issuerDer: fields[2]!,
    subjectDer: fields[4]!,
    subjectText: nameText(cert.subject),
    ...(subjectSerialNumber === undefined ? {} : { subjectSerialNumber }),
    notBefore: cert.notBefore.value,
    notAfter: cert.notAfter.value,
    spki: fields[5]!,
    policies: [],
    pkijs: cert,
  };
  readExtensions(cert, out);
  return out;
}

/** The certificate's public key; a key on another curve is ERR_CERT_CURVE. */
// A parsed certificate is never changed: its key is imported once (chain validation asks for the same CI
// and EUM keys again and again).
const publicKeys = new WeakMap<ParsedCertificate, EcPublicKey>();

export function certificatePublicKey(cert: ParsedCertificate): EcPublicKey {
  const known = publicKeys.get(cert);
  if (known) return known;
  try {
    const key = importPublicKey(cert.spki);
    publicKeys.set(cert, key);
    return key;
  } catch (err) {
    if (err instanceof CryptoError) throw new CertificateError('ERR_CERT_CURVE', err.message, cert.subjectText);
    throw err;
  }
}

/** Hex SubjectKeyIdentifier: how SGP.22 names a CI (euiccCiPKId, SGP.22 v2.5 §4.5.2.1). */
export function keyIdHex(cert: ParsedCertificate): string {
  return cert.subjectKeyIdentifier ? toHex(cert.subjectKeyIdentifier) : '';
}
