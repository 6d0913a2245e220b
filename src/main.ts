// Composition root. The eIM server (ESipa + operator API) is not built yet; until it is, `npm start`
// says what this build contains and how to use it, rather than pretending to serve.
import { allTypeNames } from './asn1/index.ts';

const types = allTypeNames();
const modules = new Set(types.map((t) => t.split('.')[0]));
process.stdout.write(
  [
    'sgp32-eim: SGP.32 v1.2 eIM (early build)',
    '',
    `codec: ${types.length} ASN.1 types from ${modules.size} modules (${[...modules].join(', ')})`,
    'server: not built yet; the ESipa server and operator API are the next milestones',
    '',
    'try:',
    '  npm run --silent eim -- asn1 decode GetEimPackageResponse bf4f03020101',
    '  npm run --silent eim -- asn1 types',
    '  npm test',
    '',
  ].join('\n'),
);
