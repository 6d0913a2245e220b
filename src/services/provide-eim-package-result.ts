// Use case: ESipa ProvideEimPackageResult (SGP.32 v1.2 §6.1.x). The IPA returns what a package produced:
// a package result (with pending notifications), IPA/eUICC data, a direct download's result, or its own
// error. Everything stored is acknowledged (eimAcknowledgements), otherwise the answer is emptyResponse.
import { SGP32Definitions as S } from '../asn1/index.ts';
import { eidFromBytes } from '../domain/identifiers.ts';
import type { EimPackage, Euicc } from '../domain/records.ts';
import { toHex } from '../lib/bytes.ts';
import type { ServiceDeps } from './deps.ts';
import { emit, updateOrder } from './events.ts';
import { checkEuiccCertificate, euiccKeyPatch } from './euicc-keys.ts';
import { certificateDer, takeNotification, type NotificationIntake } from './notifications.ts';
import { applyInventory, takePackageResult } from './package-results.ts';
import type { PollBook } from './poll-book.ts';

const ProvideError = { eidNotFound: 2, invalidEid: 3, missingEid: 4, undefinedError: 127 } as const;
const IPA_DATA_ERRORS: Record<number, string> = { 1: 'incorrectTagList', 5: 'euiccCiPKIdNotFound', 104: 'ecallActive', 127: 'undefinedError' };
const PACKAGE_RESULT_ERRORS: Record<number, string> = { 1: 'invalidPackageFormat', 2: 'unknownPackage', 127: 'undefinedError' };

function transactionIdOf(r: S.EimPackageResult): Uint8Array | undefined {
  if ('euiccPackageResult' in r) return innerTxid(r.euiccPackageResult);
  if ('ePRAndNotifications' in r) return innerTxid(r.ePRAndNotifications.euiccPackageResult);
  if ('ipaEuiccDataResponse' in r) {
    const d = r.ipaEuiccDataResponse;
    return 'ipaEuiccData' in d ? d.ipaEuiccData.eimTransactionId : d.ipaEuiccDataResponseError.eimTransactionId;
  }
  if ('profileDownloadTriggerResult' in r) return r.profileDownloadTriggerResult.eimTransactionId;
  return r.eimPackageResultResponseError.eimTransactionId;
}

function innerTxid(r: S.EuiccPackageResult): Uint8Array | undefined {
  if ('euiccPackageResultSigned' in r) return r.euiccPackageResultSigned.euiccPackageResultDataSigned.eimTransactionId;
  if ('euiccPackageErrorSigned' in r) return r.euiccPackageErrorSigned.euiccPackageErrorDataSigned.eimTransactionId;
  return r.euiccPackageErrorUnsigned.eimTransactionId;
}

export async function provideEimPackageResult(deps: ServiceDeps, book: PollBook, request: S.ProvideEimPackageResult): Promise<S.ProvideEimPackageResultResponse> {
  let euicc: Euicc | undefined;
  if (request.eidValue) {
    const eid = eidFromBytes(request.eidValue);
    if (!eid) return { provideEimPackageResultError: ProvideError.invalidEid };
    euicc = await deps.store.findEuiccByEid(eid);
    if (!euicc) return { provideEimPackageResultError: ProvideError.eidNotFound };
  } else {
    // SGP.32 v1.2 (CR12014): eidValue may be left out; the eimTransactionId then names the eUICC.
    const txid = transactionIdOf(request.eimPackageResult);
    const pkg = txid ? await deps.store.findPackageByTransactionId(txid) : undefined;
    euicc = pkg ? await deps.store.findEuiccById(pkg.euiccId) : undefined;
    if (!euicc) return { provideEimPackageResultError: ProvideError.missingEid };
  }
  book.seen(book.remember(euicc), deps.now());
  const acks: number[] = [];
  const r = request.eimPackageResult;
  if ('euiccPackageResult' in r) acks.push(...(await takePackageResult(deps, euicc, r.euiccPackageResult)));
  else if ('ePRAndNotifications' in r) {
    acks.push(...(await takePackageResult(deps, euicc, r.ePRAndNotifications.euiccPackageResult)));
    for (const n of r.ePRAndNotifications.notificationList) acks.push(...(await notification(deps, euicc, n)));
  } else if ('ipaEuiccDataResponse' in r) acks.push(...(await takeIpaEuiccData(deps, euicc, r.ipaEuiccDataResponse)));
  else if ('profileDownloadTriggerResult' in r) await takeDownloadResult(deps, euicc, r.profileDownloadTriggerResult);
  else await takeIpaError(deps, euicc, r.eimPackageResultResponseError);
  const unique = [...new Set(acks)];
  return unique.length ? { eimAcknowledgements: unique } : { emptyResponse: {} };
}

