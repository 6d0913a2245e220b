// npm run bench:codec — typed decode and DER encode of three realistic messages, against asn1js's
// untyped fromBER parse of the same bytes, measured in the same run. Goal: typed decode >= 2x asn1js.
import * as asn1js from 'asn1js';
import { SGP32Definitions as S, RSPDefinitions as R, type Asn1Type } from '../src/asn1/index.ts';
import { boundProfilePackage, getEimPackageResponse, provideEimPackageResult } from './codec-fixtures.ts';
import { compare, fmt, measure, table } from './harness.ts';

const cases: [string, Asn1Type<unknown>, Uint8Array][] = [
  ['(a) GetEimPackageResponse + signed EuiccPackageRequest', S.GetEimPackageResponse as Asn1Type<unknown>, getEimPackageResponse()],
  ['(b) ProvideEimPackageResult + signed result + notifications', S.ProvideEimPackageResult as Asn1Type<unknown>, provideEimPackageResult()],
  ['(c) BoundProfilePackage', R.BoundProfilePackage as Asn1Type<unknown>, boundProfilePackage()],
];

const rows = [['message', 'bytes', 'decode/s', 'asn1js fromBER/s', 'ratio', 'encode/s']];
let worst = Infinity;
for (const [label, type, bytes] of cases) {
  const [ours, theirs] = compare(
    3,
    ['decode', () => type.decode(bytes)],
    ['asn1js', () => {
      const r = asn1js.fromBER(bytes);
      if (r.offset === -1) throw new Error('asn1js failed to parse the fixture');
      return r;
    }],
  );
  const value = type.decode(bytes);
  const enc = measure('encode', () => type.encode(value));
  const ratio = ours.opsPerSec / theirs.opsPerSec;
  worst = Math.min(worst, ratio);
  rows.push([label, String(bytes.length), fmt(ours.opsPerSec), fmt(theirs.opsPerSec), `${ratio.toFixed(2)}x`, fmt(enc.opsPerSec)]);
}
console.log(`bench:codec (node ${process.version}; best of 3 alternating runs)\n`);
console.log(table(rows));
console.log(`\nlowest ratio typed decode / asn1js untyped parse: ${worst.toFixed(2)}x (goal >= 2.00x) ${worst >= 2 ? 'MET' : 'NOT MET'}`);
