// The two activation-code files an operator may import, and the rules every row must pass.
//
// - Microsoft Intune's format: the first line is the SM-DP+ address (optionally followed by a comma),
//   then one `ICCID,MatchingID` row per code, no header.
// - A table with a header row naming its columns (any order, case-insensitive): `activationCode`, or
//   `smdpAddress` and `matchingId`; optional `iccid`, `operator`, `ratePlan`, `country`, `confirmationCode`.
import { activationCodeOf, splitActivationCode } from './activation-codes.ts';
import { invalid } from './errors.ts';
import { splitCsvLine } from './csv-lines.ts';

export type CsvFormat = 'intune' | 'table';

export type ProblemReason =
  | 'columns'
  | 'iccid-digits'
  | 'iccid-length'
  | 'iccid-check-digit'
  | 'matchingId-empty'
  | 'matchingId-characters'
  | 'smdpAddress-fqdn'
  | 'activationCode-format'
  | 'duplicate-in-file'
  | 'duplicate-in-pool'
  | 'too-long';

export interface RowProblem {
  line: number;
  field: string;
  reason: ProblemReason;
  message: string;
}

export interface CodeRow {
  line: number;
  smdpAddress: string;
  matchingId: string;
  iccid: string | null;
  operator: string | null;
  ratePlan: string | null;
  country: string | null;
  confirmationCode: string | null;
}

const COLUMNS = ['activationCode', 'smdpAddress', 'matchingId', 'iccid', 'operator', 'ratePlan', 'country', 'confirmationCode'] as const;
type Column = (typeof COLUMNS)[number];
const COLUMN_BY_KEY = new Map(COLUMNS.map((c) => [c.toLowerCase(), c]));
const key = (h: string): string => h.trim().toLowerCase().replace(/[\s_-]/g, '');

/** Longest value accepted per field; the whole activation code is at most 255 characters (SGP.22 v2.5 §4.1). */
export const MAX_LENGTH: Record<Exclude<Column, 'activationCode' | 'iccid'>, number> = { smdpAddress: 253, matchingId: 128, operator: 100, ratePlan: 100, country: 64, confirmationCode: 64 };
const MAX_ACTIVATION_CODE = 255;

/**
 * An SM-DP+ address is an FQDN (SGP.22 v2.5 §4.1): dot-separated labels of letters, digits and inner
 * hyphens. A `:port` suffix, and `localhost`, are accepted too, as labs and the SM-DP+ simulator use them.
 */
export function isFqdn(address: string): boolean {
  const m = /^([^:]*)(?::([1-9][0-9]{0,4}))?$/.exec(address);
  if (!m || (m[2] !== undefined && Number(m[2]) > 65535)) return false;
  const host = m[1]!;
  if (host === 'localhost') return true;
  if (host.length === 0 || host.length > 253) return false;
  const labels = host.split('.');
  return labels.length >= 2 && labels.every((l) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l)) && /[A-Za-z]/.test(labels[labels.length - 1]!);
}

/** ITU-T E.118: the last digit of a 19- or 20-digit ICCID is a Luhn check digit over the others. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

export interface CsvLayout {
  format: CsvFormat;
  /** Intune: the SM-DP+ address of every row. */
  smdpAddress?: string;
  /** Table: the column of each field position. */
  columns?: Column[];
}

/** Reads the first line: a header row (table) or an SM-DP+ address (Intune). File-level problems throw. */
export function detectLayout(firstLine: string): CsvLayout {
  const fields = splitCsvLine(firstLine);
  if (!fields) throw invalid('line 1', 'an unterminated quote');
  const known = fields.map((f) => COLUMN_BY_KEY.get(key(f)));
  if (known.some((c) => c === 'matchingId' || c === 'activationCode')) {
    const unknown = fields.filter((_, i) => !known[i]);
    if (unknown.length) throw invalid('line 1', `unknown columns ${unknown.map((u) => JSON.stringify(u)).join(', ')} (known: ${COLUMNS.join(', ')})`);
    const columns = known as Column[];
    if (new Set(columns).size !== columns.length) throw invalid('line 1', 'a column is named twice');
    const ac = columns.includes('activationCode');
    if (ac && (columns.includes('smdpAddress') || columns.includes('matchingId'))) throw invalid('line 1', 'give either activationCode, or smdpAddress and matchingId, not both');
    if (!ac && !(columns.includes('smdpAddress') && columns.includes('matchingId'))) throw invalid('line 1', 'a table needs activationCode, or smdpAddress and matchingId');
    return { format: 'table', columns };
  }
  const address = fields[0]!.trim();
  // Spreadsheet exports pad the first line with empty cells ("smdp.example.com,,").
  if (fields.slice(1).some((f) => f.trim() !== '')) {
    throw invalid('line 1', 'not a recognised activation-code file: expected a header row naming matchingId or activationCode, or (Intune) the SM-DP+ address alone');
  }
  if (!isFqdn(address)) throw invalid('line 1', `the SM-DP+ address ${JSON.stringify(address.slice(0, 100))} is not a fully qualified domain name`);
  return { format: 'intune', smdpAddress: address.toLowerCase() };
}

