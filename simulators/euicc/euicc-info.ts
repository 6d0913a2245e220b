// The card's identity and capabilities: GetEID (SGP.22 v2.5 §5.7.20), GetEUICCInfo1/2 (SGP.32 v1.2
// §5.9.2), GetCerts (SGP.32 v1.2 §5.9.10) and EuiccConfiguredAddresses (SGP.22 v2.5 §5.7.3).

import { PKIX1Explicit88 as X, RSPDefinitions as R, SGP32Definitions as S } from '../../src/asn1/index.ts';
import { fromHex } from '../../src/lib/bytes.ts';
import type { CardContext } from './context.ts';
import { Es10CommandError } from './es10-card.ts';

export function getEid(ctx: CardContext, request: R.GetEuiccDataRequest): Uint8Array {
  // SGP.22 v2.5 §5.7.20: the only tag the list may hold is 5A.
  if (request.tagList.length !== 1 || request.tagList[0] !== 0x5a) throw new Es10CommandError('GetEuiccData tagList must be 5A');
  return R.GetEuiccDataResponse.encode({ eidValue: ctx.eid });
}

export function euiccInfo1(ctx: CardContext): R.EUICCInfo1 {
  const ids = ctx.credentials.ciPkIds;
  return { svn: fromHex(ctx.state.euiccInfo.svn), euiccCiPKIdListForVerification: ids, euiccCiPKIdListForSigning: ids };
}

export function euiccInfo2(ctx: CardContext): S.EUICCInfo2 {
  const i = ctx.state.euiccInfo;
  const ids = ctx.credentials.ciPkIds;
  return {
    profileVersion: fromHex(i.profileVersion),
    svn: fromHex(i.svn),
    euiccFirmwareVer: fromHex(i.euiccFirmwareVer),
    extCardResource: fromHex(i.extCardResource),
    uiccCapability: ['usimSupport', 'isimSupport', 'akaMilenage', 'akaTuak128', 'gbaAuthenUsim', 'javacard', 'berTlvFileSupport', 'dfLinkSupport', 'catTp', 'getIdentity', 'profile-a-x25519', 'profile-b-p256', 'iotminimal'],
    rspCapability: ['additionalProfile', 'testProfileSupport'],
    euiccCiPKIdListForVerification: ids,
    euiccCiPKIdListForSigning: ids,
    euiccCategory: 1, // basicEuicc
    ppVersion: fromHex(i.ppVersion),
    sasAcreditationNumber: i.sasAcreditationNumber,
    // SGP.32 v1.2 §5.9.2: ipaMode and iotSpecificInfo are mandatory for an IoT eUICC.
    ipaMode: i.ipaMode,
    iotSpecificInfo: { iotVersion: i.iotVersion.map(fromHex), fallbackSupported: null },
  };
}

export function getEuiccInfo1(ctx: CardContext): Uint8Array {
  return R.EUICCInfo1.encode(euiccInfo1(ctx));
}

export function getEuiccInfo2(ctx: CardContext): Uint8Array {
  return S.EUICCInfo2.encode(euiccInfo2(ctx));
}

/** Certificates as typed values (for the codec), decoded from the DER the card holds. */
export function certificateValue(der: Uint8Array): X.Certificate {
  return X.Certificate.decode(der);
}

/** SGP.32 v1.2 §5.9.10: the EUM and eUICC certificates for a CI (default: the first); unknown CI → invalidCiPKId(1). */
export function getCerts(ctx: CardContext, request: S.GetCertsRequest): Uint8Array {
  const cred = ctx.credentials.byCiPkId(request.euiccCiPKId);
  if (!cred) return S.GetCertsResponse.encode({ getCertsError: 1 });
  return S.GetCertsResponse.encode({ certs: { eumCertificate: certificateValue(cred.eum.der), euiccCertificate: certificateValue(cred.euicc.der) } });
}

export function euiccConfiguredAddresses(ctx: CardContext): Uint8Array {
  const s = ctx.state;
  return R.EuiccConfiguredAddressesResponse.encode({ ...(s.defaultSmdpAddress ? { defaultDpAddress: s.defaultSmdpAddress } : {}), rootDsAddress: s.rootSmdsAddress });
}
