// Errors a simulated RSP server returns as a protocol answer. One error carries both forms, because
// the two bindings say the same thing differently: the JSON binding's statusCodeData (subject and
// reason codes, SGP.22 v2.5 §6.5.1.4 / table in §6.5.2) and the ASN.1 binding's error INTEGER of the
// function's response CHOICE (RSPDefinitions). Each binding has one mapper that picks its form.

/** SGP.22 v2.5 §6.5.1.4 statusCodeData. */
export interface StatusCodeData {
  subjectCode: string;
  reasonCode: string;
  subjectIdentifier?: string;
  message?: string;
}

/** [ASN.1 error value, subject code, reason code]. */
export type ErrorEntry = readonly [asn1Code: number, subjectCode: string, reasonCode: string];

export class RspFunctionError extends Error {
  readonly function: string;
  /** The name of the error value in the ASN.1 module (e.g. `matchingIdRefused`). */
  readonly errorName: string;
  readonly asn1Code: number;
  readonly status: StatusCodeData;

  constructor(fn: string, errorName: string, entry: ErrorEntry, message: string) {
    super(`${fn}: ${errorName} (${entry[1]}/${entry[2]}): ${message}`);
    this.name = 'RspFunctionError';
    this.function = fn;
    this.errorName = errorName;
    this.asn1Code = entry[0];
    this.status = { subjectCode: entry[1], reasonCode: entry[2], message };
  }
}

/** A request that the binding cannot even read (bad JSON, bad base64, undecodable ASN.1). */
export class MalformedRequestError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MalformedRequestError';
  }
}

/**
 * Statuses for requests the function cannot read. The subject/reason pair follows osmo-smdpp
 * (pySim `osmo-smdpp.py`: '1.3.1'/'2.2' for a missing mandatory element); '2.1' = invalid.
 */
export const MALFORMED_STATUS = { missing: ['1.3.1', '2.2'], invalid: ['1.3.1', '2.1'] } as const;

/** A table of a function's errors, keyed by the ASN.1 error name. */
export type ErrorTable = Readonly<Record<string, ErrorEntry>>;

export function errorFrom(fn: string, table: ErrorTable, name: string, message: string): RspFunctionError {
  const entry = table[name];
  if (!entry) throw new TypeError(`${name} is not an error of ${fn}`);
  return new RspFunctionError(fn, name, entry, message);
}
