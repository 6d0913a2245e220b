// A missing or malformed EID is a function-level outcome, not a transport fault: SGP.32 v1.2 §6.3.2.6 gives
// GetEimPackage invalidEid(3) and missingEid(4), §6.3.2.7 gives ProvideEimPackageResult invalidEid(3)
// (checklist §5.4). eidValue is mandatory in GetEimPackageRequest and SIZE(16) in both, so such requests do
// not decode: we recognise those decode failures and answer with the code, HTTP 200, without calling the
// function. Any other decode failure stays a 400.
import { Asn1Error, SGP32Definitions as S } from '../asn1/index.ts';
import { RequestError } from './errors.ts';

export const INVALID_EID = 3;
export const MISSING_EID = 4;

/** Thrown by the JSON field readers for eidValue; carries the ESipa code to answer with. */
export class EidError extends RequestError {
  constructor(
    readonly eidCode: typeof INVALID_EID | typeof MISSING_EID,
    message: string,
  ) {
    super(400, message);
  }
}

const GET = 'EsipaMessageFromIpaToEim.getEimPackageRequest';
const PROVIDE = 'EsipaMessageFromIpaToEim.provideEimPackageResult';

/** The ASN.1-binding answer for a decode failure that is an EID problem, else undefined. */
export function eidAnswerFor(err: unknown): S.EsipaMessageFromEimToIpa | undefined {
  if (!(err instanceof Asn1Error)) return undefined;
  // The codec reports an absent mandatory component at the enclosing SEQUENCE, naming it in the detail.
  if (err.code === 'ERR_ASN1_MISSING' && err.path === GET && /\beidValue\b/.test(err.detail)) {
    return { getEimPackageResponse: { eimPackageError: MISSING_EID } };
  }
  if (err.path === `${GET}.eidValue`) return { getEimPackageResponse: { eimPackageError: INVALID_EID } };
  if (err.path === `${PROVIDE}.eidValue`) return { provideEimPackageResultResponse: { provideEimPackageResultError: INVALID_EID } };
  return undefined;
}
