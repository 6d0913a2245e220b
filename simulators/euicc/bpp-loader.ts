// ES10b.LoadBoundProfilePackage (SGP.22 v2.5 §5.7.6; ES8+ §5.5.1-§5.5.4; checklist §6.5): checks each part
// of the BoundProfilePackage in order, decrypts it, installs the profile and answers with the signed
// ProfileInstallationResult, which is also kept as a pending notification. Each failure is reported with
// the bppCommandId of the part that failed and the SGP.22 errorReason.
//
// The parts are opened one by one with the BSP channel of src/crypto (the same primitives as
// openBoundProfilePackage) so that a failure can name its bppCommandId.

import { RSPDefinitions as R, SGP32Definitions as S } from '../../src/asn1/index.ts';
import { tlv, tlvParts, type TlvPart } from '../../src/asn1/tlv.ts';
import { KEY_LENGTH_128, KEY_TYPE_AES, REMOTE_OP_ID_INSTALL_BPP } from '../../src/crypto/bound-profile-package.ts';
import { BspChannel } from '../../src/crypto/bsp.ts';
import { ecdh } from '../../src/crypto/engine.ts';
import { CryptoError } from '../../src/crypto/errors.ts';
import { deriveBspKeys } from '../../src/crypto/kdf.ts';
import { publicKeyFromPoint } from '../../src/crypto/keys.ts';
import { euiccSignPIR, smdpSign } from '../../src/crypto/signatures.ts';
import { bytesEqual, concatBytes, toHex } from '../../src/lib/bytes.ts';
import type { DownloadSession } from './authentication.ts';
import type { CardContext } from './context.ts';
import { installProfile, MAX_PROFILES, pprAllowed } from './profile-install.ts';

/** BppCommandId and ErrorReason values (SGP.22 v2.5 §5.7.6 ProfileInstallationResultData). */
const CMD = { initialiseSecureChannel: 0, configureISDP: 1, storeMetadata: 2, replaceSessionKeys: 4, loadProfileElements: 5 } as const;
const REASON = {
  incorrectInputValues: 1, invalidSignature: 2, invalidTransactionId: 3, unsupportedCrtValues: 4, unsupportedRemoteOperationType: 5,
  scp03tStructureError: 7, scp03tSecurityError: 8, iccidAlreadyExists: 9, insufficientMemory: 10, peProcessingError: 12, dataMismatch: 13, pprNotAllowed: 15,
} as const;

/** The success simaResponse: EUICCResponse { peStatus { { status ok } } } (SGP.22 v2.5 §5.7.6, eUICC Profile Package spec). */
const SIMA_OK = Uint8Array.of(0x30, 0x07, 0xa0, 0x05, 0x30, 0x03, 0x80, 0x01, 0x00);

class BppFailure extends Error {
  constructor(readonly command: number, readonly reason: number) {
    super(`BPP failed at command ${command}, reason ${reason}`);
  }
}

type Part = TlvPart;
const parts = (buf: Uint8Array): Part[] => tlvParts(buf);

function one(items: Part[], tag: number, command: number): Part {
  const found = items.filter((t) => t.tag === tag);
  if (found.length !== 1) throw new BppFailure(command, REASON.scp03tStructureError);
  return found[0]!;
}

/** Opens one run of segments; a MAC mismatch is a security error, anything else a structure error. */
function open(channel: BspChannel, sequence: Part, segmentTag: number, encrypted: boolean, command: number): Uint8Array {
  try {
    return channel.open(parts(sequence.value).map((s) => s.bytes), segmentTag, encrypted);
  } catch (err) {
    if (err instanceof CryptoError) throw new BppFailure(command, err.code === 'ERR_BSP_MAC' ? REASON.scp03tSecurityError : REASON.scp03tStructureError);
    throw new BppFailure(command, REASON.scp03tStructureError);
  }
}

function decodeOr<T>(decode: () => T, command: number): T {
  try {
    return decode();
  } catch {
    throw new BppFailure(command, REASON.incorrectInputValues);
  }
}

/** InitialiseSecureChannel checks (SGP.22 v2.5 §5.5.1), then the session keys. */
function initialiseSecureChannel(ctx: CardContext, session: Required<Pick<DownloadSession, 'otsk' | 'dpPbKey' | 'transactionId'>>, iscr: Part): BspChannel {
  const c = CMD.initialiseSecureChannel;
  const items = parts(iscr.value);
  const opId = one(items, 0x82, c).value;
  if (opId.length !== 1 || opId[0] !== REMOTE_OP_ID_INSTALL_BPP) throw new BppFailure(c, REASON.unsupportedRemoteOperationType);
  if (!bytesEqual(one(items, 0x80, c).value, session.transactionId)) throw new BppFailure(c, REASON.invalidTransactionId);
  const crt = parts(one(items, 0xa6, c).value);
  const keyType = one(crt, 0x80, c).value;
  const keyLen = one(crt, 0x81, c).value;
  if (keyType.length !== 1 || keyType[0] !== KEY_TYPE_AES || keyLen.length !== 1 || keyLen[0] !== KEY_LENGTH_128) throw new BppFailure(c, REASON.unsupportedCrtValues);
  const smdpOtpk = one(items, 0x5f49, c).value;
  if (!smdpSign.verify(session.dpPbKey, one(items, 0x5f37, c).value, iscr.bytes, session.otsk.publicKey.point)) throw new BppFailure(c, REASON.invalidSignature);
  const shared = decodeOr(() => ecdh(session.otsk, publicKeyFromPoint(session.otsk.curve, smdpOtpk)), c);
  return new BspChannel(deriveBspKeys(shared, KEY_TYPE_AES, KEY_LENGTH_128, one(crt, 0x84, c).value, ctx.eid));
}

