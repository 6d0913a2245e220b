// A quick local loop, not a test: how many idle GetEimPackage polls per second the ESipa server answers
// (the hot path: nothing pending, BF4F 03 02 01 01), over HTTPS and plain HTTP, with keep-alive, and a bare
// node:http handler writing the same constant bytes as the ceiling. Run: npx tsx test/esipa/measure-poll.ts
// The server runs in a child process so the client loop does not share its CPU.
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { SGP32Definitions as S } from '../../src/asn1/index.ts';
import { createEsipaServer } from '../../src/esipa/index.ts';
import type { EsipaFunctions } from '../../src/services/esipa-functions.ts';
import { makeTestPki } from './support.ts';

const SECONDS = Number(process.env.SECONDS ?? 3);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 8);
const POLL = Buffer.from(S.EsipaMessageFromIpaToEim.encode({ getEimPackageRequest: { eidValue: Buffer.from('89049032123451234512345678901235', 'hex') } }));
const HEADERS = { 'content-type': 'application/x-gsma-rsp-asn1', 'x-admin-protocol': 'gsma/rsp/v2.1.0', 'user-agent': 'gsma-rsp-ipad', 'content-length': String(POLL.length) };

const idle: EsipaFunctions = {
  getEimPackage: async () => ({ eimPackageError: 1 }),
  provideEimPackageResult: async () => ({ emptyResponse: {} }),
  handleNotification: async () => undefined,
  initiateAuthentication: async () => ({ initiateAuthenticationErrorEsipa: 127 }),
  authenticateClient: async () => ({ authenticateClientErrorEsipa: 127 }),
  getBoundProfilePackage: async () => ({ getBoundProfilePackageErrorEsipa: 127 }),
  cancelSession: async () => ({ cancelSessionError: 127 }),
};

async function serve(kind: string, cert?: string, key?: string): Promise<string> {
  if (kind === 'bare') {
    const answer = Buffer.from('bf4f03020101', 'hex');
    const s = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, ['Content-Type', 'application/x-gsma-rsp-asn1', 'Content-Length', '6']);
        res.end(answer);
      });
    });
    s.keepAliveTimeout = 30_000;
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(s.address() as { port: number }).port}`;
  }
  const tls = kind === 'https' ? { cert: cert!, key: key! } : false;
  return (await createEsipaServer({ functions: idle, tls, host: '127.0.0.1', port: 0 })).url;
}

async function load(url: string, ca?: string): Promise<number> {
  const https = url.startsWith('https:');
  const agent = https ? new HttpsAgent({ keepAlive: true, maxSockets: CONNECTIONS, ca, servername: 'localhost' }) : new HttpAgent({ keepAlive: true, maxSockets: CONNECTIONS });
  const send = https ? httpsRequest : httpRequest;
  const target = new URL('/gsma/rsp2/asn1', url);
  let done = 0;
  let stop = false;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = send(target, { method: 'POST', agent, headers: HEADERS, servername: 'localhost' }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(POLL);
    });
  const worker = async () => {
    while (!stop) {
      await one();
      done++;
    }
  };
  for (let i = 0; i < 200; i++) await one(); // warm-up (TLS handshakes, JIT)
  const t0 = process.hrtime.bigint();
  const timer = setTimeout(() => (stop = true), SECONDS * 1000);
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  clearTimeout(timer);
  agent.destroy();
  return done / (Number(process.hrtime.bigint() - t0) / 1e9);
}

if (process.argv[2] === 'child') {
  const url = await serve(process.argv[3]!, process.env.CERT, process.env.KEY);
  process.send!(url);
} else {
  const pki = makeTestPki();
  try {
    console.log(`idle GetEimPackage polls, ${CONNECTIONS} keep-alive connections, ${SECONDS} s each, server in a child process`);
    for (const kind of ['bare', 'http', 'https']) {
      const child = fork(new URL(import.meta.url).pathname, ['child', kind], { execArgv: ['--import', 'tsx'], env: { ...process.env, CERT: pki.cert, KEY: pki.key } });
      const url = await new Promise<string>((r) => child.once('message', (m) => r(String(m))));
      const rate = await load(url, pki.ca);
      child.kill();
      const label = kind === 'bare' ? 'bare node:http, constant answer' : `esipa server, ${kind}`;
      console.log(`${label.padEnd(34)} ${Math.round(rate).toString().padStart(7)} req/s`);
    }
  } finally {
    pki.cleanup();
  }
}
