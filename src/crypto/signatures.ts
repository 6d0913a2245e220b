// One named definition per signature the protocols define. Each knows exactly which bytes it
// covers (`data`), and offers `sign` (through a Signer) and `verify` (plain r‖s, DER accepted).
// Inputs are the TLV bytes as received or as about to be sent: a signature is never computed
// over a re-encoding (style.md; checklist §1.3). Section numbers: SGP.22 v2.5, SGP.32 v1.2.

import { readHeader, tlv } from '../asn1/tlv.ts';
import { concatBytes } from '../lib/bytes.ts';
import { type EcPublicKey, ecdsaVerify } from './engine.ts';
import { normaliseSignature } from './ecdsa.ts';
import { CryptoError } from './errors.ts';
import type { Signer } from './signer.ts';

export interface SignatureDefinition<A extends unknown[]> {
  /** The field name in the spec's ASN.1, e.g. `eimSignature`. */
  readonly name: string;
  /** The exact bytes the signature covers. */
  data(...args: A): Uint8Array;
  /** Signs and resolves to the 64-byte r‖s value that goes into 5F37. */
  sign(signer: Signer, ...args: A): Promise<Uint8Array>;
  /** True when `signature` (r‖s, or DER as a fallback) verifies with `publicKey`; malformed signature or data → false. */
  verify(publicKey: EcPublicKey, signature: Uint8Array, ...args: A): boolean;
}

function defineSignature<A extends unknown[]>(name: string, data: (...args: A) => Uint8Array): SignatureDefinition<A> {
  return {
    name,
    data,
    sign: (signer, ...args) => signer.sign(data(...args)),
    verify(publicKey, signature, ...args) {
      let raw: Uint8Array;
      let signed: Uint8Array;
      try {
        raw = normaliseSignature(signature);
        signed = data(...args);
      } catch (err) {
        if (err instanceof CryptoError) return false; // malformed signature or signed data: not verified
        throw err;
      }
      return ecdsaVerify(publicKey, signed, raw);
    },
  };
}

/** Checks that `bytes` is exactly one TLV with the expected leading tag octets, and returns it. */
function expectTlv(bytes: Uint8Array, tag: number[], what: string): Uint8Array {
  let ok = bytes.length > tag.length && tag.every((t, i) => bytes[i] === t);
  if (ok) {
    try {
      ok = readHeader(bytes, 0, bytes.length).end === bytes.length;
    } catch {
      ok = false;
    }
  }
  if (!ok) throw new CryptoError('ERR_SIGNED_DATA', `${what} must be one complete TLV starting ${tag.map((t) => t.toString(16).padStart(2, '0')).join('')}`);
  return bytes;
}

/** The 5F37 TLV of a signature value, as it appears when one signature covers another. */
function signatureTlv(signature: Uint8Array): Uint8Array {
  return tlv([0x5f, 0x37], signature);
}

/** associationToken as received (INTEGER content octets) or as a number; absent → none configured. */
export type AssociationToken = number | bigint | Uint8Array | undefined;

function integerContent(v: bigint): Uint8Array {
  const bytes: number[] = [];
  let n = v;
  for (;;) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
    if ((n === 0n && !(bytes[0]! & 0x80)) || (n === -1n && bytes[0]! & 0x80)) break;
  }
  return Uint8Array.from(bytes);
}

/**
 * The associationToken TLV appended to eIM and eUICC package signatures: `84 len value`, and
 * `84 01 00` when no token is configured. SGP.32 v1.2 §2.11 (EuiccPackageSigned / EuiccPackageResult
 * ASN.1 comments); v1.0 appended the eimSignature instead (checklist §0, §3.1).
 */
export function associationTokenTlv(token: AssociationToken): Uint8Array {
  if (token === undefined) return Uint8Array.of(0x84, 0x01, 0x00);
  if (token instanceof Uint8Array) return tlv([0x84], token);
  return tlv([0x84], integerContent(BigInt(token)));
}

// ---- SGP.32 v1.2 (eIM packages) ----

/** SGP.32 v1.2 §2.11.1.1: eimSignature over DER(euiccPackageSigned) ‖ associationToken TLV (SK of the eIM). */
export const eimSignature = defineSignature('eimSignature', (euiccPackageSigned: Uint8Array, associationToken?: AssociationToken) =>
  concatBytes(expectTlv(euiccPackageSigned, [0x30], 'euiccPackageSigned'), associationTokenTlv(associationToken)),
);

/** SGP.32 v1.2 §2.11.2.1: euiccSignEPR over the received euiccPackageResultDataSigned ‖ associationToken TLV (SK.EUICC). */
export const euiccSignEPR = defineSignature('euiccSignEPR', (euiccPackageResultDataSigned: Uint8Array, associationToken?: AssociationToken) =>
  concatBytes(expectTlv(euiccPackageResultDataSigned, [0x30], 'euiccPackageResultDataSigned'), associationTokenTlv(associationToken)),
);

