// Small helpers for the simulator commands (commander): repeatable options, reading files, running
// until a signal, and calling an admin endpoint.

import { readFileSync } from 'node:fs';
import { loadPkiDirectory } from '../../src/crypto/pki-directory.ts';
import { post } from './https-client.ts';
import { trustedCaPem } from './tls.ts';

export const collect = (value: string, previous: string[] = []) => [...previous, value];

/** "matchingId=path" → [matchingId, bytes]. */
export function profileArg(arg: string): { matchingId: string; profile: Uint8Array } {
  const i = arg.indexOf('=');
  if (i <= 0 || i === arg.length - 1) throw new TypeError(`--profile must be matchingId=file, not ${arg}`);
  return { matchingId: arg.slice(0, i), profile: new Uint8Array(readFileSync(arg.slice(i + 1))) };
}

/** Closes `close` on SIGINT/SIGTERM (the HTTPS server keeps the process alive until then). */
export function closeOnSignal(close: () => Promise<void>): void {
  const stop = () => void close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** POST/GET JSON to an admin resource with the bearer token; throws with the server's error text. */
export async function adminCall(url: string, path: string, token: string, pkiDir: string, body?: unknown): Promise<unknown> {
  const ca = trustedCaPem(loadPkiDirectory(pkiDir));
  const bytes = new TextEncoder().encode(body === undefined ? '' : JSON.stringify(body));
  const res = await post(`${url}${path}`, 'application/json', bytes, { ca, headers: { Authorization: `Bearer ${token}` } });
  const text = new TextDecoder().decode(res.body);
  if (res.status >= 300) throw new Error(`${path}: HTTP ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}
