// Profile State Management Operations (SGP.32 v1.2 §2.11.1.1.3) and their EuiccResultData.

import { RSPDefinitions as R, type SGP32Definitions as S } from '../../src/asn1/index.ts';
import { toHex } from '../../src/lib/bytes.ts';
import type { CardContext } from './context.ts';
import { deleteProfile, disableProfile, enabledProfile, enableProfile, listProfileInfo, type ProfileEvent, setFallbackAttribute, unsetFallbackAttribute } from './profiles.ts';

/** What one operation produced: its result, whether it failed (stops the package), and events to notify. */
export interface OperationOutcome {
  result: S.EuiccResultData;
  failed: boolean;
  events?: ProfileEvent[];
  /** Set by a successful rollback-flagged enable: the ICCIDs ProfileRollback needs. */
  rollback?: { previousIccid: string; enabledIccid: string };
}

const outcome = (result: S.EuiccResultData, code: number, events?: ProfileEvent[]): OperationOutcome => ({ result, failed: code !== 0, ...(events ? { events } : {}) });

export function executePsmo(ctx: CardContext, psmo: S.Psmo): OperationOutcome {
  const state = ctx.state;
  if ('enable' in psmo) {
    const rollbackFlag = psmo.enable.rollbackFlag !== undefined;
    const previous = enabledProfile(state);
    const r = enableProfile(state, psmo.enable.iccid, rollbackFlag);
    if (r.code === 0) ctx.changed();
    const o = outcome({ enableResult: r.code }, r.code, r.events);
    if (r.code === 0 && rollbackFlag && previous) o.rollback = { previousIccid: previous.iccid, enabledIccid: toHex(psmo.enable.iccid) };
    return o;
  }
  if ('disable' in psmo) {
    const r = disableProfile(state, psmo.disable.iccid);
    if (r.code === 0) ctx.changed();
    return outcome({ disableResult: r.code }, r.code, r.events);
  }
  if ('delete' in psmo) {
    const r = deleteProfile(state, psmo.delete.iccid);
    if (r.code === 0) ctx.changed();
    return outcome({ deleteResult: r.code }, r.code, r.events);
  }
  if ('listProfileInfo' in psmo) {
    const list = listProfileInfo(state, psmo.listProfileInfo);
    return { result: { listProfileInfoResult: list }, failed: 'profileInfoListError' in list };
  }
  if ('getRAT' in psmo) return { result: { getRATResult: R.RulesAuthorisationTable.fromJson(state.rat) }, failed: false };
  if ('configureImmediateEnable' in psmo) {
    const c = psmo.configureImmediateEnable;
    // SGP.32 v1.2 §2.11.1.1.3: the flag's presence enables immediate enable; OID and address replace the stored ones.
    state.immediateEnable = {
      enabled: c.immediateEnableFlag !== undefined,
      ...(c.defaultSmdpOid !== undefined ? { defaultSmdpOid: c.defaultSmdpOid } : {}),
      ...(c.defaultSmdpAddress !== undefined ? { defaultSmdpAddress: c.defaultSmdpAddress } : {}),
    };
    ctx.changed();
    return outcome({ configureImmediateEnableResult: 0 }, 0);
  }
  if ('setFallbackAttribute' in psmo) {
    const code = setFallbackAttribute(state, psmo.setFallbackAttribute.iccid);
    if (code === 0) ctx.changed();
    return outcome({ setFallbackAttributeResult: code }, code);
  }
  if ('unsetFallbackAttribute' in psmo) {
    const code = unsetFallbackAttribute(state);
    if (code === 0) ctx.changed();
    return outcome({ unsetFallbackAttributeResult: code }, code);
  }
  // setDefaultDpAddress (SGP.32 v1.2 §5.9.25 semantics): an empty address removes the default SM-DP+.
  const address = psmo.setDefaultDpAddress.defaultDpAddress;
  if (address === '') delete state.defaultSmdpAddress;
  else state.defaultSmdpAddress = address;
  ctx.changed();
  return outcome({ setDefaultDpAddressResult: { setDefaultDpAddressResult: 0 } }, 0);
}
