// ES10b.ProfileRollback (SGP.32 v1.2 §5.9.16): the IPA undoes a rollback-flagged enable (e.g. the new
// profile gave no connectivity to the eIM). The card re-enables the previous profile and produces a new,
// signed EuiccPackageResult for the original package that ends in rollbackResult.

import { SGP32Definitions as S } from '../../src/asn1/index.ts';
import { tlv } from '../../src/asn1/tlv.ts';
import { concatBytes, fromHex } from '../../src/lib/bytes.ts';
import type { CardContext } from './context.ts';
import { notifyProfileEvents } from './notifications.ts';
import { signPackageResult } from './package-executor.ts';
import { enableProfile, findByIccid } from './profiles.ts';

const cmdResult = (code: number) => tlv([0x02], Uint8Array.of(code));

export async function profileRollback(ctx: CardContext, _request: S.ProfileRollbackRequest): Promise<Uint8Array> {
  const rb = ctx.state.rollback;
  if (!rb) return tlv([0xbf, 0x58], cmdResult(1)); // rollbackNotAllowed: no rollback-flagged enable pending
  const enabled = findByIccid(ctx.state, fromHex(rb.enabledIccid));
  if (!enabled || enabled.state !== 'enabled' || !findByIccid(ctx.state, fromHex(rb.previousIccid))) {
    delete ctx.state.rollback;
    ctx.changed();
    return tlv([0xbf, 0x58], cmdResult(7)); // commandError: the profiles changed since the enable
  }
  const change = enableProfile(ctx.state, fromHex(rb.previousIccid), false);
  delete ctx.state.rollback;
  ctx.changed();
  if (change.code !== 0) return tlv([0xbf, 0x58], cmdResult(change.code === 3 ? 1 : 127));
  await notifyProfileEvents(ctx, change.events);
  const results = rb.results.map((r) => S.EuiccResultData.fromJson(r));
  const epr = await signPackageResult(
    ctx,
    {
      eimId: rb.eimId,
      counterValue: rb.counterValue,
      ...(rb.eimTransactionId ? { eimTransactionId: fromHex(rb.eimTransactionId) } : {}),
      token: rb.associationToken,
      euiccCiPKId: rb.euiccCiPKId ? fromHex(rb.euiccCiPKId) : undefined,
    },
    [...results, { rollbackResult: 0 }],
  );
  // ProfileRollbackResponse BF58 { cmdResult ok, eUICCPackageResult [81] }: the BF51 TLV as signed.
  return tlv([0xbf, 0x58], concatBytes(cmdResult(0), epr));
}
