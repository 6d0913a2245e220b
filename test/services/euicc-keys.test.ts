// The eUICC public key results are verified with is kept on the eUICC's row once its chain validated,
// bound to the certificates and trust anchors it was validated with (src/services/euicc-keys.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/crypto/engine.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';
import { euiccPublicKey } from '../../src/services/euicc-keys.ts';
import { registerEuicc } from '../../src/services/register-euicc.ts';
import type { Database } from '../../src/store/database.ts';
import { createStore } from '../../src/store/repositories.ts';
import { openTestDatabase } from '../support/database.ts';
import { testPki, type TestPkiDir } from '../support/eim.ts';

let pki: TestPkiDir;
let db: Database;
let deps: ServiceDeps;

beforeAll(async () => {
  pki = testPki(5);
  db = await openTestDatabase();
  deps = { store: createStore(db.db), eim: { eimId: 'eim.keys.example', signers: { [pki.pki.sets[0]!.curve]: pki.pki.sets[0]!.roles.eimSign!.signer! } }, trustAnchors: pki.pki.trustAnchors, log: { info() {}, warn() {}, error() {} }, now: () => new Date(), defaultOrderTtlMs: 3600_000 };
}, 60_000);
afterAll(async () => {
  await db?.close();
  pki?.cleanup();
});

async function euiccWithCertificate(i: number) {
  const set = pki.pki.sets[0]!;
  const e = set.euiccs[i]!;
  return deps.store.insertEuicc({ eid: e.eid, curve: set.curve, euiccCertificate: e.certificate.der, eumCertificate: set.eum.certificate.der });
}

describe('eUICC public keys', () => {
  it('keeps the validated key on the row; a kept key is used without validating the chain again', async () => {
    const row = await euiccWithCertificate(0);
    const key = await euiccPublicKey(deps, row);
    expect(key).toBeDefined();
    const stored = (await deps.store.findEuiccById(row.id))!;
    expect(new Uint8Array(stored.euiccPublicKey!)).toEqual(new Uint8Array(key!.spki));
    expect(stored.euiccKeyCheck?.length).toBe(32);
    // Another instance (no memory of this eUICC: another id in this process' cache) with the kept key: a
    // substituted key with the right check value is taken as is, proving the chain was not validated again.
    const other = await euiccWithCertificate(1);
    await euiccPublicKey(deps, other);
    const kept = (await deps.store.findEuiccById(other.id))!;
    const substitute = generateKeyPair(pki.pki.sets[0]!.curve).publicKey.spki;
    await deps.store.updateEuicc(other.id, { euiccPublicKey: substitute });
    const fresh = await euiccPublicKey({ ...deps }, { ...kept, id: other.id + 1_000_000, euiccPublicKey: substitute });
    expect(new Uint8Array(fresh!.spki)).toEqual(new Uint8Array(substitute));
  });

  it('validates again when the certificate or the trust anchors change, and keeps nothing that does not validate', async () => {
    const row = await euiccWithCertificate(2);
    await euiccPublicKey(deps, row);
    const kept = (await deps.store.findEuiccById(row.id))!;
    // Another CI set: the kept key is not used, and without a trust anchor the chain does not validate.
    expect(await euiccPublicKey({ ...deps, trustAnchors: [] }, { ...kept, id: row.id + 2_000_000 })).toBeUndefined();
    // Another eUICC certificate (here: another card's) with the old key kept: validated again, refused (EID mismatch).
    const foreign = pki.pki.sets[0]!.euiccs[0]!.certificate.der;
    expect(await euiccPublicKey(deps, { ...kept, id: row.id + 3_000_000, euiccCertificate: foreign })).toBeUndefined();
  });

  it('registration validates a given eUICC certificate (SGP.32 v1.2 §3.4): refused with a reason, or its key kept at once', async () => {
    const set = pki.pki.sets[0]!;
    const [a, b] = [set.euiccs[3]!, set.euiccs[4]!];
    // Another card's certificate for this EID: refused, nothing registered.
    await expect(registerEuicc(deps, { eid: a.eid, curve: set.curve, euiccCertificate: b.certificate.der, eumCertificate: set.eum.certificate.der })).rejects.toMatchObject({
      code: 'ERR_VALIDATION',
      field: 'euiccCertificate',
      message: expect.stringContaining('ERR_CERT_EID'),
    });
    expect(await deps.store.findEuiccByEid(a.eid)).toBeUndefined();
    // No CI configured for it: refused too.
    await expect(registerEuicc({ ...deps, trustAnchors: [] }, { eid: a.eid, curve: set.curve, euiccCertificate: a.certificate.der, eumCertificate: set.eum.certificate.der })).rejects.toMatchObject({ field: 'euiccCertificate' });
    // Its own certificate: registered with the validated key, so the first result needs no chain validation.
    const ok = await registerEuicc(deps, { eid: a.eid, curve: set.curve, euiccCertificate: a.certificate.der, eumCertificate: set.eum.certificate.der });
    const row = (await deps.store.findEuiccById(ok.id))!;
    expect(row.euiccKeyCheck?.length).toBe(32);
    expect(new Uint8Array((await euiccPublicKey(deps, row))!.spki)).toEqual(new Uint8Array(row.euiccPublicKey!));
    // Labs (verification off): the certificate is kept as given, not checked.
    const lab = await registerEuicc(deps, { eid: b.eid, curve: set.curve, verificationPolicy: 'off', euiccCertificate: Uint8Array.of(0x30, 0) });
    expect((await deps.store.findEuiccById(lab.id))!.euiccPublicKey).toBeNull();
  });
});
