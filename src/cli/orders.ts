// `eim orders create|get|list|watch`: orders through the operator API.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ApiClient, ApiError } from './api-client.ts';
import { type Column, printFields, printJson, printTable, shortTime, usage } from './output.ts';
import { FINAL_STATUSES, type OrderView, watchOrders } from './watch-orders.ts';

export const ORDER_COLUMNS: Column<OrderView>[] = [
  ['ID', (o) => o.id],
  ['EID', (o) => o.eid],
  ['KIND', (o) => o.kind],
  ['STATUS', (o) => o.status],
  ['CREATED', (o) => shortTime(o.createdAt)],
  ['COMPLETED', (o) => shortTime(o.completedAt)],
  ['ERROR', (o) => o.error?.code],
];

interface CreateOptions {
  eid?: string;
  group?: string;
  request?: string;
  download?: string;
  enable?: string;
  disable?: string;
  delete?: string;
  listProfiles?: boolean;
  euiccData?: boolean;
  expiresAt?: string;
  json?: boolean;
}

/** The order request from --request (JSON, or @file) or from one shortcut option. */
export function orderRequest(o: CreateOptions): Record<string, unknown> {
  const psmo = (op: string, iccid?: string) => ({ kind: 'psmo', operations: [{ op, ...(iccid ? { iccid } : {}) }] });
  const given: Record<string, unknown>[] = [];
  if (o.request) {
    const text = o.request.startsWith('@') ? readFileSync(o.request.slice(1), 'utf8') : o.request;
    try {
      given.push(JSON.parse(text) as Record<string, unknown>);
    } catch (e) {
      throw usage(`--request is not JSON: ${(e as Error).message}`);
    }
  }
  if (o.download) given.push({ kind: 'download', activationCode: o.download });
  if (o.enable) given.push(psmo('enable', o.enable));
  if (o.disable) given.push(psmo('disable', o.disable));
  if (o.delete) given.push(psmo('delete', o.delete));
  if (o.listProfiles) given.push(psmo('listProfileInfo'));
  if (o.euiccData) given.push({ kind: 'euiccData' });
  if (given.length !== 1) throw usage('give exactly one of --request, --download, --enable, --disable, --delete, --list-profiles, --euicc-data');
  return given[0]!;
}

function printOrder(o: OrderView): void {
  printFields([
    ['id', o.id],
    ['eid', o.eid],
    ['kind', o.kind],
    ['request', o.request],
    ['status', o.status],
    ['bulkId', o.bulkId],
    ['created', shortTime(o.createdAt)],
    ['delivered', shortTime(o.deliveredAt)],
    ['completed', shortTime(o.completedAt)],
    ['expires', shortTime(o.expiresAt)],
    ...(o.operations ?? []).map((op, i): [string, unknown] => [`operation ${i}`, `${op.operation}: ${op.result}${op.name ? ` (${op.name})` : ''}`]),
    ['outcome', o.outcome],
    ['error', o.error ? `${o.error.code}: ${o.error.message}` : null],
  ]);
}

