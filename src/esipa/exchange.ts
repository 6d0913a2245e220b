// One ESipa request from its headers to its answer: route and header checks, the body read up to a fixed
// limit, the binding, the reply. Listeners are module functions that find their Exchange on the request,
// so no closure is allocated per request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../services/deps.ts';
import type { EsipaContext, EsipaFunctions } from '../services/esipa-functions.ts';
import { type BindingAnswer, handleAsn1 } from './asn1-binding.ts';
import { RequestError, toFault } from './errors.ts';
import { handleJson } from './json-binding.ts';
import { ASN1_MEDIA_TYPE, DEFAULT_ADMIN_PROTOCOL, JSON_MEDIA_TYPE, sendBody, sendFault, sendNoContent } from './respond.ts';
import { checkAdminProtocol, checkContentType, checkDeclaredLength, pathOf, type Route, routeOf } from './router.ts';

export interface ExchangeConfig {
  functions: EsipaFunctions;
  log: Logger;
  maxBodyBytes: number;
  /** Idle polls answered since the last summary line; undefined: every idle poll is logged like any request. */
  idlePolls?: { count: number };
}

const EXCHANGE = Symbol('esipa.exchange');
type TaggedRequest = IncomingMessage & { [EXCHANGE]?: Exchange };

class Exchange {
  adminProtocol = DEFAULT_ADMIN_PROTOCOL;
  route: Route | undefined;
  /** First chunk; most ESipa bodies arrive in one. */
  first: Buffer | undefined;
  more: Buffer[] | undefined;
  received = 0;
  /** An answer has been started; later events are ignored. */
  settled = false;

  constructor(
    readonly cfg: ExchangeConfig,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly path: string,
  ) {}

  onData(chunk: Buffer): void {
    if (this.settled) return;
    this.received += chunk.length;
    if (this.received > this.cfg.maxBodyBytes) {
      this.req.pause();
      this.fail(new RequestError(413, `request body exceeds the limit of ${this.cfg.maxBodyBytes} bytes`, true));
      return;
    }
    if (this.first === undefined) this.first = chunk;
    else (this.more ??= []).push(chunk);
  }

  onEnd(): void {
    if (this.settled) return;
    const body = this.more === undefined ? (this.first ?? EMPTY) : Buffer.concat([this.first!, ...this.more], this.received);
    this.first = this.more = undefined;
    void this.answer(body);
  }

  async answer(body: Buffer): Promise<void> {
    const route = this.route!;
    const ctx: EsipaContext = {
      binding: route.binding,
      remoteAddress: this.req.socket.remoteAddress ?? '',
      userAgent: this.req.headers['user-agent'],
    };
    let answer: BindingAnswer;
    try {
      answer =
        route.binding === 'asn1'
          ? await handleAsn1(body, this.cfg.functions, ctx)
          : await handleJson(route.fn, body, this.cfg.functions, ctx);
    } catch (err) {
      this.fail(err);
      return;
    }
    this.settled = true;
    if (answer === null) sendNoContent(this.res, this.adminProtocol);
    else sendBody(this.res, route.binding === 'asn1' ? ASN1_MEDIA_TYPE : JSON_MEDIA_TYPE, this.adminProtocol, answer);
    if (ctx.idle && this.cfg.idlePolls) this.cfg.idlePolls.count++;
    else this.logDone(answer === null ? 204 : 200);
  }

  fail(err: unknown): void {
    if (this.settled || this.res.headersSent) return;
    this.settled = true;
    const fault = toFault(err, this.cfg.log, { path: this.path, remoteAddress: this.req.socket.remoteAddress ?? '' });
    sendFault(this.res, fault, this.adminProtocol, fault.status === 405 ? 'POST' : undefined);
    this.logDone(fault.status, fault.status === 500 ? undefined : fault.text);
  }

  /** One line per request; the User-Agent is logged, never checked (SGP.32 v1.2 §6.1, CR111005). */
  logDone(status: number, problem?: string): void {
    this.cfg.log.info('esipa request', {
      path: this.path,
      status,
      remoteAddress: this.req.socket.remoteAddress,
      userAgent: this.req.headers['user-agent'],
      ...(problem === undefined ? {} : { problem }),
    });
  }
}

const EMPTY = Buffer.alloc(0);

function onData(this: TaggedRequest, chunk: Buffer): void {
  this[EXCHANGE]!.onData(chunk);
}

function onEnd(this: TaggedRequest): void {
  this[EXCHANGE]!.onEnd();
}

/** The peer went away or sent a broken body: nobody to answer. */
function onError(this: TaggedRequest): void {
  this[EXCHANGE]!.settled = true;
}

export function handleRequest(cfg: ExchangeConfig, req: IncomingMessage, res: ServerResponse): void {
  const ex = new Exchange(cfg, req, res, pathOf(req.url));
  try {
    const route = routeOf(ex.path);
    if (req.method !== 'POST') throw new RequestError(405, `method ${req.method} not allowed: ESipa functions are called with POST`);
    const ap = checkAdminProtocol(req.headers['x-admin-protocol']);
    if (ap !== undefined) ex.adminProtocol = ap;
    checkContentType(route, req.headers['content-type']);
    checkDeclaredLength(req, cfg.maxBodyBytes);
    ex.route = route;
  } catch (err) {
    ex.fail(err);
    return;
  }
  (req as TaggedRequest)[EXCHANGE] = ex;
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('error', onError);
}
