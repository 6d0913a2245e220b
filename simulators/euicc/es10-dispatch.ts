// One ES10 command TLV → its handler, chosen by the command's outer tag (SGP.22 v2.5 §5.7 ES10a/b/c,
// SGP.32 v1.2 §5.9 ES10b as redefined for IoT). A command that does not decode as its type is an
// Es10CommandError (the APDU front answers SW 6A80).

import { Asn1Error, RSPDefinitions as R, SGP32Definitions as S } from '../../src/asn1/index.ts';
import type { Asn1Type } from '../../src/asn1/index.ts';
import { concatBytes, toHex } from '../../src/lib/bytes.ts';
import { authenticateServer, cancelSession, type DownloadSession, getEuiccChallenge, prepareDownload } from './authentication.ts';
import { loadBoundProfilePackage } from './bpp-loader.ts';
import type { CardContext } from './context.ts';
import { addInitialEim, getEimConfigurationData } from './eim-config.ts';
import { Es10CommandError } from './es10-card.ts';
import { euiccConfiguredAddresses, getCerts, getEid, getEuiccInfo1, getEuiccInfo2 } from './euicc-info.ts';
import { configureImmediateProfileEnabling, executeFallbackMechanism, returnFromFallback, setDefaultDpAddress } from './local-functions.ts';
import { listNotification, removeNotificationFromList, retrieveNotificationsList } from './notifications.ts';
import { loadEuiccPackage } from './package-executor.ts';
import { euiccMemoryReset } from './profile-install.ts';
import { listProfileInfo } from './profiles.ts';
import { profileRollback } from './rollback.ts';

type Handler = (ctx: CardContext, session: DownloadSession, der: Uint8Array) => Uint8Array | Promise<Uint8Array>;

function decode<T>(type: Asn1Type<T>, der: Uint8Array): T {
  try {
    return type.decode(der);
  } catch (err) {
    if (err instanceof Asn1Error) throw new Es10CommandError(`not a valid ${type.name}: ${err.message}`);
    throw err;
  }
}

/** Handlers keyed by the hex of the outer tag. */
const HANDLERS: Record<string, Handler> = {
  bf3e: (ctx, _s, der) => getEid(ctx, decode(R.GetEuiccDataRequest, der)), // ES10c.GetEID
  bf20: (ctx, _s, der) => (decode(R.GetEuiccInfo1Request, der), getEuiccInfo1(ctx)), // ES10b.GetEUICCInfo (1)
  bf22: (ctx, _s, der) => (decode(R.GetEuiccInfo2Request, der), getEuiccInfo2(ctx)), // ES10b.GetEUICCInfo (2)
  bf56: (ctx, _s, der) => getCerts(ctx, decode(S.GetCertsRequest, der)), // SGP.32 §5.9.10 GetCerts
  bf3c: (ctx, _s, der) => (decode(R.EuiccConfiguredAddressesRequest, der), euiccConfiguredAddresses(ctx)), // ES10a
  bf55: (ctx, _s, der) => S.GetEimConfigurationDataResponse.encode(getEimConfigurationData(ctx, decode(S.GetEimConfigurationDataRequest, der))),
  bf57: (ctx, _s, der) => S.AddInitialEimResponse.encode(addInitialEim(ctx, decode(S.AddInitialEimRequest, der))),
  bf51: (ctx, _s, der) => loadEuiccPackage(ctx, der), // SGP.32 §5.9.1; parsed at TLV level (package-verifier.ts)
  bf58: (ctx, _s, der) => profileRollback(ctx, decode(S.ProfileRollbackRequest, der)),
  bf2d: (ctx, _s, der) => S.ProfileInfoListResponse.encode(listProfileInfo(ctx.state, decode(R.ProfileInfoListRequest, der))),
  bf2b: (ctx, _s, der) => retrieveNotificationsList(ctx, decode(S.RetrieveNotificationsListRequest, der)),
  bf28: (ctx, _s, der) => listNotification(ctx, decode(R.ListNotificationRequest, der)),
  bf30: (ctx, _s, der) => removeNotificationFromList(ctx, decode(R.NotificationSentRequest, der)),
  bf64: (ctx, _s, der) => S.EuiccMemoryResetResponse.encode(euiccMemoryReset(ctx, decode(S.EuiccMemoryResetRequest, der))),
  bf59: (ctx, _s, der) => configureImmediateProfileEnabling(ctx, decode(S.ConfigureImmediateProfileEnablingRequest, der)),
  bf5d: (ctx, _s, der) => executeFallbackMechanism(ctx, decode(S.ExecuteFallbackMechanismRequest, der)),
  bf5e: (ctx, _s, der) => returnFromFallback(ctx, decode(S.ReturnFromFallbackRequest, der)),
  bf65: (ctx, _s, der) => setDefaultDpAddress(ctx, decode(S.SetDefaultDpAddressRequest, der)),
  bf2e: (_ctx, session, der) => (decode(R.GetEuiccChallengeRequest, der), getEuiccChallenge(session)),
  bf38: (ctx, session, der) => authenticateServer(ctx, session, decode(R.AuthenticateServerRequest, der), der),
  bf21: (ctx, session, der) => prepareDownload(ctx, session, decode(R.PrepareDownloadRequest, der), der),
  bf36: (ctx, session, der) => bppPart(ctx, session, der, true), // checked part by part (bpp-loader.ts)
  a0: (ctx, session, der) => bppPart(ctx, session, der, false),
  a1: (ctx, session, der) => bppPart(ctx, session, der, false),
  a2: (ctx, session, der) => bppPart(ctx, session, der, false),
  a3: (ctx, session, der) => bppPart(ctx, session, der, false),
  '86': (ctx, session, der) => bppPart(ctx, session, der, false),
  '87': (ctx, session, der) => bppPart(ctx, session, der, false),
  '88': (ctx, session, der) => bppPart(ctx, session, der, false),
  bf41: (ctx, session, der) => cancelSession(ctx, session, decode(R.CancelSessionRequest, der)),
};

