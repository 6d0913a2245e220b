// The indirect profile download relay (SGP.32 v1.2 §3.2; checklist §4): the four ESipa functions the IPA
// calls during a download are relayed to the SM-DP+ (ES9+') or SM-DS (ES11') through an RspServerClient,
// with per-session state in download_sessions; the final ProfileInstallationResult (ESipa
// HandleNotification) completes the order; stored notifications are forwarded to their notificationAddress.
//
// Wiring (src/app.ts): `new EimService(deps, relay)` and the ESipa server gets `withDownloadRelay(service,
// relay)`, which adds the notification step to HandleNotification and ProvideEimPackageResult.
import type { SGP32Definitions as S } from '../asn1/index.ts';
import type { ServiceDeps } from './deps.ts';
import type { DownloadRelay } from './eim-service.ts';
import type { EsipaContext, EsipaFunctions } from './esipa-functions.ts';
import { type ForwarderOptions, NotificationForwarder } from './notification-forwarder.ts';
import { relayAuthenticateClient } from './relay-authenticate.ts';
import { takeInstallationResult } from './relay-completion.ts';
import type { RelayContext, RelayOptions } from './relay-context.ts';
import { relayCancelSession, relayGetBoundProfilePackage } from './relay-download.ts';
import { relayInitiateAuthentication } from './relay-initiate.ts';
import type { RspServerClient } from './rsp-client.ts';

export interface DownloadRelayOptions extends RelayOptions {
  forwarder?: ForwarderOptions;
}

export class DownloadRelayService implements DownloadRelay {
  readonly forwarder: NotificationForwarder;
  readonly #ctx: RelayContext;

  constructor(deps: ServiceDeps, client: RspServerClient, options: DownloadRelayOptions = {}) {
    this.forwarder = new NotificationForwarder(deps, client, options.forwarder);
    this.#ctx = { deps, client, options, notificationStored: () => void this.forwarder.kick() };
  }

  initiateAuthentication(request: S.InitiateAuthenticationRequestEsipa, _ctx?: EsipaContext): Promise<S.InitiateAuthenticationResponseEsipa> {
    return relayInitiateAuthentication(this.#ctx, request);
  }
  authenticateClient(request: S.AuthenticateClientRequestEsipa, _ctx?: EsipaContext): Promise<S.AuthenticateClientResponseEsipa> {
    return relayAuthenticateClient(this.#ctx, request);
  }
  getBoundProfilePackage(request: S.GetBoundProfilePackageRequestEsipa, _ctx?: EsipaContext): Promise<S.GetBoundProfilePackageResponseEsipa> {
    return relayGetBoundProfilePackage(this.#ctx, request);
  }
  cancelSession(request: S.CancelSessionRequestEsipa, _ctx?: EsipaContext): Promise<S.CancelSessionResponseEsipa> {
    return relayCancelSession(this.#ctx, request);
  }

  /**
   * ESipa HandleNotification: a ProfileInstallationResult of a relayed session completes its order here;
   * anything else goes to the core (`next`). Either way the stored notification is then forwarded.
   */
  async handleNotification(request: S.HandleNotificationEsipa, ctx: EsipaContext | undefined, next: (r: S.HandleNotificationEsipa, c?: EsipaContext) => Promise<void>): Promise<void> {
    if (!(await takeInstallationResult(this.#ctx, request))) await next(request, ctx);
    this.#ctx.notificationStored();
  }

  /** Notifications were stored by the core (ProvideEimPackageResult): forward them. */
  notificationsStored(): void {
    this.#ctx.notificationStored();
  }

  close(): Promise<void> {
    return this.forwarder.close();
  }
}

/** The ESipa functions of `service` with the relay's notification steps: what the ESipa server is given. */
export function withDownloadRelay(service: EsipaFunctions, relay: DownloadRelayService): EsipaFunctions {
  return {
    getEimPackage: (r, c) => service.getEimPackage(r, c),
    async provideEimPackageResult(r, c) {
      const answer = await service.provideEimPackageResult(r, c);
      relay.notificationsStored();
      return answer;
    },
    handleNotification: (r, c) => relay.handleNotification(r, c, (rr, cc) => service.handleNotification(rr, cc ?? c)),
    initiateAuthentication: (r, c) => service.initiateAuthentication(r, c),
    authenticateClient: (r, c) => service.authenticateClient(r, c),
    getBoundProfilePackage: (r, c) => service.getBoundProfilePackage(r, c),
    cancelSession: (r, c) => service.cancelSession(r, c),
  };
}
