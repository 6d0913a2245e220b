// ES9+ towards the SM-DP+ for a direct profile download (SGP.32 v1.2 §3.2.2: the IPA talks to the SM-DP+
// itself when it has directRspServerCommunication). JSON binding, as LPAs speak it (SGP.22 v2.5 §6.5.2;
// field forms as osmo-smdpp and lpac exchange them: serverSignature1 / smdpSignature2 are 5F37 TLVs,
// euiccCiPKIdToBeUsed is an 04 TLV). The eUICC's TLVs are sent as base64 of their bytes as produced.

import { fromBase64, fromHex, toBase64, toHex } from '../../src/lib/bytes.ts';
import type { AuthenticateClientOk, InitiateAuthenticationInput, InitiateAuthenticationOk, Outcome, RspServer } from './messages.ts';
import { contentOf } from './tlv.ts';
import type { HttpsTransport } from './transport.ts';

export const ES9_JSON_PREFIX = '/gsma/rsp2/es9plus/';
const hex = (b: Uint8Array) => toHex(b).toUpperCase();
type JsonObject = Record<string, unknown>;

/** ES9+ errors carry subject/reason codes, not ESipa integers: the download reports undefinedError(127) with the raw answer. */
const ES9_FAILURE = 127;

function b64(o: JsonObject, name: string): Uint8Array {
  if (typeof o[name] !== 'string') throw new TypeError(`the SM-DP+ answer has no ${name}`);
  return fromBase64(o[name] as string);
}

export class Es9Client implements RspServer {
  readonly name = 'SM-DP+ (ES9+ JSON)';

  /** `baseUrl`: https://<SM-DP+ address> (from the activation code), or an override for tests. */
  constructor(
    readonly baseUrl: string,
    readonly transport: HttpsTransport,
  ) {}

  async #raw(fn: string, body: JsonObject): Promise<{ status: number; body: Uint8Array }> {
    return this.transport.post(`${this.baseUrl}${ES9_JSON_PREFIX}${fn}`, 'application/json', new TextEncoder().encode(JSON.stringify(body)));
  }

  async #call(fn: string, body: JsonObject): Promise<Outcome<JsonObject>> {
    const res = await this.#raw(fn, body);
    const json = JSON.parse(new TextDecoder().decode(res.body)) as JsonObject;
    const status = (json.header as { functionExecutionStatus?: { status?: string } } | undefined)?.functionExecutionStatus?.status;
    return status === 'Executed-Success' || status === 'Executed-WithWarning' ? { ok: json } : { error: ES9_FAILURE, response: res.body };
  }

  async initiateAuthentication(input: InitiateAuthenticationInput): Promise<Outcome<InitiateAuthenticationOk>> {
    const r = await this.#call('initiateAuthentication', { euiccChallenge: toBase64(input.euiccChallenge), euiccInfo1: toBase64(input.euiccInfo1), smdpAddress: input.smdpAddress ?? '' });
    if (!('ok' in r)) return r;
    const o = r.ok;
    return {
      ok: {
        transactionId: fromHex(String(o.transactionId)),
        serverSigned1: b64(o, 'serverSigned1'),
        serverSignature1: contentOf(b64(o, 'serverSignature1')),
        euiccCiPKId: contentOf(b64(o, 'euiccCiPKIdToBeUsed')),
        serverCertificate: b64(o, 'serverCertificate'),
      },
    };
  }

  async authenticateClient(transactionId: Uint8Array, authenticateServerResponse: Uint8Array): Promise<Outcome<AuthenticateClientOk>> {
    const r = await this.#call('authenticateClient', { transactionId: hex(transactionId), authenticateServerResponse: toBase64(authenticateServerResponse) });
    if (!('ok' in r)) return r;
    const o = r.ok;
    return {
      ok: {
        kind: 'dp',
        transactionId: fromHex(String(o.transactionId)),
        ...(typeof o.profileMetadata === 'string' ? { profileMetadata: b64(o, 'profileMetadata') } : {}),
        smdpSigned2: b64(o, 'smdpSigned2'),
        smdpSignature2: contentOf(b64(o, 'smdpSignature2')),
        smdpCertificate: b64(o, 'smdpCertificate'),
      },
    };
  }

  async getBoundProfilePackage(transactionId: Uint8Array, prepareDownloadResponse: Uint8Array): Promise<Outcome<Uint8Array>> {
    const r = await this.#call('getBoundProfilePackage', { transactionId: hex(transactionId), prepareDownloadResponse: toBase64(prepareDownloadResponse) });
    return 'ok' in r ? { ok: b64(r.ok, 'boundProfilePackage') } : r;
  }

  async cancelSession(transactionId: Uint8Array, cancelSessionResponse: Uint8Array): Promise<Outcome<true>> {
    const r = await this.#call('cancelSession', { transactionId: hex(transactionId), cancelSessionResponse: toBase64(cancelSessionResponse) });
    return 'ok' in r ? { ok: true } : r;
  }

  async handleNotification(pendingNotification: Uint8Array): Promise<void> {
    await this.#raw('handleNotification', { pendingNotification: toBase64(pendingNotification) });
  }
}
