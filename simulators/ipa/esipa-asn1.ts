// ESipa client, ASN.1 binding (SGP.32 v1.2 §6.3; checklist §1.1, §5.1): POST /gsma/rsp2/asn1 with one
// EsipaMessageFromIpaToEim, which on the wire is the function's own TLV (BF4F, BF50, BF39, …). Requests
// are spliced around the eUICC's TLVs; answers are decoded with the codec (which checks them) and the
// parts that go on to the eUICC are taken from the received bytes.

import { SGP32Definitions as S, verbatim } from '../../src/asn1/index.ts';
import { concatBytes, fromHex } from '../../src/lib/bytes.ts';
import { ASN1_CONTENT_TYPE } from '../common/asn1-binding.ts';
import type { AuthenticateClientOk, EimPackage, EsipaClient, GetEimPackageInput, InitiateAuthenticationInput, InitiateAuthenticationOk, Outcome, ProvideAnswer } from './messages.ts';
import { child, children, contentOf, retag, tlv } from './tlv.ts';
import type { HttpsTransport } from './transport.ts';

export const ESIPA_ASN1_PATH = '/gsma/rsp2/asn1';
const Answer = S.EsipaMessageFromEimToIpa;

const txidTlv = (id: Uint8Array) => tlv([0x80], id);

export class EsipaAsn1Client implements EsipaClient {
  readonly binding = 'asn1' as const;
  readonly name = 'eIM (ESipa ASN.1)';

  constructor(
    readonly eimUrl: string,
    readonly transport: HttpsTransport,
  ) {}

