// Use case: ESipa HandleNotification (SGP.32 v1.2 §6.1.x). A pending notification is stored (and later
// forwarded to its notificationAddress); a ProvideEimPackageResult sent on this path is handled as one.
import { SGP32Definitions as S } from '../asn1/index.ts';
import { parseCertificate } from '../crypto/certificate.ts';
import { eidFromBytes } from '../domain/identifiers.ts';
import type { Euicc } from '../domain/records.ts';
import type { ServiceDeps } from './deps.ts';
import { takeNotification } from './notifications.ts';
import type { PollBook } from './poll-book.ts';
import { provideEimPackageResult } from './provide-eim-package-result.ts';
import { certificateDer } from './notifications.ts';

/** The eUICC a notification comes from, when it says: an EID field, or the EID in the eUICC certificate it carries. */
async function senderOf(deps: ServiceDeps, n: S.PendingNotification): Promise<Euicc | undefined> {
  let eid: string | undefined;
  if ('compactOtherSignedNotification' in n && n.compactOtherSignedNotification.eidValue) eid = eidFromBytes(n.compactOtherSignedNotification.eidValue);
  if ('otherSignedNotification' in n) {
    try {
      eid = parseCertificate(certificateDer(n.otherSignedNotification.euiccCertificate)).subjectSerialNumber;
    } catch {
      eid = undefined;
    }
  }
  return eid ? deps.store.findEuiccByEid(eid) : undefined;
}

export async function handleNotification(deps: ServiceDeps, book: PollBook, request: S.HandleNotificationEsipa): Promise<void> {
  if ('provideEimPackageResult' in request) {
    await provideEimPackageResult(deps, book, request.provideEimPackageResult);
    return;
  }
  const n = request.pendingNotification;
  const euicc = await senderOf(deps, n);
  await takeNotification(deps, euicc, n);
}
