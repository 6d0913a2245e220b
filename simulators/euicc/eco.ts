// eUICC Configuration Operations (SGP.32 v1.2 §2.11.1.1.2) and their EuiccResultData.

import type { SGP32Definitions as S } from '../../src/asn1/index.ts';
import type { CardContext } from './context.ts';
import { addEim, deleteEim, listEim, updateEim } from './eim-config.ts';
import type { OperationOutcome } from './psmo.ts';

export function executeEco(ctx: CardContext, eco: S.Eco): OperationOutcome {
  if ('addEim' in eco) {
    const r = addEim(ctx, eco.addEim);
    return { result: { addEimResult: r }, failed: 'addEimResultCode' in r && r.addEimResultCode !== 0 };
  }
  if ('deleteEim' in eco) {
    const code = deleteEim(ctx, eco.deleteEim.eimId);
    // lastEimDeleted(2) reports a deletion that happened: not a failure.
    return { result: { deleteEimResult: code }, failed: code !== 0 && code !== 2 };
  }
  if ('updateEim' in eco) {
    const code = updateEim(ctx, eco.updateEim);
    return { result: { updateEimResult: code }, failed: code !== 0 };
  }
  return { result: { listEimResult: listEim(ctx) }, failed: false };
}
