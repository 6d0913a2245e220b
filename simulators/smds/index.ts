// Public API of the SM-DS simulator.
export { startSmds, type SmdsHandle, type SmdsOptions } from './server.ts';
export type { EventRecord } from './event-store.ts';
export type { RegisterEventInput } from './functions.ts';
export type { SmdsEvent } from './context.ts';
export { SMDS_ERRORS } from './errors.ts';
export { registerSmdsSimCommand } from './cli.ts';
export type { ScriptedFailure } from '../common/failure-script.ts';
