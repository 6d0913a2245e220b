// End to end over HTTPS on loopback (GitHub issue 5 §7): the eIM, the IPA simulator and a virtual eUICC,
// on both ESipa bindings. Every PSMO and eCO goes out signed, runs on the eUICC, and comes back signed;
// the eIM verifies the result over the bytes the eUICC produced, completes the order and updates its
// inventory. SGP.32 v1.2 §2.11 (packages), §3.1-§3.4 (signatures, counters), §6.3/§6.4 (bindings).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SGP32Definitions as S } from '../../src/asn1/index.ts';
import { createOrder } from '../../src/services/create-order.ts';
import { toHex } from '../../src/lib/bytes.ts';
import { metadata } from '../simulators/euicc/helpers.ts';
import { BINDINGS, type Binding, type Device, drain, newDevice, type Rig, startRig } from './support.ts';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
}, 60_000);
afterAll(async () => {
  await rig?.close();
});

const A = '8901000000000000011';
const B = '8901000000000000022';

const order = (eid: string, request: unknown) => createOrder(rig.eim.deps, { eid, request });
const orderOf = async (id: string) => (await rig.eim.deps.store.findOrder(id))!;
async function inventory(eid: string): Promise<Record<string, string>> {
  const euicc = (await rig.eim.deps.store.findEuiccByEid(eid))!;
  return Object.fromEntries((await rig.eim.deps.store.listProfiles(euicc.id)).map((p) => [p.iccid, p.state]));
}
const cardStates = (d: Device) => Object.fromEntries(d.card.snapshot().profiles.map((p) => [p.iccid, p.state]));

