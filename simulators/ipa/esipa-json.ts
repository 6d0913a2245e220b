// ESipa client, JSON binding (SGP.32 v1.2 §6.4; checklist §5.2): POST /gsma/rsp2/esipa/<function>.
// ASN.1 objects travel as base64 of their complete TLV (the eUICC's bytes as produced), transaction ids
// as upper-case hex, eidValue as its 32 digits, euiccChallenge as base64 of the 16 bytes. Answers carry
// header.functionExecutionStatus; a Failed status carries the ESipa error in statusCodeData.

import { SGP32Definitions as S } from '../../src/asn1/index.ts';
import { fromBase64, fromHex, toBase64, toHex } from '../../src/lib/bytes.ts';
import type { AuthenticateClientOk, EimPackage, EsipaClient, GetEimPackageInput, InitiateAuthenticationInput, InitiateAuthenticationOk, Outcome, ProvideAnswer } from './messages.ts';
import type { HttpsTransport } from './transport.ts';

export const ESIPA_JSON_PREFIX = '/gsma/rsp2/esipa/';
const JSON_TYPE = 'application/json;charset=UTF-8';

type JsonObject = Record<string, unknown>;
type Answer = { ok: JsonObject } | { error: number; response: Uint8Array };

const hex = (b: Uint8Array) => toHex(b).toUpperCase();

/**
 * The ESipa error integer of a Failed status. The eIM names it in `message` ("invalidTransactionId (95)");
 * Interpretation: without that, undefinedError(127) (the normative subject/reason table, CR12011, is not public).
 */
export function failedCode(statusCodeData: unknown): number {
  const message = (statusCodeData as { message?: unknown } | undefined)?.message;
  const m = typeof message === 'string' ? /\((\d+)\)\s*$/.exec(message) : null;
  return m ? Number(m[1]) : 127;
}

function b64(o: JsonObject, name: string): Uint8Array {
  const v = o[name];
  if (typeof v !== 'string') throw new TypeError(`the eIM's answer has no ${name}`);
  return fromBase64(v);
}

const opt = (o: JsonObject, name: string) => (typeof o[name] === 'string' ? fromBase64(o[name] as string) : undefined);

export class EsipaJsonClient implements EsipaClient {
  readonly binding = 'json' as const;
  readonly name = 'eIM (ESipa JSON)';

  constructor(
    readonly eimUrl: string,
    readonly transport: HttpsTransport,
  ) {}

