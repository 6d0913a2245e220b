// A small DER X.509 v3 builder for test PKIs and negative tests (RFC 5280 §4.1). Built by hand with
// the TLV helpers so every field, including deliberately wrong ones, is under the caller's control;
// signed through the engine (brainpoolP256r1 works, which WebCrypto-based builders cannot do).

import { tlv } from '../asn1/tlv.ts';
import { concatBytes } from '../lib/bytes.ts';
import type { KeyUsageName } from './certificate.ts';
import { OID } from './certificate.ts';
import { rawToDer } from './ecdsa.ts';
import { type EcPrivateKey, ecdsaSign, sha256 } from './engine.ts';

export type NameAttribute = ['C' | 'O' | 'OU' | 'CN' | 'serialNumber', string];

export interface CertificateTemplate {
  serialNumber: Uint8Array;
  issuer: NameAttribute[];
  subject: NameAttribute[];
  notBefore: Date;
  notAfter: Date;
  /** SubjectPublicKeyInfo DER of the subject key. */
  spki: Uint8Array;
  /** Signs the certificate (the subject's own key for a self-signed CI). */
  issuerKey: EcPrivateKey;
  /** The issuer's SubjectKeyIdentifier, written as authorityKeyIdentifier. */
  authorityKeyId?: Uint8Array;
  /** Present → basicConstraints cA=TRUE (with pathLenConstraint when given). */
  ca?: { pathLength?: number };
  keyUsage: KeyUsageName[];
  policies: string[];
  extKeyUsage?: string[];
  /** directoryName permitted subtrees (nameConstraints). */
  permittedSubtrees?: NameAttribute[][];
  subjectAltName?: { registeredId?: string; dnsNames?: string[] };
}

const ATTRIBUTE_OID: Record<NameAttribute[0], string> = { C: '2.5.4.6', O: '2.5.4.10', OU: '2.5.4.11', CN: OID.commonName, serialNumber: OID.serialNumber };
const KEY_USAGE_BITS: KeyUsageName[] = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign'];

export function oidContent(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [];
  const push = (n: number) => {
    const groups = [n & 0x7f];
    for (n = Math.floor(n / 128); n > 0; n = Math.floor(n / 128)) groups.unshift((n & 0x7f) | 0x80);
    out.push(...groups);
  };
  push(40 * arcs[0]! + arcs[1]!);
  for (const a of arcs.slice(2)) push(a);
  return Uint8Array.from(out);
}

const oid = (dotted: string) => tlv([0x06], oidContent(dotted));
const utf8 = (s: string) => new TextEncoder().encode(s);
const seq = (...items: Uint8Array[]) => tlv([0x30], concatBytes(...items));

export function encodeName(attrs: NameAttribute[]): Uint8Array {
  // C and serialNumber are PrintableString (RFC 5280 Appendix A); the rest UTF8String.
  return seq(...attrs.map(([type, value]) => tlv([0x31], seq(oid(ATTRIBUTE_OID[type]), tlv([type === 'C' || type === 'serialNumber' ? 0x13 : 0x0c], utf8(value))))));
}

function encodeTime(d: Date): Uint8Array {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'; // YYYYMMDDHHMMSSZ
  const year = d.getUTCFullYear();
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
  return year >= 1950 && year < 2050 ? tlv([0x17], utf8(iso.slice(2))) : tlv([0x18], utf8(iso));
}

function integer(unsigned: Uint8Array): Uint8Array {
  let v = unsigned;
  while (v.length > 1 && v[0] === 0 && !(v[1]! & 0x80)) v = v.subarray(1);
  return tlv([0x02], v[0]! & 0x80 ? concatBytes(Uint8Array.of(0), v) : v);
}

function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return seq(oid(id), ...(critical ? [Uint8Array.of(0x01, 0x01, 0xff)] : []), tlv([0x04], value));
}

