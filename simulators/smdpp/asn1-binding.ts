// ES9+ over the ASN.1 binding (SGP.22 v2.5 §6.6; checklist §6.2): the A2-wrapped request alternatives
// and their responses. Error INTEGERs come from the function error tables (errors.ts).

import { type Asn1Routes, initiateAuthenticationRoute } from '../common/asn1-binding.ts';
import type { Es9Functions } from './functions/index.ts';

export function es9Asn1Routes(fns: Es9Functions): Asn1Routes {
  return {
    initiateAuthenticationRequest: initiateAuthenticationRoute((v) => fns.initiateAuthentication(v)),
    authenticateClientRequest: {
      fn: 'authenticateClient',
      handle: async (v) => ({ authenticateClientResponseEs9: { authenticateClientOk: await fns.authenticateClient(v) } }),
      error: (code) => ({ authenticateClientResponseEs9: { authenticateClientError: code } }),
    },
    getBoundProfilePackageRequest: {
      fn: 'getBoundProfilePackage',
      handle: async (v) => ({ getBoundProfilePackageResponse: { getBoundProfilePackageOk: (await fns.getBoundProfilePackage(v)).ok } }),
      error: (code) => ({ getBoundProfilePackageResponse: { getBoundProfilePackageError: code } }),
    },
    cancelSessionRequestEs9: {
      fn: 'cancelSession',
      handle: async (v) => {
        await fns.cancelSession(v);
        return { cancelSessionResponseEs9: { cancelSessionOk: {} } };
      },
      error: (code) => ({ cancelSessionResponseEs9: { cancelSessionError: code } }),
    },
    handleNotification: {
      fn: 'handleNotification',
      handle: async (v) => {
        await fns.handleNotification(v.pendingNotification);
        return null; // no response data (RSPDefinitions HandleNotification); HTTP 204
      },
      // HandleNotification has no error answer; a failure to read it is a bare 400.
      error: () => {
        throw new RangeError('HandleNotification has no error response');
      },
    },
  };
}
