// SM-DS JSON binding: ES11 on both /gsma/rsp2/es11/… (SGP.22 v2.5 §6.5.2) and /gsma/rsp2/es9plus/…
// (where lpac `euicc/es9p.c` calls the SM-DS; checklist §4.3), and ES12 on /gsma/rsp2/es12/….
// ES11 fields are those of ES9+; eventEntries is a JSON array of {eventId, rspServerAddress} (lpac).

import { RSPDefinitions as R } from '../../src/asn1/index.ts';
import { type JsonObject, type JsonRoute, field, hexTransactionId, jsonSuccess } from '../common/json-binding.ts';
import { asn1Field, challengeField, initiateAuthenticationFields } from '../common/json-fields.ts';
import { MalformedRequestError } from '../common/rsp-error.ts';
import type { SmdsFunctions } from './functions.ts';

export const ES11_PREFIXES = ['/gsma/rsp2/es11', '/gsma/rsp2/es9plus'] as const;
export const ES12_PREFIX = '/gsma/rsp2/es12';

function es11Routes(fns: SmdsFunctions, prefix: string): Record<string, JsonRoute> {
  return {
    [`${prefix}/initiateAuthentication`]: {
      fn: 'initiateAuthentication',
      async handle(o) {
        // SGP.22 names the field smdsAddress for ES11; lpac sends smdpAddress to the SM-DS too: accept both.
        const address = field.optionalString(o, 'smdsAddress') ?? field.string(o, 'smdpAddress');
        const ok = await fns.initiateAuthentication({ euiccChallenge: challengeField(o), smdpAddress: address, euiccInfo1: asn1Field(o, 'euiccInfo1', R.EUICCInfo1) });
        return jsonSuccess(initiateAuthenticationFields(ok));
      },
    },
    [`${prefix}/authenticateClient`]: {
      fn: 'authenticateClient',
      async handle(o) {
        const ok = await fns.authenticateClient({ transactionId: field.transactionId(o), authenticateServerResponse: asn1Field(o, 'authenticateServerResponse', R.AuthenticateServerResponse) });
        return jsonSuccess({ transactionId: hexTransactionId(ok.transactionId), eventEntries: ok.eventEntries.map((e) => ({ eventId: e.eventId, rspServerAddress: e.rspServerAddress })) });
      },
    },
  };
}

function eidField(o: JsonObject): string {
  const eid = field.string(o, 'eid');
  if (!/^\d{32}$/.test(eid)) throw new MalformedRequestError('eid must be 32 digits');
  return eid;
}

export function smdsJsonRoutes(fns: SmdsFunctions): Record<string, JsonRoute> {
  return {
    ...Object.assign({}, ...ES11_PREFIXES.map((p) => es11Routes(fns, p))),
    [`${ES12_PREFIX}/registerEvent`]: {
      fn: 'registerEvent',
      async handle(o) {
        const fi = o.forwardingIndicator;
        if (fi !== undefined && typeof fi !== 'boolean') throw new MalformedRequestError('forwardingIndicator must be a boolean');
        await fns.registerEvent({ eid: eidField(o), eventId: field.string(o, 'eventId'), rspServerAddress: field.string(o, 'rspServerAddress'), ...(fi === undefined ? {} : { forwardingIndicator: fi }) });
        return jsonSuccess({});
      },
    },
    [`${ES12_PREFIX}/deleteEvent`]: {
      fn: 'deleteEvent',
      async handle(o) {
        await fns.deleteEvent(eidField(o), field.string(o, 'eventId'));
        return jsonSuccess({});
      },
    },
  };
}
