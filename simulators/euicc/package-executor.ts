// ES10b.LoadEuiccPackage, second half (SGP.32 v1.2 §5.9.1, §2.11.1.1): once verified, check the package's
// shape, run its operations in order until the first failure, sign the EuiccPackageResult (euiccSignEPR
// over the data ‖ associationToken TLV), store it for euiccPackageResultList and create the notifications
// the profile changes call for.

import { SGP32Definitions as S } from '../../src/asn1/index.ts';
import { tlv } from '../../src/asn1/tlv.ts';
import { type AssociationToken, euiccSignEPR } from '../../src/crypto/signatures.ts';
import { concatBytes, toHex } from '../../src/lib/bytes.ts';
import type { CardContext } from './context.ts';
import { executeEco } from './eco.ts';
import { notifyProfileEvents } from './notifications.ts';
import { parsePackage, verifyPackage, type VerifiedPackage } from './package-verifier.ts';
import type { ProfileEvent } from './profiles.ts';
import { executePsmo, type OperationOutcome } from './psmo.ts';

/** processingTerminated values (SGP.32 v1.2 §2.11.2.1 EuiccResultData). */
const UNKNOWN_OR_DAMAGED_COMMAND = 2;
const UNDEFINED_ERROR = 127;

type Operation = { psmo: S.Psmo } | { eco: S.Eco };

/** Identity of the package a result answers; what the signature binds the result to. */
export interface ResultIdentity {
  eimId: string;
  counterValue: number | bigint;
  eimTransactionId?: Uint8Array;
  token: number | undefined;
  euiccCiPKId: Uint8Array | undefined;
}

/**
 * The operations, or undefined when the package's shape is refused. SGP.32 v1.2 §2.11.1.1 (checklist §2.1 ⚠️):
 * PSMOs or eCOs, never both; at most one enable and one disable; listProfileInfo not after a state change.
 */
function plan(pkg: VerifiedPackage): Operation[] | undefined {
  if (pkg.kind === 'mixed') return undefined;
  const ops: Operation[] = [];
  try {
    for (const raw of pkg.operations) ops.push(pkg.kind === 'psmo' ? { psmo: S.Psmo.decode(raw) } : { eco: S.Eco.decode(raw) });
  } catch {
    return undefined; // an eCO in a psmoList (or the reverse) does not decode as an alternative of the list's type
  }
  const psmos = ops.flatMap((o) => ('psmo' in o ? [o.psmo] : []));
  if (psmos.filter((p) => 'enable' in p).length > 1 || psmos.filter((p) => 'disable' in p).length > 1) return undefined;
  const firstChange = psmos.findIndex((p) => 'enable' in p || 'disable' in p || 'delete' in p);
  if (firstChange >= 0 && psmos.slice(firstChange).some((p) => 'listProfileInfo' in p)) return undefined;
  return ops;
}

/** Signs and stores an EuiccPackageResultSigned; returns the BF51 TLV. */
export async function signPackageResult(ctx: CardContext, id: ResultIdentity, euiccResult: S.EuiccResultData[]): Promise<Uint8Array> {
  const seqNumber = ctx.nextSeqNumber();
  const data = S.EuiccPackageResultDataSigned.encode({
    eimId: id.eimId,
    counterValue: id.counterValue,
    ...(id.eimTransactionId ? { eimTransactionId: id.eimTransactionId } : {}),
    seqNumber,
    euiccResult,
  });
  const cred = ctx.credentials.byCiPkId(id.euiccCiPKId) ?? ctx.credentials.primary;
  const signature = await euiccSignEPR.sign(cred.signer, data, id.token as AssociationToken);
  const der = tlv([0xbf, 0x51], tlv([0xa0], concatBytes(data, tlv([0x5f, 0x37], signature))));
  ctx.state.packageResults.push({ seqNumber, eimId: id.eimId, der: toHex(der) });
  ctx.changed();
  return der;
}

function run(ctx: CardContext, ops: Operation[]): { results: S.EuiccResultData[]; events: ProfileEvent[]; rollback?: OperationOutcome['rollback'] } {
  const results: S.EuiccResultData[] = [];
  const events: ProfileEvent[] = [];
  let rollback: OperationOutcome['rollback'];
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    const o = 'psmo' in op ? executePsmo(ctx, op.psmo) : executeEco(ctx, op.eco);
    results.push(o.result);
    events.push(...(o.events ?? []));
    rollback ??= o.rollback;
    if (o.failed) {
      // Execution stops at the first failure (SGP.32 v1.2 §5.9.1). Interpretation: processingTerminated
      // (undefinedError) is appended only when operations were left unexecuted.
      if (i < ops.length - 1) results.push({ processingTerminated: UNDEFINED_ERROR });
      break;
    }
  }
  return { results, events, ...(rollback ? { rollback } : {}) };
}

/** ES10b.LoadEuiccPackage: BF51 EuiccPackageRequest in, BF51 EuiccPackageResult out. */
export async function loadEuiccPackage(ctx: CardContext, der: Uint8Array): Promise<Uint8Array> {
  const verification = await verifyPackage(ctx, parsePackage(der));
  if (!verification.ok) return verification.response;
  const pkg = verification.pkg;
  // Interpretation: a verified package shows the eIM is reachable, which closes the window for ProfileRollback.
  if (ctx.state.rollback) {
    delete ctx.state.rollback;
    ctx.changed();
  }
  const ops = plan(pkg);
  // Interpretation: a refused shape is answered with processingTerminated(unknownOrDamagedCommand) and nothing runs.
  const outcome = ops ? run(ctx, ops) : { results: [{ processingTerminated: UNKNOWN_OR_DAMAGED_COMMAND }], events: [] };
  await notifyProfileEvents(ctx, outcome.events);
  if ('rollback' in outcome && outcome.rollback) {
    ctx.state.rollback = {
      eimId: pkg.eimId,
      counterValue: Number(pkg.counterValue),
      ...(pkg.eimTransactionId ? { eimTransactionId: toHex(pkg.eimTransactionId) } : {}),
      ...outcome.rollback,
      results: outcome.results.map((r) => S.EuiccResultData.toJson(r)),
      ...(pkg.token !== undefined ? { associationToken: pkg.token } : {}),
      ...(pkg.euiccCiPKId ? { euiccCiPKId: toHex(pkg.euiccCiPKId) } : {}),
    };
  }
  return signPackageResult(ctx, pkg, outcome.results);
}
