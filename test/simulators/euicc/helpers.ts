// Test fixtures for the virtual eUICC: a generated test PKI (both curves), an eIM that signs packages the
// way SGP.32 v1.2 §2.11.1.1 says, and checks of the eUICC's signed results over the bytes received.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PKIX1Explicit88 as X, rawBytes, RSPDefinitions as R, SGP32Definitions as S } from '../../../src/asn1/index.ts';
import { tlv } from '../../../src/asn1/tlv.ts';
import { certificatePublicKey } from '../../../src/crypto/certificate.ts';
import type { Curve } from '../../../src/crypto/engine.ts';
import { type LoadedPki, type LoadedPkiSet, loadPkiDirectory, writeTestPkiDirectory } from '../../../src/crypto/pki-directory.ts';
import { eimSignature, euiccSignEPE, euiccSignEPR } from '../../../src/crypto/signatures.ts';
import type { FileKeySigner } from '../../../src/crypto/signer.ts';
import { concatBytes, fromHex } from '../../../src/lib/bytes.ts';
import { VirtualEuicc } from '../../../simulators/euicc/euicc.ts';

export const CURVES: Curve[] = ['P-256', 'brainpoolP256r1'];

export interface TestPki {
  dir: string;
  pki: LoadedPki;
  set(curve: Curve): LoadedPkiSet;
  cleanup(): void;
}

export function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'euicc-sim-'));
  writeTestPkiDirectory(join(dir, 'pki'), { curve: 'both', euiccs: 2 });
  const pki = loadPkiDirectory(join(dir, 'pki'));
  return {
    dir,
    pki,
    set: (curve) => pki.sets.find((s) => s.curve === curve)!,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export const EIM_ID = 'eim.example.test';

export interface TestEim {
  eimId: string;
  signer: FileKeySigner;
  token: number | undefined;
  counter: number;
}

/** A card on one curve, with the PKI's eIM signing key associated through AddInitialEim (token requested). */
export async function cardWithEim(p: TestPki, curve: Curve, options: { stateFile?: string; euiccIndex?: number } = {}): Promise<{ card: VirtualEuicc; eim: TestEim }> {
  const card = VirtualEuicc.fromPki(join(p.dir, 'pki'), { curve, ...options });
  const signer = p.set(curve).roles.eimSign!.signer!;
  const r = await card.addInitialEim([eimConfig(signer)]);
  if (!('addInitialEimOk' in r)) throw new Error(`AddInitialEim failed: ${JSON.stringify(r)}`);
  const first = r.addInitialEimOk[0]!;
  return { card, eim: { eimId: EIM_ID, signer, token: 'associationToken' in first ? Number(first.associationToken) : undefined, counter: 0 } };
}

export function eimConfig(signer: FileKeySigner, eimId = EIM_ID, extra: Partial<S.EimConfigurationData> = {}): S.EimConfigurationData {
  return {
    eimId,
    eimFqdn: 'eim.example.test',
    eimIdType: 2,
    counterValue: 0,
    associationToken: 0,
    eimPublicKeyData: { eimPublicKey: X.SubjectPublicKeyInfo.decode(signer.publicKey.spki) },
    eimSupportedProtocol: ['eimRetrieveHttps'],
    ...extra,
  };
}

export interface PackageInput {
  psmos?: S.Psmo[];
  ecos?: S.Eco[];
  eid?: string;
  counter?: number | bigint;
  eimTransactionId?: Uint8Array;
  eimId?: string;
  token?: number;
  signer?: FileKeySigner;
}

/** An EuiccPackageRequest signed by `eim` (counter = next unless given). */
export async function euiccPackage(card: VirtualEuicc, eim: TestEim, input: PackageInput): Promise<Uint8Array> {
  const counter = input.counter ?? ++eim.counter;
  const signed = S.EuiccPackageSigned.encode({
    eimId: input.eimId ?? eim.eimId,
    eidValue: fromHex(input.eid ?? card.eid),
    counterValue: counter,
    ...(input.eimTransactionId ? { eimTransactionId: input.eimTransactionId } : {}),
    euiccPackage: input.ecos ? { ecoList: input.ecos } : { psmoList: input.psmos ?? [] },
  });
  const signature = await eimSignature.sign(input.signer ?? eim.signer, signed, 'token' in input ? input.token : eim.token);
  return tlv([0xbf, 0x51], concatBytes(signed, tlv([0x5f, 0x37], signature)));
}

/** PK.EUICC from the PKI's certificate for this curve: what an eIM verifies results with. */
export function euiccKey(p: TestPki, curve: Curve, index = 0) {
  return certificatePublicKey(p.set(curve).euiccs[index]!.certificate);
}

/** Decodes a EuiccPackageResult and checks its signature over the received bytes ‖ associationToken TLV. */
export function signedResult(der: Uint8Array, publicKey: ReturnType<typeof certificatePublicKey>, token: number | undefined): S.EuiccPackageResultDataSigned {
  const r = S.EuiccPackageResult.decode(der);
  if (!('euiccPackageResultSigned' in r)) throw new Error(`not a signed result: ${JSON.stringify(S.EuiccPackageResult.toJson(r))}`);
  const data = r.euiccPackageResultSigned.euiccPackageResultDataSigned;
  if (!euiccSignEPR.verify(publicKey, r.euiccPackageResultSigned.euiccSignEPR, rawBytes(data)!, token)) throw new Error('euiccSignEPR does not verify');
  return data;
}

export function signedError(der: Uint8Array, publicKey: ReturnType<typeof certificatePublicKey>, token: number | undefined): S.EuiccPackageErrorDataSigned {
  const r = S.EuiccPackageResult.decode(der);
  if (!('euiccPackageErrorSigned' in r)) throw new Error(`not a signed error: ${JSON.stringify(S.EuiccPackageResult.toJson(r))}`);
  const data = r.euiccPackageErrorSigned.euiccPackageErrorDataSigned;
  if (!euiccSignEPE.verify(publicKey, r.euiccPackageErrorSigned.euiccSignEPE, rawBytes(data)!, token)) throw new Error('euiccSignEPE does not verify');
  return data;
}

/** ICCID bytes as carried in 5A (nibble-swapped BCD) from the printed digits. */
export function iccid(digits: string): Uint8Array {
  const d = digits.padEnd(20, 'f');
  let hex = '';
  for (let i = 0; i < 20; i += 2) hex += d[i + 1]! + d[i]!;
  return fromHex(hex);
}

export function metadata(iccidDigits: string, extra: Partial<S.StoreMetadataRequest> = {}): S.StoreMetadataRequest {
  return {
    iccid: iccid(iccidDigits),
    serviceProviderName: 'Test Operator',
    profileName: `Profile ${iccidDigits.slice(-4)}`,
    profileClass: 2,
    notificationConfigurationInfo: [
      { profileManagementOperation: ['notificationInstall', 'notificationEnable', 'notificationDisable', 'notificationDelete'], notificationAddress: 'smdp.example.test' },
    ],
    ...extra,
  };
}

export function profileInfos(der: Uint8Array): S.ProfileInfo[] {
  const r = S.ProfileInfoListResponse.decode(der);
  if (!('profileInfoListOk' in r)) throw new Error('profile list error');
  return r.profileInfoListOk;
}

export { R, S };
