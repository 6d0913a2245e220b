// What an eUICC's package result means, operation by operation (SGP.32 v1.2 §2.11.2.1 EuiccResultData):
// the spec's result codes kept verbatim with their names, and the changes to the profile inventory that
// a successful operation implies.
import { SGP32Definitions as S, type Asn1Type } from '../asn1/index.ts';
import { toHex } from '../lib/bytes.ts';
import { iccidFromBytes } from './identifiers.ts';
import type { OrderRequest, PsmoRequest } from './operations.ts';
import type { ProfileRecord } from './records.ts';

export interface OperationOutcome {
  /** The operation asked for (enable, disable, ..., addEim, ...), or the result alternative when none matches. */
  operation: string;
  /** The EuiccResultData alternative returned, e.g. `enableResult`, `processingTerminated`. */
  result: string;
  ok: boolean;
  /** The spec's result code, verbatim, and its name in SGP.32 v1.2. */
  code?: number;
  name?: string;
  /** Data some results carry (profile list, RAT, eIM list, association token), in the JSON form. */
  data?: unknown;
}

export type InventoryChange =
  | { kind: 'replace'; profiles: Omit<ProfileRecord, 'euiccId' | 'updatedAt'>[] }
  | { kind: 'upsert'; profiles: Omit<ProfileRecord, 'euiccId' | 'updatedAt'>[] }
  | { kind: 'enable'; iccid: string }
  | { kind: 'disable'; iccid: string }
  | { kind: 'delete'; iccid: string }
  | { kind: 'fallback'; iccid: string | null }
  | { kind: 'stale' };

const alternatives = new Map(S.EuiccResultData.compiled().core.alts!.map((a) => [a.name, a.type]));

function codeName(alt: string, code: number, field?: string): string | undefined {
  let t = alternatives.get(alt);
  if (t && field) t = t.core.fields?.find((f) => f.name === field)?.type ?? t.core.alts?.find((f) => f.name === field)?.type;
  const named = t?.core.named;
  if (!named) return undefined;
  return Object.entries(named).find(([, v]) => v === code)?.[0];
}

const PROFILE_CLASS = ['test', 'provisioning', 'operational'];

/** A ProfileInfo from listProfileInfo as an inventory record. */
export function profileRecord(p: S.ProfileInfo): Omit<ProfileRecord, 'euiccId' | 'updatedAt'> | undefined {
  if (!p.iccid) return undefined;
  return {
    iccid: iccidFromBytes(p.iccid),
    isdpAid: p.isdpAid ? toHex(p.isdpAid) : null,
    state: p.profileState === 1 ? 'enabled' : 'disabled',
    profileClass: p.profileClass !== undefined ? (PROFILE_CLASS[p.profileClass as number] ?? String(p.profileClass)) : null,
    profileName: p.profileName ?? null,
    serviceProviderName: p.serviceProviderName ?? null,
    nickname: p.profileNickname ?? null,
    fallbackAttribute: p.fallbackAttribute === true,
  };
}

function json<T>(type: Asn1Type<T>, v: T): unknown {
  return type.toJson(v);
}

/** Interprets one EuiccResultData. */
export function describeResult(r: S.EuiccResultData): OperationOutcome {
  const [alt, v] = Object.entries(r)[0] as [string, unknown];
  const base = { operation: alt.replace(/Result$/, ''), result: alt };
  switch (alt) {
    case 'listProfileInfoResult': {
      const l = v as S.ProfileInfoListResponse;
      if ('profileInfoListOk' in l) return { ...base, ok: true, data: json(S.ProfileInfoListResponse, l) };
      return { ...base, ok: false, code: l.profileInfoListError as number, name: codeName(alt, l.profileInfoListError as number, 'profileInfoListError') };
    }
    case 'getRATResult':
      return { ...base, operation: 'getRAT', ok: true, data: json(S.EuiccResultData, r) };
    case 'addEimResult': {
      const a = v as S.AddEimResult;
      if ('associationToken' in a) return { ...base, ok: true, data: { associationToken: a.associationToken.toString() } };
      const code = a.addEimResultCode as number;
      return { ...base, ok: code === 0, code, name: codeName(alt, code, 'addEimResultCode') };
    }
    case 'listEimResult': {
      const l = v as S.ListEimResult;
      if ('eimIdList' in l) return { ...base, ok: true, data: json(S.ListEimResult, l) };
      return { ...base, ok: false, code: l.listEimError as number, name: codeName(alt, l.listEimError as number, 'listEimError') };
    }
    case 'setDefaultDpAddressResult': {
      const code = (v as S.SetDefaultDpAddressResponse).setDefaultDpAddressResult as number;
      return { ...base, ok: code === 0, code, name: codeName(alt, code, 'setDefaultDpAddressResult') };
    }
    case 'processingTerminated':
      return { ...base, operation: 'processingTerminated', ok: false, code: v as number, name: codeName(alt, v as number) };
    default: {
      const code = Number(v);
      return { ...base, ok: code === 0, code, name: codeName(alt, code) };
    }
  }
}

/**
 * The outcome of a whole package: one entry per result, matched to the operations in order (the eUICC
 * executes them in order and stops at the first failure, SGP.32 v1.2 §2.11.1.1), plus the inventory
 * changes the successful ones imply.
 */
export function interpretPackageResult(request: OrderRequest, results: S.EuiccResultData[]): { outcomes: OperationOutcome[]; ok: boolean; changes: InventoryChange[] } {
  const ops = request.kind === 'psmo' || request.kind === 'eco' ? request.operations : [];
  const outcomes: OperationOutcome[] = [];
  const changes: InventoryChange[] = [];
  results.forEach((r, i) => {
    const d = describeResult(r);
    const op = ops[i];
    if (op && d.result !== 'processingTerminated') d.operation = op.op;
    outcomes.push(d);
    if (d.ok && op && request.kind === 'psmo') changes.push(...inventoryChanges(op as PsmoRequest, r));
  });
  const ok = outcomes.length === ops.length && outcomes.every((o) => o.ok);
  return { outcomes, ok, changes };
}

function inventoryChanges(op: PsmoRequest, r: S.EuiccResultData): InventoryChange[] {
  switch (op.op) {
    case 'enable':
      return [{ kind: 'enable', iccid: op.iccid }];
    case 'disable':
      return [{ kind: 'disable', iccid: op.iccid }];
    case 'delete':
      return [{ kind: 'delete', iccid: op.iccid }];
    case 'setFallbackAttribute':
      return [{ kind: 'fallback', iccid: op.iccid }];
    case 'unsetFallbackAttribute':
      return [{ kind: 'fallback', iccid: null }];
    case 'listProfileInfo': {
      const l = (r as { listProfileInfoResult?: S.ProfileInfoListResponse }).listProfileInfoResult;
      if (!l || !('profileInfoListOk' in l)) return [];
      const profiles = l.profileInfoListOk.map(profileRecord).filter((p) => p !== undefined);
      // A filtered list only tells about the profiles it names; a full list replaces the inventory.
      const filtered = op.iccid !== undefined || op.isdpAid !== undefined || op.profileClass !== undefined;
      return [{ kind: filtered ? 'upsert' : 'replace', profiles }];
    }
    default:
      return [];
  }
}
