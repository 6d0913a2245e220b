// The virtual eUICC: an SGP.32 v1.2 IoT eUICC behind the Es10Card boundary. Drivers send ES10 command TLVs
// through transmit(); in-process callers (tests, the IPA simulator) can use the typed methods, which go
// through the same handlers. Commands run one at a time, as on a card; state changes are saved to the
// state file, when there is one, after each command.

import { existsSync } from 'node:fs';
import { RSPDefinitions as R, SGP32Definitions as S } from '../../src/asn1/index.ts';
import type { Curve } from '../../src/crypto/engine.ts';
import { fromHex, toHex } from '../../src/lib/bytes.ts';
import type { DownloadSession } from './authentication.ts';
import { CardContext } from './context.ts';
import { Credentials, credentialsFromPki } from './credentials.ts';
import { configOf } from './eim-config.ts';
import type { Es10Card } from './es10-card.ts';
import { dispatch } from './es10-dispatch.ts';
import { type IpaEuiccDataOptions, ipaEuiccData } from './ipa-euicc-data.ts';
import { installProfile } from './profile-install.ts';
import { emptyState, type EuiccState, loadStateFile, saveStateFile, StateFileError } from './state.ts';

export interface VirtualEuiccOptions {
  /** Where the state is saved after every change (atomically); absent: in memory only. */
  stateFile?: string;
  /** Clock for certificate validity checks (tests). */
  now?: () => Date;
}

export interface FromPkiOptions extends VirtualEuiccOptions {
  /** Which eUICC of the PKI directory (0-based); default 0. */
  euiccIndex?: number;
  /** Only this curve's credential; default every curve the directory has (one CI each). */
  curve?: Curve;
}

export interface PreloadProfile {
  metadata: S.StoreMetadataRequest;
  content?: Uint8Array;
  enabled?: boolean;
}

export class VirtualEuicc implements Es10Card {
  readonly #ctx: CardContext;
  readonly #stateFile: string | undefined;
  #session: DownloadSession = {};
  #queue: Promise<unknown> = Promise.resolve();

  constructor(state: EuiccState, options: VirtualEuiccOptions = {}) {
    this.#ctx = new CardContext(state, Credentials.fromState(state.credentials), options.now);
    this.#stateFile = options.stateFile;
  }

  /**
   * A card with eUICC `euiccIndex` of a PKI directory (see `eim pki init`). With a stateFile that exists,
   * the saved state is used (its EID must be that eUICC's); otherwise a fresh card is created and saved.
   */
  static fromPki(pkiDir: string, options: FromPkiOptions = {}): VirtualEuicc {
    const { eid, credentials } = credentialsFromPki(pkiDir, options);
    if (options.stateFile && existsSync(options.stateFile)) {
      const saved = loadStateFile(options.stateFile);
      if (saved.eid !== eid) throw new StateFileError(`${options.stateFile} holds EID ${saved.eid}, not ${eid}`);
      return new VirtualEuicc(saved, options);
    }
    const card = new VirtualEuicc(emptyState(eid, credentials), options);
    card.save();
    return card;
  }

  static fromStateFile(path: string, options: Omit<VirtualEuiccOptions, 'stateFile'> = {}): VirtualEuicc {
    return new VirtualEuicc(loadStateFile(path), { ...options, stateFile: path });
  }

  /** The EID, 32 digits. */
  get eid(): string {
    return this.#ctx.state.eid;
  }