export function registerOrderCommands(program: Command): void {
  const orders = program.command('orders').description('create, show, list and follow orders (operator API: EIM_API_URL, EIM_API_KEY)');

  orders
    .command('create')
    .description('create an order for one eUICC (--eid) or one per member of a group (--group, a bulk order)')
    .option('--eid <eid>', 'the eUICC')
    .option('--group <groupId>', 'every member of this group')
    .option('--request <json>', 'the order request as the API takes it, e.g. {"kind":"psmo","operations":[{"op":"enable","iccid":"…"}]} (or @file)')
    .option('--download <activationCode>', 'a profile download: 1$<SM-DP+>$<matchingId>')
    .option('--enable <iccid>', 'enable a profile')
    .option('--disable <iccid>', 'disable a profile')
    .option('--delete <iccid>', 'delete a profile')
    .option('--list-profiles', 'ask for the profile list (listProfileInfo)')
    .option('--euicc-data', 'ask for the eUICC data (IpaEuiccData)')
    .option('--expires-at <iso>', 'when the order expires if not fetched')
    .option('--json', 'print JSON')
    .action(async (o: CreateOptions) => {
      if (!!o.eid === !!o.group) throw usage('give exactly one of --eid and --group');
      const body = { ...orderRequest(o), ...(o.expiresAt ? { expiresAt: o.expiresAt } : {}) };
      const api = ApiClient.fromEnv();
      if (o.eid) {
        const order = await api.post<OrderView>('/orders', { ...body, eid: o.eid });
        if (o.json) printJson(order);
        else printTable([order], ORDER_COLUMNS);
        return;
      }
      const report = await api.post<{ bulkId: string; created: number; failed: number; failures: { eid: string; code: string; message: string }[] }>('/bulk-orders', { ...body, groupId: o.group });
      if (o.json) return printJson(report);
      process.stdout.write(`bulk order ${report.bulkId}: ${report.created} orders created, ${report.failed} members without an order\n`);
      if (report.failures.length) printTable(report.failures, [['EID', (f) => f.eid], ['CODE', (f) => f.code], ['MESSAGE', (f) => f.message]]);
    });

  orders
    .command('get')
    .description('show an order')
    .argument('<id>', 'order id')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      const order = await ApiClient.fromEnv().get<OrderView>(`/orders/${encodeURIComponent(id)}`);
      if (o.json) printJson(order);
      else printOrder(order);
    });

  orders
    .command('list')
    .description('list orders, newest first')
    .option('--eid <eid>', 'of this eUICC')
    .option('--status <statuses>', 'queued, delivered, done, failed, expired, cancelled (comma-separated)')
    .option('--kind <kind>', 'psmo, eco, euiccData, download')
    .option('--bulk-id <id>', 'of this bulk order')
    .option('--limit <n>', 'at most this many', '100')
    .option('--json', 'print JSON (an array)')
    .action(async (o: { eid?: string; status?: string; kind?: string; bulkId?: string; limit: string; json?: boolean }) => {
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1) throw usage('--limit must be a positive integer');
      const items = await ApiClient.fromEnv().all<OrderView>('/orders', { eid: o.eid, status: o.status, kind: o.kind, bulkId: o.bulkId, limit: Math.min(limit, 1000) }, limit);
      if (o.json) printJson(items);
      else printTable(items, ORDER_COLUMNS);
    });

  orders
    .command('watch')
    .description('follow an order (or every pending order matching the filters) until it reaches a final state')
    .argument('[id]', 'order id (default: every pending order matching the filters)')
    .option('--eid <eid>', 'orders of this eUICC')
    .option('--bulk-id <id>', 'orders of this bulk order')
    .option('--kind <kind>', 'orders of this kind')
    .option('--interval <ms>', 'polling interval', '1000')
    .option('--json', 'one JSON object per line for each change')
    .action(async (id: string | undefined, o: { eid?: string; bulkId?: string; kind?: string; interval: string; json?: boolean }) => {
      const intervalMs = Number(o.interval);
      if (!Number.isFinite(intervalMs) || intervalMs < 50) throw usage('--interval must be at least 50 (milliseconds)');
      const api = ApiClient.fromEnv();
      const finals = await watchOrders(api, {
        ...(id ? { id } : {}),
        filter: { eid: o.eid, bulkId: o.bulkId, kind: o.kind },
        intervalMs,
        onChange: (order) => process.stdout.write(o.json ? `${JSON.stringify(order)}\n` : `${shortTime(new Date().toISOString())}  ${order.id}  ${order.eid}  ${order.kind}  ${order.status}${order.error ? `  ${order.error.code}: ${order.error.message}` : ''}\n`),
      });
      const bad = finals.filter((f) => f.status !== 'done');
      if (!o.json && !id) process.stdout.write(`${finals.length} orders finished: ${FINAL_STATUSES.map((s) => `${finals.filter((f) => f.status === s).length} ${s}`).join(', ')}\n`);
      if (bad.length === 1 && id) throw new ApiError(bad[0]!.error?.code ?? `ERR_ORDER_${bad[0]!.status.toUpperCase()}`, `order ${bad[0]!.id} is ${bad[0]!.status}${bad[0]!.error ? `: ${bad[0]!.error.message}` : ''}`);
      if (bad.length) throw new ApiError('ERR_ORDERS_NOT_DONE', `${bad.length} of ${finals.length} orders did not complete`);
    });
}
