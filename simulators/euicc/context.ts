// What every ES10 handler of the virtual eUICC works on: the persistent state, the card's credentials
// and a clock. Passed explicitly (no globals), one per VirtualEuicc.

import { fromHex } from '../../src/lib/bytes.ts';
import type { Credentials } from './credentials.ts';
import type { EuiccState } from './state.ts';

export class CardContext {
  /** Set by any handler that changes persistent state; the card saves and clears it after the command. */
  dirty = false;

  constructor(
    readonly state: EuiccState,
    readonly credentials: Credentials,
    readonly now: () => Date = () => new Date(),
  ) {}

  get eid(): Uint8Array {
    return fromHex(this.state.eid);
  }

  /** The next seqNumber for a notification or a stored package result (one space, see state.ts). */
  nextSeqNumber(): number {
    this.dirty = true;
    return this.state.nextSeqNumber++;
  }

  changed(): void {
    this.dirty = true;
  }
}

/** An ASN.1 INTEGER as decoded (number, or bigint beyond 2^53) as a number; NaN when it does not fit. */
export function intValue(v: number | bigint): number {
  if (typeof v === 'number') return v;
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : Number.NaN;
}
