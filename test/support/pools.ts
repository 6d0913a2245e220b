// Activation-code files for the pool tests: valid ICCIDs (Luhn check digit) and CSV builders.
import { luhnValid } from '../../src/domain/pool-csv.ts';

/** A 19-digit ICCID with a valid check digit, unique per n (and per prefix). */
export function iccidFor(n: number, prefix = '8944'): string {
  const base = prefix + String(n).padStart(18 - prefix.length, '0');
  for (let d = 0; d < 10; d++) if (luhnValid(base + d)) return base + d;
  throw new Error('unreachable');
}

/** The same ICCID with a wrong check digit. */
export function badCheckDigit(iccid: string): string {
  const last = Number(iccid.at(-1));
  return iccid.slice(0, -1) + String((last + 1) % 10);
}

export const SMDP = 'smdp.example.com';

/** An Intune file: the SM-DP+ address, then ICCID,MatchingID rows. */
export function intuneCsv(rows: [string, string][], smdp = SMDP): string {
  return [smdp, ...rows.map(([i, m]) => `${i},${m}`)].join('\r\n') + '\r\n';
}

/** `count` Intune rows generated lazily, in chunks, as a file stream would deliver them. */
export async function* intuneStream(count: number, prefix = 'M', chunkRows = 2000): AsyncGenerator<Uint8Array> {
  const enc = new TextEncoder();
  yield enc.encode(`${SMDP},\n`);
  for (let i = 0; i < count; i += chunkRows) {
    let s = '';
    for (let j = i; j < Math.min(count, i + chunkRows); j++) s += `${iccidFor(j, '8933')},${prefix}-${j.toString(36).toUpperCase()}\n`;
    yield enc.encode(s);
  }
}

/** A 32-digit EID whose check digits are right (GSMA SGP.29: the number is 1 modulo 97). */
export function eidFor(n: number): string {
  const base = '89049032' + String(n).padStart(22, '0');
  let r = 0;
  for (const ch of base + '00') r = (r * 10 + Number(ch)) % 97;
  return base + String(98 - r).padStart(2, '0');
}
