// ES9+' / ES11' over the JSON binding (SGP.22 v2.5 §6.5), the eIM in the LPA role. Conventions as lpac
// (`euicc/es9p.c`) sends them and osmo-smdpp (pySim `es9p.py`, `http_json_api.py`) reads them:
//   POST /gsma/rsp2/es9plus/<function>; Content-Type application/json; X-Admin-Protocol gsma/rsp/v2.x.y;
//   User-Agent gsma-rsp-lpad. ASN.1 objects are base64 of the complete DER TLV (euiccInfo1 = BF20…,
//   authenticateServerResponse = BF38…, prepareDownloadResponse = BF21…, cancelSessionResponse = BF41…,
//   pendingNotification = BF37… / 30…); euiccChallenge is base64 of the 16 raw bytes; transactionId is hex.
//   Answers: serverSignature1 / smdpSignature2 are base64 of the 5F37 TLV, euiccCiPKIdToBeUsed of the
//   04 TLV (osmo-smdpp); bare values are accepted too. ES11 (SM-DS) uses the same paths (lpac; checklist §4.3).
// `jsonFailure` is this binding's one error mapper.
import { PKIX1Explicit88 as X, RSPDefinitions as R, type Asn1Type } from '../asn1/index.ts';
import { readHeader } from '../asn1/tlv.ts';
import { fromBase64, fromHex, toBase64, toHex } from '../lib/bytes.ts';
import type { Logger } from '../services/deps.ts';
import type { AuthenticateClientAnswer, BoundProfilePackageAnswer, EventEntry, InitiateAuthenticationAnswer, RspFailure, RspResult } from '../services/rsp-client.ts';
import { type Endpoint, type HttpAnswer, post } from './https-transport.ts';

export const JSON_PREFIX = '/gsma/rsp2/es9plus';
type Json = Record<string, unknown>;

export interface JsonHeaders {
  adminProtocol: string;
  userAgent: string;
}

class BadAnswer extends Error {}

/** Success statuses of SGP.22 v2.5 §6.5.1.4 functionExecutionStatus. */
const SUCCESS = new Set(['Executed-Success', 'Executed-WithWarning']);

/** The JSON binding's error mapper: HTTP status, header and body → the answer, or an RspFailure. */
export function jsonFailure(answer: HttpAnswer): { body: Json | null } | { failure: RspFailure } {
  if (answer.status === 204) return { body: null };
  if (answer.status !== 200) return { failure: { kind: 'transport', message: `HTTP ${answer.status}`, httpStatus: answer.status } };
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(answer.body));
  } catch {
    return { failure: { kind: 'transport', message: 'the answer is not JSON', httpStatus: 200 } };
  }
  const status = (body as { header?: { functionExecutionStatus?: { status?: string; statusCodeData?: Record<string, string> } } })?.header?.functionExecutionStatus;
  if (!status?.status) return { failure: { kind: 'transport', message: 'the answer has no header.functionExecutionStatus', httpStatus: 200 } };
  if (SUCCESS.has(status.status)) return { body: body as Json };
  const s = status.statusCodeData ?? {};
  return {
    failure: {
      kind: 'rejected',
      status: status.status,
      ...(s.subjectCode ? { subjectCode: String(s.subjectCode) } : {}),
      ...(s.reasonCode ? { reasonCode: String(s.reasonCode) } : {}),
      ...(s.subjectIdentifier ? { subjectIdentifier: String(s.subjectIdentifier) } : {}),
      ...(s.message ? { message: String(s.message) } : {}),
    },
  };
}

function str(o: Json, name: string): string {
  const v = o[name];
  if (typeof v !== 'string' || v.length === 0) throw new BadAnswer(`${name} is missing`);
  return v;
}
/** A base64 DER TLV, checked by decoding it as `type`; the bytes are returned as received. */
function tlvField<T>(o: Json, name: string, type: Asn1Type<T>): Uint8Array {
  const bytes = fromBase64(str(o, name));
  type.decode(bytes);
  return bytes;
}
/** A primitive value that osmo-smdpp sends as a whole TLV (5F37 …, 04 …): the value; a bare value is taken as is. */
function valueField(o: Json, name: string, tag: number[]): Uint8Array {
  const bytes = fromBase64(str(o, name));
  if (!tag.every((t, i) => bytes[i] === t)) return bytes;
  const h = readHeader(bytes, 0, bytes.length);
  return h.end === bytes.length ? bytes.subarray(h.contentStart, h.contentEnd) : bytes;
}
const txid = (o: Json): Uint8Array => fromHex(str(o, 'transactionId'));

