// The `eim` command line. Each area registers its own subcommands from a file beside this one.
import { Command } from 'commander';
import { registerAsn1Commands } from './asn1.ts';
import { registerDemoCommand } from './demo.ts';
import { registerEuiccCommands } from './euiccs.ts';
import { registerEventCommands } from './events.ts';
import { registerGroupCommands } from './groups.ts';
import { registerKeyCommands } from './keys.ts';
import { registerOrderCommands } from './orders.ts';
import { errorLine } from './output.ts';
import { registerPkiCommands } from './pki.ts';
import { registerPoolCommands } from './pools.ts';
import { registerServeCommands } from './serve.ts';
import { registerSimCommands } from './sim.ts';

const program = new Command();
program.name('eim').description('SGP.32 v1.2 eIM: server, operator API client, tools and simulators').showHelpAfterError();
registerServeCommands(program);
registerOrderCommands(program);
registerEuiccCommands(program);
registerGroupCommands(program);
registerPoolCommands(program);
registerEventCommands(program);
registerKeyCommands(program);
registerDemoCommand(program);
registerAsn1Commands(program);
registerPkiCommands(program);
registerSimCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  // One line, the API's code and message; never a stack trace.
  process.stderr.write(`${errorLine(err)}\n`);
  process.exit(1);
});
