// The eIM's ESipa functions, composed from the use cases. The transports (src/esipa) call this.
import type { SGP32Definitions as S } from '../asn1/index.ts';
import type { ServiceDeps } from './deps.ts';
import type { EsipaContext, EsipaFunctions } from './esipa-functions.ts';
import { getEimPackage } from './get-eim-package.ts';
import type { PackageHint } from './package-hint.ts';
import { handleNotification } from './handle-notification.ts';
import { PollBook } from './poll-book.ts';
import { provideEimPackageResult } from './provide-eim-package-result.ts';

/** Indirect download relay (ES9+), supplied separately so the core runs without it. */
export type DownloadRelay = Pick<EsipaFunctions, 'initiateAuthentication' | 'authenticateClient' | 'getBoundProfilePackage' | 'cancelSession'>;

/** SGP.32 v1.2: a relay that is not configured answers each function with its undefinedError (127). */
export const noDownloadRelay: DownloadRelay = {
  initiateAuthentication: async () => ({ initiateAuthenticationErrorEsipa: 127 }) as S.InitiateAuthenticationResponseEsipa,
  authenticateClient: async () => ({ authenticateClientErrorEsipa: 127 }) as S.AuthenticateClientResponseEsipa,
  getBoundProfilePackage: async () => ({ getBoundProfilePackageErrorEsipa: 127 }) as S.GetBoundProfilePackageResponseEsipa,
  cancelSession: async () => ({ cancelSessionError: 127 }) as S.CancelSessionResponseEsipa,
};

export class EimService implements EsipaFunctions {
  readonly book: PollBook;

  constructor(
    private readonly deps: ServiceDeps,
    private readonly relay: DownloadRelay = noDownloadRelay,
    options: { lastSeenFlushMs?: number; packageHint?: PackageHint } = {},
  ) {
    this.book = new PollBook(deps.store, deps.log, options.lastSeenFlushMs ?? 5000, undefined, options.packageHint);
  }

  getEimPackage(request: S.GetEimPackageRequest, ctx?: EsipaContext): Promise<S.GetEimPackageResponse> {
    return getEimPackage(this.deps, this.book, request, ctx);
  }
  provideEimPackageResult(request: S.ProvideEimPackageResult, _ctx?: EsipaContext): Promise<S.ProvideEimPackageResultResponse> {
    return provideEimPackageResult(this.deps, this.book, request);
  }
  handleNotification(request: S.HandleNotificationEsipa, _ctx?: EsipaContext): Promise<void> {
    return handleNotification(this.deps, this.book, request);
  }
  initiateAuthentication(request: S.InitiateAuthenticationRequestEsipa, ctx: EsipaContext): Promise<S.InitiateAuthenticationResponseEsipa> {
    return this.relay.initiateAuthentication(request, ctx);
  }
  authenticateClient(request: S.AuthenticateClientRequestEsipa, ctx: EsipaContext): Promise<S.AuthenticateClientResponseEsipa> {
    return this.relay.authenticateClient(request, ctx);
  }
  getBoundProfilePackage(request: S.GetBoundProfilePackageRequestEsipa, ctx: EsipaContext): Promise<S.GetBoundProfilePackageResponseEsipa> {
    return this.relay.getBoundProfilePackage(request, ctx);
  }
  cancelSession(request: S.CancelSessionRequestEsipa, ctx: EsipaContext): Promise<S.CancelSessionResponseEsipa> {
    return this.relay.cancelSession(request, ctx);
  }

  async close(): Promise<void> {
    await this.book.close();
  }
}