async function notification(deps: ServiceDeps, euicc: Euicc, n: S.PendingNotification): Promise<number[]> {
  const intake = await takeNotification(deps, euicc, n);
  if (intake.installation) await installationDone(deps, euicc, intake, undefined);
  return intake.ack !== undefined ? [intake.ack] : [];
}

async function openPackage(deps: ServiceDeps, euicc: Euicc, txid: Uint8Array | undefined, kind: EimPackage['kind']): Promise<EimPackage | undefined> {
  if (!txid) return undefined;
  const pkg = await deps.store.findPackageByTransactionId(txid);
  if (!pkg || pkg.euiccId !== euicc.id || pkg.kind !== kind) return undefined;
  return pkg;
}

async function finish(deps: ServiceDeps, pkg: EimPackage, ok: boolean, outcome: unknown, error: { code: string; message: string; details?: unknown } | null): Promise<void> {
  if (pkg.status === 'answered') return;
  const now = deps.now();
  await deps.store.transaction(async (tx) => {
    await tx.updatePackage(pkg.id, { status: 'answered', answeredAt: now });
    await updateOrder(tx, pkg.orderId, { status: ok ? 'done' : 'failed', completedAt: now, outcome, error });
  });
}

/** SGP.32 v1.2 §2.11.2.2 IpaEuiccDataResponse. Certificates are kept only when their chain validates. */
async function takeIpaEuiccData(deps: ServiceDeps, euicc: Euicc, response: S.IpaEuiccDataResponse): Promise<number[]> {
  if ('ipaEuiccDataResponseError' in response) {
    const e = response.ipaEuiccDataResponseError;
    const pkg = await openPackage(deps, euicc, e.eimTransactionId, 'ipaEuiccDataRequest');
    const code = Number(e.ipaEuiccDataErrorCode);
    if (pkg) await finish(deps, pkg, false, null, { code: 'ERR_IPA_EUICC_DATA', message: `the IPA answered ${IPA_DATA_ERRORS[code] ?? 'code'} (${code})`, details: { ipaEuiccDataErrorCode: code, name: IPA_DATA_ERRORS[code] } });
    return [];
  }
  const data = response.ipaEuiccData;
  const acks: number[] = [];
  const outcome: Record<string, unknown> = {};
  if (data.euiccCertificate) {
    const euiccCert = certificateDer(data.euiccCertificate);
    const eumCert = data.eumCertificate ? certificateDer(data.eumCertificate) : euicc.eumCertificate;
    const check = await checkEuiccCertificate(deps, euicc.eid, euiccCert, eumCert);
    if (check.ok) {
      const tenantId = euicc.tenantId;
      const eid = euicc.eid;
      const learned = { euiccCertificate: euiccCert, eumCertificate: eumCert, ...euiccKeyPatch(deps, euiccCert, eumCert, check.publicKey) };
      await deps.store.transaction(async (tx) => {
        await tx.updateEuicc(euicc!.id, learned);
        await emit(tx, tenantId, 'euicc.certificatesLearned', { type: 'euicc', id: eid }, { eid });
      });
      euicc = { ...euicc, ...learned };
      outcome.certificates = 'accepted';
    } else {
      deps.log.warn('eUICC certificate from IpaEuiccData rejected', { eid: euicc.eid, code: check.code });
      outcome.certificates = { rejected: check.code, message: check.message };
    }
  }
  if (data.ipaCapabilities) {
    const caps = S.IpaCapabilities.toJson(data.ipaCapabilities);
    await deps.store.updateEuicc(euicc.id, { ipaCapabilities: caps });
    outcome.ipaCapabilities = caps;
  }
  if (data.euiccInfo1) outcome.euiccInfo1 = S.IpaEuiccData.toJson({ euiccInfo1: data.euiccInfo1 });
  if (data.euiccInfo2) outcome.euiccInfo2 = S.EUICCInfo2.toJson(data.euiccInfo2);
  if (data.defaultSmdpAddress !== undefined) outcome.defaultSmdpAddress = data.defaultSmdpAddress;
  if (data.rootSmdsAddress !== undefined) outcome.rootSmdsAddress = data.rootSmdsAddress;
  if (data.deviceInfo) outcome.deviceInfo = S.IpaEuiccData.toJson({ deviceInfo: data.deviceInfo });
  for (const n of data.notificationsList ?? []) acks.push(...(await notification(deps, euicc, n)));
  // Stored results recovered from the eUICC (search criteria A2) are applied as if they had just arrived.
  for (const epr of data.euiccPackageResultList ?? []) acks.push(...(await takePackageResult(deps, (await deps.store.findEuiccById(euicc.id))!, epr)));
  if (data.notificationsList) outcome.notifications = data.notificationsList.length;
  if (data.euiccPackageResultList) outcome.euiccPackageResults = data.euiccPackageResultList.length;
  const pkg = await openPackage(deps, euicc, data.eimTransactionId, 'ipaEuiccDataRequest');
  if (pkg) await finish(deps, pkg, true, outcome, null);
  return acks;
}

