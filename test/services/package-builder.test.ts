// The bulk-order package encoder (src/services/package-builder.ts) writes each EuiccPackageRequest in one
// buffer; its bytes must be exactly the codec's DER (SGP.32 v1.2 §2.11.1.1: the eimSignature covers them).
import { describe, expect, it } from 'vitest';
import { SGP32Definitions as S } from '../../src/asn1/index.ts';
import type { OrderRequest } from '../../src/domain/operations.ts';
import { euiccPackageValue } from '../../src/domain/operations.ts';
import { toHex } from '../../src/lib/bytes.ts';
import { euiccPackageRequestTlv, euiccPackageSignedEncoder } from '../../src/services/package-builder.ts';

const requests: OrderRequest[] = [
  { kind: 'psmo', operations: [{ op: 'listProfileInfo' }] },
  { kind: 'psmo', operations: [{ op: 'enable', iccid: '8901000000000000202' }, { op: 'getRAT' }] },
];

describe('bulk EuiccPackageRequest encoder', () => {
  it.each(requests)('equals the codec for every counter length (%#)', (request) => {
    const encode = euiccPackageSignedEncoder('eim.example.com', request);
    const eid = Uint8Array.from({ length: 16 }, (_, i) => 0x89 + i);
    const txid = Uint8Array.from({ length: 16 }, (_, i) => 255 - i);
    for (const counterValue of [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffff]) {
      const signed = encode(eid, counterValue, txid);
      expect(toHex(signed)).toBe(toHex(S.EuiccPackageSigned.encode({ eimId: 'eim.example.com', eidValue: eid, counterValue, eimTransactionId: txid, euiccPackage: euiccPackageValue(request) })));
      const signature = new Uint8Array(64).fill(counterValue & 0xff);
      const full = euiccPackageRequestTlv(signed, signature);
      const decoded = S.EuiccPackageRequest.decode(full);
      expect(decoded.euiccPackageSigned.counterValue).toBe(counterValue);
      expect(toHex(decoded.eimSignature)).toBe(toHex(signature));
      expect(toHex(S.EuiccPackageRequest.encode(decoded))).toBe(toHex(full));
    }
  });
});
