// Registers a fleet in bulk: eUICCs and their associations with multi-row INSERTs of 1,000 rows per
// statement (100,000 eUICCs in a few seconds, where registerEuicc one by one takes minutes).
import { openDatabase } from '../src/store/database.ts';
import { associations, euiccs } from '../src/store/schema.ts';
import { eidWithCheckDigits } from '../src/crypto/test-pki.ts';
import type { BenchDatabase } from './eim-process.ts';

const BATCH = 1000;

/** EID number `i` of a bench fleet: valid check digits (GSMA SGP.29), EIN 89049032. */
export function benchEid(i: number): string {
  return eidWithCheckDigits(`89049032${String(i).padStart(22, '0')}`);
}

export interface SeedDevice {
  eid: string;
  euiccCertificate?: Uint8Array;
  eumCertificate?: Uint8Array;
  associationToken?: number;
  /** The validated key and its check value, as registerEuicc keeps them (src/services/euicc-keys.ts). */
  euiccPublicKey?: Uint8Array;
  euiccKeyCheck?: Uint8Array;
}

/** Inserts the devices (and this eIM's association with each, counter 0); returns the seconds it took. */
export async function seedFleet(database: BenchDatabase, eimId: string, devices: SeedDevice[]): Promise<number> {
  const t0 = performance.now();
  const db = await openDatabase(database.url ? { url: database.url } : { dataDir: database.dataDir! });
  try {
    for (let i = 0; i < devices.length; i += BATCH) {
      const part = devices.slice(i, i + BATCH);
      const rows = await db.db
        .insert(euiccs)
        .values(part.map((d) => ({ eid: d.eid, euiccCertificate: d.euiccCertificate ?? null, eumCertificate: d.eumCertificate ?? null, euiccPublicKey: d.euiccPublicKey ?? null, euiccKeyCheck: d.euiccKeyCheck ?? null })))
        .returning({ id: euiccs.id, eid: euiccs.eid });
      const token = new Map(part.map((d) => [d.eid, d.associationToken ?? null]));
      await db.db.insert(associations).values(rows.map((r) => ({ euiccId: r.id, eimId, counterValue: 0, associationToken: token.get(r.eid) ?? null })));
    }
  } finally {
    await db.close();
  }
  return (performance.now() - t0) / 1000;
}
