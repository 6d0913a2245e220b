// What the SM-DP+ simulator records for assertions (handle.recorded / handle.events).

import type { StatusCodeData } from '../common/rsp-error.ts';

export type SmdppEvent =
  | { type: 'call'; function: string; path: string }
  | { type: 'rejected'; function: string; error: string; status: StatusCodeData }
  | { type: 'initiated'; transactionId: string; curve: string }
  | { type: 'authenticated'; transactionId: string; eid: string; matchingId: string; ccRequired: boolean }
  | { type: 'bppDelivered'; transactionId: string; eid: string; matchingId: string; bytes: number }
  | {
      type: 'notification';
      kind: 'profileInstallationResult' | 'otherSignedNotification';
      /** True only when the eUICC signature verified with a certificate that chains to a configured CI. */
      verified: boolean;
      /** Why it did not verify, or what else is wrong (unknown session, other smdpOid). */
      problems: string[];
      seqNumber: number;
      operation: string[];
      transactionId?: string;
      eid?: string;
      matchingId?: string;
      iccid?: string;
      /** PIR only: the finalResult alternative. */
      finalResult?: 'success' | 'error';
      errorReason?: number;
    }
  | { type: 'cancelled'; transactionId: string; reason?: number; verified: boolean; matchingId?: string }
  | { type: 'smdsEvent'; action: 'register' | 'delete'; eventId: string; eid: string; ok: boolean; detail?: string };
