// What the SM-DS simulator's handlers share. Built once by startSmds (server.ts).

import type { ParsedCertificate } from '../../src/crypto/certificate.ts';
import type { ServerCredentialSet } from '../common/credentials.ts';
import type { AuthSession } from '../common/mutual-authentication.ts';
import type { Recorder } from '../common/recorder.ts';
import type { SessionStore } from '../common/sessions.ts';
import type { StatusCodeData } from '../common/rsp-error.ts';
import type { EventStore } from './event-store.ts';

export type SmdsEvent =
  | { type: 'call'; function: string; path: string }
  | { type: 'rejected'; function: string; error: string; status: StatusCodeData }
  | { type: 'initiated'; transactionId: string }
  | { type: 'retrieved'; transactionId: string; eid: string; eventIds: string[] }
  | { type: 'registered'; eventId: string; eid: string; rspServerAddress: string }
  | { type: 'deleted'; eventId: string; eid: string };

export interface SmdsContext {
  /** SM-DS address (FQDN) in serverSigned1. */
  address: string;
  credentials: ServerCredentialSet[];
  trustAnchors: ParsedCertificate[];
  events: EventStore;
  sessions: SessionStore<AuthSession>;
  recorder: Recorder<SmdsEvent>;
  now(): Date;
}