/** Total size of the BF36 TLV whose header starts `buf` (the header may arrive before the content). */
function bf36Size(buf: Uint8Array): number {
  const first = buf[2];
  if (first === undefined) throw new Es10CommandError('BF36 without a length');
  if (first < 0x80) return 3 + first;
  const n = first & 0x7f;
  if (n === 0 || n > 3 || buf.length < 3 + n) throw new Es10CommandError('BF36 with an unusable length');
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + buf[3 + i]!;
  return 3 + n + len;
}

/**
 * ES10b.LoadBoundProfilePackage arrives whole or, as LPAs/IPAs send it (SGP.22 v2.5 §2.5.5), in parts: the
 * BF36 header with BF23, then each sequence header (A0…A3) and each 86/87/88 segment as its own command.
 * Parts are collected until the BF36 is complete; the parts before the last get an empty response.
 * Interpretation: the package is checked once complete, so a failure is reported on the last part.
 */
function bppPart(ctx: CardContext, session: DownloadSession, der: Uint8Array, first: boolean): Uint8Array | Promise<Uint8Array> {
  if (first) session.bppParts = [];
  else if (!session.bppParts) throw new Es10CommandError(`no LoadBoundProfilePackage in progress for a ${outerTag(der)} part`);
  session.bppParts!.push(der.slice());
  const buf = concatBytes(...session.bppParts!);
  const size = bf36Size(buf);
  if (buf.length < size) return new Uint8Array(0);
  delete session.bppParts;
  if (buf.length > size) throw new Es10CommandError('bytes beyond the end of the BoundProfilePackage');
  return loadBoundProfilePackage(ctx, session, buf);
}

export function outerTag(der: Uint8Array): string {
  if (der.length < 2) throw new Es10CommandError('command shorter than a TLV header');
  return toHex(der.subarray(0, (der[0]! & 0x1f) === 0x1f ? 2 : 1));
}

export async function dispatch(ctx: CardContext, session: DownloadSession, der: Uint8Array): Promise<Uint8Array> {
  const handler = HANDLERS[outerTag(der)];
  if (!handler) throw new Es10CommandError(`no ES10 function has the tag ${outerTag(der)}`);
  return handler(ctx, session, der);
}
