// What the use cases need from the outside world, wired once by the composition root (src/main.ts).
import type { ParsedCertificate } from '../crypto/certificate.ts';
import type { Curve } from '../crypto/engine.ts';
import type { Signer } from '../crypto/signer.ts';
import type { Store } from './ports.ts';

export interface Logger {
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

export interface EimIdentity {
  /** This eIM's eimId, as provisioned in the eUICCs' EimConfigurationData (SGP.32 v1.2 §3.7). */
  eimId: string;
  /** The eIM signing keys, one per curve it signs on (NIST P-256, brainpoolP256r1). */
  signers: Partial<Record<Curve, Signer>>;
}

export interface ServiceDeps {
  store: Store;
  eim: EimIdentity;
  /** CI certificates eUICC certificate chains must lead to. */
  trustAnchors: ParsedCertificate[];
  log: Logger;
  now(): Date;
  /** How long an order may wait before it expires, when the order does not say (ms). */
  defaultOrderTtlMs: number;
  /** Called after changes commit, for work that follows them outside the request (e.g. inject mode). */
  hooks?: {
    /** A package was queued for this eUICC. */
    orderQueued?(euiccId: number): void;
  };
}
