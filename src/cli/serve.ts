// `eim serve` (the same as `npm start`) and `eim association`: run the eIM, print what devices need.
import type { Command } from 'commander';
import { loadConfig } from '../config/config.ts';
import { loadPkiDirectory } from '../crypto/pki-directory.ts';
import { fromHex } from '../lib/bytes.ts';
import { associationMaterial, describeAssociation } from '../services/association.ts';

export function registerServeCommands(program: Command): void {
  program
    .command('serve')
    .description('start the eIM (configuration from the environment; see README "Configuration")')
    .action(async () => {
      await import('../main.ts');
    });

  program
    .command('association')
    .description("print this eIM's EimConfigurationData and AddInitialEimRequest (DER hex, base64, JSON) for provisioning devices")
    .option('--pki <dir>', 'PKI directory (default: EIM_PKI_DIR, else <EIM_DATA_DIR>/pki)')
    .option('--curve <curve>', 'P-256 or brainpoolP256r1: the eUICC curve', 'P-256')
    .option('--counter <n>', 'initial counterValue', '0')
    .option('--inject', 'advertise inject mode (eimInjectHttps) besides retrieve mode')
    .option('--json', 'print JSON')
    .action((opts: { pki?: string; curve: string; counter: string; inject?: boolean; json?: boolean }) => {
      const config = loadConfig();
      const pki = loadPkiDirectory(opts.pki ?? config.pkiDir ?? `${config.dataDir}/pki`);
      const set = pki.sets.find((s) => s.curve === opts.curve);
      if (!set?.roles.eimSign?.signer) throw new Error(`the PKI has no ${opts.curve} eIM signing key`);
      const counter = Number(opts.counter);
      if (!Number.isInteger(counter) || counter < 0 || counter > 0x7fffff) throw new Error('--counter must be an integer from 0 to 8388607');
      const m = describeAssociation(
        associationMaterial({
          eimId: config.eimId,
          eimFqdn: config.eimFqdn,
          signer: set.roles.eimSign.signer,
          ...(set.roles.eimTls ? { tlsCertificate: set.roles.eimTls.certificate } : {}),
          euiccCiPKId: fromHex(set.ciPkId),
          counterValue: counter,
          ...(opts.inject ? { inject: true } : {}),
        }),
      );
      if (opts.json) process.stdout.write(JSON.stringify(m, null, 2) + '\n');
      else {
        process.stdout.write(`EimConfigurationData (hex):    ${m.eimConfigurationData.hex}\n`);
        process.stdout.write(`EimConfigurationData (base64): ${m.eimConfigurationData.base64}\n`);
        process.stdout.write(`AddInitialEimRequest (hex):    ${m.addInitialEimRequest.hex}\n`);
        process.stdout.write(`AddInitialEimRequest (base64): ${m.addInitialEimRequest.base64}\n`);
      }
    });
}
