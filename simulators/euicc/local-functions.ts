// ES10b functions the IPA calls on its own initiative (SGP.32 v1.2 §5.9.17, §5.9.20, §5.9.21, §5.9.25):
// immediate-enable configuration, the fallback mechanism and the default SM-DP+ address.

import { SGP32Definitions as S } from '../../src/asn1/index.ts';
import type { CardContext } from './context.ts';
import { notifyProfileEvents } from './notifications.ts';
import { enabledProfile, type ProfileEvent } from './profiles.ts';
import type { ProfileRecord } from './state.ts';

/** SGP.32 v1.2 §5.9.17: only while no eIM is associated (afterwards the eIM uses the configureImmediateEnable PSMO). */
export function configureImmediateProfileEnabling(ctx: CardContext, request: S.ConfigureImmediateProfileEnablingRequest): Uint8Array {
  if (ctx.state.eims.length > 0) return S.ConfigureImmediateProfileEnablingResponse.encode({ configImmediateEnableResult: 2 }); // associatedEimAlreadyExists
  ctx.state.immediateEnable = {
    enabled: request.immediateEnableFlag !== undefined,
    ...(request.defaultSmdpOid !== undefined ? { defaultSmdpOid: request.defaultSmdpOid } : {}),
    ...(request.defaultSmdpAddress !== undefined ? { defaultSmdpAddress: request.defaultSmdpAddress } : {}),
  };
  ctx.changed();
  return S.ConfigureImmediateProfileEnablingResponse.encode({ configImmediateEnableResult: 0 });
}

/** SGP.32 v1.2 §5.9.25 (BF65): an empty address removes the default SM-DP+ address. */
export function setDefaultDpAddress(ctx: CardContext, request: S.SetDefaultDpAddressRequest): Uint8Array {
  if (request.defaultDpAddress === '') delete ctx.state.defaultSmdpAddress;
  else ctx.state.defaultSmdpAddress = request.defaultDpAddress;
  ctx.changed();
  return S.SetDefaultDpAddressResponse.encode({ setDefaultDpAddressResult: 0 });
}

/** Swaps the enabled profile; the events are the notifications the swap calls for. */
function swap(from: ProfileRecord | undefined, to: ProfileRecord): ProfileEvent[] {
  const events: ProfileEvent[] = [];
  if (from) {
    from.state = 'disabled';
    events.push({ event: 'notificationDisable', profile: from });
  }
  to.state = 'enabled';
  events.push({ event: 'notificationEnable', profile: to });
  return events;
}

/**
 * SGP.32 v1.2 §5.9.20: enable the profile carrying the fallback attribute and remember the profile to return to.
 * Interpretation: the fallback swap is not subject to PPR1 of the profile left (it exists for loss of connectivity).
 */
export async function executeFallbackMechanism(ctx: CardContext, _request: S.ExecuteFallbackMechanismRequest): Promise<Uint8Array> {
  const answer = (code: number) => S.ExecuteFallbackMechanismResponse.encode({ executeFallbackMechanismResult: code });
  const fallback = ctx.state.profiles.find((p) => p.fallbackAttribute);
  if (!fallback) return answer(6); // fallbackNotAvailable
  if (fallback.state === 'enabled') return answer(2); // profileNotInDisabledState
  const current = enabledProfile(ctx.state);
  const events = swap(current, fallback);
  if (current) ctx.state.fallbackReturnIccid = current.iccid;
  ctx.changed();
  await notifyProfileEvents(ctx, events);
  return answer(0);
}

/** SGP.32 v1.2 §5.9.21: back to the profile that was enabled before ExecuteFallbackMechanism. */
export async function returnFromFallback(ctx: CardContext, _request: S.ReturnFromFallbackRequest): Promise<Uint8Array> {
  const answer = (code: number) => S.ReturnFromFallbackResponse.encode({ returnFromFallbackResult: code });
  const fallback = ctx.state.profiles.find((p) => p.fallbackAttribute);
  if (!fallback) return answer(6); // fallbackNotAvailable
  const previous = ctx.state.profiles.find((p) => p.iccid === ctx.state.fallbackReturnIccid);
  if (fallback.state !== 'enabled' || !previous) return answer(7); // commandError: not in fallback
  const events = swap(fallback, previous);
  delete ctx.state.fallbackReturnIccid;
  ctx.changed();
  await notifyProfileEvents(ctx, events);
  return answer(0);
}
