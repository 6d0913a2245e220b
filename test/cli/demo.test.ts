// `npm run demo` with a few devices: the eIM, the SM-DP+ simulator and the devices in one process; every
// device downloads its pool code's profile and enables it; the summary shows it; exit 0.
import { describe, expect, it } from 'vitest';
import { runCli } from './support.ts';

describe('eim demo', () => {
  it('3 devices: every profile downloaded and enabled, a summary row each, exit 0', async () => {
    const r = await runCli(['demo', '--devices', '3', '--timeout', '150'], { DATABASE_URL: undefined }, 200_000);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^EID\s+CURVE\s+ICCID\s+DOWNLOAD\s+DL S\s+ENABLE\s+EN S\s+PROFILE$/);
    const rows = lines.slice(1, 4);
    const eids = new Set<string>();
    for (const row of rows) {
      expect(row).toMatch(/^\d{32}\s+(P-256|brainpoolP256r1)\s+\d{19}\s+done\s+\d+\.\d\s+done\s+\d+\.\d\s+enabled$/);
      eids.add(row.split(/\s+/)[0]!);
    }
    expect(eids.size).toBe(3);
    expect(lines.at(-1)).toMatch(/^3 of 3 devices downloaded and enabled their profile in \d+\.\d s$/);
    expect(r.stderr).toMatch(/3 devices: AddInitialEim with the eIM's association material, registered through POST \/api\/v1\/euiccs\/import/);
    expect(r.stderr).toMatch(/pool "demo codes": 3 activation codes imported/);
  }, 220_000);
});
