// BoundProfilePackage (SGP.22 v2.5 §2.5.4; ES8+ functions §5.5.1-§5.5.4; checklist §6.5): the SM-DP+ side
// builds it, the eUICC side checks and opens it.
//
// BF36 { BF23 InitialiseSecureChannelRequest, A0 {87 ConfigureISDP…}, A1 {88 StoreMetadata…},
//        A2 {87 ReplaceSessionKeys…}?, A3 {86 profile segments…} }

import { tlv, tlvParts, type TlvPart } from '../asn1/tlv.ts';
import { bytesEqual, concatBytes } from '../lib/bytes.ts';
import { BspChannel } from './bsp.ts';
import { type Curve, type EcPrivateKey, type EcPublicKey, ecdh, generateKeyPair, randomBytes } from './engine.ts';
import { CryptoError } from './errors.ts';
import { type BspSessionKeys, deriveBspKeys } from './kdf.ts';
import { publicKeyFromPoint } from './keys.ts';
import { smdpSign } from './signatures.ts';
import type { Signer } from './signer.ts';

/** SGP.22 v2.5 §5.5.1: CRT keyType '88' = AES, keyLen '10' = 16 bytes; remoteOpId 1 = installBoundProfilePackage. */
export const KEY_TYPE_AES = 0x88;
export const KEY_LENGTH_128 = 0x10;
export const REMOTE_OP_ID_INSTALL_BPP = 1;

export interface ProfileProtectionKeys {
  ppkEnc: Uint8Array;
  ppkMac: Uint8Array;
  initialMacChainingValue: Uint8Array;
}

export interface BuildBoundProfilePackageInput {
  /** SK.DPpb behind a Signer: signs the InitialiseSecureChannelRequest. */
  dpPbSigner: Signer;
  /** Curve of otPK.EUICC.ECKA (the point alone does not say). */
  curve: Curve;
  transactionId: Uint8Array;
  hostId: Uint8Array;
  eid: Uint8Array;
  /** otPK.EUICC.ECKA from PrepareDownloadResponse (uncompressed point). */
  euiccOtpk: Uint8Array;
  /** ConfigureISDPRequest TLV (BF24 …) and StoreMetadataRequest TLV (BF25 …). */
  configureIsdp: Uint8Array;
  storeMetadata: Uint8Array;
  /** The profile package (UPP, a stream of profile element TLVs). */
  profile: Uint8Array;
  /** When given, a ReplaceSessionKeys (BF26, SGP.22 v2.5 §5.5.4) switches the 86 segments to these keys. */
  ppk?: ProfileProtectionKeys;
  /** For tests: a fixed otSK.DP.ECKA instead of a fresh one. */
  smdpOtsk?: EcPrivateKey;
}

export interface BuiltBoundProfilePackage {
  boundProfilePackage: Uint8Array;
  sessionKeys: BspSessionKeys;
  smdpOtpk: Uint8Array;
}

const oneByte = (v: number) => Uint8Array.of(v);
const seq = (tag: number, items: Uint8Array[]) => tlv([tag], concatBytes(...items));

export function randomProfileProtectionKeys(): ProfileProtectionKeys {
  return { ppkEnc: randomBytes(16), ppkMac: randomBytes(16), initialMacChainingValue: randomBytes(16) };
}

/** ReplaceSessionKeysRequest BF26 { 80 initialMacChainingValue, 81 ppkEnc, 82 ppkCmac }. */
export function replaceSessionKeysRequest(ppk: ProfileProtectionKeys): Uint8Array {
  return tlv([0xbf, 0x26], concatBytes(tlv([0x80], ppk.initialMacChainingValue), tlv([0x81], ppk.ppkEnc), tlv([0x82], ppk.ppkMac)));
}