  /** A deep copy of the persistent state (what the state file holds). */
  snapshot(): EuiccState {
    return structuredClone(this.#ctx.state);
  }

  save(): void {
    if (this.#stateFile) saveStateFile(this.#stateFile, this.#ctx.state);
    this.#ctx.dirty = false;
  }

  transmit(command: Uint8Array): Promise<Uint8Array> {
    const run = this.#queue.then(async () => {
      // A command that fails leaves the persistent state as it was (card updates are atomic).
      const before = JSON.stringify(this.#ctx.state);
      try {
        const response = await dispatch(this.#ctx, this.#session, command);
        if (this.#ctx.dirty) this.save();
        return response;
      } catch (err) {
        this.#restore(before);
        throw err;
      }
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  reset(): void {
    this.#session = {};
  }

  #restore(json: string): void {
    const state = this.#ctx.state as unknown as Record<string, unknown>;
    for (const k of Object.keys(state)) delete state[k];
    Object.assign(state, JSON.parse(json));
    this.#ctx.dirty = false;
  }

  // ---- typed entry points (each is the ES10 command through transmit) ----

  async getEid(): Promise<string> {
    const r = await this.transmit(fromHex('bf3e035c015a'));
    return toHex(r.subarray(r.length - 16));
  }

  getEuiccInfo1(): Promise<Uint8Array> {
    return this.transmit(fromHex('bf2000'));
  }

  getEuiccInfo2(): Promise<Uint8Array> {
    return this.transmit(fromHex('bf2200'));
  }

  getCerts(euiccCiPKId?: Uint8Array): Promise<Uint8Array> {
    return this.transmit(S.GetCertsRequest.encode(euiccCiPKId ? { euiccCiPKId } : {}));
  }

  loadEuiccPackage(der: Uint8Array): Promise<Uint8Array> {
    return this.transmit(der);
  }

  listProfileInfo(request: R.ProfileInfoListRequest = {}): Promise<Uint8Array> {
    return this.transmit(R.ProfileInfoListRequest.encode(request));
  }

  retrieveNotificationsList(request: S.RetrieveNotificationsListRequest = {}): Promise<Uint8Array> {
    return this.transmit(S.RetrieveNotificationsListRequest.encode(request));
  }

  removeNotificationFromList(seqNumber: number): Promise<Uint8Array> {
    return this.transmit(R.NotificationSentRequest.encode({ seqNumber }));
  }

  profileRollback(refreshFlag = true): Promise<Uint8Array> {
    return this.transmit(S.ProfileRollbackRequest.encode({ refreshFlag }));
  }

  /**
   * The IpaEuiccDataResponse (BF52 DER) an IPA would send for this IpaEuiccDataRequest (DER or value):
   * the card's data for the requested tags; ipaCapabilities / deviceInfo come from `options`.
   */
  ipaEuiccData(request: Uint8Array | S.IpaEuiccDataRequest, options: IpaEuiccDataOptions = {}): Uint8Array {
    const req = request instanceof Uint8Array ? S.IpaEuiccDataRequest.decode(request) : request;
    return S.IpaEuiccDataResponse.encode(ipaEuiccData(this.#ctx, req, options));
  }

  // ---- provisioning for tests and tools (what the EUM / IPA do before the card is in the field) ----

  /** ES10b.AddInitialEim with these configurations (SGP.32 v1.2 §5.9.4); returns the decoded response. */
  async addInitialEim(configs: S.EimConfigurationData[]): Promise<S.AddInitialEimResponse> {
    const r = await this.transmit(S.AddInitialEimRequest.encode({ eimConfigurationDataList: configs }));
    return S.AddInitialEimResponse.decode(r);
  }

  /** The stored eIM configurations (counterValue and associationToken current). */
  eims(): S.EimConfigurationData[] {
    return this.#ctx.state.eims.map(configOf);
  }

  /** Installs a profile as the EUM would at manufacturing (no download, no notification). */
  preloadProfile(p: PreloadProfile): Uint8Array {
    const aid = installProfile(this.#ctx, { metadata: p.metadata, profile: p.content ?? new Uint8Array() });
    const record = this.#ctx.state.profiles[this.#ctx.state.profiles.length - 1]!;
    record.preloaded = true;
    if (p.enabled) {
      for (const other of this.#ctx.state.profiles) other.state = other === record ? 'enabled' : 'disabled';
    }
    this.save();
    return aid;
  }
}

