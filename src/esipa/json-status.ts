// The JSON binding's response header (SGP.22 v2.5 §6.5.1.4, reused by SGP.32 v1.2 §6.4) and how the
// ASN.1 binding's error integers appear in it.
//
// Where the ASN.1 binding answers an error INTEGER, the JSON binding answers HTTP 200 with
// `header.functionExecutionStatus = { status: "Failed", statusCodeData: { subjectCode, reasonCode, message } }`
// and no other field: TT decodes such a header into statusCodeData for InitiateAuthentication,
// AuthenticateClient, GetBoundProfilePackage, CancelSession and (its TODO) ProvideEimPackageResult.
// The one exception is GetEimPackage: `eimPackageError` is a member of its JSON response schema (TT, IX and
// OR all read it as an integer next to an Executed-Success header), so it stays in the body.
//
// The normative table is SGP.32 v1.2 CR12011 (checklist §8, not available to us). Subject/reason pairs
// come from the SGP.22 ES9+ errors osmo-smdpp raises (PS) where one exists; the rows marked ⚠️ are our
// choice by analogy with SGP.22 v2.5 §5.6. `message` always names the ESipa value, e.g.
// "invalidTransactionId (95)", so an IPA or a person can recover the exact ASN.1 code.
//
// | function               | ESipa error (ASN.1 integer)          | subjectCode | reasonCode | source |
// |------------------------|--------------------------------------|-------------|------------|--------|
// | InitiateAuthentication | invalidDpAddress (1)                 | 8.8.1       | 3.8        | PS     |
// |                        | euiccVersionNotSupportedByDp (2)     | 8.8.3       | 3.1        | ⚠️     |
// |                        | ciPKIdNotSupported (3)               | 8.8.2       | 3.1        | PS     |
// |                        | smdpAddressMismatch (50)             | 8.8.1       | 6.1        | ⚠️     |
// |                        | smdpOidMismatch (51)                 | 8.8         | 3.10       | PS (OID check in CancelSession) |
// |                        | invalidEimTransactionId (52)         | 8.10.1      | 3.9        | ⚠️     |
// | AuthenticateClient     | eumCertificateInvalid (1)            | 8.1.2       | 6.1        | ⚠️     |
// |                        | eumCertificateExpired (2)            | 8.1.2       | 6.3        | ⚠️     |
// |                        | euiccCertificateInvalid (3)          | 8.1.3       | 6.1        | PS     |
// |                        | euiccCertificateExpired (4)          | 8.1.3       | 6.3        | PS     |
// |                        | euiccSignatureInvalid (5)            | 8.1         | 6.1        | PS     |
// |                        | matchingIdRefused (6)                | 8.2.6       | 3.8        | PS     |
// |                        | eidMismatch (7)                      | 8.1.1       | 3.8        | ⚠️     |
// |                        | noEligibleProfile (8)                | 8.2.5       | 4.3        | ⚠️     |
// |                        | ciPKUnknown (9)                      | 8.11.1      | 3.9        | PS     |
// |                        | invalidTransactionId (10)            | 8.10.1      | 3.9        | PS     |
// |                        | insufficientMemory (11)              | 8.1         | 4.8        | ⚠️     |
// |                        | downloadOrderExpired (18)            | 8.8.5       | 4.10       | ⚠️     |
// |                        | pprNotAllowed (50)                   | 8.2         | 1.2        | ⚠️     |
// |                        | eventIdUnknown (56)                  | 8.9         | 3.9        | ⚠️     |
// | GetBoundProfilePackage | euiccSignatureInvalid (1)            | 8.1         | 6.1        | PS     |
// |                        | confirmationCodeMissing (2)          | 8.2.7       | 2.2        | ⚠️     |
// |                        | confirmationCodeRefused (3)          | 8.2.7       | 3.8        | ⚠️     |
// |                        | confirmationCodeRetriesExceeded (4)  | 8.2.7       | 6.4        | ⚠️     |
// |                        | bppRebindingRefused (5)              | 8.2         | 3.8        | ⚠️     |
// |                        | downloadOrderExpired (6)             | 8.8.5       | 4.10       | ⚠️     |
// |                        | metadataMismatch (50)                | 8.2         | 6.1        | ⚠️     |
// |                        | invalidTransactionId (95)            | 8.10.1      | 3.9        | PS     |
// | CancelSession          | invalidTransactionId (1)             | 8.10.1      | 3.9        | PS     |
// |                        | euiccSignatureInvalid (2)            | 8.1         | 6.1        | PS     |
// | ProvideEimPackageResult| eidNotFound (2)                      | 8.1.1       | 3.9        | ⚠️     |
// |                        | invalidEid (3)                       | 8.1.1       | 2.1        | ⚠️     |
// |                        | missingEid (4)                       | 8.1.1       | 2.2        | ⚠️     |
// | every function         | undefinedError (127), or a code not listed | 8.8   | 4.2        | ⚠️     |

