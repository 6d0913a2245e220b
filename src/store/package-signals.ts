// The database side of the package hint (src/services/package-hint.ts): the announcements the
// drizzle/0004 trigger sends on eim_packages, and the eUICCs with an open package now.
import { inArray } from 'drizzle-orm';
import type { PackageSignals } from '../services/package-hint.ts';
import type { Database } from './database.ts';
import { packages } from './schema.ts';

export const PACKAGE_CHANNEL = 'eim_packages';

export function packageSignals(database: Database): PackageSignals {
  return {
    listen: (h) =>
      database.listen(PACKAGE_CHANNEL, {
        onMessage(payload) {
          const id = Number(payload);
          if (Number.isSafeInteger(id)) h.onOpened(id);
        },
        onListening: h.onListening,
        onLost: h.onLost,
      }),
    async openPackageEuiccs() {
      const rows = await database.db.selectDistinct({ id: packages.euiccId }).from(packages).where(inArray(packages.status, ['queued', 'delivered']));
      return rows.map((r) => r.id);
    },
  };
}