/** Validates one data line; returns the row, or the problems found (the row is then not imported). */
export function parseRow(layout: CsvLayout, line: number, text: string): { row?: CodeRow; problems: RowProblem[] } {
  const problems: RowProblem[] = [];
  const problem = (field: string, reason: ProblemReason, message: string): void => void problems.push({ line, field, reason, message });
  const fields = splitCsvLine(text)?.map((f) => f.trim());
  const expected = layout.format === 'intune' ? 2 : layout.columns!.length;
  if (!fields || fields.length !== expected) {
    problem('*', 'columns', fields ? `${fields.length} fields where the ${layout.format === 'intune' ? 'Intune format has 2 (ICCID,MatchingID)' : `header names ${expected}`}` : 'an unterminated quote');
    return { problems };
  }
  const get = (c: Column): string => (layout.format === 'intune' ? (c === 'iccid' ? fields[0]! : c === 'matchingId' ? fields[1]! : c === 'smdpAddress' ? layout.smdpAddress! : '') : (fields[layout.columns!.indexOf(c)] ?? ''));
  let smdpAddress = get('smdpAddress');
  let matchingId = get('matchingId');
  if (layout.format === 'table' && layout.columns!.includes('activationCode')) {
    const ac = splitActivationCode(get('activationCode'));
    if (!ac) problem('activationCode', 'activationCode-format', 'must be "1$<SM-DP+ address>$<matching ID>[$<OID>[$<confirmation code flag>]]" (SGP.22 v2.5 §4.1)');
    smdpAddress = ac?.smdpAddress ?? '';
    matchingId = ac?.matchingId ?? '';
    if (!ac) return { problems };
  }
  const iccid = get('iccid');
  if (layout.format === 'intune' || iccid !== '') checkIccid(iccid, problem);
  if (matchingId === '') problem('matchingId', 'matchingId-empty', 'the matching ID is empty');
  else if (matchingId.length > MAX_LENGTH.matchingId) problem('matchingId', 'too-long', `longer than ${MAX_LENGTH.matchingId} characters`);
  else if (!/^[A-Za-z0-9-]+$/.test(matchingId)) problem('matchingId', 'matchingId-characters', 'a matching ID holds letters, digits and "-" only (SGP.22 v2.5 §4.1)');
  if (smdpAddress.length > MAX_LENGTH.smdpAddress) problem('smdpAddress', 'too-long', `longer than ${MAX_LENGTH.smdpAddress} characters`);
  else if (!isFqdn(smdpAddress)) problem('smdpAddress', 'smdpAddress-fqdn', 'the SM-DP+ address is not a fully qualified domain name');
  const optional = (c: 'operator' | 'ratePlan' | 'country' | 'confirmationCode'): string | null => {
    const v = get(c);
    if (v.length > MAX_LENGTH[c]) problem(c, 'too-long', `longer than ${MAX_LENGTH[c]} characters`);
    return v === '' ? null : v;
  };
  const row: CodeRow = { line, smdpAddress: smdpAddress.toLowerCase(), matchingId, iccid: iccid === '' ? null : iccid, operator: optional('operator'), ratePlan: optional('ratePlan'), country: optional('country'), confirmationCode: optional('confirmationCode') };
  if (problems.length === 0 && activationCodeOf(row).length > MAX_ACTIVATION_CODE) problem('activationCode', 'too-long', `the activation code would be longer than ${MAX_ACTIVATION_CODE} characters (SGP.22 v2.5 §4.1)`);
  return problems.length ? { problems } : { row, problems };
}

function checkIccid(iccid: string, problem: (field: string, reason: ProblemReason, message: string) => void): void {
  if (iccid === '') problem('iccid', 'iccid-length', 'the ICCID is missing (the Intune format requires one per row)');
  else if (!/^[0-9]+$/.test(iccid)) problem('iccid', 'iccid-digits', 'an ICCID is decimal digits only');
  else if (iccid.length < 18 || iccid.length > 20) problem('iccid', 'iccid-length', `an ICCID has 18 to 20 digits, not ${iccid.length} (ITU-T E.118)`);
  else if (iccid.length >= 19 && !luhnValid(iccid)) problem('iccid', 'iccid-check-digit', 'the last digit is not the Luhn check digit of the others (ITU-T E.118)');
}

/** Duplicates within one file, by SM-DP+ address and matching ID, and by ICCID. */
export class DuplicateCheck {
  private readonly codes = new Map<string, number>();
  private readonly iccids = new Map<string, number>();
  check(row: CodeRow): RowProblem[] {
    const out: RowProblem[] = [];
    const k = `${row.smdpAddress}$${row.matchingId}`;
    const first = this.codes.get(k);
    if (first !== undefined) out.push({ line: row.line, field: 'matchingId', reason: 'duplicate-in-file', message: `the same SM-DP+ address and matching ID as line ${first}` });
    const firstIccid = row.iccid ? this.iccids.get(row.iccid) : undefined;
    if (firstIccid !== undefined) out.push({ line: row.line, field: 'iccid', reason: 'duplicate-in-file', message: `the same ICCID as line ${firstIccid}` });
    if (out.length === 0) {
      this.codes.set(k, row.line);
      if (row.iccid) this.iccids.set(row.iccid, row.line);
    }
    return out;
  }
}
