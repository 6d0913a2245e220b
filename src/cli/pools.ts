// `eim pool create|list|import|assign|unassign|status|codes`: activation-code pools through the operator
// API. An import streams the CSV file to the API with a progress line on stderr.
import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { ApiClient, ApiError } from './api-client.ts';
import { printJson, printTable, Progress, shortTime, usage } from './output.ts';

interface PoolView {
  id: string;
  name: string;
  createdAt: string;
  counts?: Record<string, number>;
}
export interface ImportReport {
  format: string;
  mode: string;
  rows: number;
  imported: number;
  rejected: number;
  byReason: Record<string, number>;
  problems: { line: number; field: string; reason: string; message: string }[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A pool named by id or by name. */
export async function poolId(api: ApiClient, idOrName: string): Promise<string> {
  if (UUID.test(idOrName)) return idOrName;
  const { items } = await api.get<{ items: PoolView[] }>('/pools');
  const p = items.find((x) => x.name === idOrName);
  if (!p) throw new ApiError('ERR_NOT_FOUND', `no pool named ${idOrName}`);
  return p.id;
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** Streams a CSV file to the pool; progress counts the bytes read into the request. */
export async function uploadCodes(api: ApiClient, pool: string, file: string, mode: 'all-or-nothing' | 'valid-only', progress?: Progress): Promise<ImportReport> {
  const size = statSync(file).size;
  let sent = 0;
  const counted = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      sent += chunk.byteLength;
      progress?.update(`pool import: ${mb(sent)} of ${mb(size)} sent (${size ? Math.floor((sent / size) * 100) : 100}%)`, sent === size);
      controller.enqueue(chunk);
    },
  });
  const body = (Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>).pipeThrough(counted);
  const report = await api.request<ImportReport>('POST', `/pools/${pool}/codes`, { query: { mode }, raw: { contentType: 'text/csv', body } });
  progress?.done(`pool import: ${report.rows} rows read, ${report.imported} imported, ${report.rejected} rejected`);
  return report;
}

function printProblems(report: ImportReport): void {
  if (report.problems.length === 0) return;
  printTable(report.problems.slice(0, 50), [['LINE', (p) => p.line], ['FIELD', (p) => p.field], ['REASON', (p) => p.reason], ['MESSAGE', (p) => p.message]]);
  if (report.problems.length > 50) process.stdout.write(`… and ${report.problems.length - 50} more (--json lists them)\n`);
}

