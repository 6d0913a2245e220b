// Installing a downloaded profile (ISD-P creation, SGP.22 v2.5 §2.4.3), the PPR check against the Rules
// Authorisation Table (SGP.22 v2.5 §2.9.2.2) and eUICCMemoryReset (SGP.32 v1.2 §5.9.5).

import { RSPDefinitions as R, SGP32Definitions as S } from '../../src/asn1/index.ts';
import { bytesEqual, fromHex, toHex } from '../../src/lib/bytes.ts';
import type { CardContext } from './context.ts';
import { metadataOf } from './profiles.ts';

/** How many profiles the virtual card has memory for. */
export const MAX_PROFILES = 8;

/** ISD-P AIDs as SGP.02/SGP.22 cards allocate them: A0000005591010FFFFFFFF89 00 00 1x 00. */
const ISDP_AID_PREFIX = 'a0000005591010ffffffff8900';

function allocateIsdpAid(ctx: CardContext): Uint8Array {
  const used = new Set(ctx.state.profiles.map((p) => p.isdpAid));
  for (let n = 0x10; n < 0xff; n++) {
    const aid = `${ISDP_AID_PREFIX}00${n.toString(16).padStart(2, '0')}00`;
    if (!used.has(aid)) return fromHex(aid);
  }
  throw new Error('no ISD-P AID left');
}

/** A wildcard operator in a RAT rule: every MCC/MNC nibble 'E' (SGP.22 v2.5 §2.9.2.2). */
const isWildcard = (mccMnc: Uint8Array) => mccMnc.every((b) => b === 0xee);

/**
 * SGP.22 v2.5 §2.9.2.2: every PPR a profile sets (ppr1, ppr2) must be allowed by a RAT rule for its owner;
 * with the default empty RAT, no profile with PPRs may be installed.
 */
export function pprAllowed(ctx: CardContext, metadata: S.StoreMetadataRequest): boolean {
  const pprs = (metadata.profilePolicyRules ?? []).filter((p) => p === 'ppr1' || p === 'ppr2');
  if (pprs.length === 0) return true;
  const rat = R.RulesAuthorisationTable.fromJson(ctx.state.rat);
  const owner = metadata.profileOwner?.mccMnc;
  return pprs.every((ppr) => rat.some((rule) => rule.pprIds.includes(ppr) && rule.allowedOperators.some((op) => isWildcard(op.mccMnc) || (owner !== undefined && bytesEqual(op.mccMnc, owner)))));
}

export interface InstallInput {
  metadata: S.StoreMetadataRequest;
  dpProprietaryData?: R.DpProprietaryData;
  smdpOid?: string;
  profile: Uint8Array;
}

/** Creates the ISD-P and stores the profile, disabled (SGP.22 v2.5 §3.1.3: a new profile is not enabled). */
export function installProfile(ctx: CardContext, input: InstallInput): Uint8Array {
  const aid = allocateIsdpAid(ctx);
  ctx.state.profiles.push({
    iccid: toHex(input.metadata.iccid),
    isdpAid: toHex(aid),
    state: 'disabled',
    fallbackAttribute: false,
    metadata: S.StoreMetadataRequest.toJson(input.metadata) as Record<string, unknown>,
    ...(input.smdpOid ? { smdpOid: input.smdpOid } : {}),
    ...(input.dpProprietaryData ? { dpProprietaryData: R.DpProprietaryData.toJson(input.dpProprietaryData) as Record<string, unknown> } : {}),
    content: toHex(input.profile),
  });
  ctx.changed();
  return aid;
}

/** ES10b.eUICCMemoryReset (SGP.32 v1.2 §5.9.5, BF64). */
export function euiccMemoryReset(ctx: CardContext, request: S.EuiccMemoryResetRequest): S.EuiccMemoryResetResponse {
  const o = new Set(request.resetOptions);
  const s = ctx.state;
  const classOf = (p: (typeof s.profiles)[number]) => metadataOf(p).profileClass ?? 2;
  const doomed = s.profiles.filter((p) => {
    const cls = classOf(p);
    if (cls === 2) return o.has('deleteOperationalProfiles');
    if (cls === 1) return o.has('deleteProvisioningProfiles');
    return p.preloaded ? o.has('deletePreLoadedTestProfiles') : o.has('deleteFieldLoadedTestProfiles');
  });
  let changed = doomed.length > 0;
  s.profiles = s.profiles.filter((p) => !doomed.includes(p));
  if (o.has('resetDefaultSmdpAddress') && s.defaultSmdpAddress !== undefined) {
    delete s.defaultSmdpAddress;
    changed = true;
  }
  const response: S.EuiccMemoryResetResponse = { resetResult: 0 };
  if (o.has('resetEimConfigData')) {
    response.resetEimResult = s.eims.length > 0 ? 0 : 1; // nothingToDelete
    s.eims = [];
  }
  if (o.has('resetImmediateEnableConfig')) {
    s.immediateEnable = { enabled: false };
    response.resetImmediateEnableConfigResult = 0;
    changed = true;
  }
  if (!changed && response.resetEimResult !== 0) response.resetResult = 1; // nothingToDelete
  if (doomed.length > 0) {
    delete s.rollback;
    delete s.fallbackReturnIccid;
  }
  ctx.changed();
  return response;
}
