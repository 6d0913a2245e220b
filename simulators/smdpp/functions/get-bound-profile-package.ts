// ES9+.GetBoundProfilePackage, SM-DP+ side (SGP.22 v2.5 §5.6.2): verify euiccSignature2 over the
// euiccSigned2 bytes received ‖ smdpSignature2, the signed transactionId, the order's expiry and the
// Confirmation Code, then bind the profile with the crypto layer (ES8+, SGP.22 v2.5 §5.5).

import { RSPDefinitions as R, rawBytes } from '../../../src/asn1/index.ts';
import { buildBoundProfilePackage } from '../../../src/crypto/bound-profile-package.ts';
import { certificatePublicKey } from '../../../src/crypto/certificate.ts';
import { sha256 } from '../../../src/crypto/engine.ts';
import { euiccSignature2 } from '../../../src/crypto/signatures.ts';
import { bytesEqual, fromHex, toHex } from '../../../src/lib/bytes.ts';
import type { SmdppContext, SmdppSession } from '../context.ts';
import { ES9_ERRORS, es9Error } from '../errors.ts';

type GbppError = keyof (typeof ES9_ERRORS)['getBoundProfilePackage'];
const fail = (name: GbppError, message: string) => es9Error('getBoundProfilePackage', name, message);
const textBytes = (s: string) => new TextEncoder().encode(s);

/**
 * SGP.22 v2.5 §5.6.2 / §2.5.x: hashCc = SHA-256(SHA-256(Confirmation Code) ‖ TransactionId). A wrong
 * code counts against the order; the session stays open so the end user can try again.
 */
function checkConfirmationCode(session: SmdppSession, hashCc: Uint8Array | undefined): void {
  const entry = session.entry!;
  if (entry.confirmationCode === undefined) return;
  const allowed = entry.confirmationCodeRetries ?? 3;
  if (entry.confirmationCodeFailures >= allowed) throw fail('confirmationCodeRetriesExceeded', `${entry.confirmationCodeFailures} wrong Confirmation Codes for ${entry.matchingId}`);
  if (!hashCc) throw fail('confirmationCodeMissing', 'the order needs a Confirmation Code and euiccSigned2 has no hashCc');
  const expected = sha256(sha256(textBytes(entry.confirmationCode)), session.transactionId);
  if (bytesEqual(hashCc, expected)) return;
  entry.confirmationCodeFailures++;
  if (entry.confirmationCodeFailures >= allowed) throw fail('confirmationCodeRetriesExceeded', `${entry.confirmationCodeFailures} wrong Confirmation Codes for ${entry.matchingId}`);
  throw fail('confirmationCodeRefused', 'hashCc does not match the Confirmation Code');
}

export interface BoundPackage {
  ok: R.GetBoundProfilePackageOk;
  /** The BF36 bytes as built. */
  boundProfilePackage: Uint8Array;
}

export async function getBoundProfilePackage(ctx: SmdppContext, req: R.GetBoundProfilePackageRequest): Promise<BoundPackage> {
  const session = ctx.sessions.get(req.transactionId);
  if (!session || session.stage !== 'authenticated') throw fail('invalidTransactionId', `no RSP session awaiting GetBoundProfilePackage for ${toHex(req.transactionId)}`);
  const pdr = req.prepareDownloadResponse;
  if ('downloadResponseError' in pdr) {
    ctx.sessions.delete(session.transactionId);
    throw fail('undefinedError', `eUICC answered downloadErrorCode ${pdr.downloadResponseError.downloadErrorCode}`);
  }
  const ok = pdr.downloadResponseOk;
  const signed2 = rawBytes(ok.euiccSigned2) ?? R.EUICCSigned2.encode(ok.euiccSigned2);
  if (!euiccSignature2.verify(certificatePublicKey(session.euiccCertificate!), ok.euiccSignature2, signed2, session.smdpSignature2!)) {
    throw fail('euiccSignatureInvalid', 'euiccSignature2 does not verify with PK.EUICC');
  }
  if (!bytesEqual(ok.euiccSigned2.transactionId, session.transactionId)) throw fail('invalidTransactionId', 'euiccSigned2.transactionId differs from the session');
  const entry = session.entry!;
  if (entry.expiresAt && entry.expiresAt.getTime() <= ctx.now().getTime()) throw fail('downloadOrderExpired', `the order for ${entry.matchingId} expired`);
  checkConfirmationCode(session, ok.euiccSigned2.hashCc);

  const built = await buildBoundProfilePackage({
    dpPbSigner: session.set.pb!.signer,
    curve: session.set.curve,
    transactionId: session.transactionId,
    hostId: textBytes('eim-sim-smdpp').subarray(0, 16),
    eid: fromHex(session.eid!),
    euiccOtpk: ok.euiccSigned2.euiccOtpk,
    configureIsdp: R.ConfigureISDPRequest.encode(session.set.oid ? { dpProprietaryData: { dpOid: session.set.oid } } : {}),
    storeMetadata: session.storeMetadata!,
    profile: entry.profile,
  });
  entry.downloads++;
  if (!entry.reusable) entry.state = 'downloaded';
  session.stage = 'bppDelivered';
  ctx.recorder.record({ type: 'bppDelivered', transactionId: toHex(session.transactionId).toUpperCase(), eid: session.eid!, matchingId: entry.matchingId, bytes: built.boundProfilePackage.length });
  return {
    ok: { transactionId: session.transactionId, boundProfilePackage: R.BoundProfilePackage.decode(built.boundProfilePackage) },
    boundProfilePackage: built.boundProfilePackage,
  };
}
