// What an operator can ask of an eUICC, as validated order requests, and the SGP.32 v1.2 package
// content each one becomes (§2.11.1: PSMOs and eCOs; §2.11.2 IpaEuiccDataRequest; §2.11.3
// ProfileDownloadTriggerRequest). Validation names the field that is wrong; nothing is built from bad input.
import { SGP32Definitions as S, Asn1Error } from '../asn1/index.ts';
import { fromHex } from '../lib/bytes.ts';
import { DomainError, invalid } from './errors.ts';
import { iccidToBytes } from './identifiers.ts';

export type PsmoRequest =
  | { op: 'enable'; iccid: string; rollback?: boolean }
  | { op: 'disable'; iccid: string }
  | { op: 'delete'; iccid: string }
  | { op: 'listProfileInfo'; iccid?: string; isdpAid?: string; profileClass?: 'test' | 'provisioning' | 'operational'; tags?: string[] }
  | { op: 'getRAT' }
  | { op: 'configureImmediateEnable'; immediateEnable?: boolean; defaultSmdpOid?: string; defaultSmdpAddress?: string }
  | { op: 'setFallbackAttribute'; iccid: string }
  | { op: 'unsetFallbackAttribute' }
  | { op: 'setDefaultDpAddress'; address: string };

export type EcoRequest =
  | { op: 'addEim'; eimConfigurationData: unknown }
  | { op: 'deleteEim'; eimId: string }
  | { op: 'updateEim'; eimConfigurationData: unknown }
  | { op: 'listEim' };

export type OrderRequest =
  | { kind: 'psmo'; operations: PsmoRequest[] }
  | { kind: 'eco'; operations: EcoRequest[] }
  | { kind: 'euiccData'; tags: string[]; notificationSeqNumber?: number; resultSeqNumber?: number }
  | { kind: 'download'; activationCode: string }
  | { kind: 'download'; contactDefaultSmdp: true }
  | { kind: 'download'; contactSmds: { smdsAddress?: string } };

/** SGP.32 v1.2 §2.11.2: the tags an IpaEuiccDataRequest may list (the members of IpaEuiccData). */
export const IPA_EUICC_DATA_TAGS = ['a0', '81', 'a2', 'bf20', 'bf22', '83', '84', 'a5', 'a6', 'a8', 'a9'] as const;
/** Default tag list for an eUICC data request (checklist §2.5: what production IPAs answer). */
export const DEFAULT_EUICC_DATA_TAGS = ['bf20', 'bf22', 'a0', 'a5', 'a6', 'a8'];
/** listProfileInfo default tag list used against production eUICCs (checklist §2.2). */
export const DEFAULT_PROFILE_INFO_TAGS = '5a4f9f70919295' + '9f7b9f269f67';

const PSMO_OPS = new Set(['enable', 'disable', 'delete', 'listProfileInfo', 'getRAT', 'configureImmediateEnable', 'setFallbackAttribute', 'unsetFallbackAttribute', 'setDefaultDpAddress']);
const ECO_OPS = new Set(['addEim', 'deleteEim', 'updateEim', 'listEim']);
const MAX_OPERATIONS = 16;

function obj(v: unknown, field: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalid(field, 'must be an object');
  return v as Record<string, unknown>;
}
function str(v: unknown, field: string, max = 255): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw invalid(field, `must be a string of 1 to ${max} characters`);
  return v;
}
function optStr(o: Record<string, unknown>, k: string, field: string, max = 255): string | undefined {
  return o[k] === undefined ? undefined : str(o[k], `${field}.${k}`, max);
}
function onlyKeys(o: Record<string, unknown>, keys: string[], field: string): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw invalid(`${field}.${k}`, `unknown field (allowed: ${keys.join(', ')})`);
}

