// The simulator commands and the admin endpoint: `smdpp --profile matchingId=file` serves that order,
// `smdpp-add-profile` adds one through POST /admin/profiles (token required), and `smds` with
// `smds-register-event` / `smds-delete-event` drive ES12 — each then checked with a real download/retrieval.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { post } from '../../../simulators/common/https-client.ts';
import { registerSmdppSimCommand } from '../../../simulators/smdpp/cli.ts';
import type { SmdppHandle } from '../../../simulators/smdpp/server.ts';
import { registerSmdsSimCommand } from '../../../simulators/smds/cli.ts';
import type { SmdsHandle } from '../../../simulators/smds/server.ts';
import { RspClient } from './es9-client.ts';
import { makeTestPki, sampleProfile, type TestPki } from './fixtures.ts';
import { fullDownload } from './steps.ts';
import { TestEuicc } from './test-euicc.ts';

let t: TestPki;
let smdp: SmdppHandle;
let smds: SmdsHandle;
const handles: { close(): Promise<void> }[] = [];

function program(): Command {
  const sim = new Command('sim').exitOverride();
  registerSmdppSimCommand(sim, { started: (h) => (handles.push(h), (smdp = h)) });
  registerSmdsSimCommand(sim, { started: (h) => (handles.push(h), (smds = h)) });
  return sim;
}
async function run(...args: string[]): Promise<string> {
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  try {
    await program().parseAsync(args, { from: 'user' });
  } finally {
    spy.mockRestore();
  }
  return out.join('');
}

beforeAll(async () => {
  t = makeTestPki();
  writeFileSync(join(t.dir, 'upp-a.der'), sampleProfile(3));
  writeFileSync(join(t.dir, 'upp-b.der'), sampleProfile(4));
  await run('smdpp', '--pki', t.dir, '--listen', '127.0.0.1:0', '--address', 'cli-smdp.example.test', '--profile', `CLI-A=${join(t.dir, 'upp-a.der')}`, '--admin-token', 's3cret');
  await run('smds', '--pki', t.dir, '--listen', '127.0.0.1:0', '--address', 'cli-smds.example.test');
});
afterAll(async () => {
  for (const h of handles) await h.close();
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  t?.cleanup();
});

describe('simulator commands and admin endpoint', () => {
  it('smdpp --profile serves that matchingId', async () => {
    const { bpp, txid } = await fullDownload(new RspClient(smdp.url, 'json', { ca: smdp.ca }), new TestEuicc(t.pki.sets[0]!), smdp, 'CLI-A');
    expect(bpp.length).toBeGreaterThan(3000);
    expect(txid.length).toBe(16);
  });

  it('smdpp-add-profile adds an order through the admin endpoint; the activation code is printed', async () => {
    const out = await run('smdpp-add-profile', '--url', smdp.url, '--token', 's3cret', '--pki', t.dir, '--matching-id', 'CLI-B', '--file', join(t.dir, 'upp-b.der'), '--confirmation-code', '12');
    expect(out.trim()).toBe('1$cli-smdp.example.test$CLI-B$$1');
    expect(smdp.catalogue.get('CLI-B')!.confirmationCode).toBe('12');
  });

  it('the admin endpoint wants the token, refuses duplicates and never answers HTML', async () => {
    const body = new TextEncoder().encode(JSON.stringify({ matchingId: 'CLI-B', profile: 'AAEC' }));
    const noToken = await post(`${smdp.url}/admin/profiles`, 'application/json', body, { ca: smdp.ca });
    expect(noToken.status).toBe(401);
    const dup = await post(`${smdp.url}/admin/profiles`, 'application/json', body, { ca: smdp.ca, headers: { Authorization: 'Bearer s3cret' } });
    expect(dup.status).toBe(409);
    expect(JSON.parse(new TextDecoder().decode(dup.body))).toEqual({ error: expect.stringMatching(/already in the catalogue/) });
    await expect(run('smdpp-add-profile', '--url', smdp.url, '--token', 'wrong', '--pki', t.dir, '--matching-id', 'X', '--file', join(t.dir, 'upp-b.der'))).rejects.toThrow(/HTTP 401/);
  });

  it('smds-register-event / smds-delete-event drive ES12; ES11 sees the event in between', async () => {
    const euicc = new TestEuicc(t.pki.sets[0]!, 1);
    await run('smds-register-event', '--url', smds.url, '--pki', t.dir, '--eid', euicc.eid, '--event-id', 'CLI-EVT', '--rsp-server-address', 'cli-smdp.example.test');
    const client = new RspClient(smds.url, 'json', { ca: smds.ca }, '/gsma/rsp2/es11');
    const init = await client.initiateAuthentication(euicc.euiccChallenge, euicc.euiccInfo1(), smds.address);
    const entries = await client.authenticateClientEs11(init.ok!.transactionId, await euicc.authenticateServer(init.ok!, undefined));
    expect(entries.ok).toEqual([{ eventId: 'CLI-EVT', rspServerAddress: 'cli-smdp.example.test' }]);
    await run('smds-delete-event', '--url', smds.url, '--pki', t.dir, '--eid', euicc.eid, '--event-id', 'CLI-EVT');
    expect(smds.listEvents()).toEqual([]);
    await expect(run('smds-delete-event', '--url', smds.url, '--pki', t.dir, '--eid', euicc.eid, '--event-id', 'CLI-EVT')).rejects.toThrow(/Failed/);
  });
});
