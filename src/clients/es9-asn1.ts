// ES9+' / ES11' over the ASN.1 binding (SGP.22 v2.5 §6.6; checklist §6.2): POST /gsma/rsp2/asn1,
// application/x-gsma-rsp-asn1, the request one RemoteProfileProvisioningRequest (A2 { BF39 | BF3B | BF3A |
// BF41 | BF3D }), the answer one RemoteProfileProvisioningResponse. Requests are spliced from the TLVs the
// eUICC produced (never decoded and re-encoded, so unknown fields and signed bytes survive); answers are
// decoded to check them, and the relayed parts are cut out of the received bytes.
// `asn1Failure` is this binding's one error mapper.
import { RSPDefinitions as R } from '../asn1/index.ts';
import { readHeader, tlv } from '../asn1/tlv.ts';
import { concatBytes, toHex } from '../lib/bytes.ts';
import type { Logger } from '../services/deps.ts';
import type { AuthenticateClientAnswer, BoundProfilePackageAnswer, EventEntry, InitiateAuthenticationAnswer, RspFailure, RspResult } from '../services/rsp-client.ts';
import { type Endpoint, type HttpAnswer, post } from './https-transport.ts';
import type { JsonHeaders } from './es9-json.ts';

export const ASN1_PATH = '/gsma/rsp2/asn1';
export const ASN1_CONTENT_TYPE = 'application/x-gsma-rsp-asn1';

/** The children TLVs of a constructed TLV, as byte ranges of the input. */
function children(bytes: Uint8Array): Uint8Array[] {
  const h = readHeader(bytes, 0, bytes.length);
  const out: Uint8Array[] = [];
  for (let p = h.contentStart; p < h.contentEnd; ) {
    const c = readHeader(bytes, p, h.contentEnd);
    out.push(bytes.subarray(p, c.end));
    p = c.end;
  }
  return out;
}
const valueOf = (t: Uint8Array): Uint8Array => {
  const h = readHeader(t, 0, t.length);
  return t.subarray(h.contentStart, h.contentEnd);
};
const request = (tag: number[], ...parts: Uint8Array[]) => tlv([0xa2], tlv(tag, concatBytes(...parts)));

type Answer = { ok: Uint8Array[] } | { failure: RspFailure } | { empty: true };

/**
 * The ASN.1 binding's error mapper: HTTP status and body → the ok alternative's fields (A0 …), the
 * function's error INTEGER as a rejection, or a transport failure.
 */
export function asn1Failure(answer: HttpAnswer): Answer {
  if (answer.status === 204) return { empty: true };
  if (answer.status !== 200) return { failure: { kind: 'transport', message: `HTTP ${answer.status}`, httpStatus: answer.status } };
  try {
    R.RemoteProfileProvisioningResponse.decode(answer.body); // the whole answer is well-formed
    const [fn] = children(answer.body); // BF39 | BF3B | BF3A | BF41 | BF40
    const [alt] = children(fn!); // A0 ok | 81 error
    if (alt![0] === 0xa0) return { ok: children(alt!) };
    const v = valueOf(alt!);
    return { failure: { kind: 'rejected', asn1Code: v.reduce((n, b) => n * 256 + b, 0) } };
  } catch (err) {
    return { failure: { kind: 'transport', message: `unreadable answer: ${(err as Error).message}`, httpStatus: 200 } };
  }
}

/** Fields of an ok answer by tag (first byte(s) as hex), in order. */
function byTag(fields: Uint8Array[]): (tag: string, nth?: number) => Uint8Array | undefined {
  return (tag, nth = 0) => fields.filter((f) => toHex(f.subarray(0, tag.length / 2)) === tag)[nth];
}

export class Es9Asn1Client {
  constructor(
    private readonly headers: JsonHeaders,
    private readonly log: Logger,
  ) {}

