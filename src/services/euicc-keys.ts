// The eUICC public keys results are verified with (SGP.32 v1.2 §3.4): taken only from an eUICC
// certificate whose chain (eUICC <- EUM <- CI) validates to a configured CI and whose EID is the
// eUICC's own. Once validated, the key is kept on the eUICC's row with a check value binding it to the
// certificates and trust anchors it was validated with, so no instance validates the chain again on
// every start; any change of these (a new certificate, another CI set) validates the chain again.
// Interpretation: like the in-memory cache before it, a kept key is not re-checked against the clock
// (an eUICC certificate that expires after its first use stays usable).
import { certificatePublicKey, parseCertificate, type ParsedCertificate } from '../crypto/certificate.ts';
import { validateCertificatePath } from '../crypto/certificates.ts';
import { importPublicKey, sha256, type EcPublicKey } from '../crypto/engine.ts';
import { CertificateError, CryptoError } from '../crypto/errors.ts';
import type { Euicc } from '../domain/records.ts';
import { bytesEqual, toHex } from '../lib/bytes.ts';
import type { ServiceDeps } from './deps.ts';

export type CertificateCheck = { ok: true; publicKey: EcPublicKey } | { ok: false; code: string; message: string };

// EUM certificates parsed once: a fleet has a handful, shared by thousands of eUICCs (and the crypto layer
// verifies a parsed certificate's signature once).
const eums = new Map<string, ParsedCertificate>();

function parsedEum(der: Uint8Array): ParsedCertificate {
  const key = toHex(sha256(der));
  let parsed = eums.get(key);
  if (!parsed) {
    parsed = parseCertificate(der);
    if (eums.size >= 1000) eums.clear();
    eums.set(key, parsed);
  }
  return parsed;
}

/** Validates an eUICC certificate (and its EUM certificate) for `eid`. */
export async function checkEuiccCertificate(deps: ServiceDeps, eid: string, euiccCert: Uint8Array, eumCert: Uint8Array | null): Promise<CertificateCheck> {
  try {
    const leaf = parseCertificate(euiccCert);
    const intermediates: ParsedCertificate[] = eumCert ? [parsedEum(eumCert)] : [];
    const path = await validateCertificatePath(leaf, 'euicc', { trustAnchors: deps.trustAnchors, intermediates, time: deps.now() });
    if (path.eid && path.eid !== eid) return { ok: false, code: 'ERR_CERT_EID', message: `the certificate is for EID ${path.eid}, not ${eid}` };
    return { ok: true, publicKey: certificatePublicKey(leaf) };
  } catch (e) {
    if (e instanceof CertificateError || e instanceof CryptoError) return { ok: false, code: e.code, message: e.message };
    throw e;
  }
}

const cache = new Map<number, { check: Uint8Array; publicKey: EcPublicKey }>();
const anchorDigests = new WeakMap<ParsedCertificate[], Uint8Array>();

/** SHA-256 over the certificates a key was validated from and the trust anchors it was validated against. */
function keyCheck(deps: ServiceDeps, euiccCert: Uint8Array, eumCert: Uint8Array | null): Uint8Array {
  let anchors = anchorDigests.get(deps.trustAnchors);
  if (!anchors) {
    anchors = sha256(...deps.trustAnchors.map((a) => sha256(a.der)));
    anchorDigests.set(deps.trustAnchors, anchors);
  }
  return sha256(sha256(euiccCert), sha256(eumCert ?? new Uint8Array(0)), anchors);
}

/** The verified public key of an eUICC, or undefined when its certificate is unknown or does not validate. */
export async function euiccPublicKey(deps: ServiceDeps, euicc: Euicc): Promise<EcPublicKey | undefined> {
  if (!euicc.euiccCertificate) return undefined;
  const check = keyCheck(deps, euicc.euiccCertificate, euicc.eumCertificate);
  const hit = cache.get(euicc.id);
  if (hit && bytesEqual(hit.check, check)) return hit.publicKey;
  let publicKey: EcPublicKey;
  if (euicc.euiccPublicKey && euicc.euiccKeyCheck && bytesEqual(euicc.euiccKeyCheck, check)) {
    publicKey = importPublicKey(euicc.euiccPublicKey);
  } else {
    const result = await checkEuiccCertificate(deps, euicc.eid, euicc.euiccCertificate, euicc.eumCertificate);
    if (!result.ok) {
      deps.log.warn('stored eUICC certificate does not validate', { eid: euicc.eid, code: result.code });
      return undefined;
    }
    publicKey = result.publicKey;
    await deps.store.updateEuicc(euicc.id, euiccKeyPatch(deps, euicc.euiccCertificate, euicc.eumCertificate, publicKey));
  }
  if (cache.size > 100_000) cache.clear();
  cache.set(euicc.id, { check, publicKey });
  return publicKey;
}

/** The columns that keep a validated key with its check value (written with the certificates they come from). */
export function euiccKeyPatch(deps: ServiceDeps, euiccCert: Uint8Array, eumCert: Uint8Array | null, publicKey: EcPublicKey): { euiccPublicKey: Uint8Array; euiccKeyCheck: Uint8Array } {
  return { euiccPublicKey: publicKey.spki, euiccKeyCheck: keyCheck(deps, euiccCert, eumCert) };
}
