// `eim demo` (`npm run demo`): the whole system in one process, in under a minute. The eIM, an SM-DP+
// simulator and N devices (virtual eUICC + IPA simulator) associated with the eIM and registered through
// the API; a pool of activation codes imported from CSV and assigned to the devices' group; every device
// followed through download and enable; a summary table; exit 0 when every profile is enabled.
import type { Command } from 'commander';
import { ApiClient } from './api-client.ts';
import { startDemoRig } from './demo-rig.ts';
import { type DeviceRun, printSummary } from './demo-summary.ts';
import { provisionFleet, runFleet } from './fleet.ts';
import { Progress, usage } from './output.ts';
import { uploadCodes } from './pools.ts';
import { isFinal, type OrderView } from './watch-orders.ts';

export interface DemoOptions {
  devices: number;
  timeoutMs: number;
  json?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (o: OrderView | undefined) => (o?.completedAt ? (Date.parse(o.completedAt) - Date.parse(o.createdAt)) / 1000 : undefined);

/** Polls the orders until every device's enable (or its download) is final; asks for the enables as downloads finish. */
async function follow(api: ApiClient, runs: DeviceRun[], deadline: number): Promise<void> {
  const progress = new Progress(1000);
  for (;;) {
    const orders = await api.all<OrderView>('/orders', { limit: 1000 });
    for (const r of runs) {
      r.download = orders.find((o) => o.eid === r.eid && o.kind === 'download') ?? r.download;
      r.enable = orders.find((o) => o.eid === r.eid && o.kind === 'psmo' && (o.request.operations as { op: string }[])[0]?.op === 'enable') ?? r.enable;
      const iccid = (r.download?.outcome as { iccid?: string } | null)?.iccid;
      if (r.download?.status === 'done' && iccid && !r.enable && !r.enableAsked) {
        r.enableAsked = true;
        r.enable = await api.post<OrderView>('/orders', { eid: r.eid, kind: 'psmo', operations: [{ op: 'enable', iccid }] });
      }
    }
    const downloaded = runs.filter((r) => r.download?.status === 'done').length;
    const enabled = runs.filter((r) => r.enable?.status === 'done').length;
    const finished = runs.every((r) => (r.download && isFinal(r.download.status) && r.download.status !== 'done') || (r.enable && isFinal(r.enable.status)));
    progress.update(`downloads: ${downloaded} of ${runs.length} done, enables: ${enabled} of ${runs.length} done`, finished);
    if (finished || Date.now() > deadline) return;
    await sleep(300);
  }
}

export async function runDemo(o: DemoOptions): Promise<boolean> {
  const started = Date.now();
  const say = (line: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
  say(`starting the eIM, an SM-DP+ simulator and ${o.devices} devices…`);
  const rig = await startDemoRig(o.devices, say);
  try {
    say(`eIM ${rig.eim.config.eimId}: ESipa ${rig.eim.esipa.url}, operator API ${rig.eim.api.url}/api/v1 (embedded database in ${rig.dir})`);
    say(`SM-DP+ simulator: ${rig.smdp.url} (address ${rig.smdp.address}), ${o.devices} profiles in its catalogue`);
    const api = new ApiClient(rig.eim.api.url, rig.adminKey);
    const devices = await provisionFleet({
      pkiDir: rig.pkiDir,
      count: o.devices,
      curves: ['P-256', 'brainpoolP256r1'],
      eim: { eimId: rig.eim.config.eimId, eimFqdn: rig.eim.config.eimFqdn, esipaUrl: rig.eim.esipa.url, servername: 'localhost' },
      api,
      tags: ['demo'],
    });
    say(`${devices.length} devices: AddInitialEim with the eIM's association material, registered through POST /api/v1/euiccs/import`);
    const group = await api.post<{ id: string }>('/groups', { name: 'demo fleet', kind: 'static', eids: devices.map((d) => d.eid) });
    const pool = await api.post<{ id: string }>('/pools', { name: 'demo codes' });
    const report = await uploadCodes(api, pool.id, rig.codesCsv, 'all-or-nothing');
    say(`pool "demo codes": ${report.imported} activation codes imported from ${rig.codesCsv}`);
    const assigned = await api.post<{ reconcile: { reserved: number } }>(`/pools/${pool.id}/assignments`, { groupId: group.id, enableAfterInstall: false });
    say(`pool assigned to group "demo fleet": ${assigned.reconcile.reserved} codes reserved, each with a download order`);

    const stop = new AbortController();
    const errors: string[] = [];
    const polling = runFleet(devices, { intervalMs: 250, signal: stop.signal, onError: (eid, e) => errors.push(`${eid}: ${(e as Error).message}`) });
    const runs: DeviceRun[] = devices.map((d) => ({ eid: d.eid, curve: d.curve }));
    try {
      await follow(api, runs, started + o.timeoutMs);
    } finally {
      stop.abort();
      await polling;
    }
    for (const r of runs) {
      const e = await api.get<{ profiles: { iccid: string; state: string }[] }>(`/euiccs/${r.eid}`);
      r.profile = e.profiles.find((p) => p.iccid === (r.download?.outcome as { iccid?: string } | null)?.iccid)?.state;
      r.downloadSeconds = seconds(r.download);
      r.enableSeconds = seconds(r.enable);
    }
    const ok = runs.every((r) => r.enable?.status === 'done' && r.profile === 'enabled');
    for (const e of errors.slice(0, 5)) say(`IPA error: ${e}`);
    printSummary(runs, { elapsedSeconds: (Date.now() - started) / 1000, ok, json: !!o.json });
    return ok;
  } finally {
    await rig.close();
  }
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the eIM, an SM-DP+ simulator and N simulated devices in one process: pool import, assignment, download and enable on every device, then a summary')
    .option('--devices <n>', 'number of devices', '20')
    .option('--timeout <seconds>', 'give up after this long', '120')
    .option('--json', 'print the summary as JSON')
    .action(async (opts: { devices: string; timeout: string; json?: boolean }) => {
      const devices = Number(opts.devices);
      if (!Number.isInteger(devices) || devices < 1 || devices > 1000) throw usage('--devices must be an integer from 1 to 1000');
      const timeout = Number(opts.timeout);
      if (!Number.isFinite(timeout) || timeout <= 0) throw usage('--timeout must be a positive number of seconds');
      const ok = await runDemo({ devices, timeoutMs: timeout * 1000, ...(opts.json ? { json: true } : {}) });
      process.exit(ok ? 0 : 1);
    });
}
