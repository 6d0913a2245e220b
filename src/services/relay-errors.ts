// SM-DP+ / SM-DS failures → the ESipa error values of the relayed function (checklist §4.4), and the
// record kept on the order. The IPA gets the spec's INTEGER; the operator gets the server's own codes.
//
// JSON binding: statusCodeData subject/reason pairs of SGP.22 v2.5 §5.6.x / §5.8.x as osmo-smdpp
// (pySim `osmo-smdpp.py`) and this project's simulators use them. The normative table (SGP.22 §6.6,
// SGP.32 CR12011) is not public; pairs without a public source are marked "interpretation".
// ASN.1 binding: ES9+ error INTEGERs are numbered as the ESipa ones (SGP.22 v2.5 RSPDefinitions vs SGP.32
// v1.2 SGP32Definitions) except ES11 AuthenticateClient, which has its own numbering.
import type { RspFailure } from './rsp-client.ts';

export type RelayedFunction = 'initiateAuthentication' | 'authenticateClient' | 'authenticateClientEs11' | 'getBoundProfilePackage' | 'cancelSession';

export const UNDEFINED_ERROR = 127;

/** `subject/reason` → ESipa value, per function. */
const JSON_TABLE: Record<RelayedFunction, Record<string, number>> = {
  initiateAuthentication: { '8.8.1/3.8': 1, '8.8.3/3.1': 2, '8.8.2/3.1': 3 },
  authenticateClient: {
    '8.1.2/6.1': 1,
    '8.1.2/6.3': 2,
    '8.1.3/6.1': 3,
    '8.1.3/6.3': 4,
    '8.1/6.1': 5,
    '8.2.6/3.8': 6,
    '8.1.1/3.8': 7, // interpretation: EID refused
    '8.2.5/4.3': 8, // interpretation: no eligible profile
    '8.11.1/3.9': 9,
    '8.10.1/3.9': 10,
    '8.1/4.8': 11, // interpretation: insufficient memory
    '8.8.5/4.10': 18, // interpretation: download order expired
    '8.2.1/3.8': 50, // interpretation: profile policy rules not allowed
  },
  // ES11 (SM-DS) AuthenticateClient: the eUICC/certificate codes are ES9+'s; 8.9.5/3.9 "event record unknown" → eventIdUnknown(56).
  authenticateClientEs11: { '8.1.2/6.1': 1, '8.1.2/6.3': 2, '8.1.3/6.1': 3, '8.1.3/6.3': 4, '8.1/6.1': 5, '8.9.5/3.9': 56, '8.10.1/3.9': 10, '8.11.1/3.9': 9 },
  getBoundProfilePackage: {
    '8.1/6.1': 1,
    '8.2.7/2.2': 2, // interpretation: confirmation code missing
    '8.2.7/3.8': 3, // interpretation: confirmation code refused
    '8.2.7/6.4': 4, // interpretation: retries exceeded
    '8.2/3.8': 5, // interpretation: BPP rebinding refused
    '8.8.5/4.10': 6,
    '8.10.1/3.9': 95,
  },
  cancelSession: { '8.10.1/3.9': 1, '8.1/6.1': 2 },
};

/** ASN.1 binding: ES11 AuthenticateClientResponseEs11 numbering → ESipa AuthenticateClient values. */
const ES11_ASN1: Record<number, number> = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 56, 7: 10, 127: 127 };
/** ESipa values each function may answer (SGP.32 v1.2 §6.3.2); anything else becomes undefinedError. */
const ESIPA_VALUES: Record<RelayedFunction, readonly number[]> = {
  initiateAuthentication: [1, 2, 3, 50, 51, 52, 127],
  authenticateClient: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 18, 50, 56, 127],
  authenticateClientEs11: [1, 2, 3, 4, 5, 9, 10, 56, 127],
  getBoundProfilePackage: [1, 2, 3, 4, 5, 6, 50, 95, 127],
  cancelSession: [1, 2, 127],
};

/**
 * The ESipa error value for a failed relayed call. A transport failure (unreachable, timeout, broken
 * connection) has no value of its own: undefinedError(127) (interpretation: SGP.32 v1.2 defines none).
 */
export function esipaErrorFor(fn: RelayedFunction, failure: RspFailure): number {
  if (failure.kind !== 'rejected') return UNDEFINED_ERROR;
  let value: number | undefined;
  if (failure.asn1Code !== undefined) value = fn === 'authenticateClientEs11' ? ES11_ASN1[failure.asn1Code] : failure.asn1Code;
  else if (failure.subjectCode && failure.reasonCode) value = JSON_TABLE[fn][`${failure.subjectCode}/${failure.reasonCode}`];
  return value !== undefined && ESIPA_VALUES[fn].includes(value) ? value : UNDEFINED_ERROR;
}

export interface RelayError {
  code: string;
  message: string;
  details: Record<string, unknown>;
}

/** What the order keeps about a failed call: the server's codes verbatim and the value the IPA was given. */
export function relayErrorFor(fn: RelayedFunction, server: string, failure: RspFailure, esipaCode: number): RelayError {
  const { kind, ...codes } = failure;
  const what =
    kind === 'rejected'
      ? `refused by ${server}${failure.subjectCode ? ` (subject ${failure.subjectCode}, reason ${failure.reasonCode})` : failure.asn1Code !== undefined ? ` (error ${failure.asn1Code})` : ''}`
      : `${kind === 'timeout' ? 'no answer from' : kind === 'unreachable' ? 'could not reach' : 'transport failure with'} ${server}: ${failure.message}`;
  return {
    code: kind === 'rejected' ? 'ERR_RSP_SERVER_REFUSED' : kind === 'timeout' ? 'ERR_RSP_SERVER_TIMEOUT' : 'ERR_RSP_SERVER_UNAVAILABLE',
    message: `${fn} ${what}`,
    details: { function: fn, server, failure: kind, ...codes, esipaError: esipaCode },
  };
}
