// The server half of SGP.22 common mutual authentication, shared by the SM-DP+ (ES9+) and the SM-DS
// (ES11): InitiateAuthentication builds and signs serverSigned1 (SGP.22 v2.5 §5.6.1 / §5.8.1), and
// AuthenticateClient checks the eUICC's answer (§5.6.3 / §5.8.2) step by step. Failures are an
// AuthCheckError naming the check; each server maps it to its own function error.

import { RSPDefinitions as R, rawBytes } from '../../src/asn1/index.ts';
import { type ParsedCertificate, certificatePublicKey } from '../../src/crypto/certificate.ts';
import { validateCertificatePath } from '../../src/crypto/certificates.ts';
import { randomBytes } from '../../src/crypto/engine.ts';
import { CertificateError } from '../../src/crypto/errors.ts';
import { euiccSignature1, serverSignature1 } from '../../src/crypto/signatures.ts';
import { bytesEqual } from '../../src/lib/bytes.ts';
import { parseCertificateValue } from './certificates.ts';
import type { ServerCredentialSet } from './credentials.ts';

export type AuthFailure =
  | 'ciPKNotSupported'
  | 'invalidTransactionId'
  | 'eumCertificateInvalid'
  | 'eumCertificateExpired'
  | 'euiccCertificateInvalid'
  | 'euiccCertificateExpired'
  | 'ciPKUnknown'
  | 'euiccSignatureInvalid'
  | 'euiccReportedError';

export class AuthCheckError extends Error {
  constructor(
    readonly failure: AuthFailure,
    message: string,
  ) {
    super(message);
    this.name = 'AuthCheckError';
  }
}

export interface AuthSession {
  transactionId: Uint8Array;
  createdAt: number;
  euiccChallenge: Uint8Array;
  serverChallenge: Uint8Array;
  set: ServerCredentialSet;
}

const includes = (list: Uint8Array[], id: Uint8Array) => list.some((x) => bytesEqual(x, id));

/**
 * SGP.22 v2.5 §5.6.1 step 3: pick a CI that the eUICC both signs with (euiccCiPKIdListForSigning: we
 * verify its chain) and verifies with (…ForVerification: it verifies our CERT.XXauth).
 */
export function selectCredentials(euiccInfo1: R.EUICCInfo1, sets: ServerCredentialSet[]): ServerCredentialSet {
  const set = sets.find((s) => includes(euiccInfo1.euiccCiPKIdListForSigning, s.ciPkId) && includes(euiccInfo1.euiccCiPKIdListForVerification, s.ciPkId));
  if (!set) throw new AuthCheckError('ciPKNotSupported', 'none of the eUICC CI PKIds is one this server has credentials for');
  return set;
}

/** SGP.22 v2.5 §5.6.1 steps 4-6: TransactionId, serverChallenge, serverSigned1 and serverSignature1 (SK.XXauth). */
export async function initiate(transactionId: Uint8Array, euiccChallenge: Uint8Array, serverAddress: string, set: ServerCredentialSet): Promise<{ session: AuthSession; ok: R.InitiateAuthenticationOkEs9 }> {
  const serverChallenge = randomBytes(16);
  const serverSigned1: R.ServerSigned1 = { transactionId, euiccChallenge, serverAddress, serverChallenge };
  const signature = await serverSignature1.sign(set.auth.signer, R.ServerSigned1.encode(serverSigned1));
  return {
    session: { transactionId, createdAt: Date.now(), euiccChallenge, serverChallenge, set },
    ok: { transactionId, serverSigned1, serverSignature1: signature, euiccCiPKIdToBeUsed: set.ciPkId, serverCertificate: set.auth.value },
  };
}

export interface AuthenticatedEuicc {
  eid: string;
  euiccCertificate: ParsedCertificate;
  euiccSigned1: R.EuiccSigned1;
  euiccSignature1: Uint8Array;
  /** ctxParamsForCommonAuthentication.matchingId (SGP.22 v2.5 §5.6.3: AC token, EventID, or absent/empty). */
  matchingId?: string;
}

function certificateFailure(err: CertificateError): AuthCheckError {
  const onEum = err.certificate.startsWith('eum:') || err.certificate.startsWith('ci:');
  const expired = err.code === 'ERR_CERT_EXPIRED';
  if (err.code === 'ERR_CERT_UNTRUSTED') return new AuthCheckError('ciPKUnknown', err.message);
  // A CERT.EUICC whose issuer is not the EUM sent with it: the EUM certificate is the wrong one.
  if (err.code === 'ERR_CERT_ISSUER' && !onEum) return new AuthCheckError('eumCertificateInvalid', err.message);
  if (onEum) return new AuthCheckError(expired ? 'eumCertificateExpired' : 'eumCertificateInvalid', err.message);
  return new AuthCheckError(expired ? 'euiccCertificateExpired' : 'euiccCertificateInvalid', err.message);
}

/**
 * SGP.22 v2.5 §5.6.3 (ES9+) / §5.8.2 (ES11) AuthenticateClient checks, in order, after the caller found
 * the session: eUICC-reported error, signed transactionId, certificate chain to the CI named in
 * euiccCiPKIdToBeUsed (with EID range), euiccSignature1 over the euiccSigned1 bytes received, serverChallenge.
 */
export async function verifyClient(session: AuthSession, response: R.AuthenticateServerResponse, trustAnchors: ParsedCertificate[], time?: Date): Promise<AuthenticatedEuicc> {
  if ('authenticateResponseError' in response) {
    throw new AuthCheckError('euiccReportedError', `eUICC answered authenticateErrorCode ${response.authenticateResponseError.authenticateErrorCode}`);
  }
  const ok = response.authenticateResponseOk;
  if (!bytesEqual(ok.euiccSigned1.transactionId, session.transactionId)) throw new AuthCheckError('invalidTransactionId', 'euiccSigned1.transactionId differs from the session');
  let euicc: ParsedCertificate;
  let eid: string;
  try {
    euicc = parseCertificateValue(ok.euiccCertificate);
    const eum = parseCertificateValue(ok.eumCertificate);
    const path = await validateCertificatePath(euicc, 'euicc', { trustAnchors, ciPkId: session.set.ciPkId, intermediates: [eum], ...(time ? { time } : {}) });
    eid = path.eid!;
  } catch (err) {
    if (err instanceof CertificateError) throw certificateFailure(err);
    throw err;
  }
  const signed = rawBytes(ok.euiccSigned1) ?? R.EuiccSigned1.encode(ok.euiccSigned1);
  if (!euiccSignature1.verify(certificatePublicKey(euicc), ok.euiccSignature1, signed)) throw new AuthCheckError('euiccSignatureInvalid', 'euiccSignature1 does not verify with PK.EUICC');
  // osmo-smdpp answers a serverChallenge mismatch with "eUICC - Verification failed" (8.1/6.1).
  if (!bytesEqual(ok.euiccSigned1.serverChallenge, session.serverChallenge)) throw new AuthCheckError('euiccSignatureInvalid', 'serverChallenge differs from the session');
  const ctx = ok.euiccSigned1.ctxParams1.ctxParamsForCommonAuthentication;
  return { eid, euiccCertificate: euicc, euiccSigned1: ok.euiccSigned1, euiccSignature1: ok.euiccSignature1, ...(ctx.matchingId ? { matchingId: ctx.matchingId } : {}) };
}
