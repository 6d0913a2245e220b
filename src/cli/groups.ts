// `eim group …`: static and dynamic groups through the operator API.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ApiClient } from './api-client.ts';
import { type Column, printJson, printTable, shortTime, usage } from './output.ts';

interface GroupView {
  id: string;
  name: string;
  kind: 'static' | 'dynamic';
  filter: { tags?: string[]; attributes?: Record<string, string> } | null;
  createdAt: string;
}

const GROUP_COLUMNS: Column<GroupView>[] = [
  ['ID', (g) => g.id],
  ['NAME', (g) => g.name],
  ['KIND', (g) => g.kind],
  ['FILTER', (g) => (g.filter ? [...(g.filter.tags ?? []).map((t) => `tag:${t}`), ...Object.entries(g.filter.attributes ?? {}).map(([k, v]) => `${k}=${v}`)] : null)],
  ['CREATED', (g) => shortTime(g.createdAt)],
];

/** EIDs from arguments and from a file (one per line, or the first CSV column; a header line is skipped). */
function eidsFrom(args: string[], file?: string): string[] {
  const fromFile = file ? readFileSync(file, 'utf8').split(/\r?\n/).map((l) => l.split(',')[0]!.trim()).filter((l) => /^\d{32}$/.test(l)) : [];
  return [...args, ...fromFile];
}

function pairs(list: string[] | undefined): Record<string, string> | undefined {
  if (!list?.length) return undefined;
  return Object.fromEntries(
    list.map((p) => {
      const at = p.indexOf('=');
      if (at < 1) throw usage(`--attribute must be name=value, not ${p}`);
      return [p.slice(0, at), p.slice(at + 1)];
    }),
  );
}

export function registerGroupCommands(program: Command): void {
  const group = program.command('group').description('static and dynamic groups of eUICCs (operator API: EIM_API_URL, EIM_API_KEY)');

  group
    .command('create')
    .description('create a static group (EIDs) or a dynamic one (--tag / --attribute filter)')
    .requiredOption('--name <name>', 'group name')
    .option('--eid <eid...>', 'static group: first members')
    .option('--eids-file <file>', 'static group: first members, one EID per line')
    .option('--tag <tag...>', 'dynamic group: members carry every one of these tags')
    .option('--attribute <name=value...>', 'dynamic group: members have these attributes')
    .option('--json', 'print JSON')
    .action(async (o: { name: string; eid?: string[]; eidsFile?: string; tag?: string[]; attribute?: string[]; json?: boolean }) => {
      const attributes = pairs(o.attribute);
      const dynamic = !!(o.tag?.length || attributes);
      const eids = eidsFrom(o.eid ?? [], o.eidsFile);
      if (dynamic && eids.length) throw usage('a group is static (--eid, --eids-file) or dynamic (--tag, --attribute), not both');
      const body = dynamic ? { name: o.name, kind: 'dynamic', filter: { ...(o.tag?.length ? { tags: o.tag } : {}), ...(attributes ? { attributes } : {}) } } : { name: o.name, kind: 'static', eids };
      const g = await ApiClient.fromEnv().post<GroupView>('/groups', body);
      if (o.json) printJson(g);
      else printTable([g], GROUP_COLUMNS);
    });

  group
    .command('list')
    .description('list groups')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const { items } = await ApiClient.fromEnv().get<{ items: GroupView[] }>('/groups');
      if (o.json) printJson(items);
      else printTable(items, GROUP_COLUMNS);
    });

  group
    .command('show')
    .description('show a group')
    .argument('<id>', 'group id')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      const g = await ApiClient.fromEnv().get<GroupView>(`/groups/${encodeURIComponent(id)}`);
      if (o.json) printJson(g);
      else printTable([g], GROUP_COLUMNS);
    });

  group
    .command('members')
    .description("list a group's members")
    .argument('<id>', 'group id')
    .option('--json', 'print JSON (an array of eUICCs)')
    .action(async (id: string, o: { json?: boolean }) => {
      const items = await ApiClient.fromEnv().all<{ eid: string; tags: string[]; lastSeenAt: string | null }>(`/groups/${encodeURIComponent(id)}/members`, { limit: 1000 });
      if (o.json) printJson(items);
      else printTable(items, [['EID', (e) => e.eid], ['TAGS', (e) => e.tags], ['LAST SEEN', (e) => shortTime(e.lastSeenAt)]]);
    });

  for (const [name, field] of [['add', 'add'], ['remove', 'remove']] as const) {
    group
      .command(name)
      .description(`${name} members of a static group`)
      .argument('<id>', 'group id')
      .argument('[eids...]', 'EIDs')
      .option('--eids-file <file>', 'EIDs, one per line')
      .action(async (id: string, eids: string[], o: { eidsFile?: string }) => {
        const list = eidsFrom(eids, o.eidsFile);
        if (list.length === 0) throw usage('give EIDs as arguments or with --eids-file');
        await ApiClient.fromEnv().post(`/groups/${encodeURIComponent(id)}/members`, { [field]: list });
        process.stdout.write(`${list.length} EIDs ${name === 'add' ? 'added to' : 'removed from'} group ${id}\n`);
      });
  }

  group
    .command('delete')
    .description('delete a group (its members stay)')
    .argument('<id>', 'group id')
    .action(async (id: string) => {
      await ApiClient.fromEnv().request('DELETE', `/groups/${encodeURIComponent(id)}`);
      process.stdout.write(`group ${id} deleted\n`);
    });
}
