// `eim sim euicc`: load or create a virtual eUICC, show what it holds, and optionally serve it to PC/SC
// IPAs and LPAs over the vsmartcard vpcd protocol (--vpcd-connect / --vpcd-listen).

import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { Curve } from '../../src/crypto/engine.ts';
import { VirtualEuicc } from './euicc.ts';
import { parseHostPort, startVpcd } from './vpcd.ts';

export interface EuiccSimOptions {
  pki?: string;
  state?: string;
  euiccIndex: string;
  curve?: string;
  vpcdConnect?: string;
  vpcdListen?: string;
}

/** Opens the card the options name: the saved state when the state file exists, else a fresh card from the PKI. */
export function openEuicc(opts: EuiccSimOptions): VirtualEuicc {
  const euiccIndex = Number(opts.euiccIndex);
  if (!Number.isInteger(euiccIndex) || euiccIndex < 0) throw new TypeError('--euicc-index must be an integer from 0');
  if (opts.curve !== undefined && opts.curve !== 'P-256' && opts.curve !== 'brainpoolP256r1') throw new TypeError('--curve must be P-256 or brainpoolP256r1');
  if (!opts.pki) {
    if (opts.state && existsSync(opts.state)) return VirtualEuicc.fromStateFile(opts.state);
    throw new TypeError('--pki is required unless --state names an existing state file');
  }
  return VirtualEuicc.fromPki(opts.pki, { euiccIndex, ...(opts.curve ? { curve: opts.curve as Curve } : {}), ...(opts.state ? { stateFile: opts.state } : {}) });
}

/** A description of the card, one line per item. */
export function describeEuicc(card: VirtualEuicc): string[] {
  const s = card.snapshot();
  const lines = [`EID ${card.eid}`, `CIs ${s.credentials.map((c) => `${c.ciPkId} (${c.curve})`).join(', ')}`];
  const eims = card.eims();
  if (eims.length === 0) lines.push('eIMs: none associated');
  for (const e of eims) {
    lines.push(`eIM ${e.eimId}${e.eimFqdn ? ` fqdn=${e.eimFqdn}` : ''} counterValue=${e.counterValue ?? 0}${e.associationToken !== undefined ? ` associationToken=${e.associationToken}` : ''}`);
  }
  lines.push(`profiles: ${s.profiles.length}, pending notifications: ${s.notifications.length}, stored package results: ${s.packageResults.length}`);
  return lines;
}

export function registerEuiccSimCommand(sim: Command): Command {
  return sim
    .command('euicc')
    .description('virtual SGP.32 v1.2 eUICC: load or create its state and show the EID and associated eIMs')
    .option('--pki <dir>', 'PKI directory (pki.json, see `eim pki init`) holding the eUICC certificates and keys')
    .option('--state <file>', 'JSON state file: read if it exists, created otherwise; saved after every change')
    .option('--euicc-index <n>', 'which eUICC of the PKI directory (0-based)', '0')
    .option('--curve <curve>', 'only this curve: P-256 | brainpoolP256r1 (default: every curve of the PKI)')
    .option('--vpcd-connect <host:port>', 'serve the card over vpcd, connecting to the vsmartcard driver (usually 127.0.0.1:35963)')
    .option('--vpcd-listen <host:port>', 'serve the card over vpcd, listening for a driver configured to connect out')
    .action(async (opts: EuiccSimOptions) => {
      if (opts.vpcdConnect && opts.vpcdListen) throw new TypeError('--vpcd-connect and --vpcd-listen exclude each other');
      const card = openEuicc(opts);
      for (const line of describeEuicc(card)) process.stdout.write(`${line}\n`);
      if (!opts.vpcdConnect && !opts.vpcdListen) return;
      const role = opts.vpcdConnect ? { connect: parseHostPort(opts.vpcdConnect) } : { listen: parseHostPort(opts.vpcdListen!) };
      const vpcd = await startVpcd(card, role, { log: (l) => process.stderr.write(`${l}\n`) });
      process.stdout.write(`vpcd ${opts.vpcdConnect ? 'connecting to' : 'listening on'} ${vpcd.address.host}:${vpcd.address.port}\n`);
      const stop = (): void => void vpcd.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}
