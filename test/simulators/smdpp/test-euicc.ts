// The eUICC (and LPA) side for the SM-DP+ / SM-DS simulator tests, built from the crypto functions and
// the eUICC key of the test PKI — deliberately not the virtual eUICC of simulators/euicc, so these tests
// depend on nothing but the crypto layer. Each step also checks what a real eUICC checks.

import { PKIX1Explicit88 as P, RSPDefinitions as R } from '../../../src/asn1/index.ts';
import { openBoundProfilePackage, type OpenedBoundProfilePackage } from '../../../src/crypto/bound-profile-package.ts';
import { certificatePublicKey, parseCertificate } from '../../../src/crypto/certificate.ts';
import { type EcPrivateKey, generateKeyPair, randomBytes, sha256 } from '../../../src/crypto/engine.ts';
import type { LoadedPkiSet } from '../../../src/crypto/pki-directory.ts';
import { euiccCancelSessionSignature, euiccNotificationSignature, euiccSignature1, euiccSignature2, euiccSignPIR, serverSignature1, smdpSignature2 } from '../../../src/crypto/signatures.ts';
import type { FileKeySigner } from '../../../src/crypto/signer.ts';
import { bytesEqual, fromHex } from '../../../src/lib/bytes.ts';

const v = (...b: number[]) => Uint8Array.from(b);
const flip = (sig: Uint8Array) => Uint8Array.from(sig, (b, i) => (i === 10 ? b ^ 0x01 : b));

export class TestEuicc {
  readonly eid: string;
  readonly ciPkId: Uint8Array;
  readonly #signer: FileKeySigner;
  readonly #cert: P.Certificate;
  readonly #eum: P.Certificate;
  #challenge = randomBytes(16);
  #euiccSignature1?: Uint8Array;
  #otsk?: EcPrivateKey;
  #dpPb?: ReturnType<typeof parseCertificate>;
  #seq = 1;

  constructor(
    readonly set: LoadedPkiSet,
    index = 0,
    /** A different PKI's CI list (to test a chain to an unknown CI). */
    ciPkIdOverride?: Uint8Array,
  ) {
    const e = set.euiccs[index]!;
    this.eid = e.eid;
    this.#signer = e.signer!;
    this.#cert = P.Certificate.decode(e.certificate.der);
    this.#eum = P.Certificate.decode(set.eum.certificate.der);
    this.ciPkId = ciPkIdOverride ?? fromHex(set.ciPkId);
  }

  get euiccChallenge(): Uint8Array {
    return this.#challenge;
  }

  euiccInfo1(): R.EUICCInfo1 {
    return { svn: v(2, 5, 0), euiccCiPKIdListForVerification: [this.ciPkId], euiccCiPKIdListForSigning: [this.ciPkId] };
  }

  euiccInfo2(): R.EUICCInfo2 {
    return {
      profileVersion: v(2, 3, 1), svn: v(2, 5, 0), euiccFirmwareVer: v(1, 0, 0), extCardResource: v(0x81, 0x01, 0x00),
      uiccCapability: ['usimSupport'], rspCapability: ['additionalProfile'],
      euiccCiPKIdListForVerification: [this.ciPkId], euiccCiPKIdListForSigning: [this.ciPkId],
      ppVersion: v(1, 0, 0), sasAcreditationNumber: 'TEST-SAS',
    };
  }

