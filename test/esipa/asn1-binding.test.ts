// ESipa ASN.1 binding over real HTTPS: every function, the exact typed value handed to EsipaFunctions and the
// exact DER coming back (SGP.32 v1.2 §6.3; checklist §1.1, §5.1).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawBytes, SGP32Definitions as S } from '../../src/asn1/index.ts';
import { fromHex, toHex } from '../../src/lib/bytes.ts';
import { createEsipaServer, type EsipaServer } from '../../src/esipa/index.ts';
import { answers, type Answers, requests } from './fixtures.ts';
import { ASN1_HEADERS, Client, FakeFunctions, makeTestPki, MemoryLogger, type TestPki } from './support.ts';

let pki: TestPki;
let fake: FakeFunctions;
let log: MemoryLogger;
let server: EsipaServer;
let client: Client;
let ans: Answers;
const req = requests();

beforeAll(async () => {
  pki = makeTestPki();
  ans = answers({ dpAuth: pki.dpAuthDer, dpPb: pki.dpPbDer });
  fake = new FakeFunctions();
  fake.answers = { ...ans };
  log = new MemoryLogger();
  server = await createEsipaServer({ functions: fake, tls: { cert: pki.cert, key: pki.key }, host: '127.0.0.1', port: 0, logger: log });
  client = new Client(server.url, pki.ca);
});

afterAll(async () => {
  client?.close();
  await server?.close();
  pki?.cleanup();
});

const post = (body: Uint8Array, headers: Record<string, string> = {}) => client.request('/gsma/rsp2/asn1', body, { headers: { ...ASN1_HEADERS, ...headers } });

type Fn = keyof typeof req;
const CASES: { fn: Fn; alt: string; answerAlt: string; tag: string }[] = [
  { fn: 'getEimPackage', alt: 'getEimPackageRequest', answerAlt: 'getEimPackageResponse', tag: 'bf4f' },
  { fn: 'provideEimPackageResult', alt: 'provideEimPackageResult', answerAlt: 'provideEimPackageResultResponse', tag: 'bf50' },
  { fn: 'initiateAuthentication', alt: 'initiateAuthenticationRequestEsipa', answerAlt: 'initiateAuthenticationResponseEsipa', tag: 'bf39' },
  { fn: 'authenticateClient', alt: 'authenticateClientRequestEsipa', answerAlt: 'authenticateClientResponseEsipa', tag: 'bf3b' },
  { fn: 'getBoundProfilePackage', alt: 'getBoundProfilePackageRequestEsipa', answerAlt: 'getBoundProfilePackageResponseEsipa', tag: 'bf3a' },
  { fn: 'cancelSession', alt: 'cancelSessionRequestEsipa', answerAlt: 'cancelSessionResponseEsipa', tag: 'bf41' },
];

