// download_sessions (SGP.32 v1.2 §3.2 indirect download relay) and the notification forwarding queue, on
// drizzle: part of the Store of src/services/ports.ts (see src/services/download-session-ports.ts).
import { and, asc, desc, eq, isNotNull, sql } from 'drizzle-orm';
import type { NotificationRecord } from '../domain/records.ts';
import type { DownloadSession, DownloadSessionRepositories } from '../services/download-session-ports.ts';
import type { Queryable } from './database.ts';
import { downloadSessions, notifications } from './schema.ts';

export function downloadSessionRepositories(q: Queryable): DownloadSessionRepositories {
  return {
    async insertDownloadSession(values) {
      const [row] = await q
        .insert(downloadSessions)
        .values({ ...values, ...(values.smdpTransactionId ? { smdpTransactionId: values.smdpTransactionId.toUpperCase() } : {}) })
        .returning();
      return row as DownloadSession;
    },
    async findDownloadSessionByTransactionId(txid) {
      const [row] = await q
        .select()
        .from(downloadSessions)
        .where(eq(downloadSessions.smdpTransactionId, txid.toUpperCase()))
        .orderBy(desc(downloadSessions.id))
        .limit(1);
      return row as DownloadSession | undefined;
    },
    async findDownloadSessionByEimTransactionId(eimTransactionId) {
      const [row] = await q.select().from(downloadSessions).where(eq(downloadSessions.eimTransactionId, eimTransactionId)).orderBy(desc(downloadSessions.id)).limit(1);
      return row as DownloadSession | undefined;
    },
    async findLatestEuiccInfo1(euiccId) {
      const [row] = await q
        .select({ hex: sql<string>`${downloadSessions.detail}->>'euiccInfo1'` })
        .from(downloadSessions)
        .where(and(eq(downloadSessions.euiccId, euiccId), sql`${downloadSessions.detail}->>'euiccInfo1' IS NOT NULL`))
        .orderBy(desc(downloadSessions.id))
        .limit(1);
      return row?.hex;
    },
    async updateDownloadSession(id, patch) {
      if (Object.keys(patch).length === 0) return;
      const set = { ...patch, updatedAt: new Date(), ...(patch.smdpTransactionId ? { smdpTransactionId: patch.smdpTransactionId.toUpperCase() } : {}) };
      await q.update(downloadSessions).set(set).where(eq(downloadSessions.id, id));
    },
    async listNotificationsToForward(limit) {
      return (await q
        .select()
        .from(notifications)
        .where(and(eq(notifications.status, 'received'), isNotNull(notifications.notificationAddress)))
        .orderBy(asc(notifications.id))
        .limit(limit)) as NotificationRecord[];
    },
  };
}
