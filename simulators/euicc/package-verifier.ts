// ES10b.LoadEuiccPackage, first half: take the EuiccPackageRequest (BF51) apart as received and run the
// eUICC's checks in the order SGP.32 v1.2 §5.9.1 gives them (checklist §2.1, §3.1, §3.2):
//   eIM known → eimSignature (over euiccPackageSigned ‖ associationToken TLV) → EID → counterValue.
// The first two failures give the unsigned error, the others a signed EuiccPackageErrorSigned.
// The package is read at TLV level, not through the CHOICE, so that a "mixed" package (PSMOs and eCOs
// in one list, or both lists) is seen as such instead of failing to decode.

import { readHeader, tlv } from '../../src/asn1/tlv.ts';
import { SGP32Definitions as S } from '../../src/asn1/index.ts';
import { type AssociationToken, eimSignature, euiccSignEPE } from '../../src/crypto/signatures.ts';
import { bytesEqual, concatBytes } from '../../src/lib/bytes.ts';
import type { CardContext } from './context.ts';
import { configOf, eimPublicKey, findEim, MAX_COUNTER_VALUE, storedCounter, storedToken } from './eim-config.ts';
import { Es10CommandError } from './es10-card.ts';

export interface ReceivedPackage {
  eimId: string;
  eid: Uint8Array;
  counterValue: bigint;
  eimTransactionId?: Uint8Array;
  /** The euiccPackageSigned TLV exactly as received: what eimSignature covers. */
  signed: Uint8Array;
  signature: Uint8Array;
  /** 'psmo' for A0, 'eco' for A1, 'mixed' when both lists are present. */
  kind: 'psmo' | 'eco' | 'mixed';
  /** The operation TLVs as received, in order. */
  operations: Uint8Array[];
}

export interface VerifiedPackage extends ReceivedPackage {
  /** The associationToken of this eIM at verification time; it enters every result signature. */
  token: number | undefined;
  euiccCiPKId: Uint8Array | undefined;
}

export type Verification = { ok: true; pkg: VerifiedPackage } | { ok: false; response: Uint8Array };

function children(bytes: Uint8Array, start: number, end: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let p = start; p < end; ) {
    const h = readHeader(bytes, p, end);
    out.push(bytes.subarray(p, h.end));
    p = h.end;
  }
  return out;
}

function content(t: Uint8Array): Uint8Array {
  const h = readHeader(t, 0, t.length);
  return t.subarray(h.contentStart, h.contentEnd);
}

/** A two's-complement INTEGER content (a redundant leading byte accepted, checklist §1.3). */
function integer(bytes: Uint8Array): bigint {
  if (bytes.length === 0 || bytes.length > 16) throw new Error('counterValue is not a usable INTEGER');
  let v = bytes[0]! & 0x80 ? -1n : 0n;
  for (const b of bytes) v = v * 256n + BigInt(b);
  return v;
}

/** Parses BF51 { 30 euiccPackageSigned, 5F37 eimSignature }; a request that is not one is Es10CommandError (SW 6A80). */
export function parsePackage(der: Uint8Array): ReceivedPackage {
  try {
    const outer = readHeader(der, 0, der.length);
    if (der[0] !== 0xbf || der[1] !== 0x51 || outer.end !== der.length) throw new Error('not one BF51 TLV');
    const [signed, sig, ...rest] = children(der, outer.contentStart, outer.contentEnd);
    if (!signed || signed[0] !== 0x30 || !sig || sig[0] !== 0x5f || sig[1] !== 0x37 || rest.length) throw new Error('expected 30 euiccPackageSigned, 5F37 eimSignature');
    const fields = children(signed, readHeader(signed, 0, signed.length).contentStart, signed.length);
    const field = (tag: number) => fields.find((f) => f[0] === tag);
    const eimId = field(0x80);
    const eid = field(0x5a);
    const counter = field(0x81);
    const txid = field(0x82);
    const lists = fields.filter((f) => f[0] === 0xa0 || f[0] === 0xa1);
    if (!eimId || !eid || !counter || lists.length === 0) throw new Error('euiccPackageSigned lacks eimId, eidValue, counterValue or the package');
    const kinds = new Set(lists.map((l) => l[0]));
    return {
      eimId: new TextDecoder('utf-8', { fatal: true }).decode(content(eimId)),
      eid: content(eid),
      counterValue: integer(content(counter)),
      ...(txid ? { eimTransactionId: content(txid) } : {}),
      signed,
      signature: content(sig),
      kind: kinds.size > 1 ? 'mixed' : kinds.has(0xa0) ? 'psmo' : 'eco',
      operations: lists.flatMap((l) => children(l, readHeader(l, 0, l.length).contentStart, l.length)),
    };
  } catch (err) {
    throw new Es10CommandError(`malformed EuiccPackageRequest: ${(err as Error).message}`);
  }
}

