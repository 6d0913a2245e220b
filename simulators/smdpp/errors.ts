// ES9+ function errors (SGP.22 v2.5 §5.6, ASN.1 values from RSPDefinitions; JSON subject/reason codes
// from SGP.22 v2.5 §5.6.x status code tables as used by osmo-smdpp (pySim `osmo-smdpp.py`):
//   8.8.1/3.8 SM-DP+ address refused, 8.8.2/3.1 security configuration (CI PKId) not supported,
//   8.10.1/3.9 TransactionId unknown, 8.11.1/3.9 CI public key unknown, 8.1.3/6.1|6.3 eUICC certificate
//   verification failed|expired, 8.1/6.1 eUICC signature verification failed, 8.2.6/3.8 matching ID
//   refused, 8.8/3.10 invalid SM-DP+ OID.
// The other pairs are this simulator's reading of the SGP.22 v2.5 tables, marked "interpretation".

import { type ErrorTable, errorFrom } from '../common/rsp-error.ts';
import type { AuthFailure } from '../common/mutual-authentication.ts';

export const ES9_ERRORS = {
  initiateAuthentication: {
    invalidDpAddress: [1, '8.8.1', '3.8'],
    euiccVersionNotSupportedByDp: [2, '8.8.3', '3.1'], // interpretation: Specification Version Number - Unsupported
    ciPKNotSupported: [3, '8.8.2', '3.1'],
  },
  authenticateClient: {
    eumCertificateInvalid: [1, '8.1.2', '6.1'],
    eumCertificateExpired: [2, '8.1.2', '6.3'],
    euiccCertificateInvalid: [3, '8.1.3', '6.1'],
    euiccCertificateExpired: [4, '8.1.3', '6.3'],
    euiccSignatureInvalid: [5, '8.1', '6.1'],
    matchingIdRefused: [6, '8.2.6', '3.8'],
    eidMismatch: [7, '8.1.1', '3.8'], // interpretation: EID - Refused
    noEligibleProfile: [8, '8.2.5', '4.3'], // interpretation: Profile Type - No eligible Profile
    ciPKUnknown: [9, '8.11.1', '3.9'],
    invalidTransactionId: [10, '8.10.1', '3.9'],
    insufficientMemory: [11, '8.1', '4.8'], // interpretation: eUICC - Insufficient memory
    downloadOrderExpired: [18, '8.8.5', '4.10'], // interpretation: Download order - Time to Live Expired
    undefinedError: [127, '8.1', '4.2'], // interpretation: eUICC - Execution error (e.g. an authenticateResponseError)
  },
  getBoundProfilePackage: {
    euiccSignatureInvalid: [1, '8.1', '6.1'],
    confirmationCodeMissing: [2, '8.2.7', '2.2'], // interpretation: Confirmation Code - Mandatory element missing
    confirmationCodeRefused: [3, '8.2.7', '3.8'], // interpretation: Confirmation Code - Refused
    confirmationCodeRetriesExceeded: [4, '8.2.7', '6.4'], // interpretation: Confirmation Code - Maximum number of retries exceeded
    bppRebindingRefused: [5, '8.2', '3.8'], // interpretation
    downloadOrderExpired: [6, '8.8.5', '4.10'],
    invalidTransactionId: [95, '8.10.1', '3.9'],
    undefinedError: [127, '8.1', '4.2'],
  },
  handleNotification: {},
  cancelSession: {
    invalidTransactionId: [1, '8.10.1', '3.9'],
    euiccSignatureInvalid: [2, '8.1', '6.1'],
    invalidSmdpOid: [127, '8.8', '3.10'], // no ASN.1 value of its own: undefinedError
    undefinedError: [127, '8.10.1', '4.2'],
  },
} as const satisfies Record<string, ErrorTable>;

export type Es9Function = keyof typeof ES9_ERRORS;

export function es9Error<F extends Es9Function>(fn: F, name: keyof (typeof ES9_ERRORS)[F] & string, message: string) {
  return errorFrom(fn, ES9_ERRORS[fn] as ErrorTable, name, message);
}

/** SGP.22 v2.5 §5.6.3: the AuthenticateClient error for each failed mutual-authentication check. */
export function authenticateClientError(failure: AuthFailure, message: string) {
  const name = failure === 'ciPKNotSupported' ? 'ciPKUnknown' : failure === 'euiccReportedError' ? 'undefinedError' : failure;
  return es9Error('authenticateClient', name, message);
}