  /** ES10b.AuthenticateServer (SGP.22 v2.5 §5.7.13): checks serverSignature1 and the challenge, signs euiccSigned1. BF38 DER. */
  async authenticateServer(init: R.InitiateAuthenticationOkEs9, matchingId: string | undefined, opts: { corruptSignature?: boolean; serverChallenge?: Uint8Array; transactionId?: Uint8Array } = {}): Promise<Uint8Array> {
    const serverCert = parseCertificate(P.Certificate.encode(init.serverCertificate));
    if (!serverSignature1.verify(certificatePublicKey(serverCert), init.serverSignature1, R.ServerSigned1.encode(init.serverSigned1))) throw new Error('eUICC: serverSignature1 does not verify');
    if (!bytesEqual(init.serverSigned1.euiccChallenge, this.#challenge)) throw new Error('eUICC: euiccChallenge mismatch');
    const euiccSigned1: R.EuiccSigned1 = {
      transactionId: opts.transactionId ?? init.transactionId,
      serverAddress: init.serverSigned1.serverAddress,
      serverChallenge: opts.serverChallenge ?? init.serverSigned1.serverChallenge,
      euiccInfo2: this.euiccInfo2(),
      ctxParams1: { ctxParamsForCommonAuthentication: { ...(matchingId !== undefined ? { matchingId } : {}), deviceInfo: { tac: v(0x35, 0x29, 0x04, 0x11), deviceCapabilities: {} } } },
    };
    let sig = await euiccSignature1.sign(this.#signer, R.EuiccSigned1.encode(euiccSigned1));
    if (opts.corruptSignature) sig = flip(sig);
    this.#euiccSignature1 = sig;
    return R.AuthenticateServerResponse.encode({ authenticateResponseOk: { euiccSigned1, euiccSignature1: sig, euiccCertificate: this.#cert, eumCertificate: this.#eum } });
  }

  /** ES10b.PrepareDownload (SGP.22 v2.5 §5.7.5): checks smdpSignature2, makes otPK.EUICC, adds hashCc. BF21 DER. */
  async prepareDownload(ok: R.AuthenticateClientOk, opts: { confirmationCode?: string; corruptSignature?: boolean; transactionId?: Uint8Array } = {}): Promise<Uint8Array> {
    this.#dpPb = parseCertificate(P.Certificate.encode(ok.smdpCertificate));
    if (!smdpSignature2.verify(certificatePublicKey(this.#dpPb), ok.smdpSignature2, R.SmdpSigned2.encode(ok.smdpSigned2), this.#euiccSignature1!)) throw new Error('eUICC: smdpSignature2 does not verify');
    this.#otsk = generateKeyPair(this.set.curve);
    const txid = opts.transactionId ?? ok.transactionId;
    const hashCc = opts.confirmationCode === undefined ? undefined : sha256(sha256(new TextEncoder().encode(opts.confirmationCode)), ok.transactionId);
    const euiccSigned2: R.EUICCSigned2 = { transactionId: txid, euiccOtpk: this.#otsk.publicKey.point, ...(hashCc ? { hashCc } : {}) };
    let sig = await euiccSignature2.sign(this.#signer, R.EUICCSigned2.encode(euiccSigned2), ok.smdpSignature2);
    if (opts.corruptSignature) sig = flip(sig);
    return R.PrepareDownloadResponse.encode({ downloadResponseOk: { euiccSigned2, euiccSignature2: sig } });
  }

  /** ES10b.LoadBoundProfilePackage checks and decryption (crypto layer). */
  open(bpp: Uint8Array, transactionId: Uint8Array): OpenedBoundProfilePackage {
    return openBoundProfilePackage(bpp, { euiccOtsk: this.#otsk!, dpPbPublicKey: certificatePublicKey(this.#dpPb!), transactionId, eid: fromHex(this.eid) });
  }

  /** A signed ProfileInstallationResult (BF37 DER) as the PendingNotification. */
  async profileInstallationResult(transactionId: Uint8Array, smdpOid: string, notificationAddress: string, opts: { corruptSignature?: boolean; error?: boolean } = {}): Promise<Uint8Array> {
    const data: R.ProfileInstallationResultData = {
      transactionId,
      notificationMetadata: { seqNumber: this.#seq++, profileManagementOperation: ['notificationInstall'], notificationAddress },
      smdpOid,
      finalResult: opts.error
        ? { errorResult: { bppCommandId: 5, errorReason: 12 } }
        : { successResult: { aid: fromHex('a0000005591010ffffffff8900001000'), simaResponse: v(0x30, 0x00) } },
    };
    let sig = await euiccSignPIR.sign(this.#signer, R.ProfileInstallationResultData.encode(data));
    if (opts.corruptSignature) sig = flip(sig);
    return R.PendingNotification.encode({ profileInstallationResult: { profileInstallationResultData: data, euiccSignPIR: sig } });
  }

  /** An OtherSignedNotification (30 DER), e.g. for an enable. */
  async otherNotification(notificationAddress: string, iccid: Uint8Array, opts: { corruptSignature?: boolean } = {}): Promise<Uint8Array> {
    const tbs: R.NotificationMetadata = { seqNumber: this.#seq++, profileManagementOperation: ['notificationEnable'], notificationAddress, iccid };
    let sig = await euiccNotificationSignature.sign(this.#signer, R.NotificationMetadata.encode(tbs));
    if (opts.corruptSignature) sig = flip(sig);
    return R.PendingNotification.encode({ otherSignedNotification: { tbsOtherNotification: tbs, euiccNotificationSignature: sig, euiccCertificate: this.#cert, eumCertificate: this.#eum } });
  }

  /** ES10b.CancelSession response (BF41 DER). */
  async cancelSessionResponse(transactionId: Uint8Array, smdpOid: string, reason: number): Promise<Uint8Array> {
    const signed: R.EuiccCancelSessionSigned = { transactionId, smdpOid, reason };
    const sig = await euiccCancelSessionSignature.sign(this.#signer, R.EuiccCancelSessionSigned.encode(signed));
    return R.CancelSessionResponse.encode({ cancelSessionResponseOk: { euiccCancelSessionSigned: signed, euiccCancelSessionSignature: sig } });
  }
}