/** SM-DP+ side (SGP.22 v2.5 §3.1.3, ES8+): generate otPK.DP, derive the session keys, sign and protect. */
export async function buildBoundProfilePackage(input: BuildBoundProfilePackageInput): Promise<BuiltBoundProfilePackage> {
  const otsk = input.smdpOtsk ?? generateKeyPair(input.curve);
  const sessionKeys = deriveBspKeys(ecdh(otsk, publicKeyFromPoint(input.curve, input.euiccOtpk)), KEY_TYPE_AES, KEY_LENGTH_128, input.hostId, input.eid);
  const unsigned = [
    tlv([0x82], oneByte(REMOTE_OP_ID_INSTALL_BPP)),
    tlv([0x80], input.transactionId),
    tlv([0xa6], concatBytes(tlv([0x80], oneByte(KEY_TYPE_AES)), tlv([0x81], oneByte(KEY_LENGTH_128)), tlv([0x84], input.hostId))),
    tlv([0x5f, 0x49], otsk.publicKey.point),
  ];
  const signature = await smdpSign.sign(input.dpPbSigner, tlv([0xbf, 0x23], concatBytes(...unsigned)), input.euiccOtpk);
  const iscr = tlv([0xbf, 0x23], concatBytes(...unsigned, tlv([0x5f, 0x37], signature)));

  const session = new BspChannel(sessionKeys);
  const parts = [iscr, seq(0xa0, session.protect(0x87, input.configureIsdp, true)), seq(0xa1, session.protect(0x88, input.storeMetadata, false))];
  let profileChannel = session;
  if (input.ppk) {
    parts.push(seq(0xa2, session.protect(0x87, replaceSessionKeysRequest(input.ppk), true)));
    profileChannel = new BspChannel({ sEnc: input.ppk.ppkEnc, sMac: input.ppk.ppkMac, initialMacChainingValue: input.ppk.initialMacChainingValue });
  }
  parts.push(seq(0xa3, profileChannel.protect(0x86, input.profile, true)));
  return { boundProfilePackage: tlv([0xbf, 0x36], concatBytes(...parts)), sessionKeys, smdpOtpk: otsk.publicKey.point };
}

type Tlv = TlvPart;
const children = (buf: Uint8Array): Tlv[] => tlvParts(buf);

function only(items: Tlv[], tag: number, what: string): Tlv {
  const found = items.filter((t) => t.tag === tag);
  if (found.length !== 1) throw new CryptoError('ERR_BSP_STRUCTURE', `expected exactly one ${what} (${tag.toString(16)})`);
  return found[0]!;
}

export interface OpenBoundProfilePackageInput {
  /** otSK.EUICC.ECKA generated at PrepareDownload. */
  euiccOtsk: EcPrivateKey;
  /** PK.DPpb from the CERT.DPpb already validated at PrepareDownload. */
  dpPbPublicKey: EcPublicKey;
  transactionId: Uint8Array;
  eid: Uint8Array;
}

export interface OpenedBoundProfilePackage {
  hostId: Uint8Array;
  configureIsdp: Uint8Array;
  storeMetadata: Uint8Array;
  replaceSessionKeys?: ProfileProtectionKeys;
  profile: Uint8Array;
}

function checkInitialiseSecureChannel(iscr: Tlv, input: OpenBoundProfilePackageInput): { hostId: Uint8Array; smdpOtpk: Uint8Array } {
  const items = children(iscr.value);
  const opId = only(items, 0x82, 'remoteOpId').value;
  if (opId.length !== 1 || opId[0] !== REMOTE_OP_ID_INSTALL_BPP) throw new CryptoError('ERR_BSP_REMOTE_OP_ID', 'remoteOpId is not installBoundProfilePackage(1)');
  if (!bytesEqual(only(items, 0x80, 'transactionId').value, input.transactionId)) throw new CryptoError('ERR_BSP_TRANSACTION_ID', 'transactionId differs from the session');
  const crt = children(only(items, 0xa6, 'controlRefTemplate').value);
  const keyType = only(crt, 0x80, 'keyType').value;
  const keyLen = only(crt, 0x81, 'keyLen').value;
  if (keyType.length !== 1 || keyType[0] !== KEY_TYPE_AES || keyLen.length !== 1 || keyLen[0] !== KEY_LENGTH_128) {
    throw new CryptoError('ERR_BSP_CRT', 'control reference template is not AES-128 (keyType 88, keyLen 10)');
  }
  const smdpOtpk = only(items, 0x5f49, 'smdpOtpk').value;
  const signature = only(items, 0x5f37, 'smdpSign').value;
  if (!smdpSign.verify(input.dpPbPublicKey, signature, iscr.bytes, input.euiccOtsk.publicKey.point)) {
    throw new CryptoError('ERR_SIGNATURE_INVALID', 'smdpSign does not verify with PK.DPpb');
  }
  return { hostId: only(crt, 0x84, 'hostId').value, smdpOtpk };
}

