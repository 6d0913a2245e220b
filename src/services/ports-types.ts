// Re-exports for services that only need the record and patch types.
export type { Order } from '../domain/records.ts';
export type { OrderPatch } from './ports.ts';
