// End to end, profile download (SGP.32 v1.2 §3.2) on both bindings: direct (the IPA talks ES9+ to the
// SM-DP+ simulator and reports a ProfileDownloadTriggerResult) and indirect (InitiateAuthentication …
// HandleNotification through the eIM's relay, CancelSession included). The profile the eUICC decrypted
// must be the catalogue's, byte for byte.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RSPDefinitions as R } from '../../src/asn1/index.ts';
import { toHex } from '../../src/lib/bytes.ts';
import { createOrder } from '../../src/services/create-order.ts';
import { sampleProfile } from '../simulators/smdpp/fixtures.ts';
import { BINDINGS, type Binding, type Device, drain, newDevice, type Rig, startRig } from './support.ts';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ euiccs: 6 });
}, 60_000);
afterAll(async () => {
  await rig?.close();
});

const orderOf = async (id: string) => (await rig.eim.deps.store.findOrder(id))!;
async function inventory(eid: string): Promise<string[]> {
  const euicc = (await rig.eim.deps.store.findEuiccByEid(eid))!;
  return (await rig.eim.deps.store.listProfiles(euicc.id)).map((p) => p.iccid);
}
/** The iccid digits of a PIR's notification metadata. */
function iccidOf(pir: Uint8Array): string {
  const hex = toHex(R.ProfileInstallationResult.decode(pir).profileInstallationResultData.notificationMetadata.iccid!);
  let digits = '';
  for (let i = 0; i < hex.length; i += 2) digits += hex[i + 1]! + hex[i]!;
  return digits.replace(/f+$/, '');
}

async function downloadOrder(d: Device, matchingId: string, seed: number) {
  const entry = await rig.smdp.addProfile({ matchingId, profile: sampleProfile(seed) });
  const order = await createOrder(rig.eim.deps, { eid: d.eid, request: { kind: 'download', activationCode: rig.smdp.activationCode(matchingId) } });
  return { entry, order };
}

function expectInstalled(d: Device, pir: Uint8Array, seed: number) {
  const profile = d.card.snapshot().profiles.find((p) => p.iccid === toHex(R.ProfileInstallationResult.decode(pir).profileInstallationResultData.notificationMetadata.iccid!));
  expect(profile?.content).toBe(toHex(sampleProfile(seed)));
}

describe.each<[Binding, number]>(BINDINGS.map((b, i) => [b, i] as [Binding, number]))('ESipa %s binding', (binding, i) => {
  it('direct download: installed, the SM-DP+ verified the PIR, the eIM completed the order from the ProfileDownloadTriggerResult', async () => {
    const d = await newDevice(rig, 'P-256', i * 3, binding, { download: 'direct' });
    // The eIM verifies the PIR with the eUICC certificate: learned first through IpaEuiccData.
    await createOrder(rig.eim.deps, { eid: d.eid, request: { kind: 'euiccData', tags: ['a5', 'a6'] } });
    const { entry, order } = await downloadOrder(d, `E2E-DIRECT-${binding}`, 20 + i);
    const polls = await drain(d.ipa);
    const dl = polls.find((p) => p.download)!.download!;
    expect(dl).toMatchObject({ ok: true, mode: 'direct', notified: true });
    const pir = (dl as { pir: Uint8Array }).pir;
    expectInstalled(d, pir, 20 + i);
    expect(entry.state).toBe('installed');
    expect(await rig.smdp.recorded.waitFor('notification', (e) => e.matchingId === entry.matchingId)).toMatchObject({ verified: true, finalResult: 'success' });
    const done = await orderOf(order.id);
    expect(done.status).toBe('done');
    expect(done.outcome).toMatchObject({ iccid: iccidOf(pir) });
    expect(await inventory(d.eid)).toContain(iccidOf(pir));
  });

  it('indirect download through the eIM: installed, the order completed from the PIR the IPA handed to the eIM', async () => {
    const d = await newDevice(rig, 'P-256', i * 3 + 1, binding, { download: 'indirect' });
    const { entry, order } = await downloadOrder(d, `E2E-INDIRECT-${binding}`, 30 + i);
    const polls = await drain(d.ipa);
    const dl = polls.find((p) => p.download)!.download!;
    expect(dl).toMatchObject({ ok: true, mode: 'indirect', notified: true });
    const pir = (dl as { pir: Uint8Array }).pir;
    expectInstalled(d, pir, 30 + i);
    expect(entry.state).toBe('installed');
    const done = await orderOf(order.id);
    expect(done.status).toBe('done');
    expect(await inventory(d.eid)).toContain(iccidOf(pir));
    // The eIM forwards the PIR to the SM-DP+ (ES9+ HandleNotification), which verifies it.
    expect(await rig.smdp.recorded.waitFor('notification', (e) => e.matchingId === entry.matchingId)).toMatchObject({ verified: true, finalResult: 'success' });
  });

  it('indirect download declined on the device: CancelSession through the eIM, the SM-DP+ records the eUICC-signed reason, the order is cancelled', async () => {
    const d = await newDevice(rig, 'P-256', i * 3 + 2, binding, { download: 'indirect', acceptProfile: () => 0 });
    const { entry, order } = await downloadOrder(d, `E2E-CANCEL-${binding}`, 40 + i);
    const polls = await drain(d.ipa);
    expect(polls.find((p) => p.download)!.download).toMatchObject({ ok: false, stage: 'cancelSession', cancelled: { reason: 0, ok: true } });
    expect(await rig.smdp.recorded.waitFor('cancelled', (e) => e.matchingId === entry.matchingId)).toMatchObject({ reason: 0, verified: true });
    expect(d.card.snapshot().profiles).toHaveLength(0);
    expect((await orderOf(order.id)).status).toBe('cancelled');
  });
});
