// JSON request bodies → the typed values the ASN.1 binding would have decoded (SGP.32 v1.2 §6.4.1.x).
// Field names as IX writes them and TT reads them; encodings in json-fields.ts. A `header` member (TT
// sends functionRequesterIdentifier / functionCallIdentifier, SGP.22 v2.5 §6.5.1.3) and unknown members
// are ignored.
import { RSPDefinitions as R, SGP32Definitions as S } from '../asn1/index.ts';
import { RequestError } from './errors.ts';
import {
  base64BytesIn,
  base64ValueIn,
  booleanIn,
  decodeTlv,
  eidIn,
  hexIn,
  integerIn,
  type JsonObject,
  optionalString,
  tlvIn,
  transactionIdIn,
} from './json-fields.ts';

/** Sets `key` only when the value is present, so absent OPTIONAL components stay absent. */
function put<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

/** §6.4.1.1: euiccChallenge (base64 of the 16 bytes), smdpAddress?, euiccInfo1? (BF20), eimTransactionId?. */
export function initiateAuthenticationIn(o: JsonObject): S.InitiateAuthenticationRequestEsipa {
  const v: S.InitiateAuthenticationRequestEsipa = { euiccChallenge: base64ValueIn(o, 'euiccChallenge', 16) };
  put(v, 'smdpAddress', optionalString(o, 'smdpAddress'));
  put(v, 'euiccInfo1', tlvIn(o, 'euiccInfo1', R.EUICCInfo1, false));
  put(v, 'eimTransactionId', transactionIdIn(o, 'eimTransactionId', false));
  return v;
}

/** §6.4.1.2: transactionId, authenticateServerResponse (BF38, possibly compact). */
export function authenticateClientIn(o: JsonObject): S.AuthenticateClientRequestEsipa {
  return {
    transactionId: transactionIdIn(o, 'transactionId', true),
    authenticateServerResponse: tlvIn(o, 'authenticateServerResponse', S.AuthenticateServerResponse, true),
  };
}

/** §6.4.1.3: transactionId, prepareDownloadResponse (BF21, possibly compact). */
export function getBoundProfilePackageIn(o: JsonObject): S.GetBoundProfilePackageRequestEsipa {
  return {
    transactionId: transactionIdIn(o, 'transactionId', true),
    prepareDownloadResponse: tlvIn(o, 'prepareDownloadResponse', S.PrepareDownloadResponse, true),
  };
}

/**
 * §6.4.1.8: transactionId, cancelSessionResponse. In JSON the eUICC's CancelSessionResponse travels as its own
 * BF41 TLV (TT, IX), not re-tagged A1 as inside the ASN.1 binding's CancelSessionRequestEsipa.
 */
export function cancelSessionIn(o: JsonObject): S.CancelSessionRequestEsipa {
  return {
    transactionId: transactionIdIn(o, 'transactionId', true),
    cancelSessionResponse: tlvIn(o, 'cancelSessionResponse', S.CancelSessionResponse, true),
  };
}

/**
 * §6.4.1.5: eidValue, notifyStateChange? (boolean; TT sends false for "absent"), stateChangeCause? (integer),
 * rPLMN? (hex of the 3 bytes; TT spells it `rPlmn`, the module `rPLMN`: both accepted).
 */
export function getEimPackageIn(o: JsonObject): S.GetEimPackageRequest {
  const v: S.GetEimPackageRequest = { eidValue: eidIn(o, 'eidValue', true)! };
  if (booleanIn(o, 'notifyStateChange') === true) v.notifyStateChange = null;
  put(v, 'stateChangeCause', integerIn(o, 'stateChangeCause'));
  put(v, 'rPLMN', hexIn(o, 'rPLMN', 3) ?? hexIn(o, 'rPlmn', 3));
  return v;
}

/**
 * §6.4.1.6: eidValue? and eimPackageResult (base64 of the EimPackageResult TLV: BF51, 30, BF52, BF54 or A0).
 * Some IPAs put a whole ProvideEimPackageResult (BF50) there; OR accepts it, so do we, taking eidValue from
 * the JSON member when the BF50 has none (CR12014 via IX: the EID may be absent).
 */
export function provideEimPackageResultIn(o: JsonObject): S.ProvideEimPackageResult {
  const eidValue = eidIn(o, 'eidValue', false);
  const bytes = base64BytesIn(o, 'eimPackageResult');
  if (bytes[0] === 0xbf && bytes[1] === 0x50) {
    const whole = decodeTlv('eimPackageResult', bytes, S.ProvideEimPackageResult);
    if (whole.eidValue === undefined) put(whole, 'eidValue', eidValue);
    return whole;
  }
  const v: S.ProvideEimPackageResult = { eimPackageResult: decodeTlv('eimPackageResult', bytes, S.EimPackageResult) };
  put(v, 'eidValue', eidValue);
  return v;
}

/** §6.4.1.7: exactly one of pendingNotification (BF37, 30, A0 or A1) and provideEimPackageResult (BF50). */
export function handleNotificationIn(o: JsonObject): S.HandleNotificationEsipa {
  const pending = tlvIn(o, 'pendingNotification', S.PendingNotification, false);
  const result = tlvIn(o, 'provideEimPackageResult', S.ProvideEimPackageResult, false);
  if (pending !== undefined && result !== undefined) {
    throw new RequestError(400, 'give either pendingNotification or provideEimPackageResult, not both');
  }
  if (pending !== undefined) return { pendingNotification: pending };
  if (result !== undefined) return { provideEimPackageResult: result };
  throw new RequestError(400, 'field pendingNotification or provideEimPackageResult: missing');
}
