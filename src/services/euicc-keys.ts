// The eUICC public keys results are verified with (SGP.32 v1.2 §3.4): taken only from an eUICC
// certificate whose chain (eUICC <- EUM <- CI) validates to a configured CI and whose EID is the
// eUICC's own; parsed once and kept in memory.
import { certificatePublicKey, parseCertificate, type ParsedCertificate } from '../crypto/certificate.ts';
import { validateCertificatePath } from '../crypto/certificates.ts';
import type { EcPublicKey } from '../crypto/engine.ts';
import { CertificateError, CryptoError } from '../crypto/errors.ts';
import type { Euicc } from '../domain/records.ts';
import { bytesEqual } from '../lib/bytes.ts';
import type { ServiceDeps } from './deps.ts';

export type CertificateCheck = { ok: true; publicKey: EcPublicKey } | { ok: false; code: string; message: string };

/** Validates an eUICC certificate (and its EUM certificate) for `eid`. */
export async function checkEuiccCertificate(deps: ServiceDeps, eid: string, euiccCert: Uint8Array, eumCert: Uint8Array | null): Promise<CertificateCheck> {
  try {
    const leaf = parseCertificate(euiccCert);
    const intermediates: ParsedCertificate[] = eumCert ? [parseCertificate(eumCert)] : [];
    const path = await validateCertificatePath(leaf, 'euicc', { trustAnchors: deps.trustAnchors, intermediates, time: deps.now() });
    if (path.eid && path.eid !== eid) return { ok: false, code: 'ERR_CERT_EID', message: `the certificate is for EID ${path.eid}, not ${eid}` };
    return { ok: true, publicKey: certificatePublicKey(leaf) };
  } catch (e) {
    if (e instanceof CertificateError || e instanceof CryptoError) return { ok: false, code: e.code, message: e.message };
    throw e;
  }
}

const cache = new Map<number, { certificate: Uint8Array; publicKey: EcPublicKey }>();

/** The verified public key of an eUICC, or undefined when its certificate is unknown or does not validate. */
export async function euiccPublicKey(deps: ServiceDeps, euicc: Euicc): Promise<EcPublicKey | undefined> {
  if (!euicc.euiccCertificate) return undefined;
  const hit = cache.get(euicc.id);
  if (hit && bytesEqual(hit.certificate, euicc.euiccCertificate)) return hit.publicKey;
  const check = await checkEuiccCertificate(deps, euicc.eid, euicc.euiccCertificate, euicc.eumCertificate);
  if (!check.ok) {
    deps.log.warn('stored eUICC certificate does not validate', { eid: euicc.eid, code: check.code });
    return undefined;
  }
  if (cache.size > 100_000) cache.clear();
  cache.set(euicc.id, { certificate: euicc.euiccCertificate, publicKey: check.publicKey });
  return check.publicKey;
}