export type ExecutionStatus = { status: 'Executed-Success' } | { status: 'Failed'; statusCodeData: StatusCodeData };

export interface StatusCodeData {
  subjectCode: string;
  reasonCode: string;
  message: string;
}

type Row = readonly [code: number, name: string, subjectCode: string, reasonCode: string];

const UNDEFINED: Row = [127, 'undefinedError', '8.8', '4.2'];

export const ERROR_TABLES = {
  initiateAuthentication: [
    [1, 'invalidDpAddress', '8.8.1', '3.8'],
    [2, 'euiccVersionNotSupportedByDp', '8.8.3', '3.1'],
    [3, 'ciPKIdNotSupported', '8.8.2', '3.1'],
    [50, 'smdpAddressMismatch', '8.8.1', '6.1'],
    [51, 'smdpOidMismatch', '8.8', '3.10'],
    [52, 'invalidEimTransactionId', '8.10.1', '3.9'],
  ],
  authenticateClient: [
    [1, 'eumCertificateInvalid', '8.1.2', '6.1'],
    [2, 'eumCertificateExpired', '8.1.2', '6.3'],
    [3, 'euiccCertificateInvalid', '8.1.3', '6.1'],
    [4, 'euiccCertificateExpired', '8.1.3', '6.3'],
    [5, 'euiccSignatureInvalid', '8.1', '6.1'],
    [6, 'matchingIdRefused', '8.2.6', '3.8'],
    [7, 'eidMismatch', '8.1.1', '3.8'],
    [8, 'noEligibleProfile', '8.2.5', '4.3'],
    [9, 'ciPKUnknown', '8.11.1', '3.9'],
    [10, 'invalidTransactionId', '8.10.1', '3.9'],
    [11, 'insufficientMemory', '8.1', '4.8'],
    [18, 'downloadOrderExpired', '8.8.5', '4.10'],
    [50, 'pprNotAllowed', '8.2', '1.2'],
    [56, 'eventIdUnknown', '8.9', '3.9'],
  ],
  getBoundProfilePackage: [
    [1, 'euiccSignatureInvalid', '8.1', '6.1'],
    [2, 'confirmationCodeMissing', '8.2.7', '2.2'],
    [3, 'confirmationCodeRefused', '8.2.7', '3.8'],
    [4, 'confirmationCodeRetriesExceeded', '8.2.7', '6.4'],
    [5, 'bppRebindingRefused', '8.2', '3.8'],
    [6, 'downloadOrderExpired', '8.8.5', '4.10'],
    [50, 'metadataMismatch', '8.2', '6.1'],
    [95, 'invalidTransactionId', '8.10.1', '3.9'],
  ],
  cancelSession: [
    [1, 'invalidTransactionId', '8.10.1', '3.9'],
    [2, 'euiccSignatureInvalid', '8.1', '6.1'],
  ],
  provideEimPackageResult: [
    [2, 'eidNotFound', '8.1.1', '3.9'],
    [3, 'invalidEid', '8.1.1', '2.1'],
    [4, 'missingEid', '8.1.1', '2.2'],
  ],
} as const satisfies Record<string, readonly Row[]>;

export type FailingFunction = keyof typeof ERROR_TABLES;

export const SUCCESS_HEADER = { functionExecutionStatus: { status: 'Executed-Success' } } as const;

/** The Failed header for an ESipa error integer of `fn`. */
export function failedHeader(fn: FailingFunction, code: number): { functionExecutionStatus: ExecutionStatus } {
  const row: Row = (ERROR_TABLES[fn] as readonly Row[]).find((r) => r[0] === code) ?? UNDEFINED;
  const name = row === UNDEFINED && code !== 127 ? 'unknown error' : row[1];
  return {
    functionExecutionStatus: {
      status: 'Failed',
      statusCodeData: { subjectCode: row[2], reasonCode: row[3], message: `${name} (${code})` },
    },
  };
}
