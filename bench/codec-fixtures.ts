// Realistic messages for the codec benchmark, built with our own encoder from fixed values.
import { SGP32Definitions as S, RSPDefinitions as R } from '../src/asn1/index.ts';
import { fromHex } from '../src/lib/bytes.ts';

const EID = fromHex('89049032123451234512345678901235');
const sig = (seed: number): Uint8Array => Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + seed) & 0xff);
const iccid = (n: number): Uint8Array => fromHex(`98100000000000000${n}f0`.slice(-20));

/** (a) GetEimPackageResponse carrying a signed EuiccPackageRequest (disable + enable with rollback + listProfileInfo). */
export function getEimPackageResponse(): Uint8Array {
  return S.GetEimPackageResponse.encode({
    euiccPackageRequest: {
      euiccPackageSigned: {
        eimId: 'eim.example.com',
        eidValue: EID,
        counterValue: 4711,
        eimTransactionId: fromHex('0123456789abcdef0123456789abcdef'),
        euiccPackage: {
          psmoList: [
            { disable: { iccid: iccid(1) } },
            { enable: { iccid: iccid(2), rollbackFlag: null } },
            { listProfileInfo: { tagList: fromHex('5a4f9f70919295') } },
          ],
        },
      },
      eimSignature: sig(1),
    },
  });
}

function pir(seq: number): S.PendingNotification {
  return {
    profileInstallationResult: {
      profileInstallationResultData: {
        transactionId: fromHex('aabbccddeeff00112233445566778899'),
        notificationMetadata: { seqNumber: seq, profileManagementOperation: ['notificationInstall'], notificationAddress: 'smdp.example.com', iccid: iccid(3) },
        smdpOid: '2.999.10',
        finalResult: { successResult: { aid: fromHex('a0000005591010ffffffff8900001000'), simaResponse: fromHex('3007a00530038001009000') } },
      },
      euiccSignPIR: sig(seq),
    },
  };
}

/** (b) ProvideEimPackageResult with a signed EuiccPackageResult and two pending notifications. */
export function provideEimPackageResult(): Uint8Array {
  return S.ProvideEimPackageResult.encode({
    eidValue: EID,
    eimPackageResult: {
      ePRAndNotifications: {
        euiccPackageResult: {
          euiccPackageResultSigned: {
            euiccPackageResultDataSigned: {
              eimId: 'eim.example.com',
              counterValue: 4711,
              eimTransactionId: fromHex('0123456789abcdef0123456789abcdef'),
              seqNumber: 12,
              euiccResult: [{ disableResult: 0 }, { enableResult: 0 }, { listProfileInfoResult: { profileInfoListOk: [
                { iccid: iccid(1), isdpAid: fromHex('a0000005591010ffffffff8900001000'), profileState: 0, serviceProviderName: 'Operator A', profileName: 'IoT A', profileClass: 2 },
                { iccid: iccid(2), isdpAid: fromHex('a0000005591010ffffffff8900001100'), profileState: 1, serviceProviderName: 'Operator B', profileName: 'IoT B', profileClass: 2 },
              ] } }],
            },
            euiccSignEPR: sig(2),
          },
        },
        notificationList: [pir(13), pir(14)],
      },
    },
  } as S.ProvideEimPackageResult);
}

/** (c) A BoundProfilePackage of about 12 KB (profile elements in 1020-byte segments). */
export function boundProfilePackage(): Uint8Array {
  const segment = (n: number, len: number): Uint8Array => Uint8Array.from({ length: len }, (_, i) => (i * 13 + n) & 0xff);
  return R.BoundProfilePackage.encode({
    initialiseSecureChannelRequest: {
      remoteOpId: 1,
      transactionId: fromHex('aabbccddeeff00112233445566778899'),
      controlRefTemplate: { keyType: fromHex('88'), keyLen: fromHex('10'), hostId: fromHex('0102030405060708090a0b0c0d0e0f10') },
      smdpOtpk: Uint8Array.from({ length: 65 }, (_, i) => i),
      smdpSign: sig(3),
    },
    firstSequenceOf87: [segment(0, 48)],
    sequenceOf88: [segment(1, 120)],
    secondSequenceOf87: [segment(2, 64)],
    sequenceOf86: Array.from({ length: 12 }, (_, i) => segment(10 + i, 1008)),
  });
}