  async #call<T>(ep: Endpoint, body: Uint8Array, read: (fields: Uint8Array[]) => T): Promise<RspResult<T>> {
    const headers = { 'Content-Type': ASN1_CONTENT_TYPE, 'X-Admin-Protocol': this.headers.adminProtocol, 'User-Agent': this.headers.userAgent };
    const out = await post(ep, ASN1_PATH, headers, body, this.log);
    if (out.failure) return { failure: out.failure };
    const a = asn1Failure(out.answer);
    if ('failure' in a) return { failure: a.failure };
    try {
      return { ok: read('ok' in a ? a.ok : []) };
    } catch (err) {
      return { failure: { kind: 'transport', message: `unexpected answer: ${(err as Error).message}`, httpStatus: out.answer.status } };
    }
  }

  initiateAuthentication(ep: Endpoint, server: string, euiccChallenge: Uint8Array, euiccInfo1: Uint8Array): Promise<RspResult<InitiateAuthenticationAnswer>> {
    const body = request([0xbf, 0x39], tlv([0x81], euiccChallenge), tlv([0x83], new TextEncoder().encode(server)), euiccInfo1);
    return this.#call(ep, body, (fields) => {
      const f = byTag(fields);
      return {
        transactionId: valueOf(need(f('80'), 'transactionId')),
        serverSigned1: need(f('30', 0), 'serverSigned1'),
        serverSignature1: valueOf(need(f('5f37'), 'serverSignature1')),
        euiccCiPKIdToBeUsed: valueOf(need(f('04'), 'euiccCiPKIdToBeUsed')),
        serverCertificate: need(f('30', 1), 'serverCertificate'),
      };
    });
  }

  authenticateClient(ep: Endpoint, transactionId: Uint8Array, asr: Uint8Array): Promise<RspResult<AuthenticateClientAnswer>> {
    return this.#call(ep, request([0xbf, 0x3b], tlv([0x80], transactionId), asr), (fields) => {
      const f = byTag(fields);
      const metadata = f('bf25');
      return {
        transactionId: valueOf(need(f('80'), 'transactionId')),
        ...(metadata ? { profileMetadata: metadata } : {}),
        smdpSigned2: need(f('30', 0), 'smdpSigned2'),
        smdpSignature2: valueOf(need(f('5f37'), 'smdpSignature2')),
        smdpCertificate: need(f('30', 1), 'smdpCertificate'),
      };
    });
  }

  /** ES11 AuthenticateClient: A2 BF3B → A2 BF40 { A0 { 80 transactionId, A1 eventEntries } }. */
  retrieveEvents(ep: Endpoint, transactionId: Uint8Array, asr: Uint8Array): Promise<RspResult<EventEntry[]>> {
    return this.#call(ep, request([0xbf, 0x3b], tlv([0x80], transactionId), asr), (fields) => {
      const entries = byTag(fields)('a1');
      if (!entries) return [];
      return children(entries).map((e) => R.EventEntries.decode(e)).map((e) => ({ eventId: e.eventId, rspServerAddress: e.rspServerAddress }));
    });
  }

  getBoundProfilePackage(ep: Endpoint, transactionId: Uint8Array, pdr: Uint8Array): Promise<RspResult<BoundProfilePackageAnswer>> {
    return this.#call(ep, request([0xbf, 0x3a], tlv([0x80], transactionId), pdr), (fields) => {
      const f = byTag(fields);
      const id = f('80');
      return { ...(id ? { transactionId: valueOf(id) } : {}), boundProfilePackage: need(f('bf36'), 'boundProfilePackage') };
    });
  }

  /** The eUICC's BF41 goes in re-tagged A1 (RSPDefinitions CancelSessionRequestEs9, automatic tag [1]). */
  cancelSession(ep: Endpoint, transactionId: Uint8Array, csr: Uint8Array): Promise<RspResult<true>> {
    return this.#call(ep, request([0xbf, 0x41], tlv([0x80], transactionId), tlv([0xa1], valueOf(csr))), () => true as const);
  }

  /** HandleNotification { pendingNotification [0] } → A2 BF3D { A0 <PendingNotification> }; answered 204. */
  handleNotification(ep: Endpoint, pendingNotification: Uint8Array): Promise<RspResult<true>> {
    return this.#call(ep, request([0xbf, 0x3d], tlv([0xa0], pendingNotification)), () => true as const);
  }
}

function need(t: Uint8Array | undefined, name: string): Uint8Array {
  if (!t) throw new Error(`${name} is missing`);
  return t;
}
