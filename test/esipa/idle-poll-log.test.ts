// The ESipa request log: every request is one line, except idle polls (GetEimPackage answered
// noEimPackageAvailable, SGP.32 v1.2 §6.3.2.1, eimPackageError 1), which a fleet sends by the million: they
// are counted and logged as one summary line per interval (EIM_LOG_IDLE_POLLS_EVERY), or each on its own
// when the interval is 0.
import { afterEach, describe, expect, it } from 'vitest';
import { SGP32Definitions as S } from '../../src/asn1/index.ts';
import { createEsipaServer, type EsipaServer } from '../../src/esipa/index.ts';
import type { EsipaContext, EsipaFunctions } from '../../src/services/esipa-functions.ts';
import { ASN1_HEADERS, Client, FakeFunctions, makeTestPki, MemoryLogger, type TestPki } from './support.ts';

const EID = Uint8Array.from(Buffer.from('89049032123451234512345678901235', 'hex'));
const poll = S.EsipaMessageFromIpaToEim.encode({ getEimPackageRequest: { eidValue: EID } });

/** GetEimPackage answers noEimPackageAvailable (and says so on the context, as EimService does) for the first `idle` polls. */
class IdleThenPackage extends FakeFunctions {
  idle = 2;
  override getEimPackage: EsipaFunctions['getEimPackage'] = async (_r, ctx: EsipaContext) => {
    if (this.idle-- > 0) {
      ctx.idle = true;
      return { eimPackageError: 1 };
    }
    return { eimPackageError: 2 };
  };
}

let pki: TestPki | undefined;
let server: EsipaServer | undefined;
let client: Client | undefined;
afterEach(async () => {
  client?.close();
  await server?.close();
  pki?.cleanup();
  server = undefined;
});

async function start(idlePollSummaryMs: number, log: MemoryLogger): Promise<Client> {
  pki = makeTestPki();
  server = await createEsipaServer({ functions: new IdleThenPackage(), tls: { cert: pki.cert, key: pki.key }, host: '127.0.0.1', port: 0, logger: log, idlePollSummaryMs });
  client = new Client(server.url, pki.ca);
  return client;
}

const requests = (log: MemoryLogger) => log.lines.filter((l) => l.msg === 'esipa request');

describe('ESipa request log', () => {
  it('counts idle polls and logs them as one summary line; other requests one line each', async () => {
    const log = new MemoryLogger();
    const c = await start(60_000, log);
    for (let i = 0; i < 3; i++) expect((await c.request('/gsma/rsp2/asn1', poll, { headers: ASN1_HEADERS })).status).toBe(200);
    // two idle polls, then an answer that is not noEimPackageAvailable: only that one is a request line
    expect(requests(log)).toHaveLength(1);
    expect(requests(log)[0]!.data).toMatchObject({ path: '/gsma/rsp2/asn1', status: 200 });
    expect(log.lines.some((l) => l.msg === 'esipa idle polls')).toBe(false);
    await server!.close();
    server = undefined;
    expect(log.lines.filter((l) => l.msg === 'esipa idle polls').map((l) => l.data)).toEqual([{ count: 2, seconds: 60 }]);
  });

  it('logs the summary every interval, and nothing when no idle poll came', async () => {
    const log = new MemoryLogger();
    const c = await start(200, log);
    await c.request('/gsma/rsp2/asn1', poll, { headers: ASN1_HEADERS });
    await new Promise((r) => setTimeout(r, 500));
    expect(log.lines.filter((l) => l.msg === 'esipa idle polls').map((l) => l.data)).toEqual([{ count: 1, seconds: 0.2 }]);
  });

  it('with an interval of 0 every idle poll is a request line', async () => {
    const log = new MemoryLogger();
    const c = await start(0, log);
    for (let i = 0; i < 2; i++) await c.request('/gsma/rsp2/asn1', poll, { headers: ASN1_HEADERS });
    expect(requests(log)).toHaveLength(2);
    await server!.close();
    server = undefined;
    expect(log.lines.some((l) => l.msg === 'esipa idle polls')).toBe(false);
  });
});
