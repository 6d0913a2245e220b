// What the SM-DP+ simulator's function handlers share: its address and credentials, the catalogue, the
// sessions, the recorder and the optional SM-DS link. Built once by startSmdpp (server.ts).

import type { ParsedCertificate } from '../../src/crypto/certificate.ts';
import type { ServerCredentialSet } from '../common/credentials.ts';
import type { AuthSession } from '../common/mutual-authentication.ts';
import type { Recorder } from '../common/recorder.ts';
import type { SessionStore } from '../common/sessions.ts';
import type { Catalogue, CatalogueEntry } from './catalogue.ts';
import type { SmdppEvent } from './events.ts';

export interface SmdppSession extends AuthSession {
  stage: 'initiated' | 'authenticated' | 'bppDelivered';
  eid?: string;
  euiccCertificate?: ParsedCertificate;
  entry?: CatalogueEntry;
  /** DER StoreMetadataRequest sent as profileMetadata; the same bytes go into the BPP (SGP.22 v2.5 §5.6.3). */
  storeMetadata?: Uint8Array;
  smdpSignature2?: Uint8Array;
}

/** ES12 towards an SM-DS (SGP.22 v2.5 §5.7, §3.6): register / delete the event of an order. */
export interface SmdsLink {
  registerEvent(entry: CatalogueEntry): Promise<void>;
  deleteEvent(entry: CatalogueEntry): Promise<void>;
}

export interface SmdppContext {
  /** SM-DP+ address (FQDN) put into serverSigned1 and compared with smdpAddress. */
  address: string;
  credentials: ServerCredentialSet[];
  trustAnchors: ParsedCertificate[];
  catalogue: Catalogue;
  sessions: SessionStore<SmdppSession>;
  recorder: Recorder<SmdppEvent>;
  smds?: SmdsLink;
  now(): Date;
}
