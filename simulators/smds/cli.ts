// `eim sim smds …` (wired by the integrator into src/cli): run the SM-DS simulator, and register or
// delete an event on a running SM-DS over ES12 (SGP.22 v2.5 §5.7).

import type { Command } from 'commander';
import { loadPkiDirectory } from '../../src/crypto/pki-directory.ts';
import { closeOnSignal, collect } from '../common/cli-helpers.ts';
import { parseListen } from '../common/http-server.ts';
import { postJson } from '../common/https-client.ts';
import { trustedCaPem } from '../common/tls.ts';
import type { RegisterEventInput } from './functions.ts';
import { type SmdsHandle, startSmds } from './server.ts';

interface RunOptions {
  pki: string;
  listen: string;
  address?: string;
  event?: string[];
  adminToken?: string;
}

interface EventOptions {
  url: string;
  pki: string;
  eid: string;
  eventId: string;
  rspServerAddress?: string;
}

/** "EID:eventId@rspServerAddress" → RegisterEventInput. */
export function eventArg(arg: string): RegisterEventInput {
  const m = /^(\d{32}):([^@]+)@(.+)$/.exec(arg);
  if (!m) throw new TypeError(`--event must be EID:eventId@rspServerAddress, not ${arg}`);
  return { eid: m[1]!, eventId: m[2]!, rspServerAddress: m[3]! };
}

async function es12(o: EventOptions, fn: 'registerEvent' | 'deleteEvent', body: Record<string, unknown>): Promise<void> {
  const res = await postJson(o.url, `/gsma/rsp2/es12/${fn}`, body, { ca: trustedCaPem(loadPkiDirectory(o.pki)) });
  const status = (res.json?.header as { functionExecutionStatus?: unknown } | undefined)?.functionExecutionStatus as { status?: string } | undefined;
  if (res.status !== 200 || status?.status !== 'Executed-Success') throw new Error(`ES12.${fn}: HTTP ${res.status} ${JSON.stringify(status ?? null)}`);
  process.stdout.write(`ES12.${fn} ${o.eventId}: Executed-Success\n`);
}

export function registerSmdsSimCommand(sim: Command, hooks: { started?(handle: SmdsHandle): void } = {}): void {
  sim
    .command('smds')
    .description('run the SM-DS simulator (ES11 on /gsma/rsp2/es11, /gsma/rsp2/es9plus and ASN.1; ES12)')
    .requiredOption('--pki <dir>', 'PKI directory with pki.json (DSauth, DStls, CI)')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:8444')
    .option('--address <fqdn>', 'SM-DS address in serverSigned1 (default localhost:<port>)')
    .option('--event <EID:eventId@rspServerAddress>', 'an event present from the start (repeatable)', collect)
    .option('--admin-token <token>', 'enable GET /admin/events with this bearer token (or EIM_SIM_ADMIN_TOKEN)')
    .action(async (o: RunOptions) => {
      const { host, port } = parseListen(o.listen);
      const adminToken = o.adminToken ?? process.env.EIM_SIM_ADMIN_TOKEN;
      const handle = await startSmds({ pki: o.pki, host, port, ...(o.address ? { address: o.address } : {}), ...(adminToken ? { adminToken } : {}), events: (o.event ?? []).map(eventArg) });
      process.stdout.write(`SM-DS simulator on ${handle.url} (address ${handle.address}), ${handle.listEvents().length} event(s)\n`);
      closeOnSignal(() => handle.close());
      hooks.started?.(handle);
    });

  const eventCommand = (name: string, description: string) =>
    sim
      .command(name)
      .description(description)
      .requiredOption('--url <url>', 'SM-DS base URL, e.g. https://127.0.0.1:8444')
      .requiredOption('--pki <dir>', 'PKI directory whose CI the SM-DS TLS certificate chains to')
      .requiredOption('--eid <eid>', 'EID (32 digits)')
      .requiredOption('--event-id <id>', 'EventID');

  eventCommand('smds-register-event', 'ES12.RegisterEvent on a running SM-DS')
    .requiredOption('--rsp-server-address <fqdn>', 'SM-DP+ address the event points to')
    .action((o: EventOptions) => es12(o, 'registerEvent', { eid: o.eid, eventId: o.eventId, rspServerAddress: o.rspServerAddress, forwardingIndicator: false }));

  eventCommand('smds-delete-event', 'ES12.DeleteEvent on a running SM-DS').action((o: EventOptions) => es12(o, 'deleteEvent', { eid: o.eid, eventId: o.eventId }));
}
