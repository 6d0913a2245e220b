// `eim pki …`: test PKI tooling.
import type { Command } from 'commander';
import { type CurveChoice, writeTestPkiDirectory } from '../crypto/pki-directory.ts';

export function registerPkiCommands(program: Command): void {
  const pki = program.command('pki').description('test PKI for the eIM, SM-DP+, SM-DS and eUICC simulators');
  pki
    .command('init')
    .description('write a complete CI/EUM/eUICC/DP/DS/eIM certificate chain as PEM, plus pki.json')
    .requiredOption('--out <dir>', 'output directory')
    .option('--curve <curve>', 'nist | brainpool | both', 'both')
    .option('--euiccs <n>', 'number of eUICC certificates per curve', '1')
    .option('--tls-name <name...>', 'DNS names for the TLS certificates besides localhost (e.g. the hosts of a docker-compose network)')
    .action((opts: { out: string; curve: string; euiccs: string; tlsName?: string[] }) => {
      if (!['nist', 'brainpool', 'both'].includes(opts.curve)) throw new TypeError(`--curve must be nist, brainpool or both, not ${opts.curve}`);
      const euiccs = Number(opts.euiccs);
      if (!Number.isInteger(euiccs) || euiccs < 0 || euiccs > 10_000) throw new TypeError('--euiccs must be an integer 0..10000');
      const index = writeTestPkiDirectory(opts.out, { curve: opts.curve as CurveChoice, euiccs, ...(opts.tlsName ? { tlsNames: opts.tlsName } : {}) });
      for (const set of index.sets) {
        process.stdout.write(`${set.curve}: CI ${set.ciPkId}, ${set.euiccs.length} eUICC(s): ${set.euiccs.map((e) => e.eid).join(' ')}\n`);
      }
      process.stdout.write(`index: ${opts.out}/pki.json\n`);
    });
}
