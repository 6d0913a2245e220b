// `eim euicc list|show|import`: eUICCs through the operator API. An import reads a JSON array or a CSV
// file and sends it in chunks (each all or nothing), with progress on stderr.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ApiClient, ApiError } from './api-client.ts';
import { csvRecords } from './csv.ts';
import { type Column, printFields, printJson, printTable, Progress, shortTime, usage } from './output.ts';
import { ORDER_COLUMNS } from './orders.ts';
import type { OrderView } from './watch-orders.ts';

interface EuiccView {
  eid: string;
  curve: string;
  verificationPolicy: string;
  tags: string[];
  attributes: Record<string, string>;
  certificatesKnown: boolean;
  lastSeenAt: string | null;
  createdAt: string;
}
interface EuiccDetails extends EuiccView {
  associations: { eimId: string; counterValue: number; associationToken: number | null }[];
  profiles: { iccid: string; state: string; profileName: string | null; serviceProviderName: string | null }[];
  orders: { pending: OrderView[]; past: OrderView[] };
}

const EUICC_COLUMNS: Column<EuiccView>[] = [
  ['EID', (e) => e.eid],
  ['CURVE', (e) => e.curve],
  ['TAGS', (e) => e.tags],
  ['ATTRIBUTES', (e) => Object.entries(e.attributes).map(([k, v]) => `${k}=${v}`)],
  ['CERTS', (e) => (e.certificatesKnown ? 'yes' : 'no')],
  ['LAST SEEN', (e) => shortTime(e.lastSeenAt)],
];

/** A CSV row as a registration: eid, curve, verificationPolicy, counterValue, associationToken, tags (";"-separated), attr.<name> columns. */
export function registrationFromCsv(r: Record<string, string>): Record<string, unknown> {
  const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : /^\d+$/.test(v) ? Number(v) : v);
  const attributes = Object.fromEntries(Object.entries(r).filter(([k, v]) => k.startsWith('attr.') && v !== '').map(([k, v]) => [k.slice(5), v]));
  const out: Record<string, unknown> = { eid: r.eid ?? '' };
  if (r.curve) out.curve = r.curve;
  if (r.verificationPolicy) out.verificationPolicy = r.verificationPolicy;
  if (num(r.counterValue) !== undefined) out.counterValue = num(r.counterValue);
  if (num(r.associationToken) !== undefined) out.associationToken = num(r.associationToken);
  if (r.tags) out.tags = r.tags.split(/[;\s]+/).filter(Boolean);
  if (Object.keys(attributes).length) out.attributes = attributes;
  return out;
}

export function readRegistrations(file: string): Record<string, unknown>[] {
  const text = readFileSync(file, 'utf8');
  if (/^\s*\[/.test(text)) {
    try {
      return JSON.parse(text) as Record<string, unknown>[];
    } catch (e) {
      throw usage(`${file} is not a JSON array: ${(e as Error).message}`);
    }
  }
  return csvRecords(text).map(registrationFromCsv);
}

/** Sends registrations in chunks; a rejected chunk stops the import with its first problem named by item number. */
export async function importEuiccs(api: ApiClient, items: Record<string, unknown>[], chunk: number, progress?: Progress): Promise<number> {
  let imported = 0;
  for (let start = 0; start < items.length; start += chunk) {
    const part = items.slice(start, start + chunk);
    try {
      await api.post('/euiccs/import', part);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      const first = Array.isArray(e.details) ? (e.details[0] as { index?: number; field?: string; message?: string } | undefined) : undefined;
      const where = first?.index !== undefined ? `item ${start + first.index} (${first.field?.replace(/^\[\d+\]\.?/, '') || 'item'}: ${first.message})` : e.message;
      throw new ApiError(e.code, `${where}; items ${start} to ${start + part.length - 1} were not imported, ${imported} before them were`, e.status, e.details);
    }
    imported += part.length;
    progress?.update(`euicc import: ${imported} of ${items.length} imported`, imported === items.length);
  }
  return imported;
}

export function registerEuiccCommands(program: Command): void {
  const euicc = program.command('euicc').description('list, show and import eUICCs (operator API: EIM_API_URL, EIM_API_KEY)');

  euicc
    .command('list')
    .description('list eUICCs in EID order')
    .option('--tag <tag...>', 'only eUICCs with every one of these tags')
    .option('--attribute <name=value...>', 'only eUICCs with these attributes')
    .option('--eid-prefix <digits>', 'EIDs starting with these digits')
    .option('--limit <n>', 'at most this many', '100')
    .option('--json', 'print JSON (an array)')
    .action(async (o: { tag?: string[]; attribute?: string[]; eidPrefix?: string; limit: string; json?: boolean }) => {
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1) throw usage('--limit must be a positive integer');
      const items = await ApiClient.fromEnv().all<EuiccView>('/euiccs', { tag: o.tag, attribute: o.attribute, eidPrefix: o.eidPrefix, limit: Math.min(limit, 1000) }, limit);
      if (o.json) printJson(items);
      else printTable(items, EUICC_COLUMNS);
    });

  euicc
    .command('show')
    .description('show an eUICC with its profiles, associations and orders')
    .argument('<eid>', 'the EID')
    .option('--json', 'print JSON')
    .action(async (eid: string, o: { json?: boolean }) => {
      const e = await ApiClient.fromEnv().get<EuiccDetails>(`/euiccs/${encodeURIComponent(eid)}`);
      if (o.json) return printJson(e);
      printFields([
        ['eid', e.eid],
        ['curve', e.curve],
        ['verificationPolicy', e.verificationPolicy],
        ['tags', e.tags],
        ['attributes', e.attributes],
        ['certificatesKnown', e.certificatesKnown],
        ['lastSeen', shortTime(e.lastSeenAt)],
        ...e.associations.map((a): [string, unknown] => [`association ${a.eimId}`, `counterValue ${a.counterValue}, associationToken ${a.associationToken ?? '-'}`]),
      ]);
      process.stdout.write('\nprofiles\n');
      printTable(e.profiles, [['ICCID', (p) => p.iccid], ['STATE', (p) => p.state], ['NAME', (p) => p.profileName], ['PROVIDER', (p) => p.serviceProviderName]]);
      process.stdout.write('\norders\n');
      printTable([...e.orders.pending, ...e.orders.past], ORDER_COLUMNS);
    });

  euicc
    .command('import')
    .description('import eUICCs from a JSON array or a CSV file (eid,curve,verificationPolicy,counterValue,associationToken,tags,attr.<name>…), in chunks')
    .argument('<file>', 'the file')
    .option('--chunk <n>', 'registrations per request (each chunk is all or nothing)', '1000')
    .option('--json', 'print JSON')
    .action(async (file: string, o: { chunk: string; json?: boolean }) => {
      const chunk = Number(o.chunk);
      if (!Number.isInteger(chunk) || chunk < 1 || chunk > 10_000) throw usage('--chunk must be an integer from 1 to 10000');
      const api = ApiClient.fromEnv();
      const items = readRegistrations(file);
      if (items.length === 0) throw usage(`${file} holds no registrations`);
      const imported = await importEuiccs(api, items, chunk, new Progress());
      if (o.json) printJson({ imported });
      else process.stdout.write(`${imported} eUICCs imported\n`);
    });
}