/** The ICCID in the profile's ProfileHeader (first PE, A0 { …, 83 iccid }), when it can be read. */
function headerIccid(profile: Uint8Array): Uint8Array | undefined {
  try {
    const first = parts(profile)[0];
    return first?.tag === 0xa0 ? parts(first.value).find((p) => p.tag === 0x83)?.value : undefined;
  } catch {
    return undefined;
  }
}

interface Installed {
  aid: Uint8Array;
  iccid: Uint8Array;
}

function processBpp(ctx: CardContext, session: Required<Pick<DownloadSession, 'otsk' | 'dpPbKey' | 'transactionId'>> & DownloadSession, bpp: Uint8Array, seen: { iccid?: Uint8Array }): Installed {
  let top: Part[];
  try {
    const outer = parts(bpp);
    if (outer.length !== 1 || outer[0]!.tag !== 0xbf36) throw new Error('not BF36');
    top = parts(outer[0]!.value);
  } catch {
    throw new BppFailure(CMD.initialiseSecureChannel, REASON.scp03tStructureError);
  }
  const channel = initialiseSecureChannel(ctx, session, one(top, 0xbf23, CMD.initialiseSecureChannel));

  const configureIsdp = open(channel, one(top, 0xa0, CMD.configureISDP), 0x87, true, CMD.configureISDP);
  const isdp = decodeOr(() => R.ConfigureISDPRequest.decode(configureIsdp), CMD.configureISDP);
  if (ctx.state.profiles.length >= MAX_PROFILES) throw new BppFailure(CMD.configureISDP, REASON.insufficientMemory);

  const storeMetadata = open(channel, one(top, 0xa1, CMD.storeMetadata), 0x88, false, CMD.storeMetadata);
  const metadata = decodeOr(() => S.StoreMetadataRequest.decode(storeMetadata), CMD.storeMetadata);
  seen.iccid = metadata.iccid;
  if (ctx.state.profiles.some((p) => p.iccid === toHex(metadata.iccid))) throw new BppFailure(CMD.storeMetadata, REASON.iccidAlreadyExists);
  if (!pprAllowed(ctx, metadata)) throw new BppFailure(CMD.storeMetadata, REASON.pprNotAllowed);

  let profileChannel = channel;
  const second = top.filter((t) => t.tag === 0xa2);
  if (second.length > 0) {
    const rsk = open(channel, one(top, 0xa2, CMD.replaceSessionKeys), 0x87, true, CMD.replaceSessionKeys);
    const keys = decodeOr(() => R.ReplaceSessionKeysRequest.decode(rsk), CMD.replaceSessionKeys);
    profileChannel = new BspChannel({ sEnc: keys.ppkEnc, sMac: keys.ppkCmac, initialMacChainingValue: keys.initialMacChainingValue });
  }
  const profile = open(profileChannel, one(top, 0xa3, CMD.loadProfileElements), 0x86, true, CMD.loadProfileElements);
  if (profile.length === 0) throw new BppFailure(CMD.loadProfileElements, REASON.peProcessingError);
  const iccid = headerIccid(profile);
  if (iccid && !bytesEqual(iccid, metadata.iccid)) throw new BppFailure(CMD.loadProfileElements, REASON.dataMismatch);

  const aid = installProfile(ctx, { metadata, dpProprietaryData: isdp.dpProprietaryData, smdpOid: session.dpPbOid, profile });
  return { aid, iccid: metadata.iccid };
}

/** ES10b.LoadBoundProfilePackage: BF36 in, BF37 ProfileInstallationResult out. */
export async function loadBoundProfilePackage(ctx: CardContext, session: DownloadSession, bpp: Uint8Array): Promise<Uint8Array> {
  const { otsk, dpPbKey, transactionId, credential } = session;
  const seen: { iccid?: Uint8Array } = {};
  let finalResult: R.ProfileInstallationResultData['finalResult'];
  if (!otsk || !dpPbKey || !transactionId || !credential) {
    // No PrepareDownload in this session: nothing to bind the package to.
    finalResult = { errorResult: { bppCommandId: CMD.initialiseSecureChannel, errorReason: REASON.invalidTransactionId } };
  } else {
    try {
      const installed = processBpp(ctx, { ...session, otsk, dpPbKey, transactionId }, bpp, seen);
      finalResult = { successResult: { aid: installed.aid, simaResponse: SIMA_OK } };
    } catch (err) {
      if (!(err instanceof BppFailure)) throw err;
      finalResult = { errorResult: { bppCommandId: err.command, errorReason: err.reason } };
    }
  }
  const cred = credential ?? ctx.credentials.primary;
  const seqNumber = ctx.nextSeqNumber();
  const address = session.serverAddress ?? '';
  const data = R.ProfileInstallationResultData.encode({
    transactionId: transactionId ?? Uint8Array.of(0),
    notificationMetadata: { seqNumber, profileManagementOperation: ['notificationInstall'], notificationAddress: address, ...(seen.iccid ? { iccid: seen.iccid } : {}) },
    smdpOid: session.dpPbOid ?? '0.0',
    finalResult,
  });
  const pir = tlv([0xbf, 0x37], concatBytes(data, tlv([0x5f, 0x37], await euiccSignPIR.sign(cred.signer, data))));
  for (const k of Object.keys(session)) delete session[k as keyof DownloadSession];
  // SGP.22 v2.5 §3.1.3: the PIR is a notification for the SM-DP+ (only when a session gave it an address).
  if (address) ctx.state.notifications.push({ seqNumber, event: 'notificationInstall', notificationAddress: address, ...(seen.iccid ? { iccid: toHex(seen.iccid) } : {}), der: toHex(pir) });
  ctx.changed();
  return pir;
}
