// eIM associations: the EimConfigurationData the card stores per eIM (SGP.32 v1.2 §2.11.1.1.1), with the
// checks shared by ES10b.AddInitialEim (§5.9.4), the addEim/updateEim eCOs (§2.11.1.1.2) and
// ES10b.GetEimConfigurationData (§5.9.18).

import { PKIX1Explicit88 as X, SGP32Definitions as S } from '../../src/asn1/index.ts';
import { certificatePublicKey, parseCertificate } from '../../src/crypto/certificate.ts';
import type { EcPublicKey } from '../../src/crypto/engine.ts';
import { loadPublicKey } from '../../src/crypto/keys.ts';
import { type CardContext, intValue } from './context.ts';
import type { EimRecord } from './state.ts';

/** SGP.32 v1.2 §2.11.1.1: counterValue is at most 0x7FFFFF (3 bytes, positive). */
export const MAX_COUNTER_VALUE = 0x7fffff;
/** How many eIM associations the virtual card has room for (insufficientMemory beyond). */
export const MAX_EIMS = 8;

export function configOf(record: EimRecord): S.EimConfigurationData {
  return S.EimConfigurationData.fromJson(record.config);
}

export function findEim(ctx: CardContext, eimId: string): EimRecord | undefined {
  return ctx.state.eims.find((e) => e.config['eimId'] === eimId);
}

export function storedCounter(record: EimRecord): number {
  return Number(record.config['counterValue'] ?? 0);
}

export function storedToken(record: EimRecord): number | undefined {
  const t = record.config['associationToken'];
  return t === undefined ? undefined : Number(t);
}

// Keys imported once per distinct eimPublicKeyData (by its DER): a real eUICC keeps the eIM's key ready,
// and importing it again for every package was the largest cost of the virtual eUICC under load.
const importedKeys = new Map<string, EcPublicKey | null>();

/** The key that verifies this eIM's eimSignature: eimPublicKey (SPKI) or the key of eimCertificate. */
export function eimPublicKey(config: S.EimConfigurationData): EcPublicKey | undefined {
  const data = config.eimPublicKeyData;
  if (!data) return undefined;
  let der: Uint8Array;
  try {
    der = 'eimPublicKey' in data ? X.SubjectPublicKeyInfo.encode(data.eimPublicKey) : X.Certificate.encode(data.eimCertificate);
  } catch {
    return undefined;
  }
  const id = `${'eimPublicKey' in data ? 'k' : 'c'}${Buffer.from(der).toString('hex')}`;
  let key = importedKeys.get(id);
  if (key === undefined) {
    try {
      key = 'eimPublicKey' in data ? loadPublicKey(der) : certificatePublicKey(parseCertificate(der));
    } catch {
      key = null;
    }
    if (importedKeys.size >= 1000) importedKeys.clear();
    importedKeys.set(id, key);
  }
  return key ?? undefined;
}

/** The checks an eIM configuration must pass to be stored; 0 when it may be (codes of AddEimResult / UpdateEimResult). */
function checkConfiguration(ctx: CardContext, config: S.EimConfigurationData, requireKey: boolean): number {
  // ciPKUnknown(3): the eUICC must be able to sign results with the CI the eIM expects.
  if (config.euiccCiPKId && !ctx.credentials.byCiPkId(config.euiccCiPKId)) return 3;
  if (config.counterValue !== undefined) {
    const c = intValue(config.counterValue);
    if (!(c >= 0 && c <= MAX_COUNTER_VALUE)) return 6; // counterValueOutOfRange
  }
  // Interpretation: an eIM without a usable key could never sign a package, so it is a commandError(7).
  if ((requireKey || config.eimPublicKeyData) && !eimPublicKey(config)) return 7;
  return 0;
}

/**
 * Adds one eIM (addEim eCO, AddInitialEim entry). Interpretation (SGP.32 v1.2 §3.6 ⚠️): the presence of
 * associationToken in the request asks the eUICC to generate one; its value is ignored.
 */
