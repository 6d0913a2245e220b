// What the eIM's per-cycle crypto and codec work costs on its own, measured in this process, so
// bench:cycle can split the eIM's CPU time per cycle into verification, codec and the rest.
import { SGP32Definitions as S } from '../src/asn1/index.ts';
import { ecdsaSign, ecdsaVerify } from '../src/crypto/engine.ts';
import { loadPrivateKey } from '../src/crypto/keys.ts';
import type { LoadedPki } from '../src/crypto/pki-directory.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PkiIndex } from '../src/crypto/test-pki.ts';
import { getEimPackageResponse, provideEimPackageResult } from './codec-fixtures.ts';
import { measure } from './harness.ts';

export async function microCosts(pkiDir: string, pki: LoadedPki): Promise<{ signUs: number; verifyUs: number; codecUs: number }> {
  const index = JSON.parse(readFileSync(join(pkiDir, 'pki.json'), 'utf8')) as PkiIndex;
  const key = loadPrivateKey(readFileSync(join(pkiDir, index.sets[0]!.euiccs[0]!.key!), 'utf8'));
  void pki;
  const data = new Uint8Array(120).fill(7);
  const sig = ecdsaSign(key, data);
  const us = (opsPerSec: number): number => 1e6 / opsPerSec;
  const sign = measure('sign', () => ecdsaSign(key, data), 500);
  const verify = measure('verify', () => ecdsaVerify(key.publicKey, data, sig), 500);
  // Per cycle the eIM decodes a GetEimPackageRequest and a ProvideEimPackageResult (the fixture also
  // carries notifications: an upper bound) and encodes a GetEimPackageResponse with the signed package.
  const poll = S.EsipaMessageFromIpaToEim.encode({ getEimPackageRequest: { eidValue: new Uint8Array(16).fill(0x89) } });
  const provide = provideEimPackageResult();
  const response = S.GetEimPackageResponse.decode(getEimPackageResponse());
  const codec = measure('codec', () => {
    S.EsipaMessageFromIpaToEim.decode(poll);
    S.ProvideEimPackageResult.decode(provide);
    return S.GetEimPackageResponse.encode(response);
  }, 500);
  return { signUs: us(sign.opsPerSec), verifyUs: us(verify.opsPerSec), codecUs: us(codec.opsPerSec) };
}
