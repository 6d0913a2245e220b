// TLS material for the simulators, read from a PKI directory (`eim pki init` or any pki.json index):
// the server presents CERT.DP.TLS / CERT.DS.TLS (SGP.22 v2.5 §4.5.2, checklist §6.4) and a client
// trusts the CI certificates of the same directory.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pemEncode } from '../../src/crypto/keys.ts';
import type { LoadedPki } from '../../src/crypto/pki-directory.ts';
import { PKI_INDEX_FILE } from '../../src/crypto/pki-directory.ts';
import type { Curve } from '../../src/crypto/engine.ts';
import type { PkiIndex } from '../../src/crypto/test-pki.ts';

export interface TlsMaterial {
  /** PEM certificate (chain) the server presents. */
  cert: string;
  /** PEM private key. */
  key: string;
}

export type TlsRole = 'dpTls' | 'dsTls';

function pemFile(path: string, label: string): string {
  const data = readFileSync(path);
  return data.subarray(0, 10).toString('latin1') === '-----BEGIN' ? data.toString('utf8') : pemEncode(label, new Uint8Array(data));
}

/** The TLS certificate and key for `role` from `dir/pki.json`; the first curve set unless `curve` is given. */
export function tlsFromPkiDirectory(dir: string, role: TlsRole, curve?: Curve): TlsMaterial {
  const index = JSON.parse(readFileSync(join(dir, PKI_INDEX_FILE), 'utf8')) as PkiIndex;
  const set = index.sets.find((s) => !curve || s.curve === curve);
  const entry = set?.[role];
  if (!entry?.key) throw new TypeError(`${join(dir, PKI_INDEX_FILE)} has no ${role} certificate and key${curve ? ` for ${curve}` : ''}`);
  return { cert: pemFile(join(dir, entry.cert), 'CERTIFICATE'), key: pemFile(join(dir, entry.key), 'PRIVATE KEY') };
}

/** The CI certificates of a loaded PKI as PEM: what a client of the simulators trusts. */
export function trustedCaPem(pki: LoadedPki): string {
  return pki.trustAnchors.map((c) => pemEncode('CERTIFICATE', c.der)).join('');
}
