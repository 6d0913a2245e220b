// Integration: the SM-DP+ simulator against the project's virtual eUICC (simulators/euicc), driven as
// an LPA would drive a card — ES10b commands through Es10Card.transmit — so two independently written
// halves of SGP.22 meet: serverSignature1, smdpSignature2, the BPP and the PIR all cross the boundary.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RSPDefinitions as R } from '../../../src/asn1/index.ts';
import { toHex } from '../../../src/lib/bytes.ts';
import { type SmdppHandle, startSmdpp } from '../../../simulators/smdpp/server.ts';
import { VirtualEuicc } from '../../../simulators/euicc/euicc.ts';
import { type Binding, RspClient } from './es9-client.ts';
import { makeTestPki, sampleProfile, type TestPki } from './fixtures.ts';

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

describe('SM-DP+ simulator ↔ virtual eUICC', () => {
  for (const binding of ['json', 'asn1'] as Binding[]) {
    it(`${binding}: the virtual eUICC installs the profile and its PIR verifies at the SM-DP+`, async () => {
      const matchingId = `VE-${binding}`;
      const entry = await smdp.addProfile({ matchingId, profile: sampleProfile(9) });
      const card = VirtualEuicc.fromPki(t.dir, { euiccIndex: binding === 'json' ? 0 : 1, curve: 'P-256' });
      const client = new RspClient(smdp.url, binding, { ca: smdp.ca });

      const challenge = R.GetEuiccChallengeResponse.decode(await card.transmit(R.GetEuiccChallengeRequest.encode({}))).euiccChallenge;
      const info1 = R.EUICCInfo1.decode(await card.getEuiccInfo1());
      const init = await client.initiateAuthentication(challenge, info1, smdp.address);
      expect(init.failure).toBeUndefined();

      const asr = await card.transmit(
        R.AuthenticateServerRequest.encode({
          serverSigned1: init.ok!.serverSigned1,
          serverSignature1: init.ok!.serverSignature1,
          euiccCiPKIdToBeUsed: init.ok!.euiccCiPKIdToBeUsed,
          serverCertificate: init.ok!.serverCertificate,
          ctxParams1: { ctxParamsForCommonAuthentication: { matchingId, deviceInfo: { tac: Uint8Array.of(1, 2, 3, 4), deviceCapabilities: {} } } },
        }),
      );
      const auth = await client.authenticateClient(init.ok!.transactionId, asr);
      expect(auth.failure).toBeUndefined();

      const pdr = await card.transmit(
        R.PrepareDownloadRequest.encode({ smdpSigned2: auth.ok!.smdpSigned2, smdpSignature2: auth.ok!.smdpSignature2, smdpCertificate: auth.ok!.smdpCertificate }),
      );
      const bpp = await client.getBoundProfilePackage(init.ok!.transactionId, pdr);
      expect(bpp.failure).toBeUndefined();

      const pir = await card.transmit(bpp.ok!);
      const decoded = R.ProfileInstallationResult.decode(pir);
      expect('successResult' in decoded.profileInstallationResultData.finalResult).toBe(true);
      expect(await client.handleNotification(pir)).toBe(204);
      const recorded = await smdp.recorded.waitFor('notification', (e) => e.transactionId === toHex(init.ok!.transactionId).toUpperCase());
      expect(recorded).toMatchObject({ verified: true, problems: [], finalResult: 'success', eid: card.eid, matchingId });
      expect(entry.state).toBe('installed');
    });
  }
});
