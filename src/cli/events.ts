// `eim events tail`: follows a tenant's events live, over the WebSocket stream (/api/v1/events/stream),
// or by polling GET /api/v1/events?after= when the stream is not there (or with --poll).
import type { Command } from 'commander';
import WebSocket from 'ws';
import { ApiClient, ApiError } from './api-client.ts';
import { shortTime, usage } from './output.ts';

export interface EventJson {
  id: number;
  type: string;
  subject: { type: string; id: string };
  data: Record<string, unknown>;
  createdAt: string;
}

export interface TailOptions {
  /** Start after this event id; absent: only events from now on. */
  after?: number;
  type?: string;
  poll?: boolean;
  intervalMs: number;
  /** Stop after this many events. */
  count?: number;
  onEvent(e: EventJson): void;
  /** Told which way events come: 'stream' or 'poll'. */
  onMode?(mode: 'stream' | 'poll'): void;
  signal?: AbortSignal;
}

class StreamMissing extends Error {}

interface TailState {
  seen: number;
  last: number | undefined;
  connected: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One WebSocket connection; resolves with the last event id when it closes normally or `count` is reached. */
function streamOnce(api: ApiClient, o: TailOptions, after: number | undefined, state: TailState): Promise<'done' | 'reconnect'> {
  const url = new URL(`${api.url}/api/v1/events/stream`.replace(/^http/, 'ws'));
  if (after !== undefined) url.searchParams.set('after', String(after));
  if (o.type) url.searchParams.set('type', o.type);
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['eim-events'], { headers: { authorization: `Bearer ${api.key}` } });
    const abort = () => ws.close(1000);
    o.signal?.addEventListener('abort', abort, { once: true });
    ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        if (res.statusCode === 404 && !/ERR_/.test(text)) return reject(new StreamMissing());
        let body: { code?: string; message?: string } = {};
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          /* not JSON */
        }
        if (res.statusCode === 404) return reject(new StreamMissing());
        reject(new ApiError(body.code ?? `HTTP_${res.statusCode}`, body.message ?? `the event stream answered ${res.statusCode}`, res.statusCode ?? 0));
      });
    });
    ws.on('error', (e: Error & { code?: string }) => reject(new ApiError('ERR_UNREACHABLE', `cannot reach the eIM API at ${api.url} (${e.code ?? e.message}); set EIM_API_URL`)));
    ws.on('open', () => (state.connected = true));
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw)) as { kind: 'event'; event: EventJson } | { kind: 'live'; cursor: number };
      if (m.kind === 'live') return void (state.last ??= m.cursor);
      // Frames already on their way after the count was reached are dropped.
      if (o.count !== undefined && state.seen >= o.count) return;
      state.last = m.event.id;
      o.onEvent(m.event);
      if (o.count !== undefined && ++state.seen >= o.count) ws.close(1000);
    });
    ws.on('close', (code) => {
      o.signal?.removeEventListener('abort', abort);
      if (code === 4001) return reject(new ApiError('ERR_UNAUTHENTICATED', 'the API key was revoked'));
      if (o.signal?.aborted || (o.count !== undefined && state.seen >= o.count)) return resolve('done');
      // 4008 slow consumer, 1001 server going away, a dropped connection: resume after the last event.
      resolve('reconnect');
    });
  });
}

async function poll(api: ApiClient, o: TailOptions, state: TailState): Promise<void> {
  let after = state.last ?? o.after;
  if (after === undefined) {
    // Only new events: move the cursor to the end of what exists now.
    after = 0;
    for (let more = true; more; ) {
      const page: { next: number; hasMore: boolean } = await api.get('/events', { after, limit: 1000, type: o.type });
      after = page.next;
      more = page.hasMore;
    }
  }
  while (!o.signal?.aborted) {
    const page: { items: EventJson[]; next: number; hasMore: boolean } = await api.get('/events', { after, limit: 1000, type: o.type });
    for (const e of page.items) {
      o.onEvent(e);
      if (o.count !== undefined && ++state.seen >= o.count) return;
    }
    after = page.next;
    if (!page.hasMore) await sleep(o.intervalMs);
  }
}

export async function tailEvents(api: ApiClient, o: TailOptions): Promise<void> {
  const state: TailState = { seen: 0, last: o.after, connected: false };
  if (!o.poll) {
    try {
      o.onMode?.('stream');
      for (let failures = 0; ; ) {
        const r = await streamOnce(api, o, state.last, state).catch((e: unknown) => {
          // Refusals and a stream that never opened end the command; a stream that worked is resumed.
          if (e instanceof StreamMissing || !state.connected || (e instanceof ApiError && e.status > 0)) throw e;
          return 'reconnect' as const;
        });
        if (r === 'done') return;
        failures = state.seen > 0 ? 1 : failures + 1;
        await sleep(Math.min(5000, 250 * failures));
        if (failures > 20) throw new ApiError('ERR_UNREACHABLE', 'the event stream keeps closing');
      }
    } catch (e) {
      if (!(e instanceof StreamMissing)) throw e;
    }
  }
  o.onMode?.('poll');
  await poll(api, o, state);
}

export function formatEvent(e: EventJson): string {
  return `#${e.id}  ${shortTime(e.createdAt)}  ${e.type}  ${e.subject.type} ${e.subject.id}  ${JSON.stringify(e.data)}`;
}

export function registerEventCommands(program: Command): void {
  const events = program.command('events').description('the event log (operator API: EIM_API_URL, EIM_API_KEY)');
  events
    .command('tail')
    .description('follow events live (WebSocket stream; polling GET /events when the stream is not available)')
    .option('--after <id>', 'start after this event id (0: from the beginning); default: only new events')
    .option('--type <prefixes>', 'event type prefixes, comma-separated, e.g. order.,euicc.registered')
    .option('--count <n>', 'stop after this many events')
    .option('--poll', 'poll GET /events instead of the WebSocket stream')
    .option('--interval <ms>', 'polling interval', '1000')
    .option('--json', 'one JSON object per line')
    .action(async (o: { after?: string; type?: string; count?: string; poll?: boolean; interval: string; json?: boolean }) => {
      const after = o.after === undefined ? undefined : Number(o.after);
      if (after !== undefined && (!Number.isInteger(after) || after < 0)) throw usage('--after must be an event id (0 or more)');
      const count = o.count === undefined ? undefined : Number(o.count);
      if (count !== undefined && (!Number.isInteger(count) || count < 1)) throw usage('--count must be a positive integer');
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      process.once('SIGTERM', () => stop.abort());
      await tailEvents(ApiClient.fromEnv(), {
        ...(after !== undefined ? { after } : {}),
        ...(o.type ? { type: o.type } : {}),
        ...(count !== undefined ? { count } : {}),
        poll: !!o.poll,
        intervalMs: Math.max(50, Number(o.interval) || 1000),
        signal: stop.signal,
        onMode: (mode) => process.stderr.write(mode === 'stream' ? `following ${ApiClient.fromEnv().url}/api/v1/events/stream\n` : 'following GET /api/v1/events (polling)\n'),
        onEvent: (e) => process.stdout.write(o.json ? `${JSON.stringify(e)}\n` : `${formatEvent(e)}\n`),
      });
    });
}