export function registerPoolCommands(program: Command): void {
  const pool = program.command('pool').description('activation-code pools: import codes, assign them to groups (operator API: EIM_API_URL, EIM_API_KEY)');

  pool
    .command('create')
    .description('create a pool')
    .requiredOption('--name <name>', 'pool name (unique per tenant)')
    .option('--json', 'print JSON')
    .action(async (o: { name: string; json?: boolean }) => {
      const p = await ApiClient.fromEnv().post<PoolView>('/pools', { name: o.name });
      if (o.json) printJson(p);
      else process.stdout.write(`pool ${p.id} (${p.name}) created\n`);
    });

  pool
    .command('list')
    .description('list pools')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const { items } = await ApiClient.fromEnv().get<{ items: PoolView[] }>('/pools');
      if (o.json) printJson(items);
      else printTable(items, [['ID', (p) => p.id], ['NAME', (p) => p.name], ['CREATED', (p) => shortTime(p.createdAt)]]);
    });

  pool
    .command('import')
    .description('import activation codes from a CSV file (Intune format, or a table with a header), streamed, with progress on stderr')
    .argument('<pool>', 'pool id or name')
    .argument('<file>', 'the CSV file')
    .option('--valid-only', 'import the good rows even when some are bad (default: all or nothing)')
    .option('--json', 'print the import report as JSON')
    .action(async (poolArg: string, file: string, o: { validOnly?: boolean; json?: boolean }) => {
      const api = ApiClient.fromEnv();
      const id = await poolId(api, poolArg);
      try {
        const report = await uploadCodes(api, id, file, o.validOnly ? 'valid-only' : 'all-or-nothing', new Progress());
        if (o.json) return printJson(report);
        process.stdout.write(`${report.imported} of ${report.rows} codes imported (${report.format} format)\n`);
        printProblems(report);
      } catch (e) {
        // all-or-nothing with bad rows: the report travels in the error; show it, then the error line.
        if (e instanceof ApiError && e.code === 'ERR_IMPORT_REJECTED' && e.details) {
          if (o.json) printJson(e.details);
          else printProblems(e.details as ImportReport);
        }
        throw e;
      }
    });

  pool
    .command('assign')
    .description('assign a pool to a group: every member without a profile from the pool gets a code and a download order')
    .argument('<pool>', 'pool id or name')
    .requiredOption('--group <groupId>', 'the group')
    .option('--enable', 'enable each profile once installed')
    .option('--json', 'print JSON')
    .action(async (poolArg: string, o: { group: string; enable?: boolean; json?: boolean }) => {
      const api = ApiClient.fromEnv();
      const r = await api.post<{ assignment: { id: string }; reconcile: { reserved: number; unserved: number; errors: number } }>(`/pools/${await poolId(api, poolArg)}/assignments`, { groupId: o.group, enableAfterInstall: !!o.enable });
      if (o.json) return printJson(r);
      process.stdout.write(`assignment ${r.assignment.id}: ${r.reconcile.reserved} codes reserved with download orders, ${r.reconcile.unserved} members waiting for a code, ${r.reconcile.errors} errors\n`);
    });

  pool
    .command('unassign')
    .description('end an assignment: disable and delete its profiles on the members, release or retire their codes')
    .argument('<pool>', 'pool id or name')
    .argument('<assignmentId>', 'the assignment')
    .option('--json', 'print JSON')
    .action(async (poolArg: string, assignmentId: string, o: { json?: boolean }) => {
      const api = ApiClient.fromEnv();
      const r = await api.request<Record<string, number>>('DELETE', `/pools/${await poolId(api, poolArg)}/assignments/${encodeURIComponent(assignmentId)}`);
      if (o.json) return printJson(r);
      process.stdout.write(`${r.members} members: ${r.released} codes released, ${r.retired} retired, ${r.ordersQueued} orders queued, ${r.inFlight} still downloading, ${r.errors} errors\n`);
    });

  pool
    .command('status')
    .description('codes per state, the assignments, and (with --assignment) where each member stands')
    .argument('<pool>', 'pool id or name')
    .option('--assignment <id>', 'per member of this assignment: its code and that code’s latest order')
    .option('--json', 'print JSON')
    .action(async (poolArg: string, o: { assignment?: string; json?: boolean }) => {
      const api = ApiClient.fromEnv();
      const id = await poolId(api, poolArg);
      if (o.assignment) {
        type Member = { eid: string; code: { id: number; state: string; iccid: string | null } | null; order: { id: string; kind: string; status: string } | null };
        const members: Member[] = [];
        for (let after: number | null | undefined; after !== null; ) {
          const page = await api.get<{ members: Member[]; next: number | null }>(`/pools/${id}/assignments/${encodeURIComponent(o.assignment)}`, { limit: 1000, ...(after !== undefined ? { after } : {}) });
          members.push(...page.members);
          after = page.members.length ? page.next : null;
        }
        if (o.json) return printJson(members);
        return printTable(members, [['EID', (m) => m.eid], ['CODE', (m) => m.code?.id], ['CODE STATE', (m) => m.code?.state], ['ICCID', (m) => m.code?.iccid], ['ORDER', (m) => m.order?.id], ['ORDER KIND', (m) => m.order?.kind], ['ORDER STATUS', (m) => m.order?.status]]);
      }
      const p = await api.get<Required<PoolView>>(`/pools/${id}`);
      const { items } = await api.get<{ items: { id: string; groupId: string; enableAfterInstall: boolean; status: string; createdAt: string }[] }>(`/pools/${id}/assignments`);
      if (o.json) return printJson({ ...p, assignments: items });
      process.stdout.write(`pool ${p.id} (${p.name})\n`);
      printTable(Object.entries(p.counts), [['STATE', ([s]) => s], ['CODES', ([, n]) => n]]);
      if (items.length) {
        process.stdout.write('\n');
        printTable(items, [['ASSIGNMENT', (a) => a.id], ['GROUP', (a) => a.groupId], ['ENABLE', (a) => (a.enableAfterInstall ? 'yes' : 'no')], ['STATUS', (a) => a.status], ['CREATED', (a) => shortTime(a.createdAt)]]);
      }
    });

  pool
    .command('codes')
    .description("list a pool's codes")
    .argument('<pool>', 'pool id or name')
    .option('--state <state>', 'only codes in this state')
    .option('--limit <n>', 'at most this many', '100')
    .option('--json', 'print JSON')
    .action(async (poolArg: string, o: { state?: string; limit: string; json?: boolean }) => {
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1) throw usage('--limit must be a positive integer');
      const api = ApiClient.fromEnv();
      type Code = { id: number; state: string; iccid: string | null; smdpAddress: string; matchingId: string; orderId: string | null };
      const items = await api.all<Code>(`/pools/${await poolId(api, poolArg)}/codes`, { state: o.state, limit: Math.min(limit, 1000) }, limit);
      if (o.json) return printJson(items);
      printTable(items, [['ID', (c) => c.id], ['STATE', (c) => c.state], ['ICCID', (c) => c.iccid], ['SM-DP+', (c) => c.smdpAddress], ['MATCHING ID', (c) => c.matchingId], ['ORDER', (c) => c.orderId]]);
    });
}
