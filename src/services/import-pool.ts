// Use case: import activation codes into a pool from an operator's file (issue 6 §2). The file is read as
// it arrives, line by line, and written in batches, so 100,000 rows take bounded memory (the duplicate
// check keeps one key per row). Two modes:
// - all-or-nothing: one transaction; any problem and nothing is imported, the report lists them all.
// - valid-only: one transaction per batch; the valid rows are imported, the report lists the others.
import { invalid } from '../domain/errors.ts';
import { csvLines, type CsvLine, type TextSource } from '../domain/csv-lines.ts';
import { DuplicateCheck, detectLayout, parseRow, type CodeRow, type CsvFormat, type RowProblem } from '../domain/pool-csv.ts';
import type { ServiceDeps } from './deps.ts';
import { emit } from './events.ts';
import type { Repositories } from './ports.ts';
import { requirePool } from './pools.ts';
import { REQUEST_BUDGET_MS, reconcileAssignments } from './reconcile-assignments.ts';

export type ImportMode = 'all-or-nothing' | 'valid-only';

export interface ImportReport {
  format: CsvFormat;
  mode: ImportMode;
  /** Data rows read (empty lines and the header or SM-DP+ line not counted). */
  rows: number;
  imported: number;
  rejected: number;
  /** Problems by reason, over the whole file. */
  byReason: Record<string, number>;
  /** The problems, in file order, at most REPORT_LIMIT of them. */
  problems: RowProblem[];
  truncated: boolean;
}

export const BATCH_ROWS = 1000;
/** The report lists this many problems at most (the counts cover all of them). */
export const REPORT_LIMIT = 10_000;

class Rollback extends Error {}

class Report {
  rows = 0;
  imported = 0;
  readonly rejectedLines = new Set<number>();
  readonly byReason: Record<string, number> = {};
  readonly problems: RowProblem[] = [];
  add(list: RowProblem[]): void {
    for (const p of list) {
      this.rejectedLines.add(p.line);
      this.byReason[p.reason] = (this.byReason[p.reason] ?? 0) + 1;
      if (this.problems.length < REPORT_LIMIT) this.problems.push(p);
    }
  }
  get failed(): boolean {
    return this.rejectedLines.size > 0;
  }
  out(format: CsvFormat, mode: ImportMode): ImportReport {
    const problems = [...this.problems].sort((a, b) => a.line - b.line);
    const total = Object.values(this.byReason).reduce((a, b) => a + b, 0);
    return { format, mode, rows: this.rows, imported: this.imported, rejected: this.rejectedLines.size, byReason: this.byReason, problems, truncated: total > problems.length };
  }
}

const keyOf = (r: CodeRow): string => `${r.smdpAddress}$${r.matchingId}`;

interface Target {
  tenantId: string;
  poolId: string;
  /** Whether the pool held codes when the import began (else only the file itself can repeat an ICCID). */
  hadCodes: boolean;
}

/**
 * Checks a batch against the pool and, when `write`, inserts its valid rows. When writing, the insert
 * itself finds the codes already in the pool (ON CONFLICT on the pool's unique key), so only ICCIDs are
 * looked up first.
 */
async function flush(tx: Repositories, target: Target, batch: CodeRow[], report: Report, write: boolean): Promise<void> {
  if (batch.length === 0) return;
  const { tenantId, poolId } = target;
  const existing = await tx.existingCodes(poolId, write ? [] : batch.map(keyOf), target.hadCodes ? batch.flatMap((r) => (r.iccid ? [r.iccid] : [])) : []);
  const valid: CodeRow[] = [];
  for (const r of batch) {
    if (existing.keys.has(keyOf(r))) report.add([{ line: r.line, field: 'matchingId', reason: 'duplicate-in-pool', message: 'this SM-DP+ address and matching ID are already in the pool' }]);
    else if (r.iccid && existing.iccids.has(r.iccid)) report.add([{ line: r.line, field: 'iccid', reason: 'duplicate-in-pool', message: 'this ICCID is already in the pool' }]);
    else valid.push(r);
  }
  if (!write || valid.length === 0) return;
  const inserted = await tx.insertCodes(valid.map(({ line: _line, ...r }) => ({ ...r, poolId, tenantId })));
  // A concurrent import may have taken a key between the check and the insert.
  for (const r of valid) if (!inserted.has(keyOf(r))) report.add([{ line: r.line, field: 'matchingId', reason: 'duplicate-in-pool', message: 'this SM-DP+ address and matching ID are already in the pool' }]);
  report.imported += inserted.size;
}

/** The first non-empty line, which decides the format (read with next(): `break` in a for-await would close the stream). */
async function firstLine(lines: AsyncGenerator<CsvLine>): Promise<CsvLine | undefined> {
  for (let next = await lines.next(); !next.done; next = await lines.next()) if (next.value.text.trim() !== '') return next.value;
  return undefined;
}

export async function importCodes(deps: ServiceDeps, tenantId: string, poolId: string, source: TextSource, mode: ImportMode): Promise<ImportReport> {
  const pool = await requirePool(deps, tenantId, poolId);
  const lines = csvLines(source);
  const head = await firstLine(lines);
  if (!head) throw invalid('body', 'the file is empty');
  const layout = detectLayout(head.text);
  const report = new Report();
  const target: Target = { tenantId, poolId: pool.id, hadCodes: (await deps.store.listCodes(pool.id, undefined, 0, 1)).length > 0 };
  const duplicates = new DuplicateCheck();
  const run = async (tx: Repositories | undefined): Promise<void> => {
    let batch: CodeRow[] = [];
    const flushBatch = async (): Promise<void> => {
      const rows = batch;
      batch = [];
      if (tx) await flush(tx, target, rows, report, !report.failed);
      else await deps.store.transaction((t) => flush(t, target, rows, report, true));
    };
    for await (const l of lines) {
      if (l.text.trim() === '') continue;
      report.rows++;
      const { row, problems } = parseRow(layout, l.no, l.text);
      const dup = row ? duplicates.check(row) : [];
      report.add([...problems, ...dup]);
      if (row && dup.length === 0) batch.push(row);
      if (batch.length >= BATCH_ROWS) await flushBatch();
    }
    await flushBatch();
  };
  if (mode === 'all-or-nothing') {
    try {
      await deps.store.transaction(async (tx) => {
        await run(tx);
        if (report.failed) throw new Rollback();
        await emit(tx, tenantId, 'pool.imported', { type: 'pool', id: pool.id }, { poolId: pool.id, format: layout.format, mode, imported: report.imported });
      });
    } catch (e) {
      if (!(e instanceof Rollback)) throw e;
      report.imported = 0;
    }
  } else {
    await run(undefined);
    if (report.imported > 0) await emit(deps.store, tenantId, 'pool.imported', { type: 'pool', id: pool.id }, { poolId: pool.id, format: layout.format, mode, imported: report.imported, rejected: report.rejectedLines.size });
  }
  // New codes may serve members that were waiting; what the budget leaves is served by the periodic run.
  if (report.imported > 0) await reconcileAssignments(deps, tenantId, REQUEST_BUDGET_MS);
  return report.out(layout.format, mode);
}
