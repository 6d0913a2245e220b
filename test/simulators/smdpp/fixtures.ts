// Shared set-up for the simulator tests: one test PKI on both curves (2 eUICCs each) in a temp dir.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LoadedPki, loadPkiDirectory, writeTestPkiDirectory } from '../../../src/crypto/pki-directory.ts';
import { concatBytes } from '../../../src/lib/bytes.ts';
import { tlv } from '../../../src/asn1/tlv.ts';

export interface TestPki {
  dir: string;
  pki: LoadedPki;
  cleanup(): void;
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'eim-sim-pki-'));
  writeTestPkiDirectory(dir, { curve: 'both', euiccs: 2 });
  return { dir, pki: loadPkiDirectory(dir), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A stand-in profile package: a few profile-element-shaped TLVs, long enough to span several BSP segments. */
export function sampleProfile(seed = 1, length = 3000): Uint8Array {
  const body = Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);
  return concatBytes(tlv([0xa0], Uint8Array.of(0x80, 0x01, seed)), tlv([0xa1], body));
}