export function addEim(ctx: CardContext, config: S.EimConfigurationData): S.AddEimResult {
  if (findEim(ctx, config.eimId)) return { addEimResultCode: 2 }; // associatedEimAlreadyExists
  const code = checkConfiguration(ctx, config, true);
  if (code !== 0) return { addEimResultCode: code };
  if (ctx.state.eims.length >= MAX_EIMS) return { addEimResultCode: 1 }; // insufficientMemory
  const stored: S.EimConfigurationData = { ...config, counterValue: intValue(config.counterValue ?? 0) };
  delete stored.associationToken;
  let token: number | undefined;
  if (config.associationToken !== undefined) {
    token = ctx.state.nextAssociationToken++;
    stored.associationToken = token;
  }
  ctx.state.eims.push({ config: S.EimConfigurationData.toJson(stored) as Record<string, unknown> });
  ctx.changed();
  return token === undefined ? { addEimResultCode: 0 } : { associationToken: token };
}

/** updateEim eCO: UpdateEimResult codes. The fields present replace the stored ones; the eimId and token stay. */
export function updateEim(ctx: CardContext, config: S.EimConfigurationData): number {
  const record = findEim(ctx, config.eimId);
  if (!record) return 1; // eimNotFound
  const code = checkConfiguration(ctx, config, false);
  if (code !== 0) return code;
  const current = configOf(record);
  const { associationToken: _ignored, ...changes } = config;
  void _ignored;
  // Interpretation (checklist §8 open point): a counterValue in updateEim replaces the stored one, up or down.
  const next: S.EimConfigurationData = { ...current, ...changes, ...(changes.counterValue !== undefined ? { counterValue: intValue(changes.counterValue) } : {}) };
  record.config = S.EimConfigurationData.toJson(next) as Record<string, unknown>;
  ctx.changed();
  return 0;
}

/** deleteEim eCO: DeleteEimResult codes; lastEimDeleted(2) reports that no eIM is left. */
export function deleteEim(ctx: CardContext, eimId: string): number {
  const record = findEim(ctx, eimId);
  if (!record) return 1; // eimNotFound
  ctx.state.eims = ctx.state.eims.filter((e) => e !== record);
  ctx.changed();
  return ctx.state.eims.length === 0 ? 2 : 0;
}

export function listEim(ctx: CardContext): S.ListEimResult {
  return {
    eimIdList: ctx.state.eims.map(configOf).map((c) => ({ eimId: c.eimId, ...(c.eimIdType !== undefined ? { eimIdType: c.eimIdType } : {}) })),
  };
}

/** ES10b.AddInitialEim (SGP.32 v1.2 §5.9.4): unsigned, only while no eIM is associated; all entries or none. */
export function addInitialEim(ctx: CardContext, request: S.AddInitialEimRequest): S.AddInitialEimResponse {
  if (ctx.state.eims.length > 0) return { addInitialEimError: 2 }; // associatedEimAlreadyExists
  const list = request.eimConfigurationDataList;
  if (list.length === 0) return { addInitialEimError: 7 }; // commandError
  if (ctx.state.eims.length + list.length > MAX_EIMS) return { addInitialEimError: 1 };
  const ids = new Set(list.map((c) => c.eimId));
  if (ids.size !== list.length) return { addInitialEimError: 2 };
  for (const c of list) {
    const code = checkConfiguration(ctx, c, true);
    if (code !== 0) return { addInitialEimError: code };
  }
  const results = list.map((c) => addEim(ctx, c));
  return { addInitialEimOk: results.map((r) => ('associationToken' in r ? { associationToken: r.associationToken } : { addOk: null })) };
}

/** ES10b.GetEimConfigurationData (SGP.32 v1.2 §5.9.18), optionally for one eimId. */
export function getEimConfigurationData(ctx: CardContext, request: S.GetEimConfigurationDataRequest): S.GetEimConfigurationDataResponse {
  const wanted = request.searchCriteria?.eimId;
  const records = ctx.state.eims.filter((e) => wanted === undefined || e.config['eimId'] === wanted);
  return { eimConfigurationDataList: records.map(configOf) };
}
