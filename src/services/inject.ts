// Inject mode (SGP.32 v1.2 §6.3.3.1 TransferEimPackage; checklist §5.4): for an IPA that listens for
// packages (ipaInjectHttps) at a known address, the eIM pushes each package instead of waiting for a poll.
// The package is taken exactly as a poll would take it (same claim, same bytes, same re-delivery rule);
// what the IPA answers in the response is handled as a ProvideEimPackageResult, and the resulting
// acknowledgements are pushed back (TransferEimPackageRequest eimAcknowledgements). A push that fails
// leaves the package where it was: the device can still fetch it in retrieve mode.
import { SGP32Definitions as S } from '../asn1/index.ts';
import { eidToBytes } from '../domain/identifiers.ts';
import type { ServiceDeps } from './deps.ts';
import { getEimPackage } from './get-eim-package.ts';
import type { PollBook } from './poll-book.ts';
import { provideEimPackageResult } from './provide-eim-package-result.ts';

/** The eIM's TransferEimPackage client (src/clients implements it over HTTPS, ASN.1 binding). */
export interface InjectClient {
  /** POSTs a TransferEimPackageRequest; resolves with the TransferEimPackageResponse DER, or why there is none. */
  transfer(url: string, request: Uint8Array): Promise<{ response: Uint8Array } | { failure: string }>;
}

/** At most this many packages are pushed in one go before yielding to other devices. */
const MAX_PUSHES = 16;

export class Injector {
  private readonly running = new Map<number, Promise<void>>();
  private readonly again = new Set<number>();

  constructor(
    private readonly deps: ServiceDeps,
    private readonly book: PollBook,
    private readonly client: InjectClient,
  ) {}

  /** Pushes what is pending for this eUICC, in the background; calls while a push runs are coalesced. */
  kick(euiccId: number): void {
    if (this.running.has(euiccId)) {
      this.again.add(euiccId);
      return;
    }
    const run = this.push(euiccId)
      .catch((e: unknown) => this.deps.log.error('inject push failed', { euiccId, error: String(e) }))
      .finally(() => {
        this.running.delete(euiccId);
        if (this.again.delete(euiccId)) this.kick(euiccId);
      });
    this.running.set(euiccId, run);
  }

  /** Resolves when no push is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.all(this.running.values());
  }

  private async push(euiccId: number): Promise<void> {
    const euicc = await this.deps.store.findEuiccById(euiccId);
    if (!euicc?.injectUrl) return;
    const eidValue = eidToBytes(euicc.eid);
    for (let i = 0; i < MAX_PUSHES; i++) {
      const pkg = await getEimPackage(this.deps, this.book, { eidValue });
      if ('eimPackageError' in pkg) return;
      const request = S.TransferEimPackageRequest.encode(pkg as S.TransferEimPackageRequest);
      const sent = await this.client.transfer(euicc.injectUrl, request);
      if ('failure' in sent) {
        this.deps.log.warn('inject: the IPA could not be reached; the package waits for a poll', { eid: euicc.eid, reason: sent.failure });
        return;
      }
      let answer: S.TransferEimPackageResponse;
      try {
        answer = S.TransferEimPackageResponse.decode(sent.response);
      } catch (e) {
        this.deps.log.warn('inject: the IPA answered something that is not a TransferEimPackageResponse', { eid: euicc.eid, error: String(e) });
        return;
      }
      const result = resultOf(answer, pkg);
      // eimPackageReceived (or a v1.3 "WithCid" answer): the result follows later through ProvideEimPackageResult.
      if (!result) return;
      const ack = await provideEimPackageResult(this.deps, this.book, { eidValue, eimPackageResult: result });
      if ('eimAcknowledgements' in ack && ack.eimAcknowledgements.length) {
        await this.client.transfer(euicc.injectUrl, S.TransferEimPackageRequest.encode({ eimAcknowledgements: ack.eimAcknowledgements }));
      }
    }
    this.kick(euiccId); // more to push: continue after other devices had their turn
  }
}

/** The EimPackageResult a TransferEimPackageResponse carries, when it carries one. */
function resultOf(answer: S.TransferEimPackageResponse, pkg: S.GetEimPackageResponse): S.EimPackageResult | undefined {
  if ('euiccPackageResult' in answer) return { euiccPackageResult: answer.euiccPackageResult };
  if ('ePRAndNotifications' in answer) return { ePRAndNotifications: answer.ePRAndNotifications };
  if ('ipaEuiccDataResponse' in answer) return { ipaEuiccDataResponse: answer.ipaEuiccDataResponse };
  if ('eimPackageError' in answer) {
    // The IPA refused the package (1 invalidPackageFormat, 2 unknownPackage, 127): as EimPackageResultResponseError.
    return { eimPackageResultResponseError: { ...(transactionIdOf(pkg) ? { eimTransactionId: transactionIdOf(pkg)! } : {}), eimPackageResultErrorCode: Number(answer.eimPackageError) } } as S.EimPackageResult;
  }
  return undefined;
}

function transactionIdOf(pkg: S.GetEimPackageResponse): Uint8Array | undefined {
  const der = S.GetEimPackageResponse.encode(pkg);
  const decoded = S.GetEimPackageResponse.decode(der);
  if ('euiccPackageRequest' in decoded) return decoded.euiccPackageRequest.euiccPackageSigned.eimTransactionId;
  if ('ipaEuiccDataRequest' in decoded) return decoded.ipaEuiccDataRequest.eimTransactionId;
  if ('profileDownloadTriggerRequest' in decoded) return decoded.profileDownloadTriggerRequest.eimTransactionId;
  return undefined;
}
