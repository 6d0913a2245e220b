// The eUICC's ES10b responses as the SM-DP+ must receive them (checklist §4.2, "what the eIM changes when
// relaying"): the signed parts go out as the bytes the eUICC signed (rawBytes → verbatim), certificates
// with their TBS as received, and the SGP.32 compact forms are expanded where the spec lets the eIM do it.
import { PKIX1Explicit88 as X, RSPDefinitions as R, SGP32Definitions as S, rawBytes, verbatim } from '../asn1/index.ts';
import type { Euicc } from '../domain/records.ts';
import { certificateVerbatim } from './notifications.ts';

/** An ESipa request the eIM cannot turn into an ES9+ request (a compact form it cannot expand). */
export class UnrelayableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnrelayableError';
  }
}

function signedVerbatim<T>(value: T, what: string): T {
  const raw = rawBytes(value);
  if (!raw) throw new TypeError(`${what} was not decoded from received bytes`);
  return verbatim<T>(raw);
}

function storedCertificate(der: Uint8Array | null | undefined, what: string): X.Certificate {
  if (!der) throw new UnrelayableError(`the IPA left out the ${what} certificate and the eIM has none cached`);
  return verbatim<X.Certificate>(der);
}

/**
 * BF38 AuthenticateServerResponse for ES9+ AuthenticateClient (SGP.22 v2.5 §5.6.3). SGP.32 v1.2 §5.9.x
 * compactAuthenticateResponseOk: the certificates the IPA left out are the eUICC's, as the eIM cached them
 * (from IpaEuiccData or an earlier download). A compactEuiccSigned1 would need the EUICCInfo2 the eUICC
 * signed rebuilt byte for byte from extCardResource; not supported (the IPA gets undefinedError).
 */
export function authenticateServerResponseDer(asr: S.AuthenticateServerResponse, euicc: Euicc | undefined): Uint8Array {
  if ('authenticateResponseError' in asr) return S.AuthenticateServerResponse.encode(asr);
  if ('authenticateResponseOk' in asr) {
    const ok = asr.authenticateResponseOk;
    return S.AuthenticateServerResponse.encode({
      authenticateResponseOk: {
        euiccSigned1: signedVerbatim(ok.euiccSigned1, 'euiccSigned1'),
        euiccSignature1: ok.euiccSignature1,
        euiccCertificate: certificateVerbatim(ok.euiccCertificate),
        eumCertificate: certificateVerbatim(ok.eumCertificate),
      },
    });
  }
  const c = asr.compactAuthenticateResponseOk;
  if (!('euiccSigned1' in c.signedData)) throw new UnrelayableError('compactEuiccSigned1 cannot be expanded by this eIM');
  return S.AuthenticateServerResponse.encode({
    authenticateResponseOk: {
      euiccSigned1: signedVerbatim(c.signedData.euiccSigned1, 'euiccSigned1'),
      euiccSignature1: c.euiccSignature1,
      euiccCertificate: c.euiccCertificate ? certificateVerbatim(c.euiccCertificate) : storedCertificate(euicc?.euiccCertificate, 'eUICC'),
      eumCertificate: c.eumCertificate ? certificateVerbatim(c.eumCertificate) : storedCertificate(euicc?.eumCertificate, 'EUM'),
    },
  });
}

/** The eUICC and EUM certificates carried in an AuthenticateServerResponse, as DER. */
export function certificatesOf(asr: S.AuthenticateServerResponse): { euicc: Uint8Array; eum: Uint8Array | undefined } | undefined {
  const ok = 'authenticateResponseOk' in asr ? asr.authenticateResponseOk : 'compactAuthenticateResponseOk' in asr ? asr.compactAuthenticateResponseOk : undefined;
  if (!ok?.euiccCertificate) return undefined;
  return {
    euicc: X.Certificate.encode(certificateVerbatim(ok.euiccCertificate)),
    eum: ok.eumCertificate ? X.Certificate.encode(certificateVerbatim(ok.eumCertificate)) : undefined,
  };
}

/**
 * BF21 PrepareDownloadResponse for ES9+ GetBoundProfilePackage (SGP.22 v2.5 §5.6.2). SGP.32 v1.2
 * compactDownloadResponseOk: euiccSigned2 is rebuilt as the DER the eUICC signed, {transactionId,
 * euiccOtpk, hashCc?}, with the session's transactionId (checklist §4.2).
 */
export function prepareDownloadResponseDer(pdr: S.PrepareDownloadResponse, transactionId: Uint8Array): Uint8Array {
  if ('downloadResponseError' in pdr) return S.PrepareDownloadResponse.encode(pdr);
  if ('downloadResponseOk' in pdr) {
    const ok = pdr.downloadResponseOk;
    return S.PrepareDownloadResponse.encode({ downloadResponseOk: { euiccSigned2: signedVerbatim(ok.euiccSigned2, 'euiccSigned2'), euiccSignature2: ok.euiccSignature2 } });
  }
  const c = pdr.compactDownloadResponseOk;
  if (!c.compactEuiccSigned2.euiccOtpk) throw new UnrelayableError('compactEuiccSigned2 without euiccOtpk cannot be expanded');
  const euiccSigned2 = R.EUICCSigned2.encode({ transactionId, euiccOtpk: c.compactEuiccSigned2.euiccOtpk, ...(c.compactEuiccSigned2.hashCc ? { hashCc: c.compactEuiccSigned2.hashCc } : {}) });
  return S.PrepareDownloadResponse.encode({ downloadResponseOk: { euiccSigned2: verbatim(euiccSigned2), euiccSignature2: c.euiccSignature2 } });
}

/**
 * The eUICC's BF41 CancelSessionResponse (SGP.22 v2.5 §5.7.14) for ES9+ CancelSession. Inside
 * CancelSessionRequestEsipa it arrived re-tagged A1 and was decoded structurally (checklist §1.2); here it
 * is the eUICC's own BF41 again, the signed part verbatim. The compact form lacks the smdpOid the eUICC
 * signed; the eIM does not keep it, so it is not supported.
 */
export function cancelSessionResponseDer(csr: S.CancelSessionResponse): Uint8Array {
  if ('cancelSessionResponseError' in csr) return S.CancelSessionResponse.encode(csr);
  if ('cancelSessionResponseOk' in csr) {
    const ok = csr.cancelSessionResponseOk;
    return S.CancelSessionResponse.encode({
      cancelSessionResponseOk: { euiccCancelSessionSigned: signedVerbatim(ok.euiccCancelSessionSigned, 'euiccCancelSessionSigned'), euiccCancelSessionSignature: ok.euiccCancelSessionSignature },
    });
  }
  throw new UnrelayableError('compactCancelSessionResponseOk cannot be expanded by this eIM');
}

/** The reason the eUICC signed into its CancelSessionResponse, when it says. */
export function cancelReasonOf(csr: S.CancelSessionResponse): number | undefined {
  if ('cancelSessionResponseOk' in csr) return Number(csr.cancelSessionResponseOk.euiccCancelSessionSigned.reason);
  if ('compactCancelSessionResponseOk' in csr) {
    const r = csr.compactCancelSessionResponseOk.compactEuiccCancelSessionSigned.reason;
    return r === undefined ? undefined : Number(r);
  }
  return undefined;
}
