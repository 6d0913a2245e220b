// Transport faults (checklist §5.5): 400/404/405/413/415/500 with one short plain-text line, never HTML and
// never a stack trace; keep-alive across requests; plain HTTP only when configured.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SGP32Definitions as S } from '../../src/asn1/index.ts';
import { fromHex, toHex } from '../../src/lib/bytes.ts';
import { createEsipaServer, type EsipaServer } from '../../src/esipa/index.ts';
import { answers, EID_HEX, requests } from './fixtures.ts';
import { ASN1_HEADERS, Client, FakeFunctions, JSON_HEADERS, makeTestPki, MemoryLogger, type Reply, type TestPki } from './support.ts';

const LIMIT = 4096;
let pki: TestPki;
let fake: FakeFunctions;
let log: MemoryLogger;
let server: EsipaServer;
let client: Client;
let connections = 0;
const req = requests();
const POLL = S.EsipaMessageFromIpaToEim.encode({ getEimPackageRequest: req.getEimPackage });

beforeAll(async () => {
  pki = makeTestPki();
  fake = new FakeFunctions();
  fake.answers = { ...answers({ dpAuth: pki.dpAuthDer, dpPb: pki.dpPbDer }), getEimPackage: { eimPackageError: 1 } };
  log = new MemoryLogger();
  server = await createEsipaServer({ functions: fake, tls: { cert: pki.cert, key: pki.key }, host: '127.0.0.1', port: 0, maxBodyBytes: LIMIT, logger: log });
  server.server.on('connection', () => connections++);
  client = new Client(server.url, pki.ca);
});

afterAll(async () => {
  client?.close();
  await server?.close();
  pki?.cleanup();
});

const asn1 = (body: Uint8Array | string, headers: Record<string, string> = {}, opts: { method?: string; chunked?: boolean } = {}) =>
  client.request('/gsma/rsp2/asn1', body, { headers: { ...ASN1_HEADERS, ...headers }, ...opts });

/** A fault answer: the status, one plain-text line, no HTML, no stack. */
function expectFault(reply: Reply, status: number, text: RegExp): void {
  expect(reply.status).toBe(status);
  expect(reply.headers['content-type']).toBe('text/plain;charset=UTF-8');
  const body = reply.body.toString('utf8');
  expect(body).toMatch(text);
  expect(body).not.toMatch(/<html|<!DOCTYPE|\n\s+at /i);
  expect(body.trimEnd().includes('\n')).toBe(false);
}

