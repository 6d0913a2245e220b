// The LPA/eIM side of ES9+ / ES11 for the simulator tests, over either binding, returning the ASN.1
// values of the answers so that one test body runs against both bindings.

import { PKIX1Explicit88 as P, RSPDefinitions as R } from '../../../src/asn1/index.ts';
import { readHeader, tlv } from '../../../src/asn1/tlv.ts';
import { concatBytes, fromBase64, fromHex, toBase64, toHex } from '../../../src/lib/bytes.ts';
import { type ClientOptions, postAsn1, postJson } from '../../../simulators/common/https-client.ts';

export type Binding = 'json' | 'asn1';

/** A function's failure: the JSON statusCodeData or the ASN.1 error INTEGER, depending on the binding. */
export interface Failure {
  subjectCode?: string;
  reasonCode?: string;
  code?: number;
  httpStatus: number;
}

export type Result<T> = { ok: T; failure?: undefined } | { ok?: undefined; failure: Failure };

const value = (tlvBytes: Uint8Array) => {
  const h = readHeader(tlvBytes, 0, tlvBytes.length);
  return tlvBytes.subarray(h.contentStart, h.contentEnd);
};

/**
 * ASN.1-binding requests are spliced from the eUICC's TLVs as received, never decoded and re-encoded:
 * a card may send fields the RSP codec skips (e.g. SGP.32 additions in EUICCInfo2), and a re-encoding
 * would drop them and break euiccSignature1. RemoteProfileProvisioningRequest alternatives carry the
 * function's own tag (A2 BF3B …); the ES10b response keeps its tag inside (BF38, BF21, BF41 → A1).
 */
const a2 = (tag: number[], ...parts: Uint8Array[]) => tlv([0xa2], tlv(tag, concatBytes(...parts)));
const txidTlv = (id: Uint8Array) => tlv([0x80], id);
const retag = (bytes: Uint8Array, tag: number) => {
  const h = readHeader(bytes, 0, bytes.length);
  return tlv([tag], bytes.subarray(h.contentStart, h.contentEnd));
};

export class RspClient {
  constructor(
    readonly baseUrl: string,
    readonly binding: Binding,
    readonly options: ClientOptions,
    /** JSON path prefix: /gsma/rsp2/es9plus (ES9+, and ES11 as lpac calls it) or /gsma/rsp2/es11. */
    readonly jsonPrefix = '/gsma/rsp2/es9plus',
  ) {}

