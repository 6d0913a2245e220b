// The one place where ESipa failures become HTTP answers.
//
// Function-level outcomes (eimPackageError, invalidTransactionId, ...) are not errors here: they travel in
// the body with HTTP 200 (SGP.32 v1.2 §6.1; checklist §5.5). What reaches this mapper is a transport fault:
//
// | cause                                             | status | body (text/plain)                        |
// |---------------------------------------------------|--------|------------------------------------------|
// | RequestError (router, header and field checks)    | its own: 400/404/405/413/415              |
// | Asn1Error while decoding the request              | 400    | `malformed ESipa message: <code, path, offset>` |
// | SyntaxError from JSON.parse                       | 400    | `malformed JSON: <parser message>`       |
// | anything else (a function threw, encoding failed) | 500    | `internal error`; details only in the log |
//
// The body is one short line, never HTML and never a stack trace (checklist §5.5).
import { Asn1Error } from '../asn1/index.ts';
import type { Logger } from '../services/deps.ts';

export type FaultStatus = 400 | 404 | 405 | 413 | 415;

/** A request the server refuses for a reason the peer can be told. */
export class RequestError extends Error {
  readonly status: FaultStatus;
  /** Close the connection after answering (the body was not read to its end). */
  readonly close: boolean;
  constructor(status: FaultStatus, message: string, close = false) {
    super(message);
    this.name = 'RequestError';
    this.status = status;
    this.close = close;
  }
}

/** Wraps what a function or an encoder threw, so a codec error there is not mistaken for a bad request. */
export class InternalError extends Error {
  constructor(cause: unknown) {
    super('internal error', { cause });
    this.name = 'InternalError';
  }
}

export interface Fault {
  status: 400 | 404 | 405 | 413 | 415 | 500;
  text: string;
  close: boolean;
}

const MAX_TEXT = 300;

function oneLine(text: string): string {
  const flat = text.replace(/[\r\n]+/g, ' ');
  return flat.length > MAX_TEXT ? flat.slice(0, MAX_TEXT - 1) + '…' : flat;
}

/** What the peer is told, and what the log records. */
export function toFault(err: unknown, log: Logger, where: { path: string; remoteAddress: string }): Fault {
  if (err instanceof RequestError) return { status: err.status, text: oneLine(err.message), close: err.close };
  if (err instanceof Asn1Error) return { status: 400, text: oneLine(`malformed ESipa message: ${err.message}`), close: false };
  if (err instanceof SyntaxError) return { status: 400, text: oneLine(`malformed JSON: ${err.message}`), close: false };
  const cause = err instanceof InternalError ? err.cause : err;
  log.error('esipa: unexpected error', {
    path: where.path,
    remoteAddress: where.remoteAddress,
    error: cause instanceof Error ? cause.message : String(cause),
    stack: cause instanceof Error ? cause.stack : undefined,
  });
  return { status: 500, text: 'internal error', close: false };
}
