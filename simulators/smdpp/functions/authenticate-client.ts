// ES9+.AuthenticateClient, SM-DP+ side (SGP.22 v2.5 §5.6.3): verify the eUICC (common mutual
// authentication checks), find the download order for matchingId and EID, then answer
// profileMetadata, smdpSigned2 and smdpSignature2 (SK.DPpb) with CERT.DPpb.

import { RSPDefinitions as R } from '../../../src/asn1/index.ts';
import { smdpSignature2 } from '../../../src/crypto/signatures.ts';
import { toHex } from '../../../src/lib/bytes.ts';
import { type AuthenticatedEuicc, AuthCheckError, verifyClient } from '../../common/mutual-authentication.ts';
import { type CatalogueEntry, iccidBytes } from '../catalogue.ts';
import type { SmdppContext, SmdppSession } from '../context.ts';
import { authenticateClientError, es9Error } from '../errors.ts';

/** RSPDefinitions ProfileClass {test(0), provisioning(1), operational(2)}. */
const PROFILE_CLASS = { test: 0, provisioning: 1, operational: 2 } as const;

const refuse = (name: 'matchingIdRefused' | 'eidMismatch' | 'downloadOrderExpired', message: string) => es9Error('authenticateClient', name, message);

/** SGP.22 v2.5 §5.6.3 step "matchingId": the order exists, is for this EID, is not expired and not used up. */
export function findOrder(ctx: SmdppContext, auth: AuthenticatedEuicc): CatalogueEntry {
  const entry = auth.matchingId ? ctx.catalogue.get(auth.matchingId) : ctx.catalogue.pendingFor(auth.eid);
  if (!entry) throw refuse('matchingIdRefused', auth.matchingId ? `no download order for matchingId ${auth.matchingId}` : `no pending download order for EID ${auth.eid}`);
  if (entry.eid && entry.eid !== auth.eid) throw refuse('eidMismatch', `the order for ${entry.matchingId} is bound to another EID`);
  if (entry.expiresAt && entry.expiresAt.getTime() <= ctx.now().getTime()) throw refuse('downloadOrderExpired', `the order for ${entry.matchingId} expired at ${entry.expiresAt.toISOString()}`);
  if (!entry.reusable && entry.state !== 'released') throw refuse('matchingIdRefused', `matchingId ${entry.matchingId} was already used (${entry.state})`);
  return entry;
}

/** The StoreMetadataRequest of an order; notifications go back to this SM-DP+ (SGP.22 v2.5 §2.4a / §5.5.3). */
export function profileMetadata(ctx: SmdppContext, entry: CatalogueEntry): R.StoreMetadataRequest {
  return {
    iccid: iccidBytes(entry.iccid),
    serviceProviderName: entry.serviceProviderName ?? 'eIM Test SP',
    profileName: entry.profileName ?? entry.matchingId.slice(0, 64),
    profileClass: PROFILE_CLASS[entry.profileClass ?? 'operational'],
    notificationConfigurationInfo: [
      { profileManagementOperation: ['notificationInstall', 'notificationEnable', 'notificationDisable', 'notificationDelete'], notificationAddress: ctx.address },
    ],
  };
}

async function verified(ctx: SmdppContext, session: SmdppSession, req: R.AuthenticateClientRequest): Promise<AuthenticatedEuicc> {
  try {
    return await verifyClient(session, req.authenticateServerResponse, ctx.trustAnchors, ctx.now());
  } catch (err) {
    if (err instanceof AuthCheckError) throw authenticateClientError(err.failure, err.message);
    throw err;
  }
}

export async function authenticateClient(ctx: SmdppContext, req: R.AuthenticateClientRequest): Promise<R.AuthenticateClientOk> {
  const session = ctx.sessions.get(req.transactionId);
  if (!session || session.stage !== 'initiated') throw es9Error('authenticateClient', 'invalidTransactionId', `no RSP session awaiting AuthenticateClient for ${toHex(req.transactionId)}`);
  const auth = await verified(ctx, session, req);
  const entry = findOrder(ctx, auth);
  const metadata = profileMetadata(ctx, entry);
  // SGP.22 v2.5 §5.6.3: ccRequiredFlag tells the eUICC to send hashCc in euiccSigned2.
  const smdpSigned2: R.SmdpSigned2 = { transactionId: session.transactionId, ccRequiredFlag: entry.confirmationCode !== undefined };
  const signature = await smdpSignature2.sign(session.set.pb!.signer, R.SmdpSigned2.encode(smdpSigned2), auth.euiccSignature1);
  Object.assign(session, { stage: 'authenticated', eid: auth.eid, euiccCertificate: auth.euiccCertificate, entry, storeMetadata: R.StoreMetadataRequest.encode(metadata), smdpSignature2: signature });
  ctx.recorder.record({ type: 'authenticated', transactionId: toHex(session.transactionId).toUpperCase(), eid: auth.eid, matchingId: entry.matchingId, ccRequired: smdpSigned2.ccRequiredFlag });
  return { transactionId: session.transactionId, profileMetaData: metadata, smdpSigned2, smdpSignature2: signature, smdpCertificate: session.set.pb!.value };
}