/** Validates an order request as received from the API; throws ERR_VALIDATION with the field path. */
export function parseOrderRequest(input: unknown): OrderRequest {
  const o = obj(input, 'request');
  switch (o.kind) {
    case 'psmo':
    case 'eco': {
      onlyKeys(o, ['kind', 'operations'], 'request');
      if (!Array.isArray(o.operations) || o.operations.length === 0 || o.operations.length > MAX_OPERATIONS) {
        throw invalid('request.operations', `must be a list of 1 to ${MAX_OPERATIONS} operations`);
      }
      const ops = o.operations.map((op, i) => (o.kind === 'psmo' ? parsePsmo(op, `request.operations[${i}]`) : parseEco(op, `request.operations[${i}]`)));
      const req = { kind: o.kind, operations: ops } as OrderRequest;
      checkPackageRules(req);
      return req;
    }
    case 'euiccData': {
      onlyKeys(o, ['kind', 'tags', 'notificationSeqNumber', 'resultSeqNumber'], 'request');
      const tags = o.tags === undefined ? DEFAULT_EUICC_DATA_TAGS : o.tags;
      if (!Array.isArray(tags) || tags.length === 0) throw invalid('request.tags', 'must be a non-empty list of IpaEuiccData tags');
      tags.forEach((t, i) => {
        if (typeof t !== 'string' || !(IPA_EUICC_DATA_TAGS as readonly string[]).includes(t.toLowerCase())) {
          throw invalid(`request.tags[${i}]`, `must be one of ${IPA_EUICC_DATA_TAGS.join(', ')} (SGP.32 v1.2 IpaEuiccData tags)`);
        }
      });
      const req: OrderRequest = { kind: 'euiccData', tags: tags.map((t: string) => t.toLowerCase()) };
      for (const k of ['notificationSeqNumber', 'resultSeqNumber'] as const) {
        if (o[k] !== undefined) {
          if (!Number.isSafeInteger(o[k]) || (o[k] as number) < 0) throw invalid(`request.${k}`, 'must be a non-negative integer');
          req[k] = o[k] as number;
        }
      }
      return req;
    }
    case 'download': {
      const modes = ['activationCode', 'contactDefaultSmdp', 'contactSmds'].filter((k) => o[k] !== undefined);
      if (modes.length !== 1) throw invalid('request', 'a download takes exactly one of activationCode, contactDefaultSmdp, contactSmds');
      onlyKeys(o, ['kind', modes[0]!], 'request');
      if (o.activationCode !== undefined) {
        // SGP.22 v2.5 §4.1: "1$<SM-DP+ address>$<matching id>[$<oid>[$<cc flag>]]", at most 255 characters.
        const ac = str(o.activationCode, 'request.activationCode', 255);
        if (!/^1\$[^$]+\$[^$]*(\$[^$]*){0,3}$/.test(ac)) throw invalid('request.activationCode', 'must be an activation code "1$<SM-DP+ address>$<matching id>[$...]"');
        return { kind: 'download', activationCode: ac };
      }
      if (o.contactDefaultSmdp !== undefined) {
        if (o.contactDefaultSmdp !== true) throw invalid('request.contactDefaultSmdp', 'must be true');
        return { kind: 'download', contactDefaultSmdp: true };
      }
      const c = obj(o.contactSmds, 'request.contactSmds');
      onlyKeys(c, ['smdsAddress'], 'request.contactSmds');
      const smdsAddress = optStr(c, 'smdsAddress', 'request.contactSmds');
      return { kind: 'download', contactSmds: smdsAddress ? { smdsAddress } : {} };
    }
    default:
      throw invalid('request.kind', 'must be one of psmo, eco, euiccData, download');
  }
}

