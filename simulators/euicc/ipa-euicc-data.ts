// The eUICC's share of an IpaEuiccDataResponse (SGP.32 v1.2 §2.11.1.2 / §2.11.2.2; checklist §2.5): what an
// IPA reads from the card to answer an eIM's IpaEuiccDataRequest. ipaCapabilities and deviceInfo are the
// IPA's own data; the caller passes them when it wants them in the answer.

import { type RSPDefinitions as R, SGP32Definitions as S } from '../../src/asn1/index.ts';
import { fromHex } from '../../src/lib/bytes.ts';
import type { CardContext } from './context.ts';
import { findEim, storedToken } from './eim-config.ts';
import { certificateValue, euiccInfo1, euiccInfo2 } from './euicc-info.ts';
import { selectNotifications, selectPackageResults } from './notifications.ts';
import { parseTagList } from './profiles.ts';

export interface IpaEuiccDataOptions {
  /** The eIM asking (for associationToken); default: the only associated eIM, if there is exactly one. */
  eimId?: string;
  ipaCapabilities?: S.IpaCapabilities;
  deviceInfo?: R.DeviceInfo;
}

/** The tags an IpaEuiccDataRequest tagList may name (IpaEuiccData members, SGP.32 v1.2 §2.11.2.2). */
const TAG_FIELDS: Record<number, keyof S.IpaEuiccData> = {
  0xa0: 'notificationsList', 0x81: 'defaultSmdpAddress', 0xa2: 'euiccPackageResultList', 0xbf20: 'euiccInfo1', 0xbf22: 'euiccInfo2',
  0x83: 'rootSmdsAddress', 0x84: 'associationToken', 0xa5: 'eumCertificate', 0xa6: 'euiccCertificate', 0xa8: 'ipaCapabilities', 0xa9: 'deviceInfo',
};

function errorResponse(request: S.IpaEuiccDataRequest, code: number): S.IpaEuiccDataResponse {
  return { ipaEuiccDataResponseError: { ...(request.eimTransactionId ? { eimTransactionId: request.eimTransactionId } : {}), ipaEuiccDataErrorCode: code } };
}

function associationToken(ctx: CardContext, eimId: string | undefined): number | undefined {
  const record = eimId !== undefined ? findEim(ctx, eimId) : ctx.state.eims.length === 1 ? ctx.state.eims[0] : undefined;
  return record ? storedToken(record) : undefined;
}

export function ipaEuiccData(ctx: CardContext, request: S.IpaEuiccDataRequest, options: IpaEuiccDataOptions = {}): S.IpaEuiccDataResponse {
  const tags = parseTagList(request.tagList);
  // Only IpaEuiccData member tags are valid (checklist §2.5: production IPAs answer 5A or BF2D with incorrectTagList).
  if (!tags || tags.length === 0 || tags.some((t) => !(t in TAG_FIELDS))) return errorResponse(request, 1);
  const cred = ctx.credentials.byCiPkId(request.euiccCiPKIdentifierToBeUsed);
  if (!cred) return errorResponse(request, 5); // euiccCiPKIdNotFound
  const wanted = new Set(tags.map((t) => TAG_FIELDS[t]!));
  const s = ctx.state;
  const data: S.IpaEuiccData = {};
  if (wanted.has('notificationsList')) {
    data.notificationsList = selectNotifications(ctx, request.searchCriteriaNotification).map((n) => S.PendingNotification.decode(fromHex(n.der)));
  }
  if (wanted.has('defaultSmdpAddress') && s.defaultSmdpAddress) data.defaultSmdpAddress = s.defaultSmdpAddress;
  if (wanted.has('euiccPackageResultList')) {
    data.euiccPackageResultList = selectPackageResults(ctx, request.searchCriteriaEuiccPackageResult?.seqNumber).map((d) => S.EuiccPackageResult.decode(d));
  }
  if (wanted.has('euiccInfo1')) data.euiccInfo1 = euiccInfo1(ctx);
  if (wanted.has('euiccInfo2')) data.euiccInfo2 = euiccInfo2(ctx);
  if (wanted.has('rootSmdsAddress')) data.rootSmdsAddress = s.rootSmdsAddress;
  const token = associationToken(ctx, options.eimId);
  if (wanted.has('associationToken') && token !== undefined) data.associationToken = token;
  if (wanted.has('eumCertificate')) data.eumCertificate = certificateValue(cred.eum.der);
  if (wanted.has('euiccCertificate')) data.euiccCertificate = certificateValue(cred.euicc.der);
  if (request.eimTransactionId) data.eimTransactionId = request.eimTransactionId;
  if (wanted.has('ipaCapabilities') && options.ipaCapabilities) data.ipaCapabilities = options.ipaCapabilities;
  if (wanted.has('deviceInfo') && options.deviceInfo) data.deviceInfo = options.deviceInfo;
  return { ipaEuiccData: data };
}
