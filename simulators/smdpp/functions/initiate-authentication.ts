// ES9+.InitiateAuthentication, SM-DP+ side (SGP.22 v2.5 §5.6.1): check the address and the eUICC's
// version and CI lists, open an RSP session, sign serverSigned1 with SK.DPauth.

import type { RSPDefinitions as R } from '../../../src/asn1/index.ts';
import { toHex } from '../../../src/lib/bytes.ts';
import { AuthCheckError, initiate, selectCredentials } from '../../common/mutual-authentication.ts';
import type { SmdppContext } from '../context.ts';
import { es9Error } from '../errors.ts';

/** SGP.22 v2.5 §5.6.1: "the comparison SHALL be case-insensitive". */
function checkAddress(ctx: SmdppContext, smdpAddress: string): void {
  if (smdpAddress.toLowerCase() !== ctx.address.toLowerCase()) {
    throw es9Error('initiateAuthentication', 'invalidDpAddress', `smdpAddress ${smdpAddress} is not this SM-DP+ (${ctx.address})`);
  }
}

/** SGP.22 v2.5 §5.6.1: the eUICC's SVN must be one the SM-DP+ supports (here: major version 2 or 3). */
function checkVersion(euiccInfo1: R.EUICCInfo1): void {
  const major = euiccInfo1.svn[0];
  if (major !== 2 && major !== 3) throw es9Error('initiateAuthentication', 'euiccVersionNotSupportedByDp', `eUICC SVN ${toHex(euiccInfo1.svn)} is not supported`);
}

export async function initiateAuthentication(ctx: SmdppContext, req: R.InitiateAuthenticationRequest): Promise<R.InitiateAuthenticationOkEs9> {
  checkAddress(ctx, req.smdpAddress);
  checkVersion(req.euiccInfo1);
  let set;
  try {
    set = selectCredentials(req.euiccInfo1, ctx.credentials);
  } catch (err) {
    if (err instanceof AuthCheckError) throw es9Error('initiateAuthentication', 'ciPKNotSupported', err.message);
    throw err;
  }
  const { session, ok } = await initiate(ctx.sessions.newTransactionId(), req.euiccChallenge, ctx.address, set);
  ctx.sessions.put({ ...session, stage: 'initiated' });
  ctx.recorder.record({ type: 'initiated', transactionId: toHex(session.transactionId).toUpperCase(), curve: set.curve });
  return ok;
}
