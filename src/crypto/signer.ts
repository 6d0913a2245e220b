// The Signer abstraction: who holds a private key is a deployment choice (a PEM file today, an HSM
// later), so protocol code only ever asks a Signer for a plain r‖s ECDSA-SHA256 signature.

import { type Curve, type EcPrivateKey, type EcPublicKey, ecdsaSign } from './engine.ts';
import { loadPrivateKey } from './keys.ts';

export interface Signer {
  readonly curve: Curve;
  readonly publicKey: EcPublicKey;
  /** ECDSA with SHA-256 over `data`; resolves to the 64-byte r‖s form. */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** A Signer whose key lives in process memory, loaded from a PEM/DER key file. */
export class FileKeySigner implements Signer {
  readonly curve: Curve;
  readonly publicKey: EcPublicKey;
  readonly #key: EcPrivateKey;

  constructor(key: EcPrivateKey) {
    this.#key = key;
    this.curve = key.curve;
    this.publicKey = key.publicKey;
  }

  /** From the contents of a key file: PEM (PKCS#8 or SEC1) text or DER bytes. */
  static fromKeyFile(contents: string | Uint8Array): FileKeySigner {
    return new FileKeySigner(loadPrivateKey(contents));
  }

  sign(data: Uint8Array): Promise<Uint8Array> {
    return Promise.resolve(ecdsaSign(this.#key, data));
  }

  /** Synchronous form for callers that know the key is local (simulators, benchmarks). */
  signSync(data: Uint8Array): Uint8Array {
    return ecdsaSign(this.#key, data);
  }
}
