// Routes declare what they accept and return as zod schemas; the same declaration validates requests,
// checks the caller's role, writes the audit log for mutating calls, and generates the OpenAPI document.
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { Role } from '../domain/records.ts';
import type { AuthContext } from '../services/api-keys.ts';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  auth: AuthContext;
  req: Request;
  res: Response;
}

export interface RouteSpec<P = unknown, Q = unknown, B = unknown> {
  method: Method;
  /** Express path below /api/v1, e.g. `/euiccs/:eid`. */
  path: string;
  /** OpenAPI operationId and the audit log's action. */
  operationId: string;
  summary: string;
  tag: string;
  /** Least role allowed: viewer < operator < admin. */
  role: Role;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** Raw text body (CSV uploads) instead of JSON; the body schema is then a string. */
  textBody?: { contentType: string; maxBytes: number };
  /** JSON body limit of this route, when it needs more than the server's default (bulk imports). */
  maxJsonBytes?: number;
  response?: z.ZodType;
  /** HTTP status of a success (200 by default; 201 for creations, 204 for no content). */
  status?: number;
  handler(input: RouteInput<P, Q, B>): Promise<unknown>;
}

/** Typed helper so each route's handler sees its own parameter types. */
export function route<P, Q, B>(spec: RouteSpec<P, Q, B>): RouteSpec {
  return spec as unknown as RouteSpec;
}

/** The JSON error shape of the whole API. */
export const ErrorBody = z.object({
  code: z.string().describe('stable error code, e.g. ERR_VALIDATION, ERR_NOT_FOUND'),
  message: z.string(),
  details: z.unknown().optional(),
});

/** Cursor paging: `after` is the last item's cursor of the previous page. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: z.string().max(200).optional(),
});
