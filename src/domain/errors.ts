// Domain errors: a stable code, a message that may be shown to the caller, and where it applies the
// field that was wrong. Transports map them (one mapper each); the spec's own error values travel in
// protocol bodies, not here.

export type DomainErrorCode =
  | 'ERR_VALIDATION' // bad input: the field and the reason are given
  | 'ERR_NOT_FOUND'
  | 'ERR_CONFLICT' // the state does not allow it (e.g. cancelling a delivered order)
  | 'ERR_COUNTER_EXHAUSTED' // SGP.32 v1.2 §3.2: counterValue would exceed 0x7FFFFF
  | 'ERR_NO_ASSOCIATION'; // this eIM is not associated with the eUICC

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  readonly field: string | undefined;
  readonly details: unknown;
  constructor(code: DomainErrorCode, message: string, field?: string, details?: unknown) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.field = field;
    this.details = details;
  }
}

export const invalid = (field: string, message: string): DomainError => new DomainError('ERR_VALIDATION', message, field);
