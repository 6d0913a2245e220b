// ES9+ over the JSON binding (SGP.22 v2.5 §6.5.2.6-§6.5.2.10; paths and field names as osmo-smdpp
// `pySim/esim/es9p.py` and lpac `euicc/es9p.c` use them). Each route turns the JSON fields into the
// function's ASN.1 request value and its ASN.1 result back into fields (conventions in json-fields.ts).

import { PKIX1Explicit88 as P, RSPDefinitions as R } from '../../src/asn1/index.ts';
import { type JsonRoute, b64, field, hexTransactionId, jsonSuccess } from '../common/json-binding.ts';
import { asn1Field, challengeField, initiateAuthenticationFields, signatureTlv } from '../common/json-fields.ts';
import type { Es9Functions } from './functions/index.ts';

export const ES9_JSON_PREFIX = '/gsma/rsp2/es9plus';

export function es9JsonRoutes(fns: Es9Functions): Record<string, JsonRoute> {
  return {
    [`${ES9_JSON_PREFIX}/initiateAuthentication`]: {
      fn: 'initiateAuthentication',
      async handle(o) {
        const ok = await fns.initiateAuthentication({
          euiccChallenge: challengeField(o),
          smdpAddress: field.string(o, 'smdpAddress'),
          euiccInfo1: asn1Field(o, 'euiccInfo1', R.EUICCInfo1),
        });
        return jsonSuccess(initiateAuthenticationFields(ok));
      },
    },
    [`${ES9_JSON_PREFIX}/authenticateClient`]: {
      fn: 'authenticateClient',
      async handle(o) {
        const ok = await fns.authenticateClient({
          transactionId: field.transactionId(o),
          authenticateServerResponse: asn1Field(o, 'authenticateServerResponse', R.AuthenticateServerResponse),
        });
        return jsonSuccess({
          transactionId: hexTransactionId(ok.transactionId),
          profileMetadata: b64(R.StoreMetadataRequest.encode(ok.profileMetaData)),
          smdpSigned2: b64(R.SmdpSigned2.encode(ok.smdpSigned2)),
          smdpSignature2: b64(signatureTlv(ok.smdpSignature2)),
          smdpCertificate: b64(P.Certificate.encode(ok.smdpCertificate)),
        });
      },
    },
    [`${ES9_JSON_PREFIX}/getBoundProfilePackage`]: {
      fn: 'getBoundProfilePackage',
      async handle(o) {
        const out = await fns.getBoundProfilePackage({
          transactionId: field.transactionId(o),
          prepareDownloadResponse: asn1Field(o, 'prepareDownloadResponse', R.PrepareDownloadResponse),
        });
        return jsonSuccess({ transactionId: hexTransactionId(out.ok.transactionId), boundProfilePackage: b64(out.boundProfilePackage) });
      },
    },
    [`${ES9_JSON_PREFIX}/handleNotification`]: {
      fn: 'handleNotification',
      async handle(o) {
        await fns.handleNotification(asn1Field(o, 'pendingNotification', R.PendingNotification));
        return null; // SGP.22 v2.5 §6.3: 204 No Content
      },
    },
    [`${ES9_JSON_PREFIX}/cancelSession`]: {
      fn: 'cancelSession',
      async handle(o) {
        await fns.cancelSession({
          transactionId: field.transactionId(o),
          cancelSessionResponse: asn1Field(o, 'cancelSessionResponse', R.CancelSessionResponse),
        });
        return jsonSuccess({}); // SGP.22 v2.5 §6.5.2.10: header only
      },
    },
  };
}