describe('ESipa ASN.1 binding: POST /gsma/rsp2/asn1 over HTTPS', () => {
  for (const c of CASES) {
    it(`${c.fn}: the decoded ${c.alt} reaches the function, its answer comes back as one DER ${c.tag} TLV`, async () => {
      const body = S.EsipaMessageFromIpaToEim.encode({ [c.alt]: req[c.fn] } as S.EsipaMessageFromIpaToEim);
      expect(toHex(body.subarray(0, 2))).toBe(c.tag);
      const reply = await post(body);
      expect(reply.status).toBe(200);
      expect(reply.headers['content-type']).toBe('application/x-gsma-rsp-asn1');
      expect(reply.headers['x-admin-protocol']).toBe('gsma/rsp/v2.1.0');
      const call = fake.last();
      expect(call.fn).toBe(c.fn);
      expect(S.EsipaMessageFromIpaToEim.toJson({ [c.alt]: call.request } as S.EsipaMessageFromIpaToEim)).toEqual(
        S.EsipaMessageFromIpaToEim.toJson({ [c.alt]: req[c.fn] } as S.EsipaMessageFromIpaToEim),
      );
      expect(call.ctx).toMatchObject({ binding: 'asn1', remoteAddress: '127.0.0.1', userAgent: 'gsma-rsp-ipad; test' });
      const expected = S.EsipaMessageFromEimToIpa.encode({ [c.answerAlt]: ans[c.fn as keyof Answers] } as S.EsipaMessageFromEimToIpa);
      expect(toHex(reply.body)).toBe(toHex(expected));
      expect(toHex(reply.body.subarray(0, 2))).toBe(c.tag);
    });
  }

  it('handleNotification: 204 with an empty body, the notification reaches the function', async () => {
    const body = S.EsipaMessageFromIpaToEim.encode({ handleNotificationEsipa: req.handleNotification });
    expect(toHex(body.subarray(0, 3))).toBe('bf3d' + body[2]!.toString(16).padStart(2, '0'));
    const reply = await post(body);
    expect(reply.status).toBe(204);
    expect(reply.body.length).toBe(0);
    expect(reply.headers['content-type']).toBeUndefined();
    expect(fake.last().fn).toBe('handleNotification');
    expect(S.HandleNotificationEsipa.toJson(fake.last().request as S.HandleNotificationEsipa)).toEqual(S.HandleNotificationEsipa.toJson(req.handleNotification));
  });

  it('handleNotification carrying a ProvideEimPackageResult (BF3D BF50) is decoded as such', async () => {
    const value: S.HandleNotificationEsipa = { provideEimPackageResult: req.provideEimPackageResult };
    const reply = await post(S.EsipaMessageFromIpaToEim.encode({ handleNotificationEsipa: value }));
    expect(reply.status).toBe(204);
    expect(S.HandleNotificationEsipa.toJson(fake.last().request as S.HandleNotificationEsipa)).toEqual(S.HandleNotificationEsipa.toJson(value));
  });

  it('getEimPackage with nothing pending answers exactly BF4F 03 02 01 01 (noEimPackageAvailable)', async () => {
    fake.answers.getEimPackage = { eimPackageError: 1 };
    try {
      const reply = await post(fromHex('bf4f125a10' + '89049032123451234512345678901235'));
      expect(reply.status).toBe(200);
      expect(toHex(reply.body)).toBe('bf4f03020101');
      expect(toHex((fake.last().request as S.GetEimPackageRequest).eidValue)).toBe('89049032123451234512345678901235');
    } finally {
      fake.answers.getEimPackage = ans.getEimPackage;
    }
  });

  it('the eUICC-signed result keeps the bytes received (signature input), as a view into the request', async () => {
    const body = S.EsipaMessageFromIpaToEim.encode({ provideEimPackageResult: req.provideEimPackageResult });
    await post(body);
    const got = fake.last().request as S.ProvideEimPackageResult;
    if (!('euiccPackageResult' in got.eimPackageResult)) throw new Error('wrong alternative');
    const signed = got.eimPackageResult.euiccPackageResult;
    if (!('euiccPackageResultSigned' in signed)) throw new Error('wrong alternative');
    const raw = rawBytes(signed.euiccPackageResultSigned.euiccPackageResultDataSigned);
    expect(raw).toBeDefined();
    expect(toHex(body)).toContain(toHex(raw!));
    expect(toHex(raw!.subarray(0, 1))).toBe('30');
  });

  it('accepts any X-Admin-Protocol gsma/rsp/v2.x.y and echoes it; without one, answers v2.1.0', async () => {
    const body = S.EsipaMessageFromIpaToEim.encode({ getEimPackageRequest: req.getEimPackage });
    expect((await post(body, { 'x-admin-protocol': 'gsma/rsp/v2.4.0' })).headers['x-admin-protocol']).toBe('gsma/rsp/v2.4.0');
    expect((await post(body, { 'x-admin-protocol': 'gsma/rsp/v2.5' })).headers['x-admin-protocol']).toBe('gsma/rsp/v2.5');
    const noHeader = await client.request('/gsma/rsp2/asn1', body, { headers: { 'content-type': 'application/x-gsma-rsp-asn1' } });
    expect(noHeader.status).toBe(200);
    expect(noHeader.headers['x-admin-protocol']).toBe('gsma/rsp/v2.1.0');
  });

  it('accepts media-type parameters and case in Content-Type', async () => {
    const body = S.EsipaMessageFromIpaToEim.encode({ getEimPackageRequest: req.getEimPackage });
    expect((await post(body, { 'content-type': 'Application/X-GSMA-RSP-ASN1; charset=binary' })).status).toBe(200);
  });

  it('logs the User-Agent (and does not reject an unusual one)', async () => {
    const body = S.EsipaMessageFromIpaToEim.encode({ getEimPackageRequest: req.getEimPackage });
    const reply = await post(body, { 'user-agent': 'curl/8.0 not-an-ipa' });
    expect(reply.status).toBe(200);
    expect(log.lines.some((l) => l.msg === 'esipa request' && l.data?.userAgent === 'curl/8.0 not-an-ipa' && l.data?.status === 200)).toBe(true);
  });
});
