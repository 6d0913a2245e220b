// The database side of the package hint (src/services/package-hint.ts): the announcements the
// drizzle/0004 and 0007 triggers send on eim_packages (a comma-separated list of eUICC ids per INSERT
// statement, one id per reopened package), and the eUICCs with an open package now.
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
          for (const part of payload.split(',')) {
            const id = Number(part);
            if (part !== '' && Number.isSafeInteger(id)) h.onOpened(id);
          }
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
