// The card's keys and certificates at run time: one credential per CI (SGP.22 v2.5 §4.5.2: an eUICC may
// carry an EUM/eUICC certificate chain per GSMA CI, e.g. one on NIST P-256 and one on brainpoolP256r1),
// built from the PKI directory once and from the state file afterwards.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { certificatePublicKey, type ParsedCertificate, parseCertificate } from '../../src/crypto/certificate.ts';
import { type Curve, type EcPublicKey, exportPkcs8 } from '../../src/crypto/engine.ts';
import { loadPrivateKey } from '../../src/crypto/keys.ts';
import { loadPkiDirectory, PKI_INDEX_FILE } from '../../src/crypto/pki-directory.ts';
import type { PkiIndex } from '../../src/crypto/test-pki.ts';
import { FileKeySigner } from '../../src/crypto/signer.ts';
import { bytesEqual, fromHex, toHex } from '../../src/lib/bytes.ts';
import type { CredentialState } from './state.ts';

export interface Credential {
  ciPkId: Uint8Array;
  curve: Curve;
  ci: ParsedCertificate;
  eum: ParsedCertificate;
  euicc: ParsedCertificate;
  euiccPublicKey: EcPublicKey;
  signer: FileKeySigner;
}

export class Credentials {
  constructor(readonly all: Credential[]) {
    if (all.length === 0) throw new TypeError('a virtual eUICC needs at least one credential');
  }

  static fromState(states: CredentialState[]): Credentials {
    return new Credentials(
      states.map((c) => {
        const euicc = parseCertificate(fromHex(c.euiccCertificate));
        return {
          ciPkId: fromHex(c.ciPkId),
          curve: c.curve,
          ci: parseCertificate(fromHex(c.ciCertificate)),
          eum: parseCertificate(fromHex(c.eumCertificate)),
          euicc,
          euiccPublicKey: certificatePublicKey(euicc),
          signer: new FileKeySigner(loadPrivateKey(fromHex(c.euiccPrivateKey))),
        };
      }),
    );
  }

  /** The default credential: the first one (used when nothing names a CI). */
  get primary(): Credential {
    return this.all[0]!;
  }

  /** Trust anchors for server certificates: euiccCiPKIdListForVerification. */
  get trustAnchors(): ParsedCertificate[] {
    return this.all.map((c) => c.ci);
  }

  get ciPkIds(): Uint8Array[] {
    return this.all.map((c) => c.ciPkId);
  }

  /**
   * The credential for a CI key id. The id may be truncated (SGP.32 v1.2 §2.11.1.2: "possibly truncated"
   * euiccCiPKIdentifierToBeUsed), so a non-empty prefix match is accepted.
   */
  byCiPkId(id: Uint8Array | undefined): Credential | undefined {
    if (!id) return this.primary;
    return this.all.find((c) => id.length > 0 && id.length <= c.ciPkId.length && bytesEqual(c.ciPkId.subarray(0, id.length), id));
  }
}

export interface FromPkiOptions {
  euiccIndex?: number;
  /** Restrict to one curve; default: every curve the PKI directory has. */
  curve?: Curve;
}

/** Reads a PKI directory (pki.json, see src/crypto/pki-directory.ts) and picks eUICC `euiccIndex` of each set. */
export function credentialsFromPki(dir: string, options: FromPkiOptions = {}): { eid: string; credentials: CredentialState[] } {
  const pki = loadPkiDirectory(dir);
  const pkiIndex = JSON.parse(readFileSync(join(dir, PKI_INDEX_FILE), 'utf8')) as PkiIndex;
  const index = options.euiccIndex ?? 0;
  const sets = pki.sets.filter((s) => !options.curve || s.curve === options.curve);
  if (sets.length === 0) throw new TypeError(`${dir} has no PKI set${options.curve ? ` for ${options.curve}` : ''}`);
  let eid: string | undefined;
  const credentials: CredentialState[] = [];
  for (const set of sets) {
    const e = set.euiccs[index];
    if (!e?.signer) throw new TypeError(`${dir}: ${set.curve} set has no eUICC #${index} with a private key`);
    if (eid !== undefined && e.eid !== eid) throw new TypeError(`${dir}: eUICC #${index} has EID ${eid} on one curve and ${e.eid} on another`);
    eid = e.eid;
    const keyFile = pkiIndex.sets.find((x) => x.ciPkId.toLowerCase() === set.ciPkId)?.euiccs[index]?.key;
    if (!keyFile) throw new TypeError(`${dir}: ${set.curve} eUICC #${index} has no key file`);
    const key = toHex(exportPkcs8(readKeyFile(join(dir, keyFile))));
    credentials.push({
      ciPkId: set.ciPkId,
      curve: set.curve,
      ciCertificate: toHex(set.ci.certificate.der),
      eumCertificate: toHex(set.eum.certificate.der),
      euiccCertificate: toHex(e.certificate.der),
      euiccPrivateKey: key,
    });
  }
  return { eid: eid!, credentials };
}

function readKeyFile(path: string) {
  const data = readFileSync(path);
  return loadPrivateKey(data.subarray(0, 10).toString('latin1') === '-----BEGIN' ? data.toString('utf8') : new Uint8Array(data));
}
