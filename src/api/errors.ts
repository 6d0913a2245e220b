// The one mapper from errors to the API's JSON error shape {code, message, details}. A validation error
// names the field; an unknown error is a bare 500 with its details in the log only.
import type { NextFunction, Request, Response } from 'express';
import { ZodError } from 'zod';
import { DomainError } from '../domain/errors.ts';
import type { Logger } from '../services/deps.ts';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

const DOMAIN_STATUS: Record<string, number> = {
  ERR_VALIDATION: 400,
  ERR_NOT_FOUND: 404,
  ERR_CONFLICT: 409,
  ERR_COUNTER_EXHAUSTED: 409,
  ERR_NO_ASSOCIATION: 409,
};

export interface MappedError {
  status: number;
  body: { code: string; message: string; details?: unknown };
}

/** At most this many validation issues are listed. */
const MAX_ISSUES = 1000;

/** A field path as the domain writes it: `operations[0].iccid`, `[3].eid`. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('');
}

export function mapError(err: unknown, log: Logger): MappedError {
  if (err instanceof ZodError) {
    const first = err.issues[0];
    const field = first ? fieldPath(first.path) : '';
    // An item of a list body (an import) is named by its index too: { index: 3, field: "[3].eid" }.
    const details = err.issues.slice(0, MAX_ISSUES).map((i) => ({ ...(typeof i.path[0] === 'number' ? { index: i.path[0] } : {}), field: fieldPath(i.path), message: i.message }));
    return { status: 400, body: { code: 'ERR_VALIDATION', message: first ? `${field || 'request'}: ${first.message}` : 'invalid request', details } };
  }
  if (err instanceof DomainError) {
    return { status: DOMAIN_STATUS[err.code] ?? 400, body: { code: err.code, message: err.message, details: err.field ? { field: err.field, ...(err.details ? { more: err.details } : {}) } : err.details } };
  }
  if (err instanceof HttpError) return { status: err.status, body: { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) } };
  const e = err as { type?: string; status?: number; message?: string };
  if (e && e.type === 'entity.too.large') return { status: 413, body: { code: 'ERR_TOO_LARGE', message: 'request body too large' } };
  if (e && e.type === 'entity.parse.failed') return { status: 400, body: { code: 'ERR_VALIDATION', message: 'request body is not valid JSON' } };
  log.error('operator API: unexpected error', { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  return { status: 500, body: { code: 'ERR_INTERNAL', message: 'internal error' } };
}

/** Express error handler using mapError. */
export function errorHandler(log: Logger) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    const m = mapError(err, log);
    res.status(m.status).json(m.body);
  };
}
