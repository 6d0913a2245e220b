// The HTTPS RSP client's TLS and transport rules (SGP.22 v2.5 §6.1; checklist §3.8): the SM-DP+ certificate
// must chain to a configured trust anchor; skipping the check is a per-server lab setting that warns on
// every call; bindings answer the same function the same way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RSPDefinitions as R } from '../../src/asn1/index.ts';
import { trustAnchorsPem } from '../../src/clients/download-relay.ts';
import { HttpsRspClient } from '../../src/clients/rsp-client.ts';
import { randomBytes } from '../../src/crypto/engine.ts';
import { type SmdppHandle, startSmdpp } from '../../simulators/smdpp/server.ts';
import { VirtualEuicc } from '../../simulators/euicc/euicc.ts';
import { testPki, type TestPkiDir } from '../support/eim.ts';

let t: TestPkiDir;
let other: TestPkiDir;
let smdp: SmdppHandle;
let euiccInfo1: Uint8Array;
const warnings: string[] = [];
const log = { info() {}, warn: (m: string) => warnings.push(m), error() {} };

beforeAll(async () => {
  t = testPki(1);
  other = testPki(1); // another CI: its certificates do not validate the SM-DP+'s TLS certificate
  smdp = await startSmdpp({ pki: t.pki });
  euiccInfo1 = await VirtualEuicc.fromPki(t.dir, { euiccIndex: 0, curve: 'P-256' }).getEuiccInfo1();
});
afterAll(async () => {
  await smdp?.close();
  t?.cleanup();
  other?.cleanup();
});

describe('HttpsRspClient', () => {
  it.each(['json', 'asn1'] as const)('%s: InitiateAuthentication answers the server\'s signed bytes', async (binding) => {
    const client = new HttpsRspClient({ ca: trustAnchorsPem(t.pki), log, binding });
    const challenge = randomBytes(16);
    const r = await client.initiateAuthentication(smdp.address, challenge, euiccInfo1);
    expect(r.failure).toBeUndefined();
    const signed = R.ServerSigned1.decode(r.ok!.serverSigned1);
    expect(signed).toMatchObject({ euiccChallenge: challenge, serverAddress: smdp.address, transactionId: r.ok!.transactionId });
    expect(r.ok!.serverSignature1).toHaveLength(64);
  });

  it('refuses a server certificate that does not chain to the trust anchors, without retrying', async () => {
    const client = new HttpsRspClient({ ca: trustAnchorsPem(other.pki), log });
    const before = smdp.recorded.of('call').length;
    const r = await client.initiateAuthentication(smdp.address, randomBytes(16), euiccInfo1);
    expect(r.failure).toMatchObject({ kind: 'transport' });
    expect((r.failure as { message: string }).message).toMatch(/^TLS: /);
    expect(smdp.recorded.of('call').length).toBe(before);
  });

  it('insecureSkipVerify (per server, labs) connects anyway and warns on every call', async () => {
    const client = new HttpsRspClient({ ca: trustAnchorsPem(other.pki), log, servers: { [smdp.address]: { insecureSkipVerify: true } } });
    warnings.length = 0;
    const r = await client.initiateAuthentication(smdp.address, randomBytes(16), euiccInfo1);
    expect(r.failure).toBeUndefined();
    expect(warnings.some((w) => /NOT verified/.test(w))).toBe(true);
  });

  it('a Failed status keeps the subject and reason codes (JSON) and the error value (ASN.1)', async () => {
    for (const binding of ['json', 'asn1'] as const) {
      const client = new HttpsRspClient({ ca: trustAnchorsPem(t.pki), log, binding });
      const r = await client.initiateAuthentication('127.0.0.1:1', randomBytes(16), euiccInfo1);
      // a closed port is unreachable (nothing was sent); a wrong address at a live server is refused:
      expect(r.failure?.kind).toBe('unreachable');
      const wrong = new HttpsRspClient({ ca: trustAnchorsPem(t.pki), log, binding, servers: { 'other.example': { url: smdp.url, servername: 'localhost' } } });
      const refused = await wrong.initiateAuthentication('other.example', randomBytes(16), euiccInfo1);
      expect(refused.failure).toEqual(binding === 'json' ? expect.objectContaining({ kind: 'rejected', status: 'Failed', subjectCode: '8.8.1', reasonCode: '3.8' }) : { kind: 'rejected', asn1Code: 1 });
    }
  });
});