/** EuiccPackageResult A2 euiccPackageErrorUnsigned (SGP.32 v1.2 §2.11.2.1). */
function unsignedError(pkg: ReceivedPackage, token: number | undefined): Uint8Array {
  return S.EuiccPackageResult.encode({
    euiccPackageErrorUnsigned: { eimId: pkg.eimId, ...(pkg.eimTransactionId ? { eimTransactionId: pkg.eimTransactionId } : {}), ...(token !== undefined ? { associationToken: token } : {}) },
  });
}

/** EuiccPackageResult A1 euiccPackageErrorSigned, signed with euiccSignEPE over the data ‖ associationToken TLV. */
export async function signedError(ctx: CardContext, pkg: VerifiedPackage, code: number): Promise<Uint8Array> {
  const data = S.EuiccPackageErrorDataSigned.encode({
    eimId: pkg.eimId,
    counterValue: pkg.counterValue,
    ...(pkg.eimTransactionId ? { eimTransactionId: pkg.eimTransactionId } : {}),
    euiccPackageErrorCode: code,
  });
  const cred = ctx.credentials.byCiPkId(pkg.euiccCiPKId) ?? ctx.credentials.primary;
  const signature = await euiccSignEPE.sign(cred.signer, data, pkg.token as AssociationToken);
  return tlv([0xbf, 0x51], tlv([0xa1], concatBytes(data, tlv([0x5f, 0x37], signature))));
}

export async function verifyPackage(ctx: CardContext, pkg: ReceivedPackage): Promise<Verification> {
  const record = findEim(ctx, pkg.eimId);
  // SGP.32 v1.2 §5.9.1: unknown eIM → euiccPackageErrorUnsigned (no token: none is associated).
  if (!record) return { ok: false, response: unsignedError(pkg, undefined) };
  const config = configOf(record);
  const token = storedToken(record);
  const key = eimPublicKey(config);
  // SGP.32 v1.2 §2.11.1.1 / checklist §3.1: raw r‖s of exactly 64 bytes, over euiccPackageSigned ‖ 84 token (84 01 00 when none).
  if (!key || pkg.signature.length !== 64 || !eimSignature.verify(key, pkg.signature, pkg.signed, token)) {
    return { ok: false, response: unsignedError(pkg, token) };
  }
  const verified: VerifiedPackage = { ...pkg, token, euiccCiPKId: config.euiccCiPKId };
  // SGP.32 v1.2 §5.9.1: the package must be addressed to this eUICC → invalidEid(3).
  if (!bytesEqual(pkg.eid, ctx.eid)) return { ok: false, response: await signedError(ctx, verified, 3) };
  // SGP.32 v1.2 §2.11.1.1 (checklist §3.2): strictly greater than the stored value, else replayError(4) …
  if (pkg.counterValue <= BigInt(storedCounter(record))) return { ok: false, response: await signedError(ctx, verified, 4) };
  // … and not above 0x7FFFFF, else counterValueOutOfRange(6).
  if (pkg.counterValue > BigInt(MAX_COUNTER_VALUE)) return { ok: false, response: await signedError(ctx, verified, 6) };
  record.config['counterValue'] = Number(pkg.counterValue);
  ctx.changed();
  return { ok: true, pkg: verified };
}