function socketCloses(reply: Reply): Promise<boolean> {
  return new Promise((resolve) => {
    if (reply.socket.destroyed) return resolve(true);
    const t = setTimeout(() => resolve(false), 3000);
    reply.socket.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

describe('ESipa transport faults', () => {
  it('wrong method: 405 with Allow: POST', async () => {
    const reply = await asn1('', {}, { method: 'GET' });
    expectFault(reply, 405, /method GET not allowed/);
    expect(reply.headers.allow).toBe('POST');
    expect(fake.calls.length).toBe(0);
  });

  it('wrong content type: 415 naming the expected type', async () => {
    expectFault(await asn1(POLL, { 'content-type': 'application/json' }), 415, /Content-Type must be application\/x-gsma-rsp-asn1, got 'application\/json'/);
    const json = await client.request('/gsma/rsp2/esipa/getEimPackage', '{}', { headers: { ...JSON_HEADERS, 'content-type': 'text/plain' } });
    expectFault(json, 415, /Content-Type must be application\/json/);
  });

  it('declared body over the limit: 413 before reading it, and the connection is closed', async () => {
    const reply = await asn1(new Uint8Array(LIMIT * 4));
    expectFault(reply, 413, new RegExp(`exceeds the limit of ${LIMIT}`));
    expect(reply.headers.connection).toBe('close');
    expect(await socketCloses(reply)).toBe(true);
  });

  it('chunked body over the limit: 413 while streaming, and the connection is closed', async () => {
    const reply = await asn1(new Uint8Array(LIMIT * 4), {}, { chunked: true });
    expectFault(reply, 413, new RegExp(`exceeds the limit of ${LIMIT} bytes`));
    expect(reply.headers.connection).toBe('close');
    expect(await socketCloses(reply)).toBe(true);
  });

  it('a body at the limit is read', async () => {
    const padded = new Uint8Array(LIMIT);
    padded.set(POLL);
    // Trailing bytes, so 400: but the body was read and decoded, not refused for its size.
    expectFault(await asn1(padded), 400, /ERR_ASN1_TRAILING/);
  });

  it('malformed DER: 400 naming the codec error, path and offset', async () => {
    expectFault(await asn1(fromHex('bf4f125a10' + '8904')), 400, /^malformed ESipa message: ERR_ASN1_TRUNCATED: .*EsipaMessageFromIpaToEim.*offset/);
    expectFault(await asn1(fromHex('3000')), 400, /ERR_ASN1_TAG/);
    expectFault(await asn1(fromHex('bf4106800101a10100')), 400, /ERR_ASN1_/);
    expectFault(await asn1(new Uint8Array(0)), 400, /empty body/);
  });

  it('trailing bytes after the message: 400', async () => {
    const reply = await asn1(new Uint8Array([...POLL, 0x00, 0x00]));
    expectFault(reply, 400, /ERR_ASN1_TRAILING: 2 bytes after the value/);
  });

  it('a TransferEimPackageResponse sent as a request: 400', async () => {
    const reply = await asn1(S.EsipaMessageFromIpaToEim.encode({ transferEimPackageResponse: { eimPackageReceived: null } }));
    expectFault(reply, 400, /transferEimPackageResponse is not a request/);
  });

  it('bad X-Admin-Protocol: 400; the function is not called', async () => {
    const before = fake.calls.length;
    expectFault(await asn1(POLL, { 'x-admin-protocol': 'gsma/rsp/v3.0.0' }), 400, /unsupported X-Admin-Protocol 'gsma\/rsp\/v3.0.0'/);
    expectFault(await asn1(POLL, { 'x-admin-protocol': 'rsp2' }), 400, /unsupported X-Admin-Protocol/);
    expect(fake.calls.length).toBe(before);
  });

  it('unknown path and unknown JSON function: 404; transferEimPackage: 404 saying the IPA serves it', async () => {
    expectFault(await client.request('/gsma/rsp2/es9plus/initiateAuthentication', '{}', { headers: JSON_HEADERS }), 404, /no ESipa resource at/);
    expectFault(await client.request('/gsma/rsp2/esipa/getEimPackages', '{}', { headers: JSON_HEADERS }), 404, /unknown ESipa function 'getEimPackages'/);
    expectFault(await client.request('/gsma/rsp2/esipa/transferEimPackage', '{}', { headers: JSON_HEADERS }), 404, /served by the IPA/);
  });

  it('malformed JSON, a non-object, a missing or ill-typed field: 400 naming the problem', async () => {
    const post = (body: string) => client.request('/gsma/rsp2/esipa/getEimPackage', body, { headers: JSON_HEADERS });
    expectFault(await post('{"eidValue": '), 400, /^malformed JSON: /);
    expectFault(await post('[1,2]'), 400, /not a JSON object/);
    expectFault(await post(`{"eidValue": "${EID_HEX}", "stateChangeCause": "one"}`), 400, /field stateChangeCause: expected an integer/);
    const bad = await client.request('/gsma/rsp2/esipa/authenticateClient', JSON.stringify({ transactionId: 'XYZ', authenticateServerResponse: 'vzg=' }), { headers: JSON_HEADERS });
    expectFault(bad, 400, /field transactionId: expected an even number of hex digits/);
    const der = await client.request('/gsma/rsp2/esipa/authenticateClient', JSON.stringify({ transactionId: '01', authenticateServerResponse: 'vzgA' }), { headers: JSON_HEADERS });
    expectFault(der, 400, /field authenticateServerResponse: ERR_ASN1_/);
  });

  it('a missing or malformed EID is a function-level answer (missingEid 4 / invalidEid 3), not a 400', async () => {
    const before = fake.calls.length;
    const missing = await asn1(fromHex('bf4f03800000'));
    expect([missing.status, toHex(missing.body)]).toEqual([200, 'bf4f03020104']);
    const short = await asn1(fromHex('bf4f055a03010203'));
    expect([short.status, toHex(short.body)]).toEqual([200, 'bf4f03020103']);
    const provide = await asn1(fromHex('bf500a5a03010203a003020101'));
    expect([provide.status, toHex(provide.body)]).toEqual([200, 'bf50030201' + '03']);
    const post = (fn: string, body: unknown) => client.request(`/gsma/rsp2/esipa/${fn}`, JSON.stringify(body), { headers: JSON_HEADERS });
    const ok = { functionExecutionStatus: { status: 'Executed-Success' } };
    expect(JSON.parse((await post('getEimPackage', {})).body.toString())).toEqual({ header: ok, eimPackageError: 4 });
    expect(JSON.parse((await post('getEimPackage', { eidValue: 42 })).body.toString())).toEqual({ header: ok, eimPackageError: 3 });
    expect(JSON.parse((await post('getEimPackage', { eidValue: EID_HEX.slice(2) })).body.toString())).toEqual({ header: ok, eimPackageError: 3 });
    const badProvide = await post('provideEimPackageResult', { eidValue: 'not-an-eid', eimPackageResult: 'oAMCAQE=' });
    expect(JSON.parse(badProvide.body.toString())).toEqual({
      header: { functionExecutionStatus: { status: 'Failed', statusCodeData: { subjectCode: '8.1.1', reasonCode: '2.1', message: 'invalidEid (3)' } } },
    });
    expect(fake.calls.length).toBe(before);
  });

  it('a function that throws: bare 500, the message only in the log', async () => {
    fake.failWith = new Error('database password=hunter2 refused');
    try {
      const reply = await asn1(POLL);
      expectFault(reply, 500, /^internal error\n$/);
      expect(reply.body.toString()).not.toContain('hunter2');
      const json = await client.request('/gsma/rsp2/esipa/getEimPackage', JSON.stringify({ eidValue: EID_HEX }), { headers: JSON_HEADERS });
      expectFault(json, 500, /^internal error\n$/);
      expect(log.lines.some((l) => l.level === 'error' && String(l.data?.error).includes('hunter2'))).toBe(true);
    } finally {
      fake.failWith = undefined;
    }
  });

  it('an answer the codec cannot encode is a 500, not a 400', async () => {
    fake.answers.getEimPackage = { eimPackageError: 'nope' } as never;
    try {
      expectFault(await asn1(POLL), 500, /^internal error\n$/);
    } finally {
      fake.answers.getEimPackage = { eimPackageError: 1 };
    }
  });

  it('keep-alive: one TLS connection carries a procedure, faults included', async () => {
    const ka = new Client(server.url, pki.ca);
    const before = connections;
    try {
      const replies = [await ka.request('/gsma/rsp2/asn1', POLL, { headers: ASN1_HEADERS })];
      replies.push(await ka.request('/gsma/rsp2/asn1', fromHex('3000'), { headers: ASN1_HEADERS }));
      replies.push(await ka.request('/gsma/rsp2/esipa/getEimPackage', JSON.stringify({ eidValue: EID_HEX }), { headers: JSON_HEADERS }));
      replies.push(await ka.request('/gsma/rsp2/asn1', POLL, { headers: ASN1_HEADERS }));
      expect(replies.map((r) => r.status)).toEqual([200, 400, 200, 200]);
      expect(replies.map((r) => r.reused)).toEqual([false, true, true, true]);
      expect(new Set(replies.map((r) => r.socket.localPort)).size).toBe(1);
      expect(toHex(replies[3]!.body)).toBe('bf4f03020101');
      expect(connections - before).toBe(1);
      expect(replies[0]!.headers.connection).toBe('keep-alive');
    } finally {
      ka.close();
    }
  });

  it('plain TCP without TLS on the HTTPS port gets nothing back but a closed socket', async () => {
    const url = new URL(server.url);
    const closed = await new Promise<string>((resolve) => {
      const s = connect(Number(url.port), url.hostname, () => s.write('POST /gsma/rsp2/asn1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n'));
      let data = '';
      s.on('data', (d) => (data += d.toString('latin1')));
      s.on('close', () => resolve(data));
      s.on('error', () => undefined);
    });
    expect(closed).not.toMatch(/HTTP\/1\.1 200/);
  });
});

describe('ESipa server configuration', () => {
  it('serves plain HTTP only when tls is false (a lab)', async () => {
    const functions = new FakeFunctions();
    functions.answers.getEimPackage = { eimPackageError: 1 };
    const lab = await createEsipaServer({ functions, tls: false, host: '127.0.0.1', port: 0 });
    const c = new Client(lab.url);
    try {
      expect(lab.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const reply = await c.request('/gsma/rsp2/asn1', POLL, { headers: ASN1_HEADERS });
      expect(reply.status).toBe(200);
      expect(toHex(reply.body)).toBe('bf4f03020101');
    } finally {
      c.close();
      await lab.close();
    }
  });

  it('refuses to start without a TLS decision or with half a certificate', async () => {
    const functions = new FakeFunctions();
    await expect(createEsipaServer({ functions, host: '127.0.0.1', port: 0 } as never)).rejects.toThrow(TypeError);
    await expect(createEsipaServer({ functions, tls: { cert: pki.cert, key: '' }, host: '127.0.0.1', port: 0 })).rejects.toThrow(/cert and key/);
  });
});
