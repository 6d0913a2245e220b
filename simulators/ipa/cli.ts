// `eim sim ipa`: the IPA simulator against an eIM, driving a virtual eUICC (state file) in-process.
// --once polls once and prints what happened; --interval S keeps polling until SIGINT/SIGTERM.

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadPkiDirectory } from '../../src/crypto/pki-directory.ts';
import { toHex } from '../../src/lib/bytes.ts';
import { trustedCaPem } from '../common/tls.ts';
import { openEuicc } from '../euicc/cli.ts';
import { IpaSimulator, type PollResult } from './ipa.ts';

export interface IpaSimOptions {
  eim: string;
  pki?: string;
  state?: string;
  euiccIndex: string;
  curve?: string;
  binding: string;
  once?: boolean;
  interval?: string;
  ca?: string;
  servername?: string;
  download?: string;
  smdpCa?: string;
}

/** One line of JSON per poll: what came, what was sent, what the eIM answered. */
export function describePoll(r: PollResult): Record<string, unknown> {
  return {
    package: r.package,
    ...(r.eimPackageError !== undefined ? { eimPackageError: r.eimPackageError } : {}),
    ...(r.eimTransactionId ? { eimTransactionId: r.eimTransactionId } : {}),
    ...(r.stateChangeCause !== undefined ? { stateChangeCause: r.stateChangeCause } : {}),
    ...(r.sent ? { sent: toHex(r.sent.subarray(0, 2)) } : {}),
    ...(r.answer ? { answer: r.answer } : {}),
    ...(r.removed.length ? { removed: r.removed } : {}),
    ...(r.download ? { download: { mode: r.download.mode, ok: r.download.ok, ...(r.download.ok ? {} : { stage: r.download.stage, code: r.download.code }) } } : {}),
  };
}

function caFrom(opts: IpaSimOptions): string {
  if (opts.ca) return readFileSync(opts.ca, 'utf8');
  if (opts.pki) return trustedCaPem(loadPkiDirectory(opts.pki));
  throw new TypeError('--ca is required without --pki');
}

export function ipaFromOptions(opts: IpaSimOptions): IpaSimulator {
  if (opts.binding !== 'asn1' && opts.binding !== 'json') throw new TypeError('--binding must be asn1 or json');
  if (opts.download !== undefined && opts.download !== 'direct' && opts.download !== 'indirect') throw new TypeError('--download must be direct or indirect');
  const card = openEuicc({ euiccIndex: opts.euiccIndex, ...(opts.pki ? { pki: opts.pki } : {}), ...(opts.state ? { state: opts.state } : {}), ...(opts.curve ? { curve: opts.curve } : {}) });
  const ca = caFrom(opts);
  return new IpaSimulator({
    card,
    eimUrl: opts.eim,
    binding: opts.binding,
    ca,
    ...(opts.servername ? { servername: opts.servername } : {}),
    ...(opts.download ? { download: opts.download as 'direct' | 'indirect' } : {}),
    smdp: { ca: opts.smdpCa ? readFileSync(opts.smdpCa, 'utf8') : ca },
    log: (event, data) => process.stderr.write(`${JSON.stringify({ event, ...data })}\n`),
  });
}

export function registerIpaSimCommand(sim: Command): Command {
  return sim
    .command('ipa')
    .description('IPA simulator (SGP.32 v1.2 IPAd, retrieve mode) polling an eIM for a virtual eUICC')
    .requiredOption('--eim <url>', 'the eIM ESipa base URL, e.g. https://127.0.0.1:8443')
    .option('--pki <dir>', 'PKI directory with the eUICC (and, without --ca, the CIs the eIM TLS certificate chains to)')
    .option('--state <file>', 'virtual eUICC state file (created from --pki when missing)')
    .option('--euicc-index <n>', 'which eUICC of the PKI directory (0-based)', '0')
    .option('--curve <curve>', 'only this curve: P-256 | brainpoolP256r1')
    .option('--binding <binding>', 'ESipa binding: asn1 | json', 'asn1')
    .option('--once', 'poll once, print the result and exit')
    .option('--interval <seconds>', 'poll every S seconds until interrupted')
    .option('--ca <file>', 'PEM the eIM TLS certificate must chain to (default: the CIs of --pki)')
    .option('--servername <name>', 'TLS server name when --eim is an IP address (default localhost)')
    .option('--download <mode>', 'profile download: direct | indirect (default: from the IPA capabilities)')
    .option('--smdp-ca <file>', 'PEM for the SM-DP+ TLS certificate in direct download (default: as --ca)')
    .action(async (opts: IpaSimOptions) => {
      if (!!opts.once === (opts.interval !== undefined)) throw new TypeError('give exactly one of --once and --interval');
      const ipa = ipaFromOptions(opts);
      const print = (r: PollResult) => process.stdout.write(`${JSON.stringify(describePoll(r))}\n`);
      if (opts.once) {
        print(await ipa.pollOnce());
        return;
      }
      const seconds = Number(opts.interval);
      if (!Number.isFinite(seconds) || seconds <= 0) throw new TypeError('--interval must be a positive number of seconds');
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      process.once('SIGTERM', () => stop.abort());
      await ipa.run({ intervalMs: seconds * 1000, signal: stop.signal, onPoll: print, onError: (err) => process.stderr.write(`${(err as Error).message}\n`) });
    });
}
