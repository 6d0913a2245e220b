// The ESipa functions the eIM serves (SGP.32 v1.2 §6.1, functions 1-7; TransferEimPackage is the one the
// eIM calls as a client). Transports (src/esipa: ASN.1 and JSON bindings over HTTP) decode requests into
// these typed values and encode what comes back; the services implement them.
//
// Values are the codec's decoded values: signed sub-structures carry the bytes received (rawBytes), so
// signatures are verified over what travelled, whichever binding carried it.
import type { SGP32Definitions as S } from '../asn1/index.ts';

export interface EsipaContext {
  binding: 'asn1' | 'json';
  /** Peer address, for logs. */
  remoteAddress: string;
  /** User-Agent (SGP.32 v1.2: `gsma-rsp-ipad` / `gsma-rsp-ipae`); logged, never used to reject. */
  userAgent?: string;
  /** Set by GetEimPackage when it answered noEimPackageAvailable: the server counts such polls instead of logging each. */
  idle?: boolean;
}

export interface EsipaFunctions {
  /** SGP.32 v1.2 §6.1.x GetEimPackage (retrieve mode): at most one package per call. */
  getEimPackage(request: S.GetEimPackageRequest, ctx: EsipaContext): Promise<S.GetEimPackageResponse>;
  /** ProvideEimPackageResult: the result of a package, IPA data, or a direct download. */
  provideEimPackageResult(request: S.ProvideEimPackageResult, ctx: EsipaContext): Promise<S.ProvideEimPackageResultResponse>;
  /** HandleNotification: no response data (HTTP 204). */
  handleNotification(request: S.HandleNotificationEsipa, ctx: EsipaContext): Promise<void>;
  /** Indirect profile download, relayed to the SM-DP+ over ES9+. */
  initiateAuthentication(request: S.InitiateAuthenticationRequestEsipa, ctx: EsipaContext): Promise<S.InitiateAuthenticationResponseEsipa>;
  authenticateClient(request: S.AuthenticateClientRequestEsipa, ctx: EsipaContext): Promise<S.AuthenticateClientResponseEsipa>;
  getBoundProfilePackage(request: S.GetBoundProfilePackageRequestEsipa, ctx: EsipaContext): Promise<S.GetBoundProfilePackageResponseEsipa>;
  cancelSession(request: S.CancelSessionRequestEsipa, ctx: EsipaContext): Promise<S.CancelSessionResponseEsipa>;
}
