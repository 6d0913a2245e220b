// The simulators' admin endpoint: JSON over the same HTTPS server, under /admin/, guarded by a bearer
// token (no token configured = no admin endpoint). Not a GSMA interface; answers are plain JSON.

import { timingSafeEqual } from 'node:crypto';
import type { SimRequest, SimResponse } from './http-server.ts';
import { type JsonObject, parseJsonObject } from './json-binding.ts';
import { MalformedRequestError } from './rsp-error.ts';

export const ADMIN_PREFIX = '/admin/';

/** Thrown by admin handlers: answered with this HTTP status and `{ error: message }`. */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'AdminError';
  }
}

export type AdminRoutes = Record<string, (body: JsonObject | undefined, method: string) => Promise<{ status: number; body: unknown }>>;

const json = (status: number, body: unknown): SimResponse => ({ status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

function authorised(req: SimRequest, token: string): boolean {
  const given = Buffer.from(String(req.headers.authorization ?? ''));
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The admin endpoint's one error mapper: AdminError / bad input → 4xx JSON; anything else → rethrown (bare 500). */
export async function dispatchAdmin(req: SimRequest, token: string | undefined, routes: AdminRoutes): Promise<SimResponse | undefined> {
  if (!req.path.startsWith(ADMIN_PREFIX) || token === undefined) return undefined;
  if (!authorised(req, token)) return json(401, { error: 'missing or wrong bearer token' });
  const route = routes[req.path];
  if (!route) return json(404, { error: `no admin resource ${req.path}` });
  try {
    const body = req.method === 'GET' ? undefined : parseJsonObject(req.body);
    const out = await route(body, req.method);
    return json(out.status, out.body);
  } catch (err) {
    if (err instanceof AdminError) return json(err.status, { error: err.message });
    if (err instanceof MalformedRequestError || err instanceof TypeError) return json(400, { error: err.message });
    throw err;
  }
}
