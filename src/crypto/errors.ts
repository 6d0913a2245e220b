// Crypto and certificate errors. Every failure carries a stable `code` that callers map to
// protocol results (e.g. SGP.22 euiccSignatureInvalid, eumCertificateExpired); the message is for logs.

export type CryptoErrorCode =
  | 'ERR_KEY_FORMAT' // a key that is not PEM/DER PKCS#8, SEC1 or SubjectPublicKeyInfo
  | 'ERR_KEY_CURVE' // a key on a curve other than NIST P-256 or brainpoolP256r1
  | 'ERR_SIGNATURE_FORMAT' // neither 64-byte r||s nor a DER SEQUENCE {r, s}
  | 'ERR_SIGNATURE_INVALID' // a well-formed signature that does not verify
  | 'ERR_SIGNED_DATA' // the bytes a signature covers are malformed (missing TLV, wrong tag)
  | 'ERR_BSP_STRUCTURE' // a BoundProfilePackage that does not have the SGP.22 layout
  | 'ERR_BSP_SEGMENT' // a BSP segment that is too long or carries the wrong tag
  | 'ERR_BSP_MAC' // a C-MAC that does not match
  | 'ERR_BSP_PADDING' // decrypted data without the 80 00.. padding
  | 'ERR_BSP_REMOTE_OP_ID' // InitialiseSecureChannel remoteOpId other than installBoundProfilePackage(1)
  | 'ERR_BSP_TRANSACTION_ID' // transactionId differs from the session's
  | 'ERR_BSP_CRT' // control reference template other than AES-128 (keyType 88, keyLen 10)
  | 'ERR_PKI_DIRECTORY'; // a PKI directory that is missing files or entries

export class CryptoError extends Error {
  readonly code: CryptoErrorCode;
  constructor(code: CryptoErrorCode, detail: string, options?: { cause?: unknown }) {
    super(`${code}: ${detail}`, options);
    this.name = 'CryptoError';
    this.code = code;
  }
}

export type CertificateErrorCode =
  | 'ERR_CERT_PARSE' // not a DER X.509 certificate
  | 'ERR_CERT_SIGNATURE' // the issuer's key does not verify the certificate signature
  | 'ERR_CERT_ISSUER' // issuer name / authorityKeyIdentifier does not match the next certificate
  | 'ERR_CERT_UNTRUSTED' // the chain does not end in a configured CI (trust anchor)
  | 'ERR_CERT_EXPIRED' // notAfter is before the validation time
  | 'ERR_CERT_NOT_YET_VALID' // notBefore is after the validation time
  | 'ERR_CERT_BASIC_CONSTRAINTS' // cA flag or pathLenConstraint wrong for the role
  | 'ERR_CERT_KEY_USAGE' // keyUsage missing or wrong for the role
  | 'ERR_CERT_ROLE' // certificate policy is not the GSMA RSP role expected here
  | 'ERR_CERT_CURVE' // public key or signature algorithm not ECDSA P-256/brainpoolP256r1 with SHA-256
  | 'ERR_CERT_EID' // eUICC certificate without a valid EID in subject serialNumber
  | 'ERR_EID_OUT_OF_RANGE' // the EID is not within the EUM's permitted ranges
  | 'ERR_CERT_REVOKED'; // the revocation hook reports the certificate revoked

export class CertificateError extends Error {
  readonly code: CertificateErrorCode;
  /** Which certificate of the chain failed: its role and subject, for logs. */
  readonly certificate: string;
  constructor(code: CertificateErrorCode, detail: string, certificate = '') {
    super(`${code}: ${detail}${certificate ? ` (${certificate})` : ''}`);
    this.name = 'CertificateError';
    this.code = code;
    this.certificate = certificate;
  }
}