  async #call(body: Uint8Array): Promise<{ value: S.EsipaMessageFromEimToIpa; der: Uint8Array }> {
    const res = await this.transport.post(`${this.eimUrl}${ESIPA_ASN1_PATH}`, ASN1_CONTENT_TYPE, body);
    return { value: Answer.decode(res.body), der: res.body };
  }

  async getEimPackage(input: GetEimPackageInput): Promise<EimPackage> {
    const request: S.GetEimPackageRequest = { eidValue: fromHex(input.eid) };
    if (input.stateChangeCause !== undefined) Object.assign(request, { notifyStateChange: null, stateChangeCause: input.stateChangeCause });
    const { value, der } = await this.#call(S.GetEimPackageRequest.encode(request));
    if (!('getEimPackageResponse' in value)) throw new TypeError(`GetEimPackage answered with ${Object.keys(value)[0]}`);
    const r = value.getEimPackageResponse;
    if ('eimPackageError' in r) return { kind: 'eimPackageError', code: Number(r.eimPackageError) };
    // One package per response (SGP.32 v1.2 §6.3.2.6): the BF51/BF52/BF54 TLV exactly as received.
    const kind = Object.keys(r)[0] as 'euiccPackageRequest' | 'ipaEuiccDataRequest' | 'profileDownloadTriggerRequest';
    return { kind, der: children(der)[0]!.tlv };
  }

  async provideEimPackageResult(eid: string | undefined, eimPackageResult: Uint8Array): Promise<ProvideAnswer> {
    // SGP.32 v1.2 §6.3.2.7: BF50 { 5A eidValue?, EimPackageResult } around the result TLV as produced.
    const body = tlv([0xbf, 0x50], concatBytes(eid ? tlv([0x5a], fromHex(eid)) : new Uint8Array(), eimPackageResult));
    const { value } = await this.#call(body);
    if (!('provideEimPackageResultResponse' in value)) throw new TypeError(`ProvideEimPackageResult answered with ${Object.keys(value)[0]}`);
    const r = value.provideEimPackageResultResponse;
    if ('eimAcknowledgements' in r) return { eimAcknowledgements: r.eimAcknowledgements.map(Number) };
    if ('emptyResponse' in r) return { emptyResponse: true };
    return { provideEimPackageResultError: Number(r.provideEimPackageResultError) };
  }

  async initiateAuthentication(input: InitiateAuthenticationInput): Promise<Outcome<InitiateAuthenticationOk>> {
    const body = S.InitiateAuthenticationRequestEsipa.encode({
      euiccChallenge: input.euiccChallenge,
      ...(input.smdpAddress !== undefined ? { smdpAddress: input.smdpAddress } : {}),
      euiccInfo1: verbatim(input.euiccInfo1), // BF20 as the eUICC returned it
      ...(input.eimTransactionId ? { eimTransactionId: input.eimTransactionId } : {}),
    });
    const { value, der } = await this.#call(body);
    const r = (value as { initiateAuthenticationResponseEsipa?: S.InitiateAuthenticationResponseEsipa }).initiateAuthenticationResponseEsipa;
    if (!r) throw new TypeError('InitiateAuthentication answered with another function');
    if ('initiateAuthenticationErrorEsipa' in r) return { error: Number(r.initiateAuthenticationErrorEsipa), response: der };
    const ok = child(der, 'a0')!.tlv;
    const ctx = child(ok, 'a2');
    return {
      ok: {
        transactionId: child(ok, '80')?.value ?? r.initiateAuthenticationOkEsipa.serverSigned1.transactionId,
        serverSigned1: child(ok, '30', 0)!.tlv,
        serverSignature1: child(ok, '5f37')!.value,
        euiccCiPKId: child(ok, '04')!.value,
        serverCertificate: child(ok, '30', 1)!.tlv,
        ...(r.initiateAuthenticationOkEsipa.matchingId !== undefined ? { matchingId: r.initiateAuthenticationOkEsipa.matchingId } : {}),
        ...(ctx ? { ctxParams1: contentOf(ctx.tlv) } : {}), // [2] is explicit around the CtxParams1 CHOICE
      },
    };
  }

  async authenticateClient(transactionId: Uint8Array, authenticateServerResponse: Uint8Array): Promise<Outcome<AuthenticateClientOk>> {
    const { value, der } = await this.#call(tlv([0xbf, 0x3b], concatBytes(txidTlv(transactionId), authenticateServerResponse)));
    const r = (value as { authenticateClientResponseEsipa?: S.AuthenticateClientResponseEsipa }).authenticateClientResponseEsipa;
    if (!r) throw new TypeError('AuthenticateClient answered with another function');
    if ('authenticateClientErrorEsipa' in r) return { error: Number(r.authenticateClientErrorEsipa), response: der };
    if ('authenticateClientOkDSEsipa' in r) {
      const trigger = child(child(der, 'a1')!.tlv, 'bf54');
      return { ok: { kind: 'ds', transactionId: r.authenticateClientOkDSEsipa.transactionId, ...(trigger ? { profileDownloadTrigger: trigger.tlv } : {}) } };
    }
    const ok = child(der, 'a0')!.tlv;
    const [txid, metadata, hashCc] = [child(ok, '80'), child(ok, 'bf25'), child(ok, '04')];
    return {
      ok: {
        kind: 'dp',
        ...(txid ? { transactionId: txid.value } : {}),
        ...(metadata ? { profileMetadata: metadata.tlv } : {}),
        smdpSigned2: child(ok, '30', 0)!.tlv,
        smdpSignature2: child(ok, '5f37')!.value,
        smdpCertificate: child(ok, '30', 1)!.tlv,
        ...(hashCc ? { hashCc: hashCc.value } : {}),
      },
    };
  }

  async getBoundProfilePackage(transactionId: Uint8Array, prepareDownloadResponse: Uint8Array): Promise<Outcome<Uint8Array>> {
    const { value, der } = await this.#call(tlv([0xbf, 0x3a], concatBytes(txidTlv(transactionId), prepareDownloadResponse)));
    const r = (value as { getBoundProfilePackageResponseEsipa?: S.GetBoundProfilePackageResponseEsipa }).getBoundProfilePackageResponseEsipa;
    if (!r) throw new TypeError('GetBoundProfilePackage answered with another function');
    if ('getBoundProfilePackageErrorEsipa' in r) return { error: Number(r.getBoundProfilePackageErrorEsipa), response: der };
    return { ok: child(child(der, 'a0')!.tlv, 'bf36')!.tlv };
  }

  async cancelSession(transactionId: Uint8Array, cancelSessionResponse: Uint8Array): Promise<Outcome<true>> {
    // Checklist §1.2: the components of CancelSessionRequestEsipa get automatic tags, so the eUICC's BF41 travels as A1.
    const { value, der } = await this.#call(tlv([0xbf, 0x41], concatBytes(txidTlv(transactionId), retag(cancelSessionResponse, [0xa1]))));
    const r = (value as { cancelSessionResponseEsipa?: S.CancelSessionResponseEsipa }).cancelSessionResponseEsipa;
    if (!r) throw new TypeError('CancelSession answered with another function');
    return 'cancelSessionError' in r ? { error: Number(r.cancelSessionError), response: der } : { ok: true };
  }

  async handleNotification(pendingNotification: Uint8Array): Promise<void> {
    // SGP.32 v1.2 §6.3.2.4: BF3D { A0 PendingNotification } (the CHOICE makes [0] explicit); no response data.
    await this.transport.post(`${this.eimUrl}${ESIPA_ASN1_PATH}`, ASN1_CONTENT_TYPE, tlv([0xbf, 0x3d], tlv([0xa0], pendingNotification)));
  }
}
