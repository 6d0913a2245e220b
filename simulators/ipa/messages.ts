// What the IPA exchanges with its servers, binding-neutral. Everything signed travels as the TLV bytes
// it was produced as (the eUICC's BF38/BF21/BF37/BF51…, the server's serverSigned1, certificates…), so
// the ASN.1 and JSON bindings only frame bytes, never rebuild them.

/** A function's answer: its data, or the function's error code (SGP.32 v1.2 §6.3 / SGP.22 v2.5 §5.6). */
export type Outcome<T> = { ok: T } | { error: number; /** the raw failing response, for ProfileDownloadError */ response?: Uint8Array };

export interface InitiateAuthenticationInput {
  euiccChallenge: Uint8Array;
  /** BF20 TLV as the eUICC returned it. */
  euiccInfo1: Uint8Array;
  smdpAddress?: string;
  /** ESipa only (SGP.32 v1.2 §6.3.2.1): ties the session to the eIM's download order. */
  eimTransactionId?: Uint8Array;
}

export interface InitiateAuthenticationOk {
  transactionId: Uint8Array;
  /** 30 TLV (serverSigned1) as received. */
  serverSigned1: Uint8Array;
  /** Signature value (r‖s). */
  serverSignature1: Uint8Array;
  /** SubjectKeyIdentifier value of the CI to use. */
  euiccCiPKId: Uint8Array;
  /** 30 TLV of CERT.XXauth as received. */
  serverCertificate: Uint8Array;
  /** ESipa: the matchingId the eIM holds for this download. */
  matchingId?: string;
  /** ESipa: CtxParams1 TLV (A0 …) the eIM built (eimCtxParams1Generation). */
  ctxParams1?: Uint8Array;
}

export type AuthenticateClientOk =
  | {
      kind: 'dp';
      transactionId?: Uint8Array;
      /** BF25 TLV. */
      profileMetadata?: Uint8Array;
      /** 30 TLV as received. */
      smdpSigned2: Uint8Array;
      smdpSignature2: Uint8Array;
      /** 30 TLV of CERT.DPpb as received. */
      smdpCertificate: Uint8Array;
      hashCc?: Uint8Array;
    }
  /** ESipa from an SM-DS (SGP.32 v1.2 §6.3.2.2): a new trigger (BF54 TLV) for the event found. */
  | { kind: 'ds'; transactionId: Uint8Array; profileDownloadTrigger?: Uint8Array };

/** The server side of a profile download: the eIM (indirect, ESipa) or the SM-DP+ (direct, ES9+). */
export interface RspServer {
  readonly name: string;
  initiateAuthentication(input: InitiateAuthenticationInput): Promise<Outcome<InitiateAuthenticationOk>>;
  /** `authenticateServerResponse`: the eUICC's BF38 TLV. */
  authenticateClient(transactionId: Uint8Array, authenticateServerResponse: Uint8Array): Promise<Outcome<AuthenticateClientOk>>;
  /** `prepareDownloadResponse`: the eUICC's BF21 TLV; answers the BF36 TLV. */
  getBoundProfilePackage(transactionId: Uint8Array, prepareDownloadResponse: Uint8Array): Promise<Outcome<Uint8Array>>;
  /** `cancelSessionResponse`: the eUICC's BF41 TLV. */
  cancelSession(transactionId: Uint8Array, cancelSessionResponse: Uint8Array): Promise<Outcome<true>>;
  /** A PendingNotification TLV (BF37 or 30); resolves when the server took it (204/200). */
  handleNotification(pendingNotification: Uint8Array): Promise<void>;
}

/** GetEimPackageResponse / TransferEimPackageRequest content (SGP.32 v1.2 §6.3.2.6, §6.3.3.1). */
export type EimPackage =
  | { kind: 'euiccPackageRequest' | 'ipaEuiccDataRequest' | 'profileDownloadTriggerRequest' | 'eimAcknowledgements'; /** the TLV as received */ der: Uint8Array }
  | { kind: 'eimPackageError'; code: number };

export interface GetEimPackageInput {
  eid: string;
  /** SGP.32 v1.2 §2.x notifyStateChange with its StateChangeCause. */
  stateChangeCause?: number;
}

/** ProvideEimPackageResultResponse (SGP.32 v1.2 §6.3.2.7). */
export type ProvideAnswer = { eimAcknowledgements: number[] } | { emptyResponse: true } | { provideEimPackageResultError: number };

/** The eIM's side of ESipa for a retrieve-mode IPA. */
export interface EsipaClient extends RspServer {
  readonly binding: 'asn1' | 'json';
  getEimPackage(input: GetEimPackageInput): Promise<EimPackage>;
  /** `eimPackageResult`: the EimPackageResult TLV (BF51, 30, BF52, BF54 or A0). */
  provideEimPackageResult(eid: string | undefined, eimPackageResult: Uint8Array): Promise<ProvideAnswer>;
}
