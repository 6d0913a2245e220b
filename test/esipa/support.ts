// Shared by the ESipa server tests: a generated test PKI (eimTls certificate and key), a fake EsipaFunctions
// that records what it receives, and a small HTTPS client on a keep-alive agent.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Socket } from 'node:net';
import { pemDecodeAll } from '../../src/crypto/keys.ts';
import type { Logger } from '../../src/services/deps.ts';
import type { EsipaContext, EsipaFunctions } from '../../src/services/esipa-functions.ts';

const ROOT = resolve(import.meta.dirname, '../..');

export interface TestPki {
  dir: string;
  cert: string;
  key: string;
  ca: string;
  dpAuthDer: Uint8Array;
  dpPbDer: Uint8Array;
  cleanup(): void;
}

/** `eim pki init --curve nist` into a temporary directory (as a user would run it). */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'esipa-pki-'));
  execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'pki', 'init', '--out', dir, '--curve', 'nist'], { cwd: ROOT, stdio: 'pipe' });
  const index = JSON.parse(readFileSync(join(dir, 'pki.json'), 'utf8')) as {
    sets: { ci: { cert: string }; eimTls: { cert: string; key: string }; dpAuth: { cert: string }; dpPb: { cert: string } }[];
  };
  const set = index.sets[0]!;
  const der = (file: string) => pemDecodeAll(readFileSync(join(dir, file), 'utf8'))[0]!.der;
  return {
    dir,
    cert: readFileSync(join(dir, set.eimTls.cert), 'utf8'),
    key: readFileSync(join(dir, set.eimTls.key), 'utf8'),
    ca: readFileSync(join(dir, set.ci.cert), 'utf8'),
    dpAuthDer: der(set.dpAuth.cert),
    dpPbDer: der(set.dpPb.cert),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface Call {
  fn: keyof EsipaFunctions;
  request: unknown;
  ctx: EsipaContext;
}

/** EsipaFunctions that record each call and answer what `answers` holds (or throw `failWith`). */
export class FakeFunctions implements EsipaFunctions {
  calls: Call[] = [];
  answers: Partial<Record<keyof EsipaFunctions, unknown>> = {};
  failWith: Error | undefined;

  private async record<T>(fn: keyof EsipaFunctions, request: unknown, ctx: EsipaContext): Promise<T> {
    this.calls.push({ fn, request, ctx });
    if (this.failWith) throw this.failWith;
    if (!(fn in this.answers)) throw new Error(`no answer configured for ${fn}`);
    return this.answers[fn] as T;
  }
  getEimPackage: EsipaFunctions['getEimPackage'] = (r, c) => this.record('getEimPackage', r, c);
  provideEimPackageResult: EsipaFunctions['provideEimPackageResult'] = (r, c) => this.record('provideEimPackageResult', r, c);
  handleNotification: EsipaFunctions['handleNotification'] = async (r, c) => {
    this.calls.push({ fn: 'handleNotification', request: r, ctx: c });
    if (this.failWith) throw this.failWith;
  };
  initiateAuthentication: EsipaFunctions['initiateAuthentication'] = (r, c) => this.record('initiateAuthentication', r, c);
  authenticateClient: EsipaFunctions['authenticateClient'] = (r, c) => this.record('authenticateClient', r, c);
  getBoundProfilePackage: EsipaFunctions['getBoundProfilePackage'] = (r, c) => this.record('getBoundProfilePackage', r, c);
  cancelSession: EsipaFunctions['cancelSession'] = (r, c) => this.record('cancelSession', r, c);

  last(): Call {
    const c = this.calls.at(-1);
    if (!c) throw new Error('no call recorded');
    return c;
  }
}

export class MemoryLogger implements Logger {
  lines: { level: string; msg: string; data?: Record<string, unknown> }[] = [];
  info(msg: string, data?: Record<string, unknown>) { this.lines.push({ level: 'info', msg, data }); }
  warn(msg: string, data?: Record<string, unknown>) { this.lines.push({ level: 'warn', msg, data }); }
  error(msg: string, data?: Record<string, unknown>) { this.lines.push({ level: 'error', msg, data }); }
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  socket: Socket;
  reused: boolean;
}

export interface PostOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Send the body chunked (no Content-Length). */
  chunked?: boolean;
}

/** An HTTPS (or HTTP) client trusting the test CI, with one keep-alive socket. */
export class Client {
  readonly agent: HttpsAgent | HttpAgent;
  constructor(
    readonly baseUrl: string,
    ca?: string,
  ) {
    this.agent = baseUrl.startsWith('https:')
      ? new HttpsAgent({ keepAlive: true, maxSockets: 1, ca, servername: 'localhost' })
      : new HttpAgent({ keepAlive: true, maxSockets: 1 });
  }

  request(path: string, body: Uint8Array | string, opts: PostOptions = {}): Promise<Reply> {
    const url = new URL(path, this.baseUrl);
    const data = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
    const headers: Record<string, string> = { ...opts.headers };
    if (!opts.chunked) headers['content-length'] = String(data.length);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolvePromise, reject) => {
      const req = send(url, { method: opts.method ?? 'POST', agent: this.agent, headers, servername: 'localhost' }, (res) => {
        const chunks: Buffer[] = [];
        const socket = res.socket as Socket;
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolvePromise({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks), socket, reused: req.reusedSocket }));
        res.on('error', reject);
      });
      req.on('error', reject);
      if (opts.chunked) {
        for (let i = 0; i < data.length; i += 1024) req.write(data.subarray(i, i + 1024));
        req.end();
      } else req.end(data);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export const ASN1_HEADERS = {
  'content-type': 'application/x-gsma-rsp-asn1',
  'x-admin-protocol': 'gsma/rsp/v2.1.0',
  'user-agent': 'gsma-rsp-ipad; test',
};

export const JSON_HEADERS = {
  'content-type': 'application/json',
  'x-admin-protocol': 'gsma/rsp/v2.1.0',
  'user-agent': 'gsma-rsp-ipae',
};