function keyUsageBits(usages: KeyUsageName[]): Uint8Array {
  let bits = 0;
  for (const u of usages) bits |= 0x80 >> KEY_USAGE_BITS.indexOf(u);
  if (bits === 0) return Uint8Array.of(0x03, 0x01, 0x00);
  let unused = 0;
  while (!((bits >> unused) & 1)) unused++;
  return tlv([0x03], Uint8Array.of(unused, bits));
}

/** RFC 7093 §2 method 1: the leftmost 160 bits of SHA-256 over the subjectPublicKey bits. */
export function keyIdentifier(point: Uint8Array): Uint8Array {
  return sha256(point).slice(0, 20);
}

function extensions(t: CertificateTemplate): Uint8Array {
  const point = t.spki.subarray(t.spki.length - 65);
  const list = [extension(OID.subjectKeyIdentifier, false, tlv([0x04], keyIdentifier(point)))];
  if (t.authorityKeyId) list.push(extension(OID.authorityKeyIdentifier, false, seq(tlv([0x80], t.authorityKeyId))));
  if (t.ca) {
    const pl = t.ca.pathLength === undefined ? [] : [integer(Uint8Array.of(t.ca.pathLength))];
    list.push(extension(OID.basicConstraints, true, seq(Uint8Array.of(0x01, 0x01, 0xff), ...pl)));
  }
  if (t.keyUsage.length) list.push(extension(OID.keyUsage, true, keyUsageBits(t.keyUsage)));
  if (t.policies.length) list.push(extension(OID.certificatePolicies, true, seq(...t.policies.map((p) => seq(oid(p))))));
  if (t.extKeyUsage) list.push(extension(OID.extKeyUsage, false, seq(...t.extKeyUsage.map(oid))));
  if (t.subjectAltName) {
    const names = [...(t.subjectAltName.dnsNames ?? []).map((n) => tlv([0x82], utf8(n))), ...(t.subjectAltName.registeredId ? [tlv([0x88], oidContent(t.subjectAltName.registeredId))] : [])];
    list.push(extension(OID.subjectAltName, false, seq(...names)));
  }
  if (t.permittedSubtrees) {
    const subtrees = t.permittedSubtrees.map((name) => seq(tlv([0xa4], encodeName(name))));
    list.push(extension(OID.nameConstraints, true, seq(tlv([0xa0], concatBytes(...subtrees)))));
  }
  return tlv([0xa3], seq(...list));
}

/** Builds and signs a certificate; returns its DER. */
export function buildCertificate(t: CertificateTemplate): Uint8Array {
  const algorithm = seq(oid(OID.ecdsaWithSha256));
  const tbs = seq(
    Uint8Array.of(0xa0, 0x03, 0x02, 0x01, 0x02),
    integer(t.serialNumber),
    algorithm,
    encodeName(t.issuer),
    seq(encodeTime(t.notBefore), encodeTime(t.notAfter)),
    encodeName(t.subject),
    t.spki,
    extensions(t),
  );
  const signature = rawToDer(ecdsaSign(t.issuerKey, tbs));
  return seq(tbs, algorithm, tlv([0x03], concatBytes(Uint8Array.of(0), signature)));
}

/** Builds and signs a v2 CRL (RFC 5280 §5.1) listing `revokedSerials`, for tests and test PKIs. */
export function buildCrl(c: { issuer: NameAttribute[]; issuerKey: EcPrivateKey; thisUpdate: Date; nextUpdate: Date; revokedSerials: Uint8Array[] }): Uint8Array {
  const algorithm = seq(oid(OID.ecdsaWithSha256));
  const entries = c.revokedSerials.map((sn) => seq(integer(sn), encodeTime(c.thisUpdate)));
  const tbs = seq(integer(Uint8Array.of(1)), algorithm, encodeName(c.issuer), encodeTime(c.thisUpdate), encodeTime(c.nextUpdate), ...(entries.length ? [seq(...entries)] : []));
  return seq(tbs, algorithm, tlv([0x03], concatBytes(Uint8Array.of(0), rawToDer(ecdsaSign(c.issuerKey, tbs)))));
}