  async #json(fn: string, body: Record<string, unknown>): Promise<Result<Record<string, unknown>>> {
    const res = await postJson(this.baseUrl, `${this.jsonPrefix}/${fn}`, body, this.options);
    if (res.status === 204) return { ok: {} };
    const status = (res.json?.header as { functionExecutionStatus?: { status: string; statusCodeData?: { subjectCode: string; reasonCode: string } } } | undefined)?.functionExecutionStatus;
    if (res.status !== 200 || !status) return { failure: { httpStatus: res.status } };
    if (status.status !== 'Executed-Success') return { failure: { ...status.statusCodeData!, httpStatus: res.status } };
    return { ok: res.json! };
  }

  async #asn1(request: R.RemoteProfileProvisioningRequest | Uint8Array): Promise<Result<R.RemoteProfileProvisioningResponse | null>> {
    const der = request instanceof Uint8Array ? request : R.RemoteProfileProvisioningRequest.encode(request);
    const res = await postAsn1(this.baseUrl, der, this.options);
    if (res.status === 204) return { ok: null };
    if (res.status !== 200) return { failure: { httpStatus: res.status } };
    return { ok: R.RemoteProfileProvisioningResponse.decode(res.body) };
  }

  async initiateAuthentication(euiccChallenge: Uint8Array, euiccInfo1: R.EUICCInfo1, address: string): Promise<Result<R.InitiateAuthenticationOkEs9>> {
    if (this.binding === 'json') {
      const r = await this.#json('initiateAuthentication', { euiccChallenge: toBase64(euiccChallenge), euiccInfo1: toBase64(R.EUICCInfo1.encode(euiccInfo1)), smdpAddress: address });
      if (!r.ok) return r;
      const o = r.ok as Record<string, string>;
      return {
        ok: {
          transactionId: fromHex(o.transactionId!),
          serverSigned1: R.ServerSigned1.decode(fromBase64(o.serverSigned1!)),
          serverSignature1: value(fromBase64(o.serverSignature1!)),
          euiccCiPKIdToBeUsed: value(fromBase64(o.euiccCiPKIdToBeUsed!)),
          serverCertificate: P.Certificate.decode(fromBase64(o.serverCertificate!)),
        },
      };
    }
    const r = await this.#asn1({ initiateAuthenticationRequest: { euiccChallenge, smdpAddress: address, euiccInfo1 } });
    if (r.failure) return { failure: r.failure };
    const resp = (r.ok! as { initiateAuthenticationResponse: R.InitiateAuthenticationResponse }).initiateAuthenticationResponse;
    return 'initiateAuthenticationOk' in resp ? { ok: resp.initiateAuthenticationOk } : { failure: { code: resp.initiateAuthenticationError, httpStatus: 200 } };
  }

  async authenticateClient(transactionId: Uint8Array, authenticateServerResponse: Uint8Array): Promise<Result<R.AuthenticateClientOk>> {
    if (this.binding === 'json') {
      const r = await this.#json('authenticateClient', { transactionId: toHex(transactionId).toUpperCase(), authenticateServerResponse: toBase64(authenticateServerResponse) });
      if (!r.ok) return r;
      const o = r.ok as Record<string, string>;
      return {
        ok: {
          transactionId: fromHex(o.transactionId!),
          profileMetaData: R.StoreMetadataRequest.decode(fromBase64(o.profileMetadata!)),
          smdpSigned2: R.SmdpSigned2.decode(fromBase64(o.smdpSigned2!)),
          smdpSignature2: value(fromBase64(o.smdpSignature2!)),
          smdpCertificate: P.Certificate.decode(fromBase64(o.smdpCertificate!)),
        },
      };
    }
    const r = await this.#asn1(a2([0xbf, 0x3b], txidTlv(transactionId), authenticateServerResponse));
    if (r.failure) return { failure: r.failure };
    const resp = (r.ok! as { authenticateClientResponseEs9: R.AuthenticateClientResponseEs9 }).authenticateClientResponseEs9;
    if ('authenticateClientOk' in resp) return { ok: resp.authenticateClientOk };
    return { failure: { code: (resp as { authenticateClientError: number }).authenticateClientError, httpStatus: 200 } };
  }

  /** ES11 AuthenticateClient: the event entries. */
  async authenticateClientEs11(transactionId: Uint8Array, authenticateServerResponse: Uint8Array): Promise<Result<R.EventEntries[]>> {
    if (this.binding === 'json') {
      const r = await this.#json('authenticateClient', { transactionId: toHex(transactionId).toUpperCase(), authenticateServerResponse: toBase64(authenticateServerResponse) });
      return r.ok ? { ok: r.ok.eventEntries as R.EventEntries[] } : r;
    }
    const r = await this.#asn1(a2([0xbf, 0x3b], txidTlv(transactionId), authenticateServerResponse));
    if (r.failure) return { failure: r.failure };
    const resp = (r.ok! as { authenticateClientResponseEs11: R.AuthenticateClientResponseEs11 }).authenticateClientResponseEs11;
    return 'authenticateClientOk' in resp ? { ok: resp.authenticateClientOk.eventEntries } : { failure: { code: resp.authenticateClientError, httpStatus: 200 } };
  }

  async getBoundProfilePackage(transactionId: Uint8Array, prepareDownloadResponse: Uint8Array): Promise<Result<Uint8Array>> {
    if (this.binding === 'json') {
      const r = await this.#json('getBoundProfilePackage', { transactionId: toHex(transactionId).toUpperCase(), prepareDownloadResponse: toBase64(prepareDownloadResponse) });
      return r.ok ? { ok: fromBase64(r.ok.boundProfilePackage as string) } : r;
    }
    const r = await this.#asn1(a2([0xbf, 0x3a], txidTlv(transactionId), prepareDownloadResponse));
    if (r.failure) return { failure: r.failure };
    const resp = (r.ok! as { getBoundProfilePackageResponse: R.GetBoundProfilePackageResponse }).getBoundProfilePackageResponse;
    return 'getBoundProfilePackageOk' in resp ? { ok: R.BoundProfilePackage.encode(resp.getBoundProfilePackageOk.boundProfilePackage) } : { failure: { code: resp.getBoundProfilePackageError, httpStatus: 200 } };
  }

  /** Resolves with the HTTP status (204 expected). */
  async handleNotification(pendingNotification: Uint8Array): Promise<number> {
    if (this.binding === 'json') return (await postJson(this.baseUrl, `${this.jsonPrefix}/handleNotification`, { pendingNotification: toBase64(pendingNotification) }, this.options)).status;
    const req = a2([0xbf, 0x3d], tlv([0xa0], pendingNotification));
    return (await postAsn1(this.baseUrl, req, this.options)).status;
  }

  async cancelSession(transactionId: Uint8Array, cancelSessionResponse: Uint8Array): Promise<Result<true>> {
    if (this.binding === 'json') {
      const r = await this.#json('cancelSession', { transactionId: toHex(transactionId).toUpperCase(), cancelSessionResponse: toBase64(cancelSessionResponse) });
      return r.ok ? { ok: true } : r;
    }
    const r = await this.#asn1(a2([0xbf, 0x41], txidTlv(transactionId), retag(cancelSessionResponse, 0xa1)));
    if (r.failure) return { failure: r.failure };
    const resp = (r.ok! as { cancelSessionResponseEs9: R.CancelSessionResponseEs9 }).cancelSessionResponseEs9;
    return 'cancelSessionOk' in resp ? { ok: true } : { failure: { code: resp.cancelSessionError, httpStatus: 200 } };
  }
}
