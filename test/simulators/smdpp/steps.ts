// Download steps shared by the SM-DP+ tests, and the per-binding failure expectation.

import { expect } from 'vitest';
import type { RSPDefinitions as R } from '../../../src/asn1/index.ts';
import type { SmdppHandle } from '../../../simulators/smdpp/server.ts';
import type { Binding, Result, RspClient } from './es9-client.ts';
import type { TestEuicc } from './test-euicc.ts';

/** A failure as the spec names it on each binding: JSON subject/reason codes, ASN.1 error INTEGER. */
export interface ExpectedFailure {
  json: [subjectCode: string, reasonCode: string];
  asn1: number;
}

export function expectFailure(r: Result<unknown>, binding: Binding, expected: ExpectedFailure): void {
  expect(r.ok, 'expected a failure').toBeUndefined();
  if (binding === 'json') expect(r.failure).toMatchObject({ subjectCode: expected.json[0], reasonCode: expected.json[1], httpStatus: 200 });
  else expect(r.failure).toMatchObject({ code: expected.asn1, httpStatus: 200 });
}

export async function initiate(client: RspClient, euicc: TestEuicc, smdp: SmdppHandle): Promise<R.InitiateAuthenticationOkEs9> {
  const init = await client.initiateAuthentication(euicc.euiccChallenge, euicc.euiccInfo1(), smdp.address);
  expect(init.failure).toBeUndefined();
  return init.ok!;
}

/** InitiateAuthentication + AuthenticateClient; the AuthenticateClient result is returned as is. */
export async function authenticate(client: RspClient, euicc: TestEuicc, smdp: SmdppHandle, matchingId: string | undefined, opts: Parameters<TestEuicc['authenticateServer']>[2] = {}) {
  const init = await initiate(client, euicc, smdp);
  const auth = await client.authenticateClient(init.transactionId, await euicc.authenticateServer(init, matchingId, opts));
  return { txid: init.transactionId, init, auth };
}

/** Up to a successful AuthenticateClient. */
export async function authenticated(client: RspClient, euicc: TestEuicc, smdp: SmdppHandle, matchingId: string | undefined) {
  const r = await authenticate(client, euicc, smdp, matchingId);
  expect(r.auth.failure).toBeUndefined();
  return { txid: r.txid, ok: r.auth.ok! };
}

/** A whole download, PIR included; returns the BPP. */
export async function fullDownload(client: RspClient, euicc: TestEuicc, smdp: SmdppHandle, matchingId: string, smdpOid = '2.999.10') {
  const { txid, ok } = await authenticated(client, euicc, smdp, matchingId);
  const bpp = await client.getBoundProfilePackage(txid, await euicc.prepareDownload(ok));
  expect(bpp.failure).toBeUndefined();
  expect(await client.handleNotification(await euicc.profileInstallationResult(txid, smdpOid, smdp.address))).toBe(204);
  return { txid, bpp: bpp.ok! };
}
