// Loading keys and trust anchors from a PKI directory: a `pki.json` index naming certificate and key
// files (PEM or DER) per curve. `eim pki init` writes one; any other test PKI (e.g. the GSMA SGP.26
// certificates) is used unchanged by writing a pki.json beside its files. Every part of the project
// (eIM, simulators) loads its keys through here.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type ParsedCertificate, parseCertificate } from './certificate.ts';
import type { CertificateRole } from './certificates.ts';
import type { Curve } from './engine.ts';
import { CryptoError } from './errors.ts';
import { pemDecodeAll } from './keys.ts';
import { FileKeySigner } from './signer.ts';
import { generateTestPki, type PkiEntryIndex, type PkiIndex, type PkiSetIndex } from './test-pki.ts';

export const PKI_INDEX_FILE = 'pki.json';

export interface LoadedEntry {
  certificate: ParsedCertificate;
  /** Present when the directory holds the private key. */
  signer?: FileKeySigner;
}

export type LeafRole = Exclude<CertificateRole, 'ci' | 'eum' | 'euicc'>;

export interface LoadedPkiSet {
  curve: Curve;
  ciPkId: string;
  ci: LoadedEntry;
  eum: LoadedEntry;
  euiccs: (LoadedEntry & { eid: string })[];
  roles: Partial<Record<LeafRole, LoadedEntry>>;
}

export interface LoadedPki {
  directory: string;
  sets: LoadedPkiSet[];
  /** Every CI certificate: the trust anchors. */
  trustAnchors: ParsedCertificate[];
}

/** The first DER object in a file: PEM text (any label) or raw DER. */
function readDer(path: string, label: string): Uint8Array {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    throw new CryptoError('ERR_PKI_DIRECTORY', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (data.subarray(0, 10).toString('latin1') !== '-----BEGIN') return new Uint8Array(data);
  const block = pemDecodeAll(data.toString('utf8')).find((b) => b.label === label);
  if (!block) throw new CryptoError('ERR_PKI_DIRECTORY', `${path} has no ${label} PEM block`);
  return block.der;
}

function readKey(path: string): FileKeySigner {
  const data = readFileSync(path);
  return FileKeySigner.fromKeyFile(data.subarray(0, 10).toString('latin1') === '-----BEGIN' ? data.toString('utf8') : new Uint8Array(data));
}

function loadEntry(dir: string, entry: PkiEntryIndex | undefined, what: string): LoadedEntry {
  if (!entry?.cert) throw new CryptoError('ERR_PKI_DIRECTORY', `index names no certificate for ${what}`);
  const certificate = parseCertificate(readDer(join(dir, entry.cert), 'CERTIFICATE'));
  return entry.key ? { certificate, signer: readKey(join(dir, entry.key)) } : { certificate };
}

const LEAF_ROLES: LeafRole[] = ['dpAuth', 'dpPb', 'dpTls', 'dsAuth', 'dsTls', 'eimSign', 'eimTls'];

function loadSet(dir: string, set: PkiSetIndex): LoadedPkiSet {
  const roles: Partial<Record<LeafRole, LoadedEntry>> = {};
  for (const role of LEAF_ROLES) if (set[role]) roles[role] = loadEntry(dir, set[role], role);
  return {
    curve: set.curve,
    ciPkId: set.ciPkId.toLowerCase(),
    ci: loadEntry(dir, set.ci, 'ci'),
    eum: loadEntry(dir, set.eum, 'eum'),
    euiccs: (set.euiccs ?? []).map((e) => ({ ...loadEntry(dir, e, `eUICC ${e.eid}`), eid: e.eid })),
    roles,
  };
}

/** Reads `dir/pki.json` and every file it names. Roles missing from the index are simply absent. */
export function loadPkiDirectory(dir: string): LoadedPki {
  let index: PkiIndex;
  try {
    index = JSON.parse(readFileSync(join(dir, PKI_INDEX_FILE), 'utf8')) as PkiIndex;
  } catch (err) {
    throw new CryptoError('ERR_PKI_DIRECTORY', `cannot read ${join(dir, PKI_INDEX_FILE)}: ${(err as Error).message}`, { cause: err });
  }
  if (!Array.isArray(index.sets)) throw new CryptoError('ERR_PKI_DIRECTORY', `${PKI_INDEX_FILE} has no "sets" array`);
  const sets = index.sets.map((s) => loadSet(dir, s));
  return { directory: dir, sets, trustAnchors: sets.map((s) => s.ci.certificate) };
}

export type CurveChoice = 'nist' | 'brainpool' | 'both';

/** Generates a test PKI and writes it (PEM files + pki.json) under `dir`; returns the index. */
export function writeTestPkiDirectory(dir: string, options: { curve: CurveChoice; euiccs: number; now?: Date; tlsNames?: string[] }): PkiIndex {
  const curves: [Curve, string][] = options.curve === 'nist' ? [['P-256', 'nist']] : options.curve === 'brainpool' ? [['brainpoolP256r1', 'brainpool']] : [['P-256', 'nist'], ['brainpoolP256r1', 'brainpool']];
  const index: PkiIndex = { format: 'sgp32-eim-pki/1', createdAt: (options.now ?? new Date()).toISOString(), sets: [] };
  for (const [curve, prefix] of curves) {
    const set = generateTestPki({ curve, prefix, euiccs: options.euiccs, ...(options.now ? { now: options.now } : {}), ...(options.tlsNames?.length ? { tlsNames: options.tlsNames } : {}) });
    for (const [rel, text] of set.files) {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), text, { mode: rel.endsWith('.key.pem') ? 0o600 : 0o644 });
    }
    index.sets.push(set.index);
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, PKI_INDEX_FILE), `${JSON.stringify(index, null, 2)}\n`);
  return index;
}
