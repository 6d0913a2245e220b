// The functions' typed answers → JSON response bodies (SGP.32 v1.2 §6.4.1.x). Field names as TT and IX
// read them; encodings in json-fields.ts; error integers → Failed headers per json-status.ts.
import { PKIX1Explicit88 as X, RSPDefinitions as R, SGP32Definitions as S } from '../asn1/index.ts';
import { base64ValueOut, type JsonObject, tlvOut, transactionIdOut } from './json-fields.ts';
import { failedHeader, SUCCESS_HEADER } from './json-status.ts';

function success(): JsonObject {
  return { header: SUCCESS_HEADER };
}

/**
 * §6.4.1.1: transactionId?, serverSigned1, serverSignature1, euiccCiPKIdentifierToBeUsed, serverCertificate,
 * matchingId?, ctxParams1?. serverSignature1 and euiccCiPKIdentifierToBeUsed carry the OCTET STRING value
 * (TT and IX both; IX notes the text says "base64(DER)" but reads the value, while SGP.22 ES9+ sends 5F37/04
 * TLVs — we follow the IPAs).
 */
export function initiateAuthenticationOut(a: S.InitiateAuthenticationResponseEsipa): JsonObject {
  if ('initiateAuthenticationErrorEsipa' in a) return { header: failedHeader('initiateAuthentication', a.initiateAuthenticationErrorEsipa) };
  const ok = a.initiateAuthenticationOkEsipa;
  const out = success();
  if (ok.transactionId !== undefined) out.transactionId = transactionIdOut(ok.transactionId);
  out.serverSigned1 = tlvOut(R.ServerSigned1, ok.serverSigned1);
  out.serverSignature1 = base64ValueOut(ok.serverSignature1);
  out.euiccCiPKIdentifierToBeUsed = base64ValueOut(ok.euiccCiPKIdentifierToBeUsed);
  out.serverCertificate = tlvOut(X.Certificate, ok.serverCertificate);
  if (ok.matchingId !== undefined) out.matchingId = ok.matchingId;
  if (ok.ctxParams1 !== undefined) out.ctxParams1 = tlvOut(R.CtxParams1, ok.ctxParams1);
  return out;
}

/**
 * §6.4.1.2, SM-DP+ case: transactionId?, profileMetadata? (spelled so in JSON, BF25), smdpSigned2,
 * smdpSignature2 (value), smdpCertificate, hashCc? (value, as TT; IX parses an 04 20 TLV here — a
 * disagreement we resolve towards the sibling signature fields). SM-DS case (no JSON schema in TT or IX; our
 * reading): transactionId and profileDownloadTrigger (base64 of BF54).
 */
export function authenticateClientOut(a: S.AuthenticateClientResponseEsipa): JsonObject {
  if ('authenticateClientErrorEsipa' in a) return { header: failedHeader('authenticateClient', a.authenticateClientErrorEsipa) };
  const out = success();
  if ('authenticateClientOkDSEsipa' in a) {
    const ds = a.authenticateClientOkDSEsipa;
    out.transactionId = transactionIdOut(ds.transactionId);
    if (ds.profileDownloadTrigger !== undefined) out.profileDownloadTrigger = tlvOut(S.ProfileDownloadTriggerRequest, ds.profileDownloadTrigger);
    return out;
  }
  const dp = a.authenticateClientOkDPEsipa;
  if (dp.transactionId !== undefined) out.transactionId = transactionIdOut(dp.transactionId);
  if (dp.profileMetaData !== undefined) out.profileMetadata = tlvOut(S.StoreMetadataRequest, dp.profileMetaData);
  out.smdpSigned2 = tlvOut(R.SmdpSigned2, dp.smdpSigned2);
  out.smdpSignature2 = base64ValueOut(dp.smdpSignature2);
  out.smdpCertificate = tlvOut(X.Certificate, dp.smdpCertificate);
  if (dp.hashCc !== undefined) out.hashCc = base64ValueOut(dp.hashCc);
  return out;
}

/** §6.4.1.3: transactionId?, boundProfilePackage (BF36). */
export function getBoundProfilePackageOut(a: S.GetBoundProfilePackageResponseEsipa): JsonObject {
  if ('getBoundProfilePackageErrorEsipa' in a) return { header: failedHeader('getBoundProfilePackage', a.getBoundProfilePackageErrorEsipa) };
  const ok = a.getBoundProfilePackageOkEsipa;
  const out = success();
  if (ok.transactionId !== undefined) out.transactionId = transactionIdOut(ok.transactionId);
  out.boundProfilePackage = tlvOut(R.BoundProfilePackage, ok.boundProfilePackage);
  return out;
}

/** §6.4.1.8: the header only (TT: "This message has no JSON body"). */
export function cancelSessionOut(a: S.CancelSessionResponseEsipa): JsonObject {
  if ('cancelSessionError' in a) return { header: failedHeader('cancelSession', a.cancelSessionError) };
  return success();
}

/** §6.4.1.5: exactly one of euiccPackageRequest (BF51), ipaEuiccDataRequest (BF52), profileDownloadTriggerRequest (BF54), eimPackageError. */
export function getEimPackageOut(a: S.GetEimPackageResponse): JsonObject {
  const out = success();
  if ('eimPackageError' in a) out.eimPackageError = a.eimPackageError;
  else if ('euiccPackageRequest' in a) out.euiccPackageRequest = tlvOut(S.EuiccPackageRequest, a.euiccPackageRequest);
  else if ('ipaEuiccDataRequest' in a) out.ipaEuiccDataRequest = tlvOut(S.IpaEuiccDataRequest, a.ipaEuiccDataRequest);
  else out.profileDownloadTriggerRequest = tlvOut(S.ProfileDownloadTriggerRequest, a.profileDownloadTriggerRequest);
  return out;
}

/** §6.4.1.6: eimAcknowledgements? (BF53); emptyResponse is the header alone. */
export function provideEimPackageResultOut(a: S.ProvideEimPackageResultResponse): JsonObject {
  if ('provideEimPackageResultError' in a) return { header: failedHeader('provideEimPackageResult', a.provideEimPackageResultError) };
  const out = success();
  if ('eimAcknowledgements' in a) out.eimAcknowledgements = tlvOut(S.EimAcknowledgements, a.eimAcknowledgements);
  return out;
}
