// Profile download, first part (SGP.22 v2.5 §3.1.2-§3.1.3 common mutual authentication; SGP.32 v1.2 §5.9
// for the IoT response types): GetEUICCChallenge, AuthenticateServer, PrepareDownload, CancelSession.
// The session is volatile: a card reset drops it (Es10Card.reset).

import { PKIX1Explicit88 as X, PKIX1Implicit88 as I, RSPDefinitions as R, rawBytes, SGP32Definitions as S } from '../../src/asn1/index.ts';
import { readHeader, tlv } from '../../src/asn1/tlv.ts';
import { certificatePublicKey, type ParsedCertificate, parseCertificate } from '../../src/crypto/certificate.ts';
import { type CertificateRole, RSP_ROLE_POLICY, validateCertificatePath } from '../../src/crypto/certificates.ts';
import { type EcPrivateKey, type EcPublicKey, generateKeyPair, randomBytes } from '../../src/crypto/engine.ts';
import { CertificateError } from '../../src/crypto/errors.ts';
import { euiccCancelSessionSignature, euiccSignature1, euiccSignature2, serverSignature1, smdpSignature2 } from '../../src/crypto/signatures.ts';
import { bytesEqual, concatBytes } from '../../src/lib/bytes.ts';
import type { CardContext } from './context.ts';
import type { Credential } from './credentials.ts';
import { euiccInfo2 } from './euicc-info.ts';

export interface DownloadSession {
  challenge?: Uint8Array;
  transactionId?: Uint8Array;
  serverAddress?: string;
  /** SM-DP+ OID from CERT.DPauth (EuiccCancelSessionSigned) and from CERT.DPpb (ProfileInstallationResultData). */
  dpAuthOid?: string;
  dpPbOid?: string;
  credential?: Credential;
  euiccSignature1?: Uint8Array;
  dpPbKey?: EcPublicKey;
  otsk?: EcPrivateKey;
  /** LoadBoundProfilePackage parts received so far (es10-dispatch.ts). */
  bppParts?: Uint8Array[];
}

/** The certificate's registeredID subjectAltName: the SM-DP+ OID (SGP.22 v2.5 §4.5.2.1.0.x). */
export function registeredId(cert: ParsedCertificate): string | undefined {
  const ext = X.Certificate.decode(cert.der).tbsCertificate.extensions?.find((e) => e.extnID === '2.5.29.17');
  if (!ext) return undefined;
  const name = I.SubjectAltName.decode(ext.extnValue).find((n) => 'registeredID' in n);
  return name && 'registeredID' in name ? name.registeredID : undefined;
}

/**
 * The certificate of an AuthenticateServerRequest (BF38) or PrepareDownloadRequest (BF21) as received: the
 * second SEQUENCE among the request's components (after serverSigned1 / smdpSigned2), so a certificate that
 * is valid BER but not DER still verifies over its own bytes.
 */
function receivedCertificate(request: Uint8Array): Uint8Array {
  const outer = readHeader(request, 0, request.length);
  const sequences: Uint8Array[] = [];
  for (let p = outer.contentStart; p < outer.contentEnd; ) {
    const h = readHeader(request, p, outer.contentEnd);
    if (request[p] === 0x30) sequences.push(request.subarray(p, h.end));
    p = h.end;
  }
  return sequences[1]!;
}

/** Validates a server certificate; a failure maps to invalidCertificate(1) or unsupportedCurve(3). */
async function checkServerCertificate(ctx: CardContext, der: Uint8Array, roles: CertificateRole[]): Promise<{ cert: ParsedCertificate } | { code: number }> {
  try {
    const cert = parseCertificate(der);
    const role = roles.find((r) => cert.policies.includes(RSP_ROLE_POLICY[r]!)) ?? roles[0]!;
    await validateCertificatePath(cert, role, { trustAnchors: ctx.credentials.trustAnchors, time: ctx.now() });
    return { cert };
  } catch (err) {
    if (!(err instanceof CertificateError)) throw err;
    return { code: err.code === 'ERR_CERT_CURVE' ? 3 : 1 };
  }
}

/** ES10b.GetEUICCChallenge (SGP.22 v2.5 §5.7.7): a fresh 16-byte challenge; it starts a new session. */
export function getEuiccChallenge(session: DownloadSession): Uint8Array {
  for (const k of Object.keys(session)) delete session[k as keyof DownloadSession];
  session.challenge = randomBytes(16);
  return R.GetEuiccChallengeResponse.encode({ euiccChallenge: session.challenge });
}

function authError(transactionId: Uint8Array, code: number): Uint8Array {
  return S.AuthenticateServerResponse.encode({ authenticateResponseError: { transactionId, authenticateErrorCode: code } });
}

