// Typed ESipa requests and answers for the server tests, built from the project's JSON form so the hex is
// readable. Certificates come from a generated test PKI.
import { PKIX1Explicit88 as X, RSPDefinitions as R, SGP32Definitions as S } from '../../src/asn1/index.ts';

export const EID_HEX = '89049032123451234512345678901235';
export const TXID_HEX = '0123456789ABCDEF0123456789ABCDEF';
export const EIM_TXID_HEX = 'A1B2C3D4';
export const SIG64 = 'ab'.repeat(64);
export const CHALLENGE_HEX = '00112233445566778899aabbccddeeff';
export const CI_PKID = '51d227e9c60f3d2244f5ec2f674ffa7524663ae6';

export function requests() {
  return {
    getEimPackage: S.GetEimPackageRequest.fromJson({ eidValue: EID_HEX, notifyStateChange: null, stateChangeCause: 1, rPLMN: '62f210' }),
    provideEimPackageResult: S.ProvideEimPackageResult.fromJson({
      eidValue: EID_HEX,
      eimPackageResult: {
        euiccPackageResult: {
          euiccPackageResultSigned: {
            euiccPackageResultDataSigned: { eimId: 'eim-1', counterValue: 7, eimTransactionId: EIM_TXID_HEX, seqNumber: 12, euiccResult: [{ enableResult: 0 }] },
            euiccSignEPR: SIG64,
          },
        },
      },
    }),
    handleNotification: S.HandleNotificationEsipa.fromJson({
      pendingNotification: {
        compactOtherSignedNotification: {
          tbsOtherNotification: { seqNumber: 3, profileManagementOperation: ['notificationDelete'], notificationAddress: 'smdp.example.com' },
          euiccNotificationSignature: SIG64,
        },
      },
    }),
    initiateAuthentication: S.InitiateAuthenticationRequestEsipa.fromJson({
      euiccChallenge: CHALLENGE_HEX,
      smdpAddress: 'smdp.example.com',
      euiccInfo1: { svn: '020500', euiccCiPKIdListForVerification: [CI_PKID], euiccCiPKIdListForSigning: [CI_PKID] },
      eimTransactionId: EIM_TXID_HEX,
    }),
    authenticateClient: S.AuthenticateClientRequestEsipa.fromJson({
      transactionId: TXID_HEX,
      authenticateServerResponse: {
        compactAuthenticateResponseOk: { signedData: { compactEuiccSigned1: { extCardResource: '010203' } }, euiccSignature1: SIG64 },
      },
    }),
    getBoundProfilePackage: S.GetBoundProfilePackageRequestEsipa.fromJson({
      transactionId: TXID_HEX,
      prepareDownloadResponse: { compactDownloadResponseOk: { compactEuiccSigned2: { euiccOtpk: '04' + '11'.repeat(64) }, euiccSignature2: SIG64 } },
    }),
    cancelSession: S.CancelSessionRequestEsipa.fromJson({ transactionId: TXID_HEX, cancelSessionResponse: { cancelSessionResponseError: 5 } }),
  };
}

export type Requests = ReturnType<typeof requests>;

export function answers(certDer: { dpAuth: Uint8Array; dpPb: Uint8Array }) {
  return {
    getEimPackage: S.GetEimPackageResponse.fromJson({
      euiccPackageRequest: {
        euiccPackageSigned: {
          eimId: 'eim-1',
          eidValue: EID_HEX,
          counterValue: 8,
          eimTransactionId: EIM_TXID_HEX,
          euiccPackage: { psmoList: [{ enable: { iccid: '98001032547698103214', rollbackFlag: null } }] },
        },
        eimSignature: SIG64,
      },
    }),
    provideEimPackageResult: S.ProvideEimPackageResultResponse.fromJson({ eimAcknowledgements: [12, 3] }),
    initiateAuthentication: S.InitiateAuthenticationResponseEsipa.fromJson({
      initiateAuthenticationOkEsipa: {
        transactionId: TXID_HEX,
        serverSigned1: { transactionId: TXID_HEX, euiccChallenge: CHALLENGE_HEX, serverAddress: 'smdp.example.com', serverChallenge: 'ff'.repeat(16) },
        serverSignature1: SIG64,
        euiccCiPKIdentifierToBeUsed: CI_PKID,
        serverCertificate: X.Certificate.toJson(X.Certificate.decode(certDer.dpAuth)),
        matchingId: 'MATCHING-1',
      },
    }),
    authenticateClient: S.AuthenticateClientResponseEsipa.fromJson({
      authenticateClientOkDPEsipa: {
        transactionId: TXID_HEX,
        profileMetaData: { iccid: '98001032547698103214', serviceProviderName: 'Op', profileName: 'IoT 1' },
        smdpSigned2: { transactionId: TXID_HEX, ccRequiredFlag: false },
        smdpSignature2: SIG64,
        smdpCertificate: X.Certificate.toJson(X.Certificate.decode(certDer.dpPb)),
        hashCc: 'cc'.repeat(32),
      },
    }),
    getBoundProfilePackage: S.GetBoundProfilePackageResponseEsipa.fromJson({
      getBoundProfilePackageOkEsipa: {
        transactionId: TXID_HEX,
        boundProfilePackage: {
          initialiseSecureChannelRequest: {
            remoteOpId: 1,
            transactionId: TXID_HEX,
            controlRefTemplate: { keyType: '88', keyLen: '10', hostId: '0102030405060708' },
            smdpOtpk: '04' + '22'.repeat(64),
            smdpSign: SIG64,
          },
          firstSequenceOf87: ['aa'.repeat(20)],
          sequenceOf88: ['bb'.repeat(20)],
          sequenceOf86: ['cc'.repeat(40), 'dd'.repeat(40)],
        },
      },
    }),
    cancelSession: S.CancelSessionResponseEsipa.fromJson({ cancelSessionOk: {} }),
  };
}

export type Answers = ReturnType<typeof answers>;

export { R, S, X };
