// Activation-code pools (issue 6 §2, the batch flow): single-use activation codes imported from an
// operator's file, handed to devices of a group one at a time, and followed through their life.
//
//   available ──reserve──▶ reserved ──package delivered──▶ downloading ──order done──▶ installed ──▶ retired
//       │  ▲                 │  │                              │                        (unassign, operator)
//       │  └──released───────┘  └──order failed──▶ failed ◀────┘ order failed / expired after delivery
//       │  (unassigned, or the order expired / was cancelled     │
//       │   before the device took it)                           ├─released (operator: re-released at the SM-DP+)
//       └──retired (operator)                                    └─retired (operator)
//
// A failed download leaves the code `failed`, not `available`: once a device has taken the code to the
// SM-DP+, the eIM cannot know whether the SM-DP+ consumed the matching ID (SGP.22 v2.5 §3.1.5: after a
// failed download the profile is typically in state Error until the operator re-releases it through ES2+),
// so only the operator may put it back (release) or take it out (retire).
import { DomainError } from './errors.ts';

export type CodeState = 'available' | 'reserved' | 'downloading' | 'installed' | 'failed' | 'retired';
export const CODE_STATES: readonly CodeState[] = ['available', 'reserved', 'downloading', 'installed', 'failed', 'retired'];

/** States in which a code stands for a device: the device is served by the pool and gets no other code. */
export const HELD_STATES: readonly CodeState[] = ['reserved', 'downloading', 'installed', 'failed'];

const TRANSITIONS: Record<CodeState, readonly CodeState[]> = {
  available: ['reserved', 'retired'],
  reserved: ['downloading', 'installed', 'failed', 'available'],
  downloading: ['installed', 'failed', 'retired'],
  installed: ['retired'],
  failed: ['available', 'retired'],
  retired: [],
};

export function canMove(from: CodeState, to: CodeState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws ERR_CONFLICT when the state machine does not allow the change. */
export function checkMove(from: CodeState, to: CodeState, codeId: number): void {
  if (!canMove(from, to)) throw new DomainError('ERR_CONFLICT', `activation code ${codeId} is ${from} and cannot become ${to}`, 'state', { from, to });
}

/** The event each change records: code.reserved, code.downloading, code.installed, code.failed, code.released, code.retired. */
export function codeEventType(to: CodeState): string {
  return to === 'available' ? 'code.released' : `code.${to}`;
}

export interface PoolRecord {
  id: string;
  tenantId: string;
  name: string;
  createdAt: Date;
}

export interface ActivationCodeRecord {
  id: number;
  poolId: string;
  tenantId: string;
  iccid: string | null;
  smdpAddress: string;
  matchingId: string;
  confirmationCode: string | null;
  operator: string | null;
  ratePlan: string | null;
  country: string | null;
  state: CodeState;
  /** The device holding the code (reserved and later). */
  euiccId: number | null;
  /** The latest order acting on the code's profile: the download, then the enable or the disable/delete. */
  orderId: string | null;
  createdAt: Date;
}

export type NewActivationCode = Pick<ActivationCodeRecord, 'poolId' | 'tenantId' | 'iccid' | 'smdpAddress' | 'matchingId' | 'confirmationCode' | 'operator' | 'ratePlan' | 'country'>;

export interface PoolAssignmentRecord {
  id: string;
  tenantId: string;
  poolId: string;
  groupId: string;
  enableAfterInstall: boolean;
  status: 'active' | 'removed';
  createdAt: Date;
  removedAt: Date | null;
}

/**
 * SGP.22 v2.5 §4.1: "1$<SM-DP+ address>$<AC_Token>[$<SM-DP+ OID>[$<Confirmation Code Required Flag>]]".
 * A code imported with a confirmation code carries the flag "1"; the confirmation code itself never
 * travels in the activation code (the IPA supplies it at download).
 */
export function activationCodeOf(code: Pick<ActivationCodeRecord, 'smdpAddress' | 'matchingId' | 'confirmationCode'>): string {
  return code.confirmationCode ? `1$${code.smdpAddress}$${code.matchingId}$$1` : `1$${code.smdpAddress}$${code.matchingId}`;
}

/** The SM-DP+ address and matching ID of an activation code string (optionally with the "LPA:" prefix). */
export function splitActivationCode(text: string): { smdpAddress: string; matchingId: string; oid?: string; ccRequired: boolean } | undefined {
  const m = /^(?:LPA:)?1\$([^$]*)\$([^$]*)(?:\$([^$]*)(?:\$([^$]*))?)?$/.exec(text);
  if (!m) return undefined;
  return { smdpAddress: m[1]!, matchingId: m[2]!, ...(m[3] ? { oid: m[3] } : {}), ccRequired: m[4] === '1' };
}
