// The association material (SGP.32 v1.2 §3.7) is what a fresh eUICC accepts in AddInitialEim, and the
// packages this eIM then signs are accepted by that eUICC.
import { describe, expect, it } from 'vitest';
import { SGP32Definitions as S } from '../../src/asn1/index.ts';
import { fromHex } from '../../src/lib/bytes.ts';
import { associationMaterial, describeAssociation } from '../../src/services/association.ts';
import { createOrder } from '../../src/services/create-order.ts';
import { registerEuicc } from '../../src/services/register-euicc.ts';
import { VirtualEuicc } from '../../simulators/euicc/euicc.ts';
import { EIM_ID, type TestEim, type TestPkiDir, useTestEim } from '../support/eim.ts';

let pki: TestPkiDir;
let eim: TestEim;
useTestEim(1, (p, e) => ((pki = p), (eim = e)));

describe('association material', () => {
  it('is DER an eUICC accepts in AddInitialEim; the token it returns enters every later signature', async () => {
    const set = pki.pki.sets.find((s) => s.curve === 'P-256')!;
    const m = associationMaterial({
      eimId: EIM_ID,
      eimFqdn: 'eim.test.example',
      signer: set.roles.eimSign!.signer!,
      tlsCertificate: set.roles.eimTls!.certificate,
      euiccCiPKId: fromHex(set.ciPkId),
    });
    const forms = describeAssociation(m);
    expect(forms.addInitialEimRequest.hex.startsWith('bf57')).toBe(true);
    expect(S.EimConfigurationData.decode(fromHex(forms.eimConfigurationData.hex))).toMatchObject({ eimId: EIM_ID, eimIdType: 2, counterValue: 0, indirectProfileDownload: null });

    const card = VirtualEuicc.fromPki(pki.dir, { curve: 'P-256' });
    const response = S.AddInitialEimResponse.decode(await card.transmit(m.addInitialEimRequestDer));
    if (!('addInitialEimOk' in response)) throw new Error('AddInitialEim refused');
    const first = response.addInitialEimOk[0]!;
    expect(first).toHaveProperty('associationToken');
    const token = Number((first as { associationToken: number }).associationToken);

    await registerEuicc(eim.deps, { eid: card.eid, associationToken: token });
    await createOrder(eim.deps, { eid: card.eid, request: { kind: 'eco', operations: [{ op: 'listEim' }] } });
    // The certificate request comes first; the eCO after it.
    const certs = await eim.service.getEimPackage({ eidValue: fromHex(card.eid) });
    const req = S.GetEimPackageResponse.decode(S.GetEimPackageResponse.encode(certs)) as { ipaEuiccDataRequest: S.IpaEuiccDataRequest };
    await eim.service.provideEimPackageResult({ eidValue: fromHex(card.eid), eimPackageResult: { ipaEuiccDataResponse: S.IpaEuiccDataResponse.decode(card.ipaEuiccData(req.ipaEuiccDataRequest)) } });
    const pkg = await eim.service.getEimPackage({ eidValue: fromHex(card.eid) });
    const result = S.EuiccPackageResult.decode(await card.loadEuiccPackage(S.GetEimPackageResponse.encode(pkg).subarray(4)));
    expect(Object.keys(result)).toEqual(['euiccPackageResultSigned']);
    const ack = await eim.service.provideEimPackageResult({ eidValue: fromHex(card.eid), eimPackageResult: { euiccPackageResult: result } });
    expect(ack).toHaveProperty('eimAcknowledgements');
  });
});
