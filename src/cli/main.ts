// The `eim` command line. Each area registers its own subcommands from a file beside this one.
import { Command } from 'commander';
import { registerAsn1Commands } from './asn1.ts';
import { registerPkiCommands } from './pki.ts';
import { registerServeCommands } from './serve.ts';
import { registerSimCommands } from './sim.ts';

const program = new Command();
program.name('eim').description('SGP.32 v1.2 eIM: server, tools and simulators').showHelpAfterError();
registerAsn1Commands(program);
registerPkiCommands(program);
registerServeCommands(program);
registerSimCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
