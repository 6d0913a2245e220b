// Public API of the SM-DP+ simulator.
export { startSmdpp, type SmdppHandle, type SmdppOptions } from './server.ts';
export { Catalogue, type CatalogueEntry, type ProfileInput, iccidBytes } from './catalogue.ts';
export type { SmdppEvent } from './events.ts';
export { ES9_ERRORS } from './errors.ts';
export { registerSmdppSimCommand } from './cli.ts';
export type { ScriptedFailure } from '../common/failure-script.ts';
