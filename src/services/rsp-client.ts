// What the download relay needs from the RSP servers: the eIM plays the LPA role towards an SM-DP+ (ES9+',
// SGP.22 v2.5 §5.6) and an SM-DS (ES11', §5.8). src/clients implements it over HTTPS (JSON or ASN.1
// binding, per server); tests may script it.
//
// Everything crosses this boundary as the bytes that travelled: requests are complete DER TLVs built from
// what the eUICC signed, answers are the TLVs the server sent, so the relay can hand them on verbatim and
// the eUICC verifies signatures over the server's own bytes.

/** InitiateAuthenticationOkEs9 (SGP.22 v2.5 §5.6.1), field by field as received. */
export interface InitiateAuthenticationAnswer {
  transactionId: Uint8Array;
  /** 30 … ServerSigned1 TLV. */
  serverSigned1: Uint8Array;
  /** The serverSignature1 value (64 bytes r‖s), without the 5F37 tag. */
  serverSignature1: Uint8Array;
  /** The SubjectKeyIdentifier value, without the 04 tag. */
  euiccCiPKIdToBeUsed: Uint8Array;
  /** 30 … Certificate TLV (CERT.DPauth / CERT.DSauth). */
  serverCertificate: Uint8Array;
}

/** AuthenticateClientOk (SGP.22 v2.5 §5.6.3) as received. */
export interface AuthenticateClientAnswer {
  transactionId: Uint8Array;
  /** BF25 StoreMetadataRequest TLV. */
  profileMetadata?: Uint8Array;
  /** 30 … SmdpSigned2 TLV. */
  smdpSigned2: Uint8Array;
  /** smdpSignature2 value, without 5F37. */
  smdpSignature2: Uint8Array;
  /** 30 … CERT.DPpb TLV. */
  smdpCertificate: Uint8Array;
}

export interface BoundProfilePackageAnswer {
  transactionId?: Uint8Array;
  /** BF36 BoundProfilePackage TLV. */
  boundProfilePackage: Uint8Array;
}

export interface EventEntry {
  eventId: string;
  rspServerAddress: string;
}

/** The ES9+/ES11 functions a server answered with an error, or why no answer came. */
export type RspFunction = 'initiateAuthentication' | 'authenticateClient' | 'getBoundProfilePackage' | 'cancelSession' | 'handleNotification';

export type RspFailure =
  /** The server executed the function and refused: JSON statusCodeData, or the ASN.1 error INTEGER. */
  | { kind: 'rejected'; status?: string; subjectCode?: string; reasonCode?: string; subjectIdentifier?: string; message?: string; asn1Code?: number }
  /** No connection could be made: the request never left (safe to retry). */
  | { kind: 'unreachable'; message: string }
  /** No answer within the time allowed: the server may have acted. */
  | { kind: 'timeout'; message: string }
  /** The connection broke after the request left, a bare HTTP error status, or an unreadable answer. */
  | { kind: 'transport'; message: string; httpStatus?: number };

export type RspResult<T> = { ok: T; failure?: undefined } | { ok?: undefined; failure: RspFailure };

/** `server` is the address as the eUICC and activation codes name it (FQDN[:port]); the client maps it to a URL. */
export interface RspServerClient {
  /** ES9+/ES11 InitiateAuthentication: euiccInfo1 is the BF20 TLV. */
  initiateAuthentication(server: string, euiccChallenge: Uint8Array, euiccInfo1: Uint8Array): Promise<RspResult<InitiateAuthenticationAnswer>>;
  /** ES9+ AuthenticateClient: authenticateServerResponse is the BF38 TLV. */
  authenticateClient(server: string, transactionId: Uint8Array, authenticateServerResponse: Uint8Array): Promise<RspResult<AuthenticateClientAnswer>>;
  /** ES11 AuthenticateClient (event retrieval): the eventEntries. */
  retrieveEvents(server: string, transactionId: Uint8Array, authenticateServerResponse: Uint8Array): Promise<RspResult<EventEntry[]>>;
  /** ES9+ GetBoundProfilePackage: prepareDownloadResponse is the BF21 TLV. */
  getBoundProfilePackage(server: string, transactionId: Uint8Array, prepareDownloadResponse: Uint8Array): Promise<RspResult<BoundProfilePackageAnswer>>;
  /** ES9+ CancelSession: cancelSessionResponse is the eUICC's BF41 TLV. */
  cancelSession(server: string, transactionId: Uint8Array, cancelSessionResponse: Uint8Array): Promise<RspResult<true>>;
  /** ES9+ HandleNotification: the PendingNotification TLV (BF37 or 30). */
  handleNotification(server: string, pendingNotification: Uint8Array): Promise<RspResult<true>>;
}
