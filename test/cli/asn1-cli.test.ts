// The `eim asn1` commands as a user runs them: JSON out, hex out, one error line and exit 1 on bad input.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function eim(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], { cwd: root, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const PACKAGE = 'bf5131302c80036162635a10000102030405060708090a0b0c0d0e0f810101a010a30e5a0a981000000000000001f005005f3700';

describe('eim asn1', () => {
  it('decode prints the value as JSON and exits 0', () => {
    const r = eim('asn1', 'decode', 'GetEimPackageResponse', 'bf4f03020101');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ eimPackageError: 1 });
  });

  it('decode uses the documented JSON form (hex OCTET STRINGs, CHOICE as one key, NULL as null)', () => {
    const r = eim('asn1', 'decode', 'EuiccPackageRequest', PACKAGE);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      euiccPackageSigned: {
        eimId: 'abc',
        eidValue: '000102030405060708090a0b0c0d0e0f',
        counterValue: 1,
        euiccPackage: { psmoList: [{ enable: { iccid: '981000000000000001f0', rollbackFlag: null } }] },
      },
      eimSignature: '',
    });
  });

  it('encode prints lowercase DER hex; enumerations may be given by name', () => {
    const r = eim('asn1', 'encode', 'GetEimPackageRequest', '{"eidValue":"89049032123451234512345678901235","stateChangeCause":"fallback"}');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('bf4f155a1089049032123451234512345678901235810101');
  });

  it('encode then decode gives the same JSON back', () => {
    const json = { eidValue: '000102030405060708090a0b0c0d0e0f', eimPackageResult: { eimPackageResultResponseError: { eimTransactionId: 'aabbcc', eimPackageResultErrorCode: 2 } } };
    const hex = eim('asn1', 'encode', 'ProvideEimPackageResult', JSON.stringify(json)).stdout.trim();
    expect(hex).toBe('bf501c5a10000102030405060708090a0b0c0d0e0fa0088003aabbcc020102');
    expect(JSON.parse(eim('asn1', 'decode', 'ProvideEimPackageResult', hex).stdout)).toEqual(json);
  });

  it('types lists module-qualified names', () => {
    const r = eim('asn1', 'types');
    expect(r.status).toBe(0);
    const names = r.stdout.trim().split('\n');
    expect(names).toContain('SGP32Definitions.EuiccPackageRequest');
    expect(names).toContain('RSPDefinitions.ProfileInfo');
    expect(names).toContain('SGP32Definitions.ProfileInfo');
    expect(names.length).toBeGreaterThan(350);
  });

  it('bad input: exit 1, one line on stderr with the code, the path and the offset, no stack trace', () => {
    const r = eim('asn1', 'decode', 'EuiccPackageRequest', PACKAGE.slice(0, -8));
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error ERR_ASN1_TRUNCATED: .*; path EuiccPackageRequest; offset 0$/);
  });

  it('a bad field in JSON names its path', () => {
    const r = eim('asn1', 'encode', 'GetEimPackageRequest', '{"eidValue":"0102"}');
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^error ERR_ASN1_CONSTRAINT: .*; path GetEimPackageRequest\.eidValue; offset n\/a$/);
  });

  it('an ambiguous or unknown type name is a clear error', () => {
    expect(eim('asn1', 'decode', 'ProfileInfo', 'e300').stderr).toMatch(/RSPDefinitions\.ProfileInfo or SGP32Definitions\.ProfileInfo/);
    expect(eim('asn1', 'decode', 'NoSuchType', '00').stderr).toMatch(/^error ERR_ASN1_UNKNOWN_TYPE/);
    expect(eim('asn1', 'decode', 'NoSuchType', '00').status).toBe(1);
  });
});