function parsePsmo(input: unknown, field: string): PsmoRequest {
  const o = obj(input, field);
  if (typeof o.op !== 'string' || !PSMO_OPS.has(o.op)) throw invalid(`${field}.op`, `must be one of ${[...PSMO_OPS].join(', ')}`);
  const iccid = (): string => {
    iccidToBytes(o.iccid as string, `${field}.iccid`);
    return o.iccid as string;
  };
  switch (o.op) {
    case 'enable':
      onlyKeys(o, ['op', 'iccid', 'rollback'], field);
      if (o.rollback !== undefined && typeof o.rollback !== 'boolean') throw invalid(`${field}.rollback`, 'must be a boolean');
      return { op: 'enable', iccid: iccid(), ...(o.rollback ? { rollback: true } : {}) };
    case 'disable':
    case 'delete':
    case 'setFallbackAttribute':
      onlyKeys(o, ['op', 'iccid'], field);
      return { op: o.op, iccid: iccid() };
    case 'listProfileInfo': {
      onlyKeys(o, ['op', 'iccid', 'isdpAid', 'profileClass', 'tags'], field);
      const criteria = ['iccid', 'isdpAid', 'profileClass'].filter((k) => o[k] !== undefined);
      if (criteria.length > 1) throw invalid(field, 'listProfileInfo takes at most one search criterion');
      const r: PsmoRequest = { op: 'listProfileInfo' };
      if (o.iccid !== undefined) r.iccid = iccid();
      if (o.isdpAid !== undefined) {
        if (typeof o.isdpAid !== 'string' || !/^([0-9a-fA-F]{2}){5,16}$/.test(o.isdpAid)) throw invalid(`${field}.isdpAid`, 'must be 5 to 16 bytes of hex');
        r.isdpAid = o.isdpAid.toLowerCase();
      }
      if (o.profileClass !== undefined) {
        if (!['test', 'provisioning', 'operational'].includes(o.profileClass as string)) throw invalid(`${field}.profileClass`, 'must be test, provisioning or operational');
        r.profileClass = o.profileClass as 'test';
      }
      if (o.tags !== undefined) {
        if (!Array.isArray(o.tags) || o.tags.some((t) => typeof t !== 'string' || !/^([0-9a-fA-F]{2}){1,3}$/.test(t))) throw invalid(`${field}.tags`, 'must be a list of hex tags such as "5a" or "9f70"');
        r.tags = (o.tags as string[]).map((t) => t.toLowerCase());
      }
      return r;
    }
    case 'getRAT':
    case 'unsetFallbackAttribute':
      onlyKeys(o, ['op'], field);
      return { op: o.op };
    case 'configureImmediateEnable': {
      onlyKeys(o, ['op', 'immediateEnable', 'defaultSmdpOid', 'defaultSmdpAddress'], field);
      if (o.immediateEnable !== undefined && typeof o.immediateEnable !== 'boolean') throw invalid(`${field}.immediateEnable`, 'must be a boolean');
      if (o.defaultSmdpOid !== undefined && (typeof o.defaultSmdpOid !== 'string' || !/^[0-2](\.(0|[1-9][0-9]*))+$/.test(o.defaultSmdpOid))) throw invalid(`${field}.defaultSmdpOid`, 'must be a dotted OID');
      const address = optStr(o, 'defaultSmdpAddress', field);
      return {
        op: 'configureImmediateEnable',
        ...(o.immediateEnable !== undefined ? { immediateEnable: o.immediateEnable as boolean } : {}),
        ...(o.defaultSmdpOid !== undefined ? { defaultSmdpOid: o.defaultSmdpOid as string } : {}),
        ...(address !== undefined ? { defaultSmdpAddress: address } : {}),
      };
    }
    case 'setDefaultDpAddress':
      onlyKeys(o, ['op', 'address'], field);
      // An empty address removes the default SM-DP+ (SGP.22 v2.5 §5.7.4 SetDefaultDpAddress).
      if (typeof o.address !== 'string' || o.address.length > 255) throw invalid(`${field}.address`, 'must be an FQDN (empty removes it)');
      return { op: 'setDefaultDpAddress', address: o.address };
  }
  throw invalid(`${field}.op`, 'unknown operation');
}

function parseEco(input: unknown, field: string): EcoRequest {
  const o = obj(input, field);
  if (typeof o.op !== 'string' || !ECO_OPS.has(o.op)) throw invalid(`${field}.op`, `must be one of ${[...ECO_OPS].join(', ')}`);
  switch (o.op) {
    case 'addEim':
    case 'updateEim': {
      onlyKeys(o, ['op', 'eimConfigurationData'], field);
      try {
        S.EimConfigurationData.encode(S.EimConfigurationData.fromJson(o.eimConfigurationData));
      } catch (e) {
        if (e instanceof Asn1Error) throw invalid(`${field}.eimConfigurationData${e.path ? '.' + e.path.split('.').slice(1).join('.') : ''}`, e.detail);
        throw e;
      }
      return { op: o.op, eimConfigurationData: o.eimConfigurationData };
    }
    case 'deleteEim':
      onlyKeys(o, ['op', 'eimId'], field);
      return { op: 'deleteEim', eimId: str(o.eimId, `${field}.eimId`, 128) };
    case 'listEim':
      onlyKeys(o, ['op'], field);
      return { op: 'listEim' };
  }
  throw invalid(`${field}.op`, 'unknown operation');
}

