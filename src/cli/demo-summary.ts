// The demo's summary: one row per device (EID, curve, ICCID, the download and enable orders with their
// times, the profile's state in the eIM's inventory), then one line with the totals.
import type { Curve } from '../crypto/engine.ts';
import { printJson, printTable } from './output.ts';
import type { OrderView } from './watch-orders.ts';

export interface DeviceRun {
  eid: string;
  curve: Curve;
  download?: OrderView;
  enable?: OrderView;
  enableAsked?: boolean;
  downloadSeconds?: number | undefined;
  enableSeconds?: number | undefined;
  /** The profile's state in the eIM's inventory at the end. */
  profile?: string | undefined;
}

const iccidOf = (r: DeviceRun) => (r.download?.outcome as { iccid?: string } | null)?.iccid;
const secs = (n: number | undefined) => (n === undefined ? undefined : n.toFixed(1));

export function printSummary(runs: DeviceRun[], o: { elapsedSeconds: number; ok: boolean; json: boolean }): void {
  const enabled = runs.filter((r) => r.enable?.status === 'done' && r.profile === 'enabled').length;
  if (o.json) {
    printJson({
      ok: o.ok,
      devices: runs.length,
      enabled,
      elapsedSeconds: Number(o.elapsedSeconds.toFixed(1)),
      items: runs.map((r) => ({ eid: r.eid, curve: r.curve, iccid: iccidOf(r) ?? null, download: r.download?.status ?? null, downloadSeconds: r.downloadSeconds ?? null, enable: r.enable?.status ?? null, enableSeconds: r.enableSeconds ?? null, profile: r.profile ?? null })),
    });
    return;
  }
  printTable(runs, [
    ['EID', (r) => r.eid],
    ['CURVE', (r) => r.curve],
    ['ICCID', iccidOf],
    ['DOWNLOAD', (r) => r.download?.status ?? 'none'],
    ['DL S', (r) => secs(r.downloadSeconds)],
    ['ENABLE', (r) => r.enable?.status ?? 'none'],
    ['EN S', (r) => secs(r.enableSeconds)],
    ['PROFILE', (r) => r.profile],
  ]);
  process.stdout.write(`\n${enabled} of ${runs.length} devices downloaded and enabled their profile in ${o.elapsedSeconds.toFixed(1)} s${o.ok ? '' : ' (not all: see the rows above)'}\n`);
}