/** ES10b.AuthenticateServer (SGP.22 v2.5 §5.7.13), checks in the spec's order. */
export async function authenticateServer(ctx: CardContext, session: DownloadSession, request: R.AuthenticateServerRequest, der: Uint8Array): Promise<Uint8Array> {
  const signed1 = rawBytes(request.serverSigned1)!;
  const txid = request.serverSigned1.transactionId;
  // The CI the SM-DP+ wants the eUICC to sign with must be one of euiccCiPKIdListForSigning → ciPKUnknown(7).
  const credential = ctx.credentials.all.find((c) => bytesEqual(c.ciPkId, request.euiccCiPKIdToBeUsed));
  if (!credential) return authError(txid, 7);
  // CERT.DPauth (or CERT.DSauth) chains to a CI of euiccCiPKIdListForVerification → invalidCertificate(1) / unsupportedCurve(3).
  const checked = await checkServerCertificate(ctx, receivedCertificate(der), ['dpAuth', 'dsAuth']);
  if ('code' in checked) return authError(txid, checked.code);
  if (!serverSignature1.verify(certificatePublicKey(checked.cert), request.serverSignature1, signed1)) return authError(txid, 2); // invalidSignature
  if (!session.challenge || !bytesEqual(session.challenge, request.serverSigned1.euiccChallenge)) return authError(txid, 6); // euiccChallengeMismatch

  const euiccSigned1 = S.EuiccSigned1.encode({
    transactionId: txid,
    serverAddress: request.serverSigned1.serverAddress,
    serverChallenge: request.serverSigned1.serverChallenge,
    euiccInfo2: euiccInfo2(ctx),
    ctxParams1: request.ctxParams1,
  });
  const signature = await euiccSignature1.sign(credential.signer, euiccSigned1);
  delete session.challenge; // one authentication per challenge
  Object.assign(session, { transactionId: txid, serverAddress: request.serverSigned1.serverAddress, credential, euiccSignature1: signature, dpAuthOid: registeredId(checked.cert) });
  // SGP.32 v1.2 §5.14.3 AuthenticateServerResponse A0 { euiccSigned1, 5F37, CERT.EUICC, CERT.EUM }, spliced as signed.
  return tlv([0xbf, 0x38], tlv([0xa0], concatBytes(euiccSigned1, tlv([0x5f, 0x37], signature), credential.euicc.der, credential.eum.der)));
}

function downloadError(transactionId: Uint8Array, code: number): Uint8Array {
  return S.PrepareDownloadResponse.encode({ downloadResponseError: { transactionId, downloadErrorCode: code } });
}

/** ES10b.PrepareDownload (SGP.22 v2.5 §5.7.5), checks in the spec's order. */
export async function prepareDownload(ctx: CardContext, session: DownloadSession, request: R.PrepareDownloadRequest, der: Uint8Array): Promise<Uint8Array> {
  const signed2 = rawBytes(request.smdpSigned2)!;
  const txid = request.smdpSigned2.transactionId;
  if (!session.transactionId || !session.credential || !session.euiccSignature1) return downloadError(txid, 4); // noSessionContext
  const checked = await checkServerCertificate(ctx, receivedCertificate(der), ['dpPb']);
  if ('code' in checked) return downloadError(txid, checked.code);
  const dpPbKey = certificatePublicKey(checked.cert);
  if (!smdpSignature2.verify(dpPbKey, request.smdpSignature2, signed2, session.euiccSignature1)) return downloadError(txid, 2); // invalidSignature
  if (!bytesEqual(txid, session.transactionId)) return downloadError(txid, 5); // invalidTransactionId
  // Interpretation: a confirmation code the SM-DP+ requires but the LPA/IPA did not hash is undefinedError(127).
  if (request.smdpSigned2.ccRequiredFlag && !request.hashCc) return downloadError(txid, 127);

  // SGP.22 v2.5 §5.7.5: re-use otSK.EUICC.ECKA when the SM-DP+ re-binds a BPP to the same otPK, else a fresh pair.
  const reuse = request.smdpSigned2.bppEuiccOtpk && session.otsk && bytesEqual(session.otsk.publicKey.point, request.smdpSigned2.bppEuiccOtpk);
  const otsk = reuse ? session.otsk! : generateKeyPair(session.credential.curve);
  const euiccSigned2 = R.EUICCSigned2.encode({ transactionId: txid, euiccOtpk: otsk.publicKey.point, ...(request.hashCc ? { hashCc: request.hashCc } : {}) });
  const signature = await euiccSignature2.sign(session.credential.signer, euiccSigned2, request.smdpSignature2);
  Object.assign(session, { otsk, dpPbKey, dpPbOid: registeredId(checked.cert) });
  return tlv([0xbf, 0x21], tlv([0xa0], concatBytes(euiccSigned2, tlv([0x5f, 0x37], signature))));
}

/** ES10b.CancelSession (SGP.22 v2.5 §5.7.14): signed by the eUICC, ends the session. */
export async function cancelSession(ctx: CardContext, session: DownloadSession, request: R.CancelSessionRequest): Promise<Uint8Array> {
  void ctx;
  if (!session.transactionId || !session.credential || !bytesEqual(session.transactionId, request.transactionId)) {
    return S.CancelSessionResponse.encode({ cancelSessionResponseError: 5 }); // invalidTransactionId
  }
  const signed = R.EuiccCancelSessionSigned.encode({ transactionId: request.transactionId, smdpOid: session.dpAuthOid ?? '0.0', reason: request.reason });
  const signature = await euiccCancelSessionSignature.sign(session.credential.signer, signed);
  for (const k of Object.keys(session)) delete session[k as keyof DownloadSession];
  return tlv([0xbf, 0x41], tlv([0xa0], concatBytes(signed, tlv([0x5f, 0x37], signature))));
}