/** SGP.32 v1.2 §2.11.2.3 ProfileDownloadTriggerResult, after a direct download by the IPA. */
async function takeDownloadResult(deps: ServiceDeps, euicc: Euicc, result: S.ProfileDownloadTriggerResult): Promise<void> {
  const pkg = await openPackage(deps, euicc, result.eimTransactionId, 'profileDownloadTriggerRequest');
  const d = result.profileDownloadTriggerResultData;
  if ('profileDownloadError' in d) {
    const reason = Number(d.profileDownloadError.profileDownloadErrorReason);
    if (pkg) {
      await finish(deps, pkg, false, null, {
        code: 'ERR_DOWNLOAD',
        message: `the IPA could not download the profile: ${reason === 104 ? 'ecallActive' : 'undefinedError'} (${reason})`,
        details: { profileDownloadErrorReason: reason, ...(d.profileDownloadError.errorResponse ? { errorResponse: toHex(d.profileDownloadError.errorResponse) } : {}) },
      });
    }
    return;
  }
  const intake = await takeNotification(deps, euicc, { profileInstallationResult: d.profileInstallationResult });
  await installationDone(deps, euicc, intake, pkg);
}

/** A ProfileInstallationResult completes its download order and adds the profile to the inventory. */
async function installationDone(deps: ServiceDeps, euicc: Euicc, intake: NotificationIntake, pkg: EimPackage | undefined): Promise<void> {
  const inst = intake.installation!;
  if (!intake.record.verified && euicc.verificationPolicy === 'enforce') {
    deps.log.warn('ProfileInstallationResult not verified: inventory and order left unchanged', { eid: euicc.eid });
    return;
  }
  if (inst.success && inst.iccid) {
    await deps.store.transaction((tx) =>
      applyInventory(tx, euicc.id, [{ kind: 'upsert', profiles: [{ iccid: inst.iccid!, isdpAid: inst.aid ?? null, state: 'disabled', profileClass: null, profileName: null, serviceProviderName: null, nickname: null, fallbackAttribute: false }] }]),
    );
  }
  if (pkg) {
    await finish(
      deps,
      pkg,
      inst.success,
      { iccid: inst.iccid, isdpAid: inst.aid, smdpTransactionId: toHex(inst.transactionId) },
      inst.success ? null : { code: 'ERR_INSTALLATION', message: `the profile was not installed (bppCommandId ${inst.error!.bppCommandId}, errorReason ${inst.error!.errorReason})`, details: inst.error },
    );
  }
}

/** SGP.32 v1.2 EimPackageResultResponseError: the IPA could not handle the package. */
async function takeIpaError(deps: ServiceDeps, euicc: Euicc, e: S.EimPackageResultResponseError): Promise<void> {
  const code = Number(e.eimPackageResultErrorCode);
  const pkg = e.eimTransactionId ? await deps.store.findPackageByTransactionId(e.eimTransactionId) : undefined;
  if (!pkg || pkg.euiccId !== euicc.id) return;
  await finish(deps, pkg, false, null, { code: 'ERR_IPA_PACKAGE_ERROR', message: `the IPA answered ${PACKAGE_RESULT_ERRORS[code] ?? 'code'} (${code})`, details: { eimPackageResultErrorCode: code, name: PACKAGE_RESULT_ERRORS[code] } });
}

