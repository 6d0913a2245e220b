// Use case: the eIM learns of an eUICC it is associated with (registration or import), with the
// counter and association token of that association (SGP.32 v1.2 §3.2, §3.6).
import { DomainError, invalid } from '../domain/errors.ts';
import { parseEid } from '../domain/identifiers.ts';
import type { Euicc, VerificationPolicy } from '../domain/records.ts';
import type { Curve } from '../crypto/engine.ts';
import type { ServiceDeps } from './deps.ts';
import { emit } from './events.ts';
import { checkEuiccCertificate, euiccKeyPatch } from './euicc-keys.ts';

export interface RegisterEuiccInput {
  eid: string;
  tenantId?: string;
  curve?: Curve;
  verificationPolicy?: VerificationPolicy;
  /** Initial counterValue of this eIM's association (as in the EimConfigurationData given to the eUICC). */
  counterValue?: number;
  associationToken?: number;
  euiccCertificate?: Uint8Array;
  eumCertificate?: Uint8Array;
  tags?: string[];
  attributes?: Record<string, string>;
  /** The IPA's TransferEimPackage endpoint (inject mode), when it listens for packages. */
  injectUrl?: string;
}

export async function registerEuicc(deps: ServiceDeps, input: RegisterEuiccInput): Promise<Euicc> {
  const eid = parseEid(input.eid);
  const curve = input.curve ?? 'P-256';
  if (curve !== 'P-256' && curve !== 'brainpoolP256r1') throw invalid('curve', 'must be P-256 or brainpoolP256r1');
  if (!deps.eim.signers[curve]) throw invalid('curve', `this eIM has no ${curve} signing key`);
  const policy = input.verificationPolicy ?? 'enforce';
  if (policy !== 'enforce' && policy !== 'off') throw invalid('verificationPolicy', 'must be enforce or off');
  if (policy === 'off') deps.log.warn('eUICC registered with result verification off (labs only)', { eid });
  if (input.injectUrl !== undefined && !/^https:\/\/[^\s/]+(\/\S*)?$/.test(input.injectUrl)) throw invalid('injectUrl', 'must be an https:// URL');
  const counterValue = input.counterValue ?? 0;
  if (!Number.isSafeInteger(counterValue) || counterValue < 0 || counterValue > 0x7fffff) throw invalid('counterValue', 'must be an integer from 0 to 8388607');
  // SGP.32 v1.2 §3.4: results are verified with the eUICC certificate's key, taken only from a chain that
  // validates to a configured CI and names this EID. Checked here, so a certificate that can never verify a
  // result is refused now rather than every result being rejected later; the validated key is kept.
  let key = {};
  if (input.euiccCertificate && policy === 'enforce') {
    const check = await checkEuiccCertificate(deps, eid, input.euiccCertificate, input.eumCertificate ?? null);
    if (!check.ok) throw invalid('euiccCertificate', `does not validate: ${check.message} (${check.code})`);
    key = euiccKeyPatch(deps, input.euiccCertificate, input.eumCertificate ?? null, check.publicKey);
  }
  return deps.store.transaction(async (tx) => {
    if (await tx.findEuiccByEid(eid)) throw new DomainError('ERR_CONFLICT', `eUICC ${eid} is already registered`, 'eid');
    const euicc = await tx.insertEuicc({
      eid,
      tenantId: input.tenantId ?? 'default',
      curve,
      verificationPolicy: policy,
      euiccCertificate: input.euiccCertificate ?? null,
      eumCertificate: input.eumCertificate ?? null,
      ...key,
      tags: input.tags ?? [],
      attributes: input.attributes ?? {},
      ...(input.injectUrl ? { injectUrl: input.injectUrl } : {}),
    });
    await tx.upsertAssociation({ euiccId: euicc.id, eimId: deps.eim.eimId, counterValue, associationToken: input.associationToken ?? null });
    await emit(tx, euicc.tenantId, 'euicc.registered', { type: 'euicc', id: eid }, { eid, curve, verificationPolicy: policy, tags: euicc.tags, attributes: euicc.attributes });
    return euicc;
  });
}
