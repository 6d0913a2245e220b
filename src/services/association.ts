// The association material an operator provisions on devices so their IPA and eUICC trust this eIM
// (SGP.32 v1.2 §3.7 EimConfigurationData; ES10b.AddInitialEim, §5.9.4): eimId, eimFqdn, the initial
// counterValue, a request for an association token, the eIM's signing public key, the TLS trust for the
// IPA, the supported protocols, the CI the eUICC should sign results with, and indirect download support.
import { PKIX1Explicit88 as X, SGP32Definitions as S } from '../asn1/index.ts';
import type { ParsedCertificate } from '../crypto/certificate.ts';
import type { Signer } from '../crypto/signer.ts';
import { toBase64, toHex } from '../lib/bytes.ts';

export interface AssociationInput {
  eimId: string;
  eimFqdn: string;
  signer: Signer;
  /** The eIM's TLS certificate, or the CA that issued it: what the IPA trusts on ESipa. */
  tlsCertificate?: ParsedCertificate;
  /** SubjectKeyIdentifier of the CI whose eUICC key should sign results for this eIM. */
  euiccCiPKId?: Uint8Array;
  /** Initial replay counter (SGP.32 v1.2 §3.2), 0 by default. */
  counterValue?: number;
  /** Advertise injectHttps besides retrieveHttps. */
  inject?: boolean;
}

export interface AssociationMaterial {
  eimConfigurationData: S.EimConfigurationData;
  /** DER of EimConfigurationData, for addEim eCOs and provisioning tools. */
  eimConfigurationDataDer: Uint8Array;
  /** DER of AddInitialEimRequest (BF57) carrying it: what an IPA sends to a fresh eUICC. */
  addInitialEimRequestDer: Uint8Array;
}

export function associationMaterial(input: AssociationInput): AssociationMaterial {
  const data: S.EimConfigurationData = {
    eimId: input.eimId,
    eimFqdn: input.eimFqdn,
    eimIdType: 2, // eimIdTypeFqdn
    counterValue: input.counterValue ?? 0,
    // Present: the eUICC generates an association token and returns it (SGP.32 v1.2 §3.6, checklist §3.6).
    associationToken: 0,
    eimPublicKeyData: { eimPublicKey: X.SubjectPublicKeyInfo.decode(input.signer.publicKey.spki) },
    eimSupportedProtocol: input.inject ? ['eimRetrieveHttps', 'eimInjectHttps'] : ['eimRetrieveHttps'],
    indirectProfileDownload: null,
  };
  if (input.tlsCertificate) data.trustedPublicKeyDataTls = { trustedCertificateTls: X.Certificate.decode(input.tlsCertificate.der) };
  if (input.euiccCiPKId) data.euiccCiPKId = input.euiccCiPKId;
  const der = S.EimConfigurationData.encode(data);
  return {
    eimConfigurationData: data,
    eimConfigurationDataDer: der,
    addInitialEimRequestDer: S.AddInitialEimRequest.encode({ eimConfigurationDataList: [data] }),
  };
}

/** The material in the three forms people paste into tools: DER hex, base64, and the JSON form. */
export function describeAssociation(m: AssociationMaterial): { eimConfigurationData: { hex: string; base64: string; json: unknown }; addInitialEimRequest: { hex: string; base64: string } } {
  return {
    eimConfigurationData: { hex: toHex(m.eimConfigurationDataDer), base64: toBase64(m.eimConfigurationDataDer), json: S.EimConfigurationData.toJson(m.eimConfigurationData) },
    addInitialEimRequest: { hex: toHex(m.addInitialEimRequestDer), base64: toBase64(m.addInitialEimRequestDer) },
  };
}