export class Es9JsonClient {
  constructor(
    private readonly headers: JsonHeaders,
    private readonly log: Logger,
  ) {}

  async #call<T>(ep: Endpoint, fn: string, request: Json, read: (body: Json | null) => T): Promise<RspResult<T>> {
    const body = new TextEncoder().encode(JSON.stringify(request));
    const headers = { 'Content-Type': 'application/json', 'X-Admin-Protocol': this.headers.adminProtocol, 'User-Agent': this.headers.userAgent };
    const out = await post(ep, `${JSON_PREFIX}/${fn}`, headers, body, this.log);
    if (out.failure) return { failure: out.failure };
    const mapped = jsonFailure(out.answer);
    if ('failure' in mapped) return { failure: mapped.failure };
    try {
      return { ok: read(mapped.body) };
    } catch (err) {
      return { failure: { kind: 'transport', message: `unreadable ${fn} answer: ${(err as Error).message}`, httpStatus: out.answer.status } };
    }
  }

  initiateAuthentication(ep: Endpoint, server: string, euiccChallenge: Uint8Array, euiccInfo1: Uint8Array): Promise<RspResult<InitiateAuthenticationAnswer>> {
    const request = { smdpAddress: server, euiccChallenge: toBase64(euiccChallenge), euiccInfo1: toBase64(euiccInfo1) };
    return this.#call(ep, 'initiateAuthentication', request, (o) => ({
      transactionId: txid(o!),
      serverSigned1: tlvField(o!, 'serverSigned1', R.ServerSigned1),
      serverSignature1: valueField(o!, 'serverSignature1', [0x5f, 0x37]),
      euiccCiPKIdToBeUsed: valueField(o!, 'euiccCiPKIdToBeUsed', [0x04]),
      serverCertificate: tlvField(o!, 'serverCertificate', X.Certificate),
    }));
  }

  authenticateClient(ep: Endpoint, transactionId: Uint8Array, asr: Uint8Array): Promise<RspResult<AuthenticateClientAnswer>> {
    return this.#call(ep, 'authenticateClient', { transactionId: toHex(transactionId).toUpperCase(), authenticateServerResponse: toBase64(asr) }, (o) => ({
      transactionId: o!.transactionId ? txid(o!) : transactionId,
      ...(o!.profileMetadata ? { profileMetadata: tlvField(o!, 'profileMetadata', R.StoreMetadataRequest) } : {}),
      smdpSigned2: tlvField(o!, 'smdpSigned2', R.SmdpSigned2),
      smdpSignature2: valueField(o!, 'smdpSignature2', [0x5f, 0x37]),
      smdpCertificate: tlvField(o!, 'smdpCertificate', X.Certificate),
    }));
  }

  retrieveEvents(ep: Endpoint, transactionId: Uint8Array, asr: Uint8Array): Promise<RspResult<EventEntry[]>> {
    return this.#call(ep, 'authenticateClient', { transactionId: toHex(transactionId).toUpperCase(), authenticateServerResponse: toBase64(asr) }, (o) => {
      const entries = o!.eventEntries ?? [];
      if (!Array.isArray(entries)) throw new BadAnswer('eventEntries is not a list');
      return entries.map((e: Json) => ({ eventId: str(e, 'eventId'), rspServerAddress: str(e, 'rspServerAddress') }));
    });
  }

  getBoundProfilePackage(ep: Endpoint, transactionId: Uint8Array, pdr: Uint8Array): Promise<RspResult<BoundProfilePackageAnswer>> {
    return this.#call(ep, 'getBoundProfilePackage', { transactionId: toHex(transactionId).toUpperCase(), prepareDownloadResponse: toBase64(pdr) }, (o) => ({
      ...(o!.transactionId ? { transactionId: txid(o!) } : {}),
      boundProfilePackage: tlvField(o!, 'boundProfilePackage', R.BoundProfilePackage),
    }));
  }

  cancelSession(ep: Endpoint, transactionId: Uint8Array, csr: Uint8Array): Promise<RspResult<true>> {
    return this.#call(ep, 'cancelSession', { transactionId: toHex(transactionId).toUpperCase(), cancelSessionResponse: toBase64(csr) }, () => true as const);
  }

  handleNotification(ep: Endpoint, pendingNotification: Uint8Array): Promise<RspResult<true>> {
    return this.#call(ep, 'handleNotification', { pendingNotification: toBase64(pendingNotification) }, () => true as const);
  }
}
