// The IPA side of an indirect download for the relay tests: ESipa calls go to the eIM's functions in process,
// every answer passes through its DER encoding first (as it would on the wire), and the eUICC-side steps are
// the virtual eUICC's ES10b functions, as an IPA drives them.
import { expect } from 'vitest';
import { PKIX1Explicit88 as X, RSPDefinitions as R, SGP32Definitions as S, rawBytes, verbatim, type Asn1Type } from '../../src/asn1/index.ts';
import { fromHex } from '../../src/lib/bytes.ts';
import type { EsipaContext, EsipaFunctions } from '../../src/services/esipa-functions.ts';
import type { VirtualEuicc } from '../../simulators/euicc/euicc.ts';

export const IPA_CTX: EsipaContext = { binding: 'asn1', remoteAddress: '127.0.0.1', userAgent: 'gsma-rsp-ipad' };

/** Through the wire: encode as the eIM would send it, decode as the IPA reads it. */
export function wire<T>(type: Asn1Type<T>, value: T): T {
  return type.decode(type.encode(value));
}

export class TestIpa {
  transactionId: Uint8Array | undefined;
  matchingId: string | undefined;
  constructor(
    readonly eim: EsipaFunctions,
    readonly card: VirtualEuicc,
  ) {}

  /** GetEimPackage: the ProfileDownloadTriggerRequest queued for this eUICC. */
  async trigger(): Promise<S.ProfileDownloadTriggerRequest> {
    const r = wire(S.GetEimPackageResponse, await this.eim.getEimPackage({ eidValue: fromHex(this.card.eid) }, IPA_CTX));
    if (!('profileDownloadTriggerRequest' in r)) throw new Error(`expected a download trigger, got ${JSON.stringify(S.GetEimPackageResponse.toJson(r))}`);
    return r.profileDownloadTriggerRequest;
  }

  async initiate(eimTransactionId: Uint8Array | undefined, full?: { smdpAddress: string }): Promise<S.InitiateAuthenticationResponseEsipa> {
    const euiccChallenge = R.GetEuiccChallengeResponse.decode(await this.card.transmit(R.GetEuiccChallengeRequest.encode({}))).euiccChallenge;
    const request: S.InitiateAuthenticationRequestEsipa = { euiccChallenge, ...(eimTransactionId ? { eimTransactionId } : {}) };
    if (full) Object.assign(request, { smdpAddress: full.smdpAddress, euiccInfo1: R.EUICCInfo1.decode(await this.card.getEuiccInfo1()) });
    const r = wire(S.InitiateAuthenticationResponseEsipa, await this.eim.initiateAuthentication(wire(S.InitiateAuthenticationRequestEsipa, request), IPA_CTX));
    if ('initiateAuthenticationOkEsipa' in r) {
      this.transactionId = r.initiateAuthenticationOkEsipa.transactionId;
      this.matchingId = r.initiateAuthenticationOkEsipa.matchingId;
    }
    return r;
  }

  /** ES10b AuthenticateServer with the eIM's answer, then ESipa AuthenticateClient. */
  async authenticate(ok: S.InitiateAuthenticationOkEsipa): Promise<S.AuthenticateClientResponseEsipa> {
    const asr = await this.card.transmit(
      R.AuthenticateServerRequest.encode({
        serverSigned1: verbatim(rawBytes(ok.serverSigned1)!),
        serverSignature1: ok.serverSignature1,
        euiccCiPKIdToBeUsed: ok.euiccCiPKIdentifierToBeUsed,
        serverCertificate: ok.serverCertificate,
        ctxParams1: { ctxParamsForCommonAuthentication: { ...(ok.matchingId !== undefined ? { matchingId: ok.matchingId } : {}), deviceInfo: { tac: Uint8Array.of(0x35, 0x29, 0x06, 0x11), deviceCapabilities: {} } } },
      }),
    );
    const request = wire(S.AuthenticateClientRequestEsipa, { transactionId: ok.transactionId!, authenticateServerResponse: S.AuthenticateServerResponse.decode(asr) });
    return wire(S.AuthenticateClientResponseEsipa, await this.eim.authenticateClient(request, IPA_CTX));
  }

  /** ES10b PrepareDownload with the SM-DP+'s signed data, then ESipa GetBoundProfilePackage. */
  async getBpp(ok: S.AuthenticateClientOkDPEsipa): Promise<S.GetBoundProfilePackageResponseEsipa> {
    const pdr = await this.card.transmit(
      R.PrepareDownloadRequest.encode({ smdpSigned2: verbatim(rawBytes(ok.smdpSigned2)!), smdpSignature2: ok.smdpSignature2, smdpCertificate: ok.smdpCertificate as X.Certificate }),
    );
    const request = wire(S.GetBoundProfilePackageRequestEsipa, { transactionId: this.transactionId!, prepareDownloadResponse: S.PrepareDownloadResponse.decode(pdr) });
    return wire(S.GetBoundProfilePackageResponseEsipa, await this.eim.getBoundProfilePackage(request, IPA_CTX));
  }

  /** ES10b LoadBoundProfilePackage; the ProfileInstallationResult goes to the eIM with HandleNotification. */
  async install(ok: S.GetBoundProfilePackageOkEsipa): Promise<S.ProfileInstallationResult> {
    const pir = S.ProfileInstallationResult.decode(await this.card.transmit(R.BoundProfilePackage.encode(ok.boundProfilePackage)));
    await this.eim.handleNotification(wire(S.HandleNotificationEsipa, { pendingNotification: { profileInstallationResult: pir } }), IPA_CTX);
    return pir;
  }

  /** ES10b CancelSession on the card, then ESipa CancelSession. */
  async cancel(reason: number): Promise<S.CancelSessionResponseEsipa> {
    const csr = await this.card.transmit(R.CancelSessionRequest.encode({ transactionId: this.transactionId!, reason }));
    const request = wire(S.CancelSessionRequestEsipa, { transactionId: this.transactionId!, cancelSessionResponse: S.CancelSessionResponse.decode(csr) });
    return wire(S.CancelSessionResponseEsipa, await this.eim.cancelSession(request, IPA_CTX));
  }

  /** A whole indirect download from a trigger; returns each step's answer. */
  async download(eimTransactionId: Uint8Array | undefined, full?: { smdpAddress: string }) {
    const init = await this.initiate(eimTransactionId, full);
    const auth = await this.authenticate(okOf(init, 'initiateAuthenticationOkEsipa'));
    const bpp = await this.getBpp(okOf(auth, 'authenticateClientOkDPEsipa'));
    const pir = await this.install(okOf(bpp, 'getBoundProfilePackageOkEsipa'));
    return { init, auth, bpp, pir };
  }
}

/** The value of a CHOICE alternative, failing the test when the answer is another one. */
export function okOf<T extends object, K extends string>(r: T, key: K): Extract<T, Record<K, unknown>>[K] {
  expect(Object.keys(r)).toEqual([key]);
  return (r as Record<K, never>)[key];
}