/** SGP.32 v1.2 §2.11.2.1: euiccSignEPE over the received euiccPackageErrorDataSigned ‖ associationToken TLV (SK.EUICC). */
export const euiccSignEPE = defineSignature('euiccSignEPE', (euiccPackageErrorDataSigned: Uint8Array, associationToken?: AssociationToken) =>
  concatBytes(expectTlv(euiccPackageErrorDataSigned, [0x30], 'euiccPackageErrorDataSigned'), associationTokenTlv(associationToken)),
);

// ---- SGP.22 v2.5 (RSP) ----

/** SGP.22 v2.5 §5.6.1 / §5.7.13: serverSignature1 over DER(serverSigned1) (SK.DPauth or SK.DSauth). */
export const serverSignature1 = defineSignature('serverSignature1', (serverSigned1: Uint8Array) => expectTlv(serverSigned1, [0x30], 'serverSigned1'));

/** SGP.22 v2.5 §5.7.13: euiccSignature1 over DER(euiccSigned1) (SK.EUICC). */
export const euiccSignature1 = defineSignature('euiccSignature1', (euiccSigned1: Uint8Array) => expectTlv(euiccSigned1, [0x30], 'euiccSigned1'));

/** SGP.22 v2.5 §5.6.2 / §5.7.5: smdpSignature2 over DER(smdpSigned2) ‖ the 5F37 TLV of euiccSignature1 (SK.DPpb). */
export const smdpSignature2 = defineSignature('smdpSignature2', (smdpSigned2: Uint8Array, euiccSignature1Value: Uint8Array) =>
  concatBytes(expectTlv(smdpSigned2, [0x30], 'smdpSigned2'), signatureTlv(euiccSignature1Value)),
);

/** SGP.22 v2.5 §5.7.5: euiccSignature2 over DER(euiccSigned2) ‖ the 5F37 TLV of smdpSignature2 (SK.EUICC). */
export const euiccSignature2 = defineSignature('euiccSignature2', (euiccSigned2: Uint8Array, smdpSignature2Value: Uint8Array) =>
  concatBytes(expectTlv(euiccSigned2, [0x30], 'euiccSigned2'), signatureTlv(smdpSignature2Value)),
);

/**
 * SGP.22 v2.5 §5.5.1 (ES8+.InitialiseSecureChannel): smdpSign over remoteOpId ‖ transactionId ‖
 * controlRefTemplate ‖ smdpOtpk (the TLVs as they appear in BF23) ‖ euiccOtpk as a 5F49 TLV (SK.DPpb).
 * `initialiseSecureChannelRequest` is the BF23 TLV, with or without its 5F37 smdpSign.
 */
export const smdpSign = defineSignature('smdpSign', (initialiseSecureChannelRequest: Uint8Array, euiccOtpk: Uint8Array) => {
  const iscr = expectTlv(initialiseSecureChannelRequest, [0xbf, 0x23], 'initialiseSecureChannelRequest');
  const outer = readHeader(iscr, 0, iscr.length);
  const parts: Uint8Array[] = [];
  for (let p = outer.contentStart; p < outer.contentEnd; ) {
    const h = readHeader(iscr, p, outer.contentEnd);
    const isSignature = iscr[p] === 0x5f && iscr[p + 1] === 0x37;
    if (!isSignature) parts.push(iscr.subarray(p, h.end));
    p = h.end;
  }
  const tags = parts.map((t) => (t[0] === 0x5f ? (t[0] << 8) | t[1]! : t[0]!));
  if (tags.join() !== [0x82, 0x80, 0xa6, 0x5f49].join()) {
    throw new CryptoError('ERR_SIGNED_DATA', 'InitialiseSecureChannelRequest must hold 82 remoteOpId, 80 transactionId, A6 controlRefTemplate, 5F49 smdpOtpk in this order');
  }
  return concatBytes(...parts, tlv([0x5f, 0x49], euiccOtpk));
});

/** SGP.22 v2.5 §5.7.6 (ProfileInstallationResult): euiccSignPIR over DER(profileInstallationResultData) (BF27) (SK.EUICC). */
export const euiccSignPIR = defineSignature('euiccSignPIR', (profileInstallationResultData: Uint8Array) =>
  expectTlv(profileInstallationResultData, [0xbf, 0x27], 'profileInstallationResultData'),
);

/** SGP.22 v2.5 §5.7.10 (OtherSignedNotification): euiccNotificationSignature over DER(tbsOtherNotification) (BF2F) (SK.EUICC). */
export const euiccNotificationSignature = defineSignature('euiccNotificationSignature', (tbsOtherNotification: Uint8Array) =>
  expectTlv(tbsOtherNotification, [0xbf, 0x2f], 'tbsOtherNotification'),
);

/** SGP.22 v2.5 §5.7.14 (ES10b.CancelSession): euiccCancelSessionSignature over DER(euiccCancelSessionSigned) (SK.EUICC). */
export const euiccCancelSessionSignature = defineSignature('euiccCancelSessionSignature', (euiccCancelSessionSigned: Uint8Array) =>
  expectTlv(euiccCancelSessionSigned, [0x30], 'euiccCancelSessionSigned'),
);
