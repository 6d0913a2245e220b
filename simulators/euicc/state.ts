// The persistent state of the virtual eUICC: everything a real card keeps across power cycles
// (SGP.22 v2.5 §2.4 / SGP.32 v1.2 §2.4: profiles, eIM configuration, notifications, EID, keys). The
// download session and challenge are volatile and live in authentication.ts instead.
//
// The file format is plain JSON. ASN.1 values are kept in the project's JSON form (README "The JSON
// form") so a state file can be read and edited by hand; signed objects (notifications, package
// results) are kept as the exact DER bytes that were signed.

import { renameSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import type { Curve } from '../../src/crypto/engine.ts';

export const STATE_FORMAT = 'sgp32-virtual-euicc/1';

/** One CI the card trusts and, when it has one, its eUICC certificate and key under that CI. */
export interface CredentialState {
  /** Hex SubjectKeyIdentifier of the CI (euiccCiPKId). */
  ciPkId: string;
  curve: Curve;
  /** DER hex of CERT.CI (trust anchor for server certificates). */
  ciCertificate: string;
  /** DER hex of CERT.EUM and CERT.EUICC, and the PKCS#8 DER hex of SK.EUICC.ECDSA. */
  eumCertificate: string;
  euiccCertificate: string;
  euiccPrivateKey: string;
}

export type ProfileStateName = 'enabled' | 'disabled';

export interface ProfileRecord {
  /** ICCID as the 10 bytes carried in 5A (nibble-swapped BCD), hex. */
  iccid: string;
  /** ISD-P AID, hex. */
  isdpAid: string;
  state: ProfileStateName;
  nickname?: string;
  /** SGP.32 v1.2 §2.4a: at most one profile carries the fallback attribute. */
  fallbackAttribute: boolean;
  /** Installed by the EUM at manufacturing (deletePreLoadedTestProfiles), as opposed to downloaded. */
  preloaded?: boolean;
  /** The StoreMetadataRequest (SGP.32 version, BF25) in JSON form: class, SPN, name, PPRs, notification addresses… */
  metadata: Record<string, unknown>;
  /** SM-DP+ OID from CERT.DPpb at installation (dpProprietaryData / PIR smdpOid). */
  smdpOid?: string;
  /** ConfigureISDP dpProprietaryData (JSON form), when the SM-DP+ sent one. */
  dpProprietaryData?: Record<string, unknown>;
  /** The decrypted profile package (profile element TLVs), hex. */
  content: string;
}

export interface EimRecord {
  /** EimConfigurationData in JSON form; counterValue and associationToken are kept current. */
  config: Record<string, unknown>;
}

export interface NotificationRecord {
  seqNumber: number;
  /** NotificationEvent bit name (notificationInstall, notificationEnable, …). */
  event: string;
  notificationAddress: string;
  iccid?: string;
  /** DER hex of the PendingNotification (BF37 ProfileInstallationResult or 30 OtherSignedNotification). */
  der: string;
}

export interface PackageResultRecord {
  seqNumber: number;
  eimId: string;
  /** DER hex of the EuiccPackageResult (BF51) as returned. */
  der: string;
}

/** What ProfileRollback (SGP.32 v1.2 §5.9.16) needs to undo a rollback-flagged enable. */
export interface RollbackContext {
  eimId: string;
  counterValue: number;
  eimTransactionId?: string;
  /** ICCID (hex) of the profile that was enabled before, and of the one the package enabled. */
  previousIccid: string;
  enabledIccid: string;
  /** The package's results (EuiccResultData in JSON form), repeated in the rollback's EuiccPackageResult. */
  results: unknown[];
  associationToken?: number;
  euiccCiPKId?: string;
}

export interface EuiccInfoSettings {
  profileVersion: string;
  svn: string;
  euiccFirmwareVer: string;
  extCardResource: string;
  ppVersion: string;
  sasAcreditationNumber: string;
  /** SGP.32 versions supported (IoTSpecificInfo.iotVersion). */
  iotVersion: string[];
  ipaMode: number;
}

export interface EuiccState {
  format: typeof STATE_FORMAT;
  /** 32 decimal digits (= the hex of the 16 EID bytes). */
  eid: string;
  credentials: CredentialState[];
  profiles: ProfileRecord[];
  eims: EimRecord[];
  notifications: NotificationRecord[];
  packageResults: PackageResultRecord[];
  /** One counter for notifications and package results (checklist §8: YS and OR share one space). */
  nextSeqNumber: number;
  nextAssociationToken: number;
  defaultSmdpAddress?: string;
  rootSmdsAddress: string;
  immediateEnable: { enabled: boolean; defaultSmdpOid?: string; defaultSmdpAddress?: string };
  /** RulesAuthorisationTable (SGP.22 v2.5 §2.9.2.2) in JSON form. */
  rat: unknown[];
  euiccInfo: EuiccInfoSettings;
  rollback?: RollbackContext;
  /** ICCID (hex) of the profile ReturnFromFallback re-enables (SGP.32 v1.2 §5.9.20-§5.9.21). */
  fallbackReturnIccid?: string;
}

export const DEFAULT_EUICC_INFO: EuiccInfoSettings = {
  profileVersion: '020301',
  svn: '020500',
  euiccFirmwareVer: '010000',
  // ETSI TS 102 226 §8.2.1.3.2: 81 installed applications, 82 free NVM, 83 free RAM.
  extCardResource: '810100820300f000830200f0',
  ppVersion: '010000',
  sasAcreditationNumber: 'TEST-SAS-0000',
  iotVersion: ['010200'],
  ipaMode: 0,
};

export function emptyState(eid: string, credentials: CredentialState[]): EuiccState {
  return {
    format: STATE_FORMAT,
    eid,
    credentials,
    profiles: [],
    eims: [],
    notifications: [],
    packageResults: [],
    nextSeqNumber: 1,
    nextAssociationToken: 1,
    rootSmdsAddress: 'lpa.ds.gsma.com',
    immediateEnable: { enabled: false },
    rat: [],
    euiccInfo: { ...DEFAULT_EUICC_INFO },
  };
}

export class StateFileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StateFileError';
  }
}

export function parseState(text: string, source: string): EuiccState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new StateFileError(`${source}: not JSON: ${(err as Error).message}`, { cause: err });
  }
  const s = value as Partial<EuiccState>;
  if (s?.format !== STATE_FORMAT) throw new StateFileError(`${source}: format is not ${STATE_FORMAT}`);
  if (typeof s.eid !== 'string' || !/^\d{32}$/.test(s.eid)) throw new StateFileError(`${source}: eid must be 32 digits`);
  if (!Array.isArray(s.credentials) || s.credentials.length === 0) throw new StateFileError(`${source}: no credentials`);
  return s as EuiccState;
}

export function loadStateFile(path: string): EuiccState {
  return parseState(readFileSync(path, 'utf8'), path);
}

/** Writes the state atomically: a temp file beside the target, then rename (POSIX rename is atomic). */
export function saveStateFile(path: string, state: EuiccState): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}
