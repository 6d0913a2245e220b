// `eim sim smdpp …` (wired by the integrator into src/cli): run the SM-DP+ simulator, and add a
// download order to a running one through its admin endpoint.

import type { Command } from 'commander';
import { toBase64 } from '../../src/lib/bytes.ts';
import { adminCall, closeOnSignal, collect, profileArg } from '../common/cli-helpers.ts';
import { parseListen } from '../common/http-server.ts';
import { type SmdppHandle, startSmdpp } from './server.ts';

interface RunOptions {
  pki: string;
  listen: string;
  address?: string;
  profile?: string[];
  adminToken?: string;
  smds?: string;
  reusable?: boolean;
}

interface AddOptions {
  url: string;
  token: string;
  pki: string;
  matchingId: string;
  file: string;
  eid?: string;
  confirmationCode?: string;
  ttl?: string;
  reusable?: boolean;
  registerSmdsEvent?: boolean;
}

export function registerSmdppSimCommand(sim: Command, hooks: { started?(handle: SmdppHandle): void } = {}): void {
  sim
    .command('smdpp')
    .description('run the SM-DP+ simulator (ES9+ over HTTPS, JSON and ASN.1 bindings)')
    .requiredOption('--pki <dir>', 'PKI directory with pki.json (DPauth, DPpb, DPtls, CI)')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:8443')
    .option('--address <fqdn>', 'SM-DP+ address in serverSigned1 and activation codes (default localhost:<port>)')
    .option('--profile <matchingId=file>', 'a download order: matchingId and its UPP file (repeatable)', collect)
    .option('--reusable', 'orders from --profile can be downloaded more than once')
    .option('--admin-token <token>', 'enable POST/GET /admin/profiles with this bearer token (or EIM_SIM_ADMIN_TOKEN)')
    .option('--smds <url>', 'SM-DS base URL for ES12 events')
    .action(async (o: RunOptions) => {
      const { host, port } = parseListen(o.listen);
      const adminToken = o.adminToken ?? process.env.EIM_SIM_ADMIN_TOKEN;
      const handle = await startSmdpp({
        pki: o.pki,
        host,
        port,
        ...(o.address ? { address: o.address } : {}),
        ...(adminToken ? { adminToken } : {}),
        ...(o.smds ? { smds: { url: o.smds } } : {}),
        catalogue: (o.profile ?? []).map((p) => ({ ...profileArg(p), ...(o.reusable ? { reusable: true } : {}) })),
      });
      process.stdout.write(`SM-DP+ simulator on ${handle.url} (address ${handle.address})\n`);
      for (const e of handle.catalogue.list()) process.stdout.write(`  ${handle.activationCode(e.matchingId)}\n`);
      closeOnSignal(() => handle.close());
      hooks.started?.(handle);
    });

  sim
    .command('smdpp-add-profile')
    .description('add a download order to a running SM-DP+ simulator (admin endpoint)')
    .requiredOption('--url <url>', 'simulator base URL, e.g. https://127.0.0.1:8443')
    .requiredOption('--token <token>', 'admin bearer token')
    .requiredOption('--pki <dir>', 'PKI directory whose CI the simulator TLS certificate chains to')
    .requiredOption('--matching-id <id>', 'matchingId (Activation Code token)')
    .requiredOption('--file <path>', 'profile package (UPP) file')
    .option('--eid <eid>', 'bind the order to this EID')
    .option('--confirmation-code <code>', 'require this Confirmation Code')
    .option('--ttl <seconds>', 'the order expires after this many seconds')
    .option('--reusable', 'may be downloaded more than once')
    .option('--register-smds-event', 'register an SM-DS event for the EID')
    .action(async (o: AddOptions) => {
      const { profile } = profileArg(`${o.matchingId}=${o.file}`);
      const body = {
        matchingId: o.matchingId,
        profile: toBase64(profile),
        ...(o.eid ? { eid: o.eid } : {}),
        ...(o.confirmationCode ? { confirmationCode: o.confirmationCode } : {}),
        ...(o.ttl ? { ttlSeconds: Number(o.ttl) } : {}),
        ...(o.reusable ? { reusable: true } : {}),
        ...(o.registerSmdsEvent ? { registerSmdsEvent: true } : {}),
      };
      const out = (await adminCall(o.url, '/admin/profiles', o.token, o.pki, body)) as { activationCode: string };
      process.stdout.write(`${out.activationCode}\n`);
    });
}