  async #raw(fn: string, body: JsonObject): Promise<{ status: number; body: Uint8Array }> {
    return this.transport.post(`${this.eimUrl}${ESIPA_JSON_PREFIX}${fn}`, JSON_TYPE, new TextEncoder().encode(JSON.stringify(body)));
  }

  async #call(fn: string, body: JsonObject): Promise<Answer> {
    const res = await this.#raw(fn, body);
    const json = JSON.parse(new TextDecoder().decode(res.body)) as JsonObject;
    const status = (json.header as { functionExecutionStatus?: { status?: string; statusCodeData?: unknown } } | undefined)?.functionExecutionStatus;
    if (status?.status === 'Executed-Success' || status?.status === 'Executed-WithWarning') return { ok: json };
    return { error: failedCode(status?.statusCodeData), response: res.body };
  }

  async getEimPackage(input: GetEimPackageInput): Promise<EimPackage> {
    const body: JsonObject = { eidValue: input.eid };
    if (input.stateChangeCause !== undefined) Object.assign(body, { notifyStateChange: true, stateChangeCause: input.stateChangeCause });
    const r = await this.#call('getEimPackage', body);
    if ('error' in r) throw new TypeError(`getEimPackage failed with code ${r.error}`);
    if (typeof r.ok.eimPackageError === 'number') return { kind: 'eimPackageError', code: r.ok.eimPackageError };
    for (const kind of ['euiccPackageRequest', 'ipaEuiccDataRequest', 'profileDownloadTriggerRequest'] as const) {
      if (typeof r.ok[kind] === 'string') return { kind, der: b64(r.ok, kind) };
    }
    throw new TypeError('getEimPackage answered neither a package nor eimPackageError');
  }

  async provideEimPackageResult(eid: string | undefined, eimPackageResult: Uint8Array): Promise<ProvideAnswer> {
    const r = await this.#call('provideEimPackageResult', { ...(eid ? { eidValue: eid } : {}), eimPackageResult: toBase64(eimPackageResult) });
    if ('error' in r) return { provideEimPackageResultError: r.error };
    const acks = opt(r.ok, 'eimAcknowledgements');
    return acks ? { eimAcknowledgements: S.EimAcknowledgements.decode(acks).map(Number) } : { emptyResponse: true };
  }

  async initiateAuthentication(input: InitiateAuthenticationInput): Promise<Outcome<InitiateAuthenticationOk>> {
    const r = await this.#call('initiateAuthentication', {
      euiccChallenge: toBase64(input.euiccChallenge),
      ...(input.smdpAddress !== undefined ? { smdpAddress: input.smdpAddress } : {}),
      euiccInfo1: toBase64(input.euiccInfo1),
      ...(input.eimTransactionId ? { eimTransactionId: hex(input.eimTransactionId) } : {}),
    });
    if ('error' in r) return r;
    const o = r.ok;
    const ctx = opt(o, 'ctxParams1');
    return {
      ok: {
        transactionId: fromHex(String(o.transactionId)),
        serverSigned1: b64(o, 'serverSigned1'),
        serverSignature1: b64(o, 'serverSignature1'),
        euiccCiPKId: b64(o, 'euiccCiPKIdentifierToBeUsed'),
        serverCertificate: b64(o, 'serverCertificate'),
        ...(typeof o.matchingId === 'string' ? { matchingId: o.matchingId } : {}),
        ...(ctx ? { ctxParams1: ctx } : {}),
      },
    };
  }

  async authenticateClient(transactionId: Uint8Array, authenticateServerResponse: Uint8Array): Promise<Outcome<AuthenticateClientOk>> {
    const r = await this.#call('authenticateClient', { transactionId: hex(transactionId), authenticateServerResponse: toBase64(authenticateServerResponse) });
    if ('error' in r) return r;
    const o = r.ok;
    const txid = typeof o.transactionId === 'string' ? fromHex(o.transactionId) : undefined;
    if (o.smdpSigned2 === undefined) {
      const trigger = opt(o, 'profileDownloadTrigger');
      return { ok: { kind: 'ds', transactionId: txid ?? transactionId, ...(trigger ? { profileDownloadTrigger: trigger } : {}) } };
    }
    const [metadata, hashCc] = [opt(o, 'profileMetadata'), opt(o, 'hashCc')];
    return {
      ok: {
        kind: 'dp',
        ...(txid ? { transactionId: txid } : {}),
        ...(metadata ? { profileMetadata: metadata } : {}),
        smdpSigned2: b64(o, 'smdpSigned2'),
        smdpSignature2: b64(o, 'smdpSignature2'),
        smdpCertificate: b64(o, 'smdpCertificate'),
        ...(hashCc ? { hashCc } : {}),
      },
    };
  }

  async getBoundProfilePackage(transactionId: Uint8Array, prepareDownloadResponse: Uint8Array): Promise<Outcome<Uint8Array>> {
    const r = await this.#call('getBoundProfilePackage', { transactionId: hex(transactionId), prepareDownloadResponse: toBase64(prepareDownloadResponse) });
    return 'error' in r ? r : { ok: b64(r.ok, 'boundProfilePackage') };
  }

  async cancelSession(transactionId: Uint8Array, cancelSessionResponse: Uint8Array): Promise<Outcome<true>> {
    // In JSON the eUICC's CancelSessionResponse travels as its own BF41 TLV (TT, IX; src/esipa/json-requests.ts).
    const r = await this.#call('cancelSession', { transactionId: hex(transactionId), cancelSessionResponse: toBase64(cancelSessionResponse) });
    return 'error' in r ? r : { ok: true };
  }

  async handleNotification(pendingNotification: Uint8Array): Promise<void> {
    await this.#raw('handleNotification', { pendingNotification: toBase64(pendingNotification) });
  }
}
