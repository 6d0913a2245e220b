// Importing activation codes into a pool (issue 6 §2): both file formats, every validation reason, both
// modes, and a 100,000-row file read as a stream. Runs on PGlite, or PostgreSQL with DATABASE_URL.
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.ts';
import { importCodes } from '../../src/services/import-pool.ts';
import { createPool, listCodes, poolCounts } from '../../src/services/pools.ts';
import { type TestEim, useTestEim } from '../support/eim.ts';
import { badCheckDigit, iccidFor, intuneCsv, intuneStream, SMDP } from '../support/pools.ts';

let eim: TestEim;
const T = 'acme';

useTestEim(1, (_pki, e) => {
  eim = e;
});

const newPool = async (name: string) => (await createPool(eim.deps, T, name)).id;

describe('activation-code import', () => {
  it("reads Microsoft Intune's format: the SM-DP+ address on the first line, then ICCID,MatchingID", async () => {
    const pool = await newPool('intune');
    const report = await importCodes(eim.deps, T, pool, intuneCsv([[iccidFor(1), 'AAA-1'], [iccidFor(2), 'AAA-2']], 'SMDP.Example.COM') + '\r\n', 'all-or-nothing');
    expect(report).toMatchObject({ format: 'intune', rows: 2, imported: 2, rejected: 0, problems: [] });
    const { items } = await listCodes(eim.deps, T, pool, { limit: 10 });
    expect(items.map((c) => [c.iccid, c.smdpAddress, c.matchingId, c.state])).toEqual([
      [iccidFor(1), 'smdp.example.com', 'AAA-1', 'available'],
      [iccidFor(2), 'smdp.example.com', 'AAA-2', 'available'],
    ]);
  });

  it('reads a table with a header: activationCode or smdpAddress + matchingId, and the optional columns', async () => {
    const pool = await newPool('table');
    const csv = [
      '\uFEFFActivationCode,ICCID,Operator,RatePlan,Country,ConfirmationCode',
      `LPA:1$${SMDP}$T-1,${iccidFor(11)},"Op, Inc.",iot-1gb,DE,`,
      `1$${SMDP}$T-2$1.2.3,,Op,iot-1gb,FR,1234`,
    ].join('\n');
    expect(await importCodes(eim.deps, T, pool, csv, 'all-or-nothing')).toMatchObject({ format: 'table', imported: 2 });
    const other = await importCodes(eim.deps, T, pool, `matching_id;x\n`.replace(';x', ',smdp address') + `T-3,${SMDP}\n`, 'all-or-nothing');
    expect(other).toMatchObject({ format: 'table', imported: 1 });
    const { items } = await listCodes(eim.deps, T, pool, { limit: 10 });
    expect(items.map((c) => ({ m: c.matchingId, i: c.iccid, o: c.operator, r: c.ratePlan, c: c.country, cc: c.confirmationCode }))).toEqual([
      { m: 'T-1', i: iccidFor(11), o: 'Op, Inc.', r: 'iot-1gb', c: 'DE', cc: null },
      { m: 'T-2', i: null, o: 'Op', r: 'iot-1gb', c: 'FR', cc: '1234' },
      { m: 'T-3', i: null, o: null, r: null, c: null, cc: null },
    ]);
  });

  it('reports a malformed activationCode and an activation code that would exceed 255 characters', async () => {
    const pool = await newPool('ac-column');
    const csv = ['activationCode,iccid', `2$${SMDP}$X-1,`, `1$${SMDP}`, `1$${SMDP}$OK-1,${iccidFor(20)}`, `1$${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.example.com$${'M'.repeat(60)},`].join('\n');
    const report = await importCodes(eim.deps, T, pool, csv, 'valid-only');
    expect(report.problems.map((p) => [p.line, p.field, p.reason])).toEqual([
      [2, 'activationCode', 'activationCode-format'],
      [3, '*', 'columns'],
      [5, 'activationCode', 'too-long'],
    ]);
    expect(report.imported).toBe(1);
    // A spreadsheet's Intune export with padded cells on the first line is still the Intune format.
    expect((await importCodes(eim.deps, T, pool, `${SMDP},,\n${iccidFor(21)},OK-2\n`, 'valid-only')).format).toBe('intune');
  });

  it('refuses a file it does not recognise, or an Intune file whose first line is not an FQDN, naming line 1', async () => {
    const pool = await newPool('refused');
    for (const csv of ['', 'a,b,c\n1,2,3', 'https://smdp.example.com\n' + iccidFor(1) + ',X', 'matchingId,colour\nX,red']) {
      const e = await importCodes(eim.deps, T, pool, csv, 'valid-only').catch((x: unknown) => x);
      expect(e).toBeInstanceOf(DomainError);
      expect((e as DomainError).code).toBe('ERR_VALIDATION');
    }
    expect((await poolCounts(eim.deps, pool)).total).toBe(0);
  });

  const badFile = () => {
    const rows = [
      'smdpAddress,matchingId,iccid,operator',
      `${SMDP},OK-1,${iccidFor(100)},op`, // line 2: valid
      `${SMDP},OK-2,89x4000000000000001,op`, // 3: iccid-digits
      `${SMDP},OK-3,123456789,op`, // 4: iccid-length
      `${SMDP},OK-4,${badCheckDigit(iccidFor(101))},op`, // 5: iccid-check-digit
      `${SMDP},,${iccidFor(102)},op`, // 6: matchingId-empty
      `${SMDP},BAD$ID,${iccidFor(103)},op`, // 7: matchingId-characters
      `smdp_example,OK-5,${iccidFor(104)},op`, // 8: smdpAddress-fqdn
      `${SMDP},OK-1,${iccidFor(105)},op`, // 9: duplicate-in-file (matching ID)
      `${SMDP},OK-6,${iccidFor(100)},op`, // 10: duplicate-in-file (ICCID)
      `${SMDP},PRE-1,${iccidFor(106)},op`, // 11: duplicate-in-pool
      `${SMDP},OK-7,${iccidFor(107)},${'o'.repeat(101)}`, // 12: too-long
      `${SMDP},OK-8`, // 13: columns
      `${SMDP},OK-9,,op`, // 14: valid, no ICCID
    ];
    return rows.join('\n');
  };
  const EXPECTED = [
    [3, 'iccid', 'iccid-digits'],
    [4, 'iccid', 'iccid-length'],
    [5, 'iccid', 'iccid-check-digit'],
    [6, 'matchingId', 'matchingId-empty'],
    [7, 'matchingId', 'matchingId-characters'],
    [8, 'smdpAddress', 'smdpAddress-fqdn'],
    [9, 'matchingId', 'duplicate-in-file'],
    [10, 'iccid', 'duplicate-in-file'],
    [11, 'matchingId', 'duplicate-in-pool'],
    [12, 'operator', 'too-long'],
    [13, '*', 'columns'],
  ];

  it('all-or-nothing: one bad row and nothing is imported; the report names line, field and reason of every problem', async () => {
    const pool = await newPool('strict');
    await importCodes(eim.deps, T, pool, `matchingId,smdpAddress\nPRE-1,${SMDP}`, 'all-or-nothing');
    const report = await importCodes(eim.deps, T, pool, badFile(), 'all-or-nothing');
    expect(report.problems.map((p) => [p.line, p.field, p.reason])).toEqual(EXPECTED);
    expect(report.problems.every((p) => p.message.length > 0)).toBe(true);
    expect(report).toMatchObject({ rows: 13, imported: 0, rejected: 11, truncated: false });
    expect((await poolCounts(eim.deps, pool)).total).toBe(1);
  });

  it('valid-only: the valid rows are imported and the others reported', async () => {
    const pool = await newPool('lenient');
    await importCodes(eim.deps, T, pool, `matchingId,smdpAddress\nPRE-1,${SMDP}`, 'all-or-nothing');
    const report = await importCodes(eim.deps, T, pool, badFile(), 'valid-only');
    expect(report.problems.map((p) => [p.line, p.field, p.reason])).toEqual(EXPECTED);
    expect(report).toMatchObject({ rows: 13, imported: 2, rejected: 11 });
    const { items } = await listCodes(eim.deps, T, pool, { limit: 10 });
    expect(items.map((c) => c.matchingId)).toEqual(['PRE-1', 'OK-1', 'OK-9']);
    // Importing the same file again: what is in the pool now is reported as such.
    const again = await importCodes(eim.deps, T, pool, badFile(), 'valid-only');
    expect(again.imported).toBe(0);
    expect(again.problems.filter((p) => p.reason === 'duplicate-in-pool').map((p) => p.line)).toEqual([2, 11, 14]);
  });

  it('imports 100,000 rows from a stream, in batches, in one transaction (all-or-nothing)', async () => {
    const pool = await newPool('large');
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    const report = await importCodes(eim.deps, T, pool, intuneStream(100_000), 'all-or-nothing');
    const ms = performance.now() - started;
    const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    console.log(`100,000-row import (${eim.database.kind}): ${(ms / 1000).toFixed(1)} s, ${Math.round(100_000 / (ms / 1000))} rows/s, heap +${heapMb.toFixed(0)} MiB`);
    expect(report).toMatchObject({ format: 'intune', rows: 100_000, imported: 100_000, rejected: 0 });
    expect((await poolCounts(eim.deps, pool)).available).toBe(100_000);
    expect(ms).toBeLessThan(180_000);
  }, 240_000);

  it('a 100,000-row file with one bad row at the end imports nothing (the transaction is rolled back)', async () => {
    const pool = await newPool('large-bad');
    async function* withBadTail() {
      yield* intuneStream(100_000, 'N');
      yield new TextEncoder().encode(`${iccidFor(1)},\n`);
    }
    const report = await importCodes(eim.deps, T, pool, withBadTail(), 'all-or-nothing');
    expect(report).toMatchObject({ rows: 100_001, imported: 0, rejected: 1, problems: [{ line: 100_002, field: 'matchingId', reason: 'matchingId-empty' }] });
    expect((await poolCounts(eim.deps, pool)).total).toBe(0);
  }, 240_000);
});
