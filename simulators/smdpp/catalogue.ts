// The SM-DP+ simulator's profile catalogue: download orders keyed by matchingId (the Activation Code
// token, SGP.22 v2.5 §4.1), each with the profile package (UPP bytes), the metadata sent as
// StoreMetadataRequest, and the order's rules: single use or reusable, an optional Confirmation Code,
// an optional EID binding, an optional expiry (SGP.22 v2.5 §3.1.1 download order, ES2+ DownloadOrder).

import { randomBytes } from '../../src/crypto/engine.ts';
import { fromHex } from '../../src/lib/bytes.ts';

export type ProfileClass = 'test' | 'provisioning' | 'operational';

export interface ProfileInput {
  matchingId: string;
  /** The Unprotected Profile Package (a stream of profile element TLVs). */
  profile: Uint8Array;
  /** ICCID digits (18-20); default: a fresh test ICCID. */
  iccid?: string;
  serviceProviderName?: string;
  profileName?: string;
  profileClass?: ProfileClass;
  /** Default false: the matchingId can be downloaded once. */
  reusable?: boolean;
  /** When set, the eUICC must send hashCc (SGP.22 v2.5 §2.5.x Confirmation Code). */
  confirmationCode?: string;
  /** Wrong Confirmation Codes accepted before confirmationCodeRetriesExceeded (default 3). */
  confirmationCodeRetries?: number;
  /** Only this eUICC may download it (32-digit EID). */
  eid?: string;
  /** The order is refused after this instant. */
  expiresAt?: Date;
  /** Register an ES12 event for the EID at the configured SM-DS (needs `eid`). */
  registerSmdsEvent?: boolean;
}

export type OrderState = 'released' | 'downloaded' | 'installed' | 'failed';

export interface CatalogueEntry extends Readonly<Omit<ProfileInput, 'iccid'>> {
  readonly iccid: string;
  state: OrderState;
  /** BPPs delivered for this order. */
  downloads: number;
  /** Wrong Confirmation Codes received so far. */
  confirmationCodeFailures: number;
}

/** EF.ICCID layout (ITU-T E.118 digits, nibble-swapped BCD, 'F'-padded to 10 bytes) as in StoreMetadata 5A. */
export function iccidBytes(digits: string): Uint8Array {
  if (!/^\d{18,20}$/.test(digits)) throw new TypeError(`ICCID must be 18..20 digits, not ${digits}`);
  const padded = digits.padEnd(20, 'F');
  let swapped = '';
  for (let i = 0; i < 20; i += 2) swapped += padded[i + 1]! + padded[i]!;
  return fromHex(swapped);
}

function luhnDigit(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

/** A fresh 19-digit test ICCID (89 = telecom, 999 = test country code) with its Luhn check digit. */
export function testIccid(): string {
  const body = `89999${Array.from(randomBytes(13), (b) => String(b % 10)).join('')}`;
  return body + luhnDigit(body);
}

export class Catalogue {
  readonly #entries = new Map<string, CatalogueEntry>();

  add(input: ProfileInput): CatalogueEntry {
    if (!input.matchingId || input.matchingId.length > 255) throw new TypeError('matchingId must be 1..255 characters');
    if (this.#entries.has(input.matchingId)) throw new TypeError(`matchingId ${input.matchingId} is already in the catalogue`);
    if (!(input.profile instanceof Uint8Array) || input.profile.length === 0) throw new TypeError('profile must be non-empty bytes');
    if (input.eid !== undefined && !/^\d{32}$/.test(input.eid)) throw new TypeError('eid must be 32 digits');
    if (input.registerSmdsEvent && !input.eid) throw new TypeError('an SM-DS event needs the EID of the order');
    const iccid = input.iccid ?? testIccid();
    iccidBytes(iccid);
    const entry: CatalogueEntry = { ...input, iccid, state: 'released', downloads: 0, confirmationCodeFailures: 0 };
    this.#entries.set(input.matchingId, entry);
    return entry;
  }

  get(matchingId: string): CatalogueEntry | undefined {
    return this.#entries.get(matchingId);
  }

  /** SGP.22 v2.5 §3.1.3.1 (no matchingId, e.g. default SM-DP+ or SM-DS): the first open order bound to this EID. */
  pendingFor(eid: string): CatalogueEntry | undefined {
    return [...this.#entries.values()].find((e) => e.eid === eid && (e.reusable || e.state === 'released'));
  }

  list(): CatalogueEntry[] {
    return [...this.#entries.values()];
  }

  remove(matchingId: string): boolean {
    return this.#entries.delete(matchingId);
  }
}
