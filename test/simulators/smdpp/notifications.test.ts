// HandleNotification on the SM-DP+ simulator: always 204 (SGP.22 v2.5 §6.3), and the record says
// whether the eUICC signature verified — a tampered PIR or notification is flagged, not trusted.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from '../../../src/crypto/engine.ts';
import { toHex } from '../../../src/lib/bytes.ts';
import { type SmdppHandle, startSmdpp } from '../../../simulators/smdpp/server.ts';
import { RspClient } from './es9-client.ts';
import { makeTestPki, sampleProfile, type TestPki } from './fixtures.ts';
import { authenticated } from './steps.ts';
import { TestEuicc } from './test-euicc.ts';

let t: TestPki;
let smdp: SmdppHandle;
beforeAll(async () => {
  t = makeTestPki();
  smdp = await startSmdpp({ pki: t.pki, address: 'smdp.example.test' });
});
afterAll(async () => {
  await smdp?.close();
  t?.cleanup();
});

for (const binding of ['json', 'asn1'] as const) {
  describe(`SM-DP+ simulator notifications (${binding} binding)`, () => {
    const client = () => new RspClient(smdp.url, binding, { ca: smdp.ca });

    async function delivered(matchingId: string) {
      await smdp.addProfile({ matchingId, profile: sampleProfile() });
      const euicc = new TestEuicc(t.pki.sets[0]!);
      const { txid, ok } = await authenticated(client(), euicc, smdp, matchingId);
      expect((await client().getBoundProfilePackage(txid, await euicc.prepareDownload(ok))).ok).toBeDefined();
      return { euicc, txid };
    }
    const pirFor = (txid: Uint8Array) => smdp.recorded.waitFor('notification', (e) => e.transactionId === toHex(txid).toUpperCase());

    it('a PIR with a bad euiccSignPIR is answered 204 but recorded as not verified, and the order is not marked installed', async () => {
      const { euicc, txid } = await delivered(`PIR-BAD-${binding}`);
      expect(await client().handleNotification(await euicc.profileInstallationResult(txid, '2.999.10', smdp.address, { corruptSignature: true }))).toBe(204);
      const pir = await pirFor(txid);
      expect(pir).toMatchObject({ verified: false, finalResult: 'success' });
      expect(pir.problems.join()).toMatch(/euiccSignPIR does not verify/);
      expect(smdp.catalogue.get(`PIR-BAD-${binding}`)!.state).toBe('downloaded');
    });

    it('a verified error PIR marks the order failed and records bppCommandId/errorReason', async () => {
      const { euicc, txid } = await delivered(`PIR-ERR-${binding}`);
      expect(await client().handleNotification(await euicc.profileInstallationResult(txid, '2.999.10', smdp.address, { error: true }))).toBe(204);
      expect(await pirFor(txid)).toMatchObject({ verified: true, finalResult: 'error', errorReason: 12 });
      expect(smdp.catalogue.get(`PIR-ERR-${binding}`)!.state).toBe('failed');
    });

    it('a PIR naming another smdpOid, or an unknown session, is flagged', async () => {
      const { euicc, txid } = await delivered(`PIR-OID-${binding}`);
      await client().handleNotification(await euicc.profileInstallationResult(txid, '2.999.77', smdp.address));
      expect((await pirFor(txid)).problems.join()).toMatch(/smdpOid 2\.999\.77/);
      const stray = randomBytes(16);
      expect(await client().handleNotification(await euicc.profileInstallationResult(stray, '2.999.10', smdp.address))).toBe(204);
      expect(await pirFor(stray)).toMatchObject({ verified: false, problems: [expect.stringMatching(/no RSP session/)] });
    });

    it('an other signed notification is verified with the certificates it carries; a tampered one is flagged', async () => {
      const euicc = new TestEuicc(t.pki.sets[1]!, 1);
      const iccid = randomBytes(10);
      expect(await client().handleNotification(await euicc.otherNotification(smdp.address, iccid))).toBe(204);
      const good = await smdp.recorded.waitFor('notification', (e) => e.kind === 'otherSignedNotification' && e.iccid === toHex(iccid));
      expect(good).toMatchObject({ verified: true, eid: euicc.eid, operation: ['notificationEnable'] });
      const iccid2 = randomBytes(10);
      await client().handleNotification(await euicc.otherNotification(smdp.address, iccid2, { corruptSignature: true }));
      const bad = await smdp.recorded.waitFor('notification', (e) => e.kind === 'otherSignedNotification' && e.iccid === toHex(iccid2));
      expect(bad.verified).toBe(false);
    });
  });
}
