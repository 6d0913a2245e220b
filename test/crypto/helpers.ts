// Shared test helpers: the third-party vectors, temp dirs and the openssl command line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readHeader } from '../../src/asn1/tlv.ts';
import { fromHex } from '../../src/lib/bytes.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(here, '../..');
export const VECTORS = resolve(REPO, '../shared/vectors');
export const FIXTURES = join(here, 'fixtures');

export interface Vector {
  id: string;
  hex: string;
  signature?: { signedDataHex: string; signatureHex: string; signerCertificateHex: string; eumCertificateHex?: string };
}

const cache = new Map<string, Vector>();
export function vector(id: string): Vector {
  if (cache.size === 0) {
    for (const f of ['sgp22-vectors.json', 'sgp32-vectors.json']) {
      for (const v of JSON.parse(readFileSync(join(VECTORS, f), 'utf8')) as Vector[]) cache.set(v.id, v);
    }
  }
  const v = cache.get(id);
  if (!v) throw new Error(`no vector ${id}`);
  return v;
}

export const vectorBytes = (id: string) => fromHex(vector(id).hex);

/** The TLV children of a constructed TLV (by its leading tag bytes), as received. */
export function childTlvs(bytes: Uint8Array): Uint8Array[] {
  const outer = readHeader(bytes, 0, bytes.length);
  const out: Uint8Array[] = [];
  for (let p = outer.contentStart; p < outer.contentEnd; ) {
    const h = readHeader(bytes, p, outer.contentEnd);
    out.push(bytes.subarray(p, h.end));
    p = h.end;
  }
  return out;
}

/** Follows a path of child indexes down a TLV tree. */
export function pick(bytes: Uint8Array, ...path: number[]): Uint8Array {
  let cur = bytes;
  for (const i of path) cur = childTlvs(cur)[i]!;
  return cur;
}

export function valueOf(tlvBytes: Uint8Array): Uint8Array {
  const h = readHeader(tlvBytes, 0, tlvBytes.length);
  return tlvBytes.subarray(h.contentStart, h.contentEnd);
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'eim-crypto-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs openssl; returns {ok, out}. */
export function openssl(args: string[], cwd?: string): { ok: boolean; out: string } {
  const r = spawnSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  return { ok: r.status === 0, out: `${r.stdout?.toString() ?? ''}${r.stderr?.toString() ?? ''}` };
}

export function writeBytes(path: string, data: Uint8Array | string): string {
  writeFileSync(path, data);
  return path;
}
