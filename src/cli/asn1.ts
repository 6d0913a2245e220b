// `eim asn1 decode|encode|types`: the codec on the command line, using the project's JSON form.
import type { Command } from 'commander';
import { Asn1Error, allTypeNames, findType } from '../asn1/index.ts';
import { fromHex, toHex } from '../lib/bytes.ts';

/** One line on stderr naming the error code, the path and the offset; exit code 1. */
function fail(err: unknown): never {
  if (err instanceof Asn1Error) {
    process.stderr.write(`error ${err.code}: ${err.detail}; path ${err.path || '(top)'}; offset ${err.offset >= 0 ? err.offset : 'n/a'}\n`);
  } else {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  process.exit(1);
}

export function registerAsn1Commands(program: Command): void {
  const asn1 = program.command('asn1').description('decode and encode SGP.32 v1.2 / SGP.22 ASN.1 values');

  asn1
    .command('decode')
    .description('decode DER/BER hex as <Type> and print the value as JSON')
    .argument('<type>', 'type name, e.g. EuiccPackageRequest or RSPDefinitions.ProfileInfo')
    .argument('<hex>', 'the encoded value in hex')
    .option('--lenient', 'do not check SIZE and value-range constraints')
    .action((typeName: string, hex: string, opts: { lenient?: boolean }) => {
      try {
        const type = findType(typeName);
        let bytes: Uint8Array;
        try {
          bytes = fromHex(hex);
        } catch (e) {
          throw new Asn1Error('ERR_ASN1_VALUE', `input is not hex: ${(e as Error).message}`);
        }
        const value = type.decode(bytes, { constraints: !opts.lenient });
        process.stdout.write(JSON.stringify(type.toJson(value), null, 2) + '\n');
      } catch (e) {
        fail(e);
      }
    });

  asn1
    .command('encode')
    .description('encode a JSON value as <Type> and print the DER as lowercase hex')
    .argument('<type>', 'type name')
    .argument('<json>', 'the value in the JSON form (see README)')
    .action((typeName: string, json: string) => {
      try {
        const type = findType(typeName);
        let parsed: unknown;
        try {
          parsed = JSON.parse(json);
        } catch (e) {
          throw new Asn1Error('ERR_ASN1_TYPE', `input is not JSON: ${(e as Error).message}`);
        }
        process.stdout.write(toHex(type.encode(type.fromJson(parsed))) + '\n');
      } catch (e) {
        fail(e);
      }
    });

  asn1
    .command('types')
    .description('list the types the codec knows, as Module.Type')
    .action(() => {
      process.stdout.write(allTypeNames().join('\n') + '\n');
    });
}