function parseReplaceSessionKeys(bytes: Uint8Array): ProfileProtectionKeys {
  const outer = children(bytes);
  if (outer.length !== 1 || outer[0]!.tag !== 0xbf26) throw new CryptoError('ERR_BSP_STRUCTURE', 'second 87 sequence is not a ReplaceSessionKeysRequest (BF26)');
  const items = children(outer[0]!.value);
  return {
    initialMacChainingValue: only(items, 0x80, 'initialMacChainingValue').value,
    ppkEnc: only(items, 0x81, 'ppkEnc').value,
    ppkMac: only(items, 0x82, 'ppkCmac').value,
  };
}

/**
 * eUICC side (SGP.22 v2.5 §5.7.6 ES10b.LoadBoundProfilePackage; checklist §6.5), in the spec's order:
 * remoteOpId, transactionId, CRT, smdpSign, key agreement, then each sequence's MAC and decryption.
 */
export function openBoundProfilePackage(bpp: Uint8Array, input: OpenBoundProfilePackageInput): OpenedBoundProfilePackage {
  let top: Tlv[];
  try {
    top = children(bpp);
    if (top.length !== 1 || top[0]!.tag !== 0xbf36) throw new CryptoError('ERR_BSP_STRUCTURE', 'not a BoundProfilePackage (BF36)');
    top = children(top[0]!.value);
  } catch (err) {
    if (err instanceof CryptoError) throw err;
    throw new CryptoError('ERR_BSP_STRUCTURE', `malformed BoundProfilePackage: ${(err as Error).message}`, { cause: err });
  }
  const { hostId, smdpOtpk } = checkInitialiseSecureChannel(only(top, 0xbf23, 'InitialiseSecureChannelRequest'), input);
  const keys = deriveBspKeys(ecdh(input.euiccOtsk, publicKeyFromPoint(input.euiccOtsk.curve, smdpOtpk)), KEY_TYPE_AES, KEY_LENGTH_128, hostId, input.eid);
  const session = new BspChannel(keys);
  const segments = (tag: number, what: string) => children(only(top, tag, what).value).map((t) => t.bytes);
  const configureIsdp = session.open(segments(0xa0, 'firstSequenceOf87'), 0x87, true);
  const storeMetadata = session.open(segments(0xa1, 'sequenceOf88'), 0x88, false);
  let profileChannel = session;
  let replaceSessionKeys: ProfileProtectionKeys | undefined;
  if (top.some((t) => t.tag === 0xa2)) {
    replaceSessionKeys = parseReplaceSessionKeys(session.open(segments(0xa2, 'secondSequenceOf87'), 0x87, true));
    profileChannel = new BspChannel({ sEnc: replaceSessionKeys.ppkEnc, sMac: replaceSessionKeys.ppkMac, initialMacChainingValue: replaceSessionKeys.initialMacChainingValue });
  }
  const profile = profileChannel.open(segments(0xa3, 'sequenceOf86'), 0x86, true);
  return { hostId, configureIsdp, storeMetadata, profile, ...(replaceSessionKeys ? { replaceSessionKeys } : {}) };
}
