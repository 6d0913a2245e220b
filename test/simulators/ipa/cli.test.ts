// `eim sim ipa --once`: polls the eIM once for the virtual eUICC of the state file and prints what happened.
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerIpaSimCommand } from '../../../simulators/ipa/index.ts';
import { makePki, type TestPki } from '../euicc/helpers.ts';
import { type FakeEim, startFakeEim } from './fake-eim.ts';

let p: TestPki;
let fake: FakeEim;
beforeAll(async () => {
  p = makePki();
  fake = await startFakeEim(join(p.dir, 'pki'));
});
afterAll(async () => {
  await fake?.close();
  p?.cleanup();
});

async function run(args: string[]): Promise<string> {
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  try {
    const sim = new Command('sim').exitOverride();
    registerIpaSimCommand(sim);
    await sim.parseAsync(['node', 'sim', 'ipa', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out.join('');
}

it('--once: one GetEimPackage with the EID of the state file, one JSON line on stdout', async () => {
  const state = join(p.dir, 'ipa-cli-card.json');
  const line = await run(['--eim', fake.url, '--pki', join(p.dir, 'pki'), '--state', state, '--euicc-index', '1', '--curve', 'P-256', '--once']);
  expect(JSON.parse(line)).toEqual({ package: 'none' });
  const polls = fake.requests.map((r) => r.message).filter((m) => m && 'getEimPackageRequest' in m) as { getEimPackageRequest: { eidValue: Uint8Array } }[];
  expect(polls).toHaveLength(1);
  expect(Buffer.from(polls[0]!.getEimPackageRequest.eidValue).toString('hex')).toBe(p.set('P-256').euiccs[1]!.eid);
});

it('refuses --once together with --interval, and an unknown binding', async () => {
  await expect(run(['--eim', fake.url, '--pki', join(p.dir, 'pki'), '--once', '--interval', '5'])).rejects.toThrow(/exactly one/);
  await expect(run(['--eim', fake.url, '--pki', join(p.dir, 'pki'), '--binding', 'coap', '--once'])).rejects.toThrow(/--binding/);
});
