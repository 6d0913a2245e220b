// `eim euicc`, `eim group` and `eim orders` against a running eIM: tables for people, JSON with --json,
// chunked imports with progress, orders followed to their final state by a real device, one error line.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { associationMaterial } from '../../src/services/association.ts';
import { registerEuicc } from '../../src/services/register-euicc.ts';
import { trustedCaPem } from '../../simulators/common/tls.ts';
import { VirtualEuicc } from '../../simulators/euicc/euicc.ts';
import { IpaSimulator } from '../../simulators/ipa/index.ts';
import { makeEid } from '../support/fleet.ts';
import { type CliRig, oneErrorLine, runCli, startCliRig } from './support.ts';

let rig: CliRig;
beforeAll(async () => {
  rig = await startCliRig();
}, 120_000);
afterAll(async () => {
  await rig?.close();
});

const T = 180_000;
const eids = Array.from({ length: 5 }, (_, i) => makeEid(7000 + i));

describe('eim euicc and eim group', () => {
  it('euicc import sends a CSV in chunks with progress on stderr; list prints a table, --json the items', async () => {
    const file = join(rig.dir, 'euiccs.csv');
    writeFileSync(file, ['eid,curve,counterValue,tags,attr.site', ...eids.map((e, i) => `${e},P-256,0,cli;batch-${i % 2},"plant ${i}"`)].join('\n') + '\n');
    const r = await rig.run(['euicc', 'import', file, '--chunk', '2']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('5 eUICCs imported\n');
    expect(r.stderr).toMatch(/euicc import: 2 of 5 imported/);
    expect(r.stderr).toMatch(/euicc import: 5 of 5 imported/);

    const table = await rig.run(['euicc', 'list', '--tag', 'cli']);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^EID\s+CURVE\s+TAGS\s+ATTRIBUTES/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(eids);
    expect(lines[1]).toContain('site=plant 0');
    const json = JSON.parse((await rig.run(['euicc', 'list', '--tag', 'batch-1', '--json'])).stdout) as { eid: string }[];
    expect(json.map((e) => e.eid)).toEqual([eids[1], eids[3]]);
  }, T);

  it('a rejected chunk names the item by its place in the file and what was imported before it', async () => {
    const file = join(rig.dir, 'bad.json');
    const items = [makeEid(7100), makeEid(7101), makeEid(7102)].map((eid) => ({ eid }));
    items[2]!.eid = '89049032000000000000000000007103'.slice(0, 31) + 'x';
    writeFileSync(file, JSON.stringify(items));
    const line = oneErrorLine(await rig.run(['euicc', 'import', file, '--chunk', '2']));
    expect(line).toMatch(/^error ERR_VALIDATION: item 2 \(eid: .*\); items 2 to 2 were not imported, 2 before them were$/);
  }, T);

  it('group create, members, show and delete; bulk orders for the group', async () => {
    const g = JSON.parse((await rig.run(['group', 'create', '--name', 'cli group', '--eid', eids[0]!, eids[1]!, '--json'])).stdout) as { id: string; kind: string };
    expect(g.kind).toBe('static');
    expect((await rig.run(['group', 'add', g.id, eids[2]!])).stdout).toBe(`1 EIDs added to group ${g.id}\n`);
    const members = JSON.parse((await rig.run(['group', 'members', g.id, '--json'])).stdout) as { eid: string }[];
    expect(members.map((m) => m.eid)).toEqual(eids.slice(0, 3));
    const bulk = await rig.run(['orders', 'create', '--group', g.id, '--euicc-data']);
    expect(bulk.status).toBe(0);
    expect(bulk.stdout).toMatch(/^bulk order [0-9a-f-]{36}: 3 orders created, 0 members without an order\n$/);
    const dyn = await rig.run(['group', 'create', '--name', 'site group', '--attribute', 'site=plant 4']);
    expect(dyn.stdout).toMatch(/dynamic\s+site=plant 4/);
    expect((await rig.run(['group', 'delete', g.id])).stdout).toBe(`group ${g.id} deleted\n`);
    expect(oneErrorLine(await rig.run(['group', 'show', g.id]))).toMatch(/^error ERR_NOT_FOUND: /);
  }, T);
});

describe('eim orders', () => {
  it('create, get and list; an unknown order is one error line with the API code', async () => {
    const created = await rig.run(['orders', 'create', '--eid', eids[4]!, '--disable', '8944000000000000001', '--json']);
    expect(created.status).toBe(0);
    const order = JSON.parse(created.stdout) as { id: string; status: string; request: unknown };
    expect(order).toMatchObject({ status: 'queued', request: { kind: 'psmo', operations: [{ op: 'disable', iccid: '8944000000000000001' }] } });
    const shown = await rig.run(['orders', 'get', order.id]);
    expect(shown.stdout).toMatch(new RegExp(`^id\\s+${order.id}$`, 'm'));
    expect(shown.stdout).toMatch(/^status\s+queued$/m);
    const listed = JSON.parse((await rig.run(['orders', 'list', '--eid', eids[4]!, '--status', 'queued', '--kind', 'psmo', '--json'])).stdout) as { id: string }[];
    expect(listed.map((o) => o.id), JSON.stringify(listed)).toEqual([order.id]);
    expect(oneErrorLine(await rig.run(['orders', 'get', '00000000-0000-4000-8000-000000000000']))).toMatch(/^error ERR_NOT_FOUND: /);
    expect(oneErrorLine(await rig.run(['orders', 'create', '--eid', eids[4]!, '--enable', '1', '--delete', '2']))).toMatch(/^error ERR_USAGE: give exactly one of/);
  }, T);

  it('without a key, or with the API unreachable: one line naming what to set', async () => {
    expect(oneErrorLine(await runCli(['orders', 'list'], { EIM_API_URL: rig.eim.api.url, EIM_API_KEY: undefined }))).toMatch(/^error ERR_NO_API_KEY: set EIM_API_KEY/);
    expect(oneErrorLine(await runCli(['orders', 'list'], { EIM_API_URL: 'http://127.0.0.1:9', EIM_API_KEY: rig.adminKey }))).toMatch(/^error ERR_UNREACHABLE: cannot reach the eIM API at http:\/\/127\.0\.0\.1:9 /);
    expect(oneErrorLine(await runCli(['orders', 'list'], { EIM_API_URL: rig.eim.api.url, EIM_API_KEY: 'eim_000000000000_' + '0'.repeat(48) }))).toMatch(/^error ERR_UNAUTHENTICATED: /);
  }, T);

  it('watch follows an order a device carries out until it is done (exit 0); watch of all pending orders ends when none is left', async () => {
    const card = VirtualEuicc.fromPki(rig.pkiDir, { curve: 'P-256', euiccIndex: 0 });
    const material = associationMaterial({ eimId: rig.eim.config.eimId, eimFqdn: rig.eim.config.eimFqdn, signer: rig.eim.deps.eim.signers['P-256']! });
    const r = await card.addInitialEim([material.eimConfigurationData]);
    if (!('addInitialEimOk' in r)) throw new Error('AddInitialEim refused');
    const first = r.addInitialEimOk[0]!;
    await registerEuicc(rig.eim.deps, { eid: card.eid, curve: 'P-256', counterValue: 0, ...('associationToken' in first ? { associationToken: Number(first.associationToken) } : {}) });
    const ipa = new IpaSimulator({ card, eimUrl: rig.eim.esipa.url, ca: trustedCaPem(rig.eim.pki), servername: 'localhost', retry: { attempts: 1 } });

    const order = JSON.parse((await rig.run(['orders', 'create', '--eid', card.eid, '--list-profiles', '--json'])).stdout) as { id: string };
    const watching = rig.start(['orders', 'watch', order.id, '--interval', '100']);
    const all = rig.start(['orders', 'watch', '--eid', card.eid, '--interval', '100', '--json']);
    await watching.waitFor(/queued/);
    await all.waitFor(/queued/);
    for (let i = 0; i < 5 && (await ipa.pollOnce()).package !== 'none'; i++);
    const w = await watching.result;
    expect(w.status).toBe(0);
    const lines = w.stdout.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`${order.id}  ${card.eid}  psmo  queued$`));
    expect(lines.at(-1)).toMatch(new RegExp(`${order.id}  ${card.eid}  psmo  done$`));
    const a = await all.result;
    expect(a.status).toBe(0);
    const statuses = a.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; status: string }).filter((o) => o.id === order.id).map((o) => o.status);
    expect(statuses[0]).toBe('queued');
    expect(statuses.at(-1)).toBe('done');
  }, T);

  it('watch of an order that ends cancelled exits 1 with one error line', async () => {
    const order = JSON.parse((await rig.run(['orders', 'create', '--eid', eids[3]!, '--list-profiles', '--json'])).stdout) as { id: string };
    const watching = rig.start(['orders', 'watch', order.id, '--interval', '100']);
    await watching.waitFor(/queued/);
    await fetch(`${rig.eim.api.url}/api/v1/orders/${order.id}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${rig.adminKey}` } });
    const w = await watching.result;
    expect(w.stdout).toMatch(/queued\n.*cancelled\n$/);
    expect(oneErrorLine(w)).toMatch(new RegExp(`^error ERR_ORDER_CANCELLED: order ${order.id} is cancelled`));
  }, T);
});
