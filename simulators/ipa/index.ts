// Public API of the IPA simulator.
export { DEFAULT_CAPABILITIES, DEFAULT_DEVICE_INFO, IpaSimulator, type IpaSimulatorOptions, type PollResult } from './ipa.ts';
export type { InjectListener, InjectListenerOptions } from './inject-listener.ts';
export type { DownloadOutcome } from './download.ts';
export type { DownloadMode, DownloadReport } from './profile-download.ts';
export type { EimPackage, EsipaClient, ProvideAnswer, RspServer } from './messages.ts';
export type { IpaCard } from './package-handler.ts';
export { HttpStatusError, TransportError, type RetryPolicy } from './transport.ts';
export { parseActivationCode } from './trigger.ts';
export { registerIpaSimCommand } from './cli.ts';
