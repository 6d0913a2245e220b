// The operator REST API (issue 6), express 5, under /api/v1: authenticated by API key, tenant-scoped,
// validated by each route's schemas, rate-limited per key, size-limited, audited.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger, ServiceDeps } from '../services/deps.ts';
import { hasRole, verifyApiKey, type AuthContext } from '../services/api-keys.ts';
import { errorHandler, HttpError, mapError } from './errors.ts';
import { openApiDocument, REFERENCE_PAGE } from './openapi.ts';
import { RateLimiter } from './rate-limit.ts';
import type { RouteSpec } from './route.ts';

export interface ApiServerOptions {
  deps: ServiceDeps;
  routes: RouteSpec[];
  host: string;
  port: number;
  /** JSON body limit (default 1 MiB). */
  maxJsonBytes?: number;
  /** Requests per second per API key, and the burst allowed (defaults 50/s, 200). */
  rateLimit?: { perSecond: number; burst: number };
  log?: Logger;
  /** Called with the HTTP server before it listens (e.g. to attach a WebSocket endpoint). */
  attach?(server: Server): void;
}

export interface ApiServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

declare module 'express-serve-static-core' {
  interface Request {
    auth?: AuthContext;
  }
}

const MUTATING = new Set(['post', 'put', 'patch', 'delete']);

export async function createApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const { deps } = opts;
  const log = opts.log ?? deps.log;
  const limiter = new RateLimiter(opts.rateLimit?.perSecond ?? 50, opts.rateLimit?.burst ?? 200);
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  const document = openApiDocument(opts.routes, { title: 'eIM operator API', version: '1' });
  app.get('/api/v1/openapi.json', (_req, res) => void res.json(document));
  app.get('/api/v1/docs', (_req, res) => void res.type('html').send(REFERENCE_PAGE));

  // lastUsedAt is informational: written at most once a minute per key, never on the request's path.
  const touched = new Map<string, number>();
  const touchKey = (keyId: string): void => {
    const now = Date.now();
    if ((touched.get(keyId) ?? 0) > now - 60_000) return;
    touched.set(keyId, now);
    deps.store.updateApiKey(keyId, { lastUsedAt: deps.now() }).catch(() => undefined);
  };

  const authenticate = async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const auth = m ? await verifyApiKey(deps, m[1]!) : undefined;
    if (!auth) return next(new HttpError(401, 'ERR_UNAUTHENTICATED', 'a valid API key is required (Authorization: Bearer <key>)'));
    if (!limiter.take(auth.keyId)) {
      _res.setHeader('Retry-After', String(limiter.retryAfter(auth.keyId)));
      return next(new HttpError(429, 'ERR_RATE_LIMITED', 'too many requests for this API key'));
    }
    req.auth = auth;
    next();
  };

  const router = express.Router();
  for (const r of opts.routes) {
    const parsers = r.textBody ? [express.text({ type: () => true, limit: r.textBody.maxBytes })] : [express.json({ limit: r.maxJsonBytes ?? opts.maxJsonBytes ?? 1024 * 1024 })];
    router[r.method](r.path, authenticate, ...parsers, async (req: Request, res: Response) => {
      const auth = req.auth!;
      let status = 500;
      let failure: unknown;
      try {
        if (!hasRole(auth, r.role)) throw new HttpError(403, 'ERR_FORBIDDEN', `this API key's role (${auth.role}) may not ${r.summary.toLowerCase()}; ${r.role} or higher is needed`);
        const params = r.params ? r.params.parse(req.params) : req.params;
        const query = r.query ? r.query.parse(req.query) : req.query;
        const body = r.body ? r.body.parse(r.textBody ? (typeof req.body === 'string' ? req.body : '') : (req.body ?? {})) : undefined;
        const result = await r.handler({ params, query, body, auth, req, res });
        if (res.headersSent) {
          status = res.statusCode;
          return;
        }
        status = r.status ?? 200;
        if (status === 204) res.status(204).end();
        else res.status(status).json(result);
      } catch (err) {
        const m = mapError(err, log);
        status = m.status;
        failure = m.body;
        if (!res.headersSent) res.status(m.status).json(m.body);
      } finally {
        if (MUTATING.has(r.method)) {
          const target = Object.values(req.params ?? {}).join('/') || null;
          deps.store
            .insertAudit({ tenantId: auth.tenantId, keyId: auth.keyId, method: req.method, path: req.originalUrl.split('?')[0]!.slice(0, 500), action: r.operationId, target, status, details: failure ?? null })
            .catch((e: unknown) => log.error('audit log write failed', { error: String(e) }));
        }
        touchKey(auth.keyId);
      }
    });
  }
  app.use('/api/v1', router);
  app.use('/api/v1', (_req: Request, _res: Response, next: NextFunction) => next(new HttpError(404, 'ERR_NOT_FOUND', 'no such API resource')));
  app.use(errorHandler(log));

  const server = createServer({ maxHeaderSize: 16 * 1024 }, app);
  opts.attach?.(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
