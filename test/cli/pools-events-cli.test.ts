// `eim pool`, `eim events tail` and `eim keys create` against a running eIM: a CSV streamed to the API
// with a progress line, the import report on rejection, events live over the WebSocket stream and by
// polling, keys made through the API.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEid } from '../support/fleet.ts';
import { badCheckDigit, iccidFor, intuneCsv } from '../support/pools.ts';
import { type CliRig, oneErrorLine, startCliRig } from './support.ts';

const T = 180_000;
let rig: CliRig;
beforeAll(async () => {
  rig = await startCliRig();
}, 120_000);
afterAll(async () => {
  await rig?.close();
});

describe('eim pool', () => {
  it('import streams a CSV file with a progress line on stderr; status counts the codes; assign gives the group download orders', async () => {
    const file = join(rig.dir, 'codes.csv');
    writeFileSync(file, intuneCsv(Array.from({ length: 3000 }, (_, i) => [iccidFor(i), `CLI-${i}`] as [string, string])));
    expect((await rig.run(['pool', 'create', '--name', 'cli pool'])).stdout).toMatch(/^pool [0-9a-f-]{36} \(cli pool\) created\n$/);
    const r = await rig.run(['pool', 'import', 'cli pool', file]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('3000 of 3000 codes imported (intune format)\n');
    expect(r.stderr).toMatch(/pool import: [\d.]+ MB of [\d.]+ MB sent \(100%\)/);
    expect(r.stderr).toMatch(/pool import: 3000 rows read, 3000 imported, 0 rejected/);

    const status = await rig.run(['pool', 'status', 'cli pool']);
    expect(status.stdout).toMatch(/^available\s+3000$/m);
    expect(status.stdout).toMatch(/^total\s+3000$/m);

    const eid = makeEid(8100);
    await rig.run(['euicc', 'import', writeJson('one.json', [{ eid }])]);
    const g = JSON.parse((await rig.run(['group', 'create', '--name', 'pool group', '--eid', eid, '--json'])).stdout) as { id: string };
    const assigned = await rig.run(['pool', 'assign', 'cli pool', '--group', g.id]);
    expect(assigned.stdout).toMatch(/^assignment [0-9a-f-]{36}: 1 codes reserved with download orders, 0 members waiting for a code, 0 errors\n$/);
    const downloads = JSON.parse((await rig.run(['orders', 'list', '--eid', eid, '--kind', 'download', '--json'])).stdout) as { request: { activationCode: string } }[];
    expect(downloads).toHaveLength(1);
    expect(downloads[0]!.request.activationCode).toMatch(/^1\$smdp\.example\.com\$CLI-\d+$/);
  }, T);

  it('an all-or-nothing import with bad rows prints the problems and one error line, and imports nothing', async () => {
    const file = join(rig.dir, 'bad.csv');
    writeFileSync(file, intuneCsv([[iccidFor(90001), 'OK-1'], [badCheckDigit(iccidFor(90002)), 'BAD-1']]));
    await rig.run(['pool', 'create', '--name', 'bad pool']);
    const r = await rig.run(['pool', 'import', 'bad pool', file]);
    expect(r.stdout).toMatch(/^LINE\s+FIELD\s+REASON\s+MESSAGE\n3\s+iccid\s+iccid-check-digit\s+/);
    expect(oneErrorLine(r)).toBe('error ERR_IMPORT_REJECTED: 1 of 2 rows are invalid; nothing was imported');
    expect((await rig.run(['pool', 'status', 'bad pool'])).stdout).toMatch(/^total\s+0$/m);
  }, T);
});

function writeJson(name: string, value: unknown): string {
  const file = join(rig.dir, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

describe('eim events tail', () => {
  it('from the start over the WebSocket stream, then live: an event written after it started arrives', async () => {
    const past = await rig.run(['events', 'tail', '--after', '0', '--count', '2', '--json']);
    expect(past.status).toBe(0);
    expect(past.stderr).toMatch(/following .*\/api\/v1\/events\/stream/);
    const events = past.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: number; type: string });
    expect(events).toHaveLength(2);
    expect(events[1]!.id).toBeGreaterThan(events[0]!.id);

    const live = rig.start(['events', 'tail', '--type', 'euicc.registered', '--count', '1']);
    await new Promise((r) => setTimeout(r, 500));
    // The stream may not be open yet when the eUICC is registered: keep registering until the tail has one.
    let n = 8200;
    const done = live.result;
    let settled = false;
    void done.then(() => (settled = true));
    while (!settled && n < 8260) {
      await rig.run(['euicc', 'import', writeJson(`live-${n}.json`, [{ eid: makeEid(n++) }])]);
    }
    const r = await done;
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^#\d+  \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ  euicc\.registered  euicc \d{32}  \{.*\}\n$/);
  }, T);

  it('--poll reads GET /events with the cursor', async () => {
    const r = await rig.run(['events', 'tail', '--poll', '--after', '0', '--count', '3', '--json']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/polling/);
    const ids = r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { id: number }).id);
    expect(ids).toHaveLength(3);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    const registered = await rig.run(['events', 'tail', '--poll', '--after', '0', '--count', '1', '--type', 'euicc.registered']);
    expect(registered.stdout).toMatch(/^#\d+  .*  euicc\.registered  euicc \d{32}  /);
  }, T);
});

describe('eim keys', () => {
  it('keys create through the API makes a key of the caller\'s tenant that works; --tenant is refused there', async () => {
    const r = await rig.run(['keys', 'create', '--name', 'cli viewer', '--role', 'viewer', '--json']);
    expect(r.status).toBe(0);
    const key = JSON.parse(r.stdout) as { key: string; tenantId: string; role: string };
    expect(key).toMatchObject({ tenantId: 'default', role: 'viewer' });
    expect((await rig.run(['euicc', 'list'], { EIM_API_KEY: key.key })).status).toBe(0);
    expect(oneErrorLine(await rig.run(['pool', 'create', '--name', 'x'], { EIM_API_KEY: key.key }))).toMatch(/^error ERR_FORBIDDEN: /);
    expect(oneErrorLine(await rig.run(['keys', 'create', '--name', 'x', '--role', 'viewer', '--tenant', 'other']))).toMatch(/^error ERR_USAGE: --tenant applies only directly on the database/);
    const listed = await rig.run(['keys', 'list']);
    expect(listed.stdout).toMatch(/cli viewer\s+viewer/);
  }, T);
});
