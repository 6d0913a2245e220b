// `eim sim <name>`: the simulators as commands (each simulator registers its own subcommand).
import type { Command } from 'commander';
import { registerEuiccSimCommand } from '../../simulators/euicc/cli.ts';
import { registerIpaSimCommand } from '../../simulators/ipa/cli.ts';
import { registerSmdppSimCommand } from '../../simulators/smdpp/cli.ts';
import { registerSmdsSimCommand } from '../../simulators/smds/cli.ts';
import { registerFleetCommand } from './fleet.ts';

export function registerSimCommands(program: Command): void {
  const sim = program.command('sim').description('run a simulator: euicc, ipa, smdpp, smds, fleet');
  registerEuiccSimCommand(sim);
  registerSmdppSimCommand(sim);
  registerSmdsSimCommand(sim);
  registerIpaSimCommand(sim);
  registerFleetCommand(sim);
}
