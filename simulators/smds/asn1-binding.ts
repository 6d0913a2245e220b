// ES11 over the ASN.1 binding (SGP.22 v2.5 §6.6): A2 BF39 → A2 BF39, A2 BF3B → A2 BF40
// (AuthenticateClientResponseEs11). The other ES9+ alternatives are not SM-DS functions (400).

import { type Asn1Routes, initiateAuthenticationRoute } from '../common/asn1-binding.ts';
import type { SmdsFunctions } from './functions.ts';

export function es11Asn1Routes(fns: SmdsFunctions): Asn1Routes {
  return {
    initiateAuthenticationRequest: initiateAuthenticationRoute((v) => fns.initiateAuthentication(v)),
    authenticateClientRequest: {
      fn: 'authenticateClient',
      handle: async (v) => ({ authenticateClientResponseEs11: { authenticateClientOk: await fns.authenticateClient(v) } }),
      error: (code) => ({ authenticateClientResponseEs11: { authenticateClientError: code } }),
    },
  };
}
