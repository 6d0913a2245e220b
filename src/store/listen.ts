// LISTEN on PostgreSQL over a connection of its own (a pooled connection would drop it when returned).
// When that connection breaks, notifications may be lost: the listener is told at once, and the
// connection is reopened with growing delays until it listens again.
import pg from 'pg';
import type { ListenHandlers } from './database.ts';

const RETRY_MS = [100, 500, 1000, 5000, 15_000];

export async function listenPostgres(url: string, channel: string, h: ListenHandlers): Promise<() => Promise<void>> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new TypeError(`listen: bad channel name ${channel}`);
  let client: pg.Client | undefined;
  let stopped = false;
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;

  const open = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url });
    c.on('notification', (n) => {
      if (n.channel === channel && n.payload !== undefined) h.onMessage(n.payload);
    });
    c.on('error', () => lost(c));
    c.on('end', () => lost(c));
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
    } catch (e) {
      void c.end().catch(() => {});
      throw e;
    }
    client = c;
    attempt = 0;
    h.onListening();
  };

  const lost = (c: pg.Client): void => {
    if (stopped || client !== c) return;
    client = undefined;
    h.onLost();
    void c.end().catch(() => {});
    retry();
  };

  const retry = (): void => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      open().catch(() => retry());
    }, RETRY_MS[Math.min(attempt++, RETRY_MS.length - 1)]);
    timer.unref();
  };

  await open();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    const c = client;
    client = undefined;
    await c?.end().catch(() => {});
  };
}