describe.each<[Binding, number]>([
  ['asn1', 0],
  ['json', 1],
])('ESipa %s binding', (binding, index) => {
  let d: Device;
  const curve = index === 0 ? 'P-256' : 'brainpoolP256r1';
  beforeAll(async () => {
    d = await newDevice(rig, curve, index, binding);
    d.card.preloadProfile({ metadata: metadata(A), enabled: true });
    d.card.preloadProfile({ metadata: metadata(B) });
  });

  it('the eIM first learns the eUICC certificates (IpaEuiccData), then a signed listProfileInfo result fills its inventory', async () => {
    const o = await order(d.eid, { kind: 'psmo', operations: [{ op: 'listProfileInfo' }] });
    const polls = await drain(d.ipa);
    expect(polls.map((p) => p.package)).toEqual(['ipaEuiccDataRequest', 'euiccPackageRequest', 'none']);
    const euicc = (await rig.eim.deps.store.findEuiccByEid(d.eid))!;
    // The certificate learned is the eUICC's own, byte for byte.
    const own = rig.eim.pki.sets.find((s) => s.curve === curve)!.euiccs[index]!.certificate.der;
    expect(toHex(euicc.euiccCertificate!)).toBe(toHex(own));
    const done = await orderOf(o.id);
    expect(done.status).toBe('done');
    expect(done.outcome).toMatchObject({ verified: true, operations: [{ operation: 'listProfileInfo', ok: true }] });
    expect(await inventory(d.eid)).toEqual({ [A]: 'enabled', [B]: 'disabled' });
  });

  it('enable: result code ok, the inventory follows, the notifications travel with the result and leave the eUICC once acknowledged', async () => {
    const o = await order(d.eid, { kind: 'psmo', operations: [{ op: 'enable', iccid: B }] });
    const [poll] = await drain(d.ipa);
    expect(poll!.notifications).toHaveLength(2); // disable A, enable B (their metadata asks for both)
    expect(poll!.answer).toHaveProperty('eimAcknowledgements');
    expect(poll!.removed).toHaveLength(3);
    expect(d.card.snapshot().notifications).toHaveLength(0);
    expect(d.card.snapshot().packageResults).toHaveLength(0);
    expect((await orderOf(o.id)).outcome).toMatchObject({ operations: [{ operation: 'enable', ok: true, code: 0, name: 'ok' }] });
    expect(await inventory(d.eid)).toEqual({ [A]: 'disabled', [B]: 'enabled' });
    expect(cardStates(d)).toMatchObject({ [toHex(metadata(B).iccid)]: 'enabled' });
  });

  it('disable, then delete', async () => {
    const dis = await order(d.eid, { kind: 'psmo', operations: [{ op: 'disable', iccid: B }] });
    await drain(d.ipa);
    expect((await orderOf(dis.id)).outcome).toMatchObject({ operations: [{ operation: 'disable', ok: true, code: 0 }] });
    const del = await order(d.eid, { kind: 'psmo', operations: [{ op: 'delete', iccid: B }] });
    await drain(d.ipa);
    expect((await orderOf(del.id)).outcome).toMatchObject({ operations: [{ operation: 'delete', ok: true, code: 0 }] });
    expect(await inventory(d.eid)).toEqual({ [A]: 'disabled' });
    expect(d.card.snapshot().profiles).toHaveLength(1);
  });

  it('getRAT, configureImmediateEnable, setFallbackAttribute, unsetFallbackAttribute and setDefaultDpAddress in one package', async () => {
    const o = await order(d.eid, {
      kind: 'psmo',
      operations: [
        { op: 'getRAT' },
        { op: 'configureImmediateEnable', immediateEnable: true, defaultSmdpAddress: 'smdp.example.test' },
        { op: 'setFallbackAttribute', iccid: A },
        { op: 'unsetFallbackAttribute' },
        { op: 'setDefaultDpAddress', address: 'dp.example.test' },
      ],
    });
    await drain(d.ipa);
    const done = await orderOf(o.id);
    expect(done.status).toBe('done');
    expect(done.outcome).toMatchObject({
      verified: true,
      operations: [
        { operation: 'getRAT', ok: true },
        { operation: 'configureImmediateEnable', ok: true, code: 0 },
        { operation: 'setFallbackAttribute', ok: true, code: 0 },
        { operation: 'unsetFallbackAttribute', ok: true, code: 0 },
        { operation: 'setDefaultDpAddress', ok: true, code: 0 },
      ],
    });
    expect(d.card.snapshot().defaultSmdpAddress).toBe('dp.example.test');
  });

  it('a failing operation keeps its SGP.32 result code (disable of an unknown ICCID: iccidOrAidNotFound)', async () => {
    const o = await order(d.eid, { kind: 'psmo', operations: [{ op: 'disable', iccid: '8901000000000000999' }] });
    await drain(d.ipa);
    const failed = await orderOf(o.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'ERR_OPERATION_FAILED', details: [{ operation: 'disable', code: 1, name: 'iccidOrAidNotFound' }] });
  });

  it('eCOs: listEim, addEim, updateEim, deleteEim', async () => {
    // A second eIM (here with the same public key: what matters is that the eUICC stores and reports it).
    const own = S.EimConfigurationData.toJson(d.card.eims()[0]!) as { eimPublicKeyData: unknown };
    const other = { eimId: `second.${binding}.test`, eimFqdn: 'second.example.test', eimIdType: 2, counterValue: 5, eimSupportedProtocol: ['eimRetrieveHttps'], eimPublicKeyData: own.eimPublicKeyData };
    const add = await order(d.eid, { kind: 'eco', operations: [{ op: 'addEim', eimConfigurationData: other }] });
    await drain(d.ipa);
    expect((await orderOf(add.id)).outcome).toMatchObject({ verified: true, operations: [{ operation: 'addEim', ok: true }] });
    expect(d.card.eims().map((e) => e.eimId)).toContain(other.eimId);
    const rest = await order(d.eid, { kind: 'eco', operations: [{ op: 'updateEim', eimConfigurationData: { eimId: other.eimId, eimFqdn: 'moved.example.test' } }, { op: 'listEim' }, { op: 'deleteEim', eimId: other.eimId }] });
    await drain(d.ipa);
    const done = await orderOf(rest.id);
    expect(done.outcome).toMatchObject({ operations: [{ operation: 'updateEim', ok: true, code: 0 }, { operation: 'listEim', ok: true }, { operation: 'deleteEim', ok: true, code: 0 }] });
    const listed = JSON.stringify((done.outcome as { operations: { data?: unknown }[] }).operations[1]!.data);
    expect(listed).toContain(other.eimId);
    expect(d.card.eims().map((e) => e.eimId)).toEqual([rig.eim.config.eimId]);
  });

  it('IpaEuiccData: the IPA capabilities and eUICC info the IPA reports reach the eIM', async () => {
    const o = await order(d.eid, { kind: 'euiccData', tags: ['a8', 'bf22', 'a9'] });
    await drain(d.ipa);
    const done = await orderOf(o.id);
    expect(done.status).toBe('done');
    expect(done.outcome).toMatchObject({ ipaCapabilities: { ipaFeatures: ['directRspServerCommunication', 'indirectRspServerCommunication'], ipaSupportedProtocols: ['ipaRetrieveHttps'] } });
    expect(done.outcome).toHaveProperty('euiccInfo2');
    expect(done.outcome).toHaveProperty('deviceInfo');
    expect((await rig.eim.deps.store.findEuiccByEid(d.eid))!.ipaCapabilities).toEqual({ ipaFeatures: ['directRspServerCommunication', 'indirectRspServerCommunication'], ipaSupportedProtocols: ['ipaRetrieveHttps'] });
  });

  it('notifyStateChange after a local change: the cause is recorded and an inventory refresh is queued and run', async () => {
    d.ipa.notifyStateChange(4); // reset(4)
    const polls = await drain(d.ipa);
    expect(polls[0]!.stateChangeCause).toBe(4);
    const euicc = (await rig.eim.deps.store.findEuiccByEid(d.eid))!;
    expect(euicc.lastStateChangeCause).toBe(4);
    expect(polls.some((p) => p.package === 'euiccPackageRequest')).toBe(true);
    const orders = await rig.eim.deps.store.listOrders(euicc.id);
    expect(orders.filter((o) => o.kind === 'psmo').at(-1)!.status).toBe('done');
  });

  it('a replayed counter (eIM behind the eUICC) gets a signed replayError, the eIM moves on and the order completes', async () => {
    const euicc = (await rig.eim.deps.store.findEuiccByEid(d.eid))!;
    const assoc = (await rig.eim.deps.store.lockAssociation(euicc.id, rig.eim.config.eimId))!;
    await rig.eim.deps.store.upsertAssociation({ ...assoc, counterValue: 1 });
    const o = await order(d.eid, { kind: 'psmo', operations: [{ op: 'getRAT' }] });
    const polls = await drain(d.ipa);
    expect(polls.filter((p) => p.package === 'euiccPackageRequest')).toHaveLength(2);
    expect((await orderOf(o.id)).status).toBe('done');
  });

  it('out of range: the eIM never signs a counter above 0x7FFFFF; 0x7FFFFF itself is accepted by the eUICC', async () => {
    const euicc = (await rig.eim.deps.store.findEuiccByEid(d.eid))!;
    const assoc = (await rig.eim.deps.store.lockAssociation(euicc.id, rig.eim.config.eimId))!;
    await rig.eim.deps.store.upsertAssociation({ ...assoc, counterValue: 0x7ffffe });
    const last = await order(d.eid, { kind: 'psmo', operations: [{ op: 'getRAT' }] });
    await drain(d.ipa);
    expect((await orderOf(last.id)).status).toBe('done');
    expect(d.card.eims()[0]!.counterValue).toBe(0x7fffff);
    await expect(order(d.eid, { kind: 'psmo', operations: [{ op: 'getRAT' }] })).rejects.toMatchObject({ code: 'ERR_COUNTER_EXHAUSTED' });
    expect((await drain(d.ipa)).map((p) => p.package)).toEqual(['none']);
  });
});

it('both bindings were exercised', () => expect(BINDINGS).toEqual(['asn1', 'json']));