/**
 * Package-level rules (SGP.32 v1.2 §2.11.1.1, as the checklist §2.1 reads them): at most one enable and
 * one disable per package; listProfileInfo does not follow an enable, disable or delete (its answer
 * would describe a state the eUICC has not reached yet when the IPA reports it).
 */
export function checkPackageRules(req: OrderRequest): void {
  if (req.kind !== 'psmo') return;
  const count = (op: string): number => req.operations.filter((o) => o.op === op).length;
  if (count('enable') > 1) throw invalid('request.operations', 'a package holds at most one enable (SGP.32 v1.2 §2.11.1.1)');
  if (count('disable') > 1) throw invalid('request.operations', 'a package holds at most one disable (SGP.32 v1.2 §2.11.1.1)');
  let changed = false;
  req.operations.forEach((o, i) => {
    if (o.op === 'enable' || o.op === 'disable' || o.op === 'delete') changed = true;
    else if (o.op === 'listProfileInfo' && changed) throw invalid(`request.operations[${i}]`, 'listProfileInfo must come before enable, disable and delete in a package');
  });
}

const PROFILE_CLASS = { test: 0, provisioning: 1, operational: 2 } as const;

/** The ASN.1 value of one PSMO (SGP.32 v1.2 §2.11.1.1). */
export function psmoValue(op: PsmoRequest): S.Psmo {
  switch (op.op) {
    case 'enable':
      return { enable: { iccid: iccidToBytes(op.iccid), ...(op.rollback ? { rollbackFlag: null } : {}) } };
    case 'disable':
      return { disable: { iccid: iccidToBytes(op.iccid) } };
    case 'delete':
      return { delete: { iccid: iccidToBytes(op.iccid) } };
    case 'listProfileInfo': {
      const searchCriteria = op.iccid
        ? { iccid: iccidToBytes(op.iccid) }
        : op.isdpAid
          ? { isdpAid: fromHex(op.isdpAid) }
          : op.profileClass
            ? { profileClass: PROFILE_CLASS[op.profileClass] }
            : undefined;
      return { listProfileInfo: { ...(searchCriteria ? { searchCriteria } : {}), tagList: fromHex(op.tags ? op.tags.join('') : DEFAULT_PROFILE_INFO_TAGS) } } as S.Psmo;
    }
    case 'getRAT':
      return { getRAT: {} };
    case 'configureImmediateEnable':
      return {
        configureImmediateEnable: {
          ...(op.immediateEnable ? { immediateEnableFlag: null } : {}),
          ...(op.defaultSmdpOid ? { defaultSmdpOid: op.defaultSmdpOid } : {}),
          ...(op.defaultSmdpAddress ? { defaultSmdpAddress: op.defaultSmdpAddress } : {}),
        },
      };
    case 'setFallbackAttribute':
      return { setFallbackAttribute: { iccid: iccidToBytes(op.iccid) } };
    case 'unsetFallbackAttribute':
      return { unsetFallbackAttribute: {} };
    case 'setDefaultDpAddress':
      return { setDefaultDpAddress: { defaultDpAddress: op.address } };
  }
}

/** The ASN.1 value of one eCO (SGP.32 v1.2 §2.11.1.2). */
export function ecoValue(op: EcoRequest): S.Eco {
  switch (op.op) {
    case 'addEim':
      return { addEim: S.EimConfigurationData.fromJson(op.eimConfigurationData) };
    case 'updateEim':
      return { updateEim: S.EimConfigurationData.fromJson(op.eimConfigurationData) };
    case 'deleteEim':
      return { deleteEim: { eimId: op.eimId } };
    case 'listEim':
      return { listEim: {} };
  }
}

/** The euiccPackage CHOICE for a psmo or eco order. */
export function euiccPackageValue(req: OrderRequest): S.EuiccPackage {
  if (req.kind === 'psmo') return { psmoList: req.operations.map(psmoValue) };
  if (req.kind === 'eco') return { ecoList: req.operations.map(ecoValue) };
  throw new DomainError('ERR_VALIDATION', `${req.kind} orders are not eUICC packages`);
}
