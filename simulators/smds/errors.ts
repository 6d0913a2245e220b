// ES11 and ES12 function errors of the SM-DS simulator (SGP.22 v2.5 §5.7, §5.8; ASN.1 values from
// RSPDefinitions InitiateAuthenticationResponse / AuthenticateClientResponseEs11). Subject codes:
// the eUICC, certificate, TransactionId and CI codes are those of ES9+ (osmo-smdpp); the SM-DS ones
// (8.9.x) are an interpretation that mirrors the SM-DP+ 8.8.x codes, marked below.

import type { ErrorTable } from '../common/rsp-error.ts';
import { errorFrom } from '../common/rsp-error.ts';
import type { AuthFailure } from '../common/mutual-authentication.ts';

export const SMDS_ERRORS = {
  initiateAuthentication: {
    invalidDpAddress: [1, '8.9.1', '3.8'], // interpretation: SM-DS Address - Refused
    euiccVersionNotSupportedByDp: [2, '8.9.3', '3.1'], // interpretation
    ciPKNotSupported: [3, '8.9.2', '3.1'], // interpretation: SM-DS security configuration - Unsupported
  },
  authenticateClient: {
    eumCertificateInvalid: [1, '8.1.2', '6.1'],
    eumCertificateExpired: [2, '8.1.2', '6.3'],
    euiccCertificateInvalid: [3, '8.1.3', '6.1'],
    euiccCertificateExpired: [4, '8.1.3', '6.3'],
    euiccSignatureInvalid: [5, '8.1', '6.1'],
    eventIdUnknown: [6, '8.9.5', '3.9'], // interpretation: Event Record - Unknown
    invalidTransactionId: [7, '8.10.1', '3.9'],
    ciPKUnknown: [127, '8.11.1', '3.9'], // ES11 has no INTEGER of its own for it
    undefinedError: [127, '8.1', '4.2'],
  },
  registerEvent: {
    eventIdAlreadyUsed: [127, '8.9.5', '3.3'], // interpretation: Event Record - Already in use
  },
  deleteEvent: {
    eventIdUnknown: [127, '8.9.5', '3.9'],
  },
} as const satisfies Record<string, ErrorTable>;

export type SmdsFunction = keyof typeof SMDS_ERRORS;

export function smdsError<F extends SmdsFunction>(fn: F, name: keyof (typeof SMDS_ERRORS)[F] & string, message: string) {
  return errorFrom(fn, SMDS_ERRORS[fn], name, message);
}

export function authenticateClientError(failure: AuthFailure, message: string) {
  const name = failure === 'ciPKNotSupported' ? 'ciPKUnknown' : failure === 'euiccReportedError' ? 'undefinedError' : failure;
  return smdsError('authenticateClient', name, message);
}
