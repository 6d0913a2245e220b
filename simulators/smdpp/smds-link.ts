// ES12 from the SM-DP+ simulator to an SM-DS (SGP.22 v2.5 §5.7.1 RegisterEvent, §5.7.2 DeleteEvent;
// JSON binding §6.5.2): the event of an order bound to an EID is its matchingId at this SM-DP+'s address.

import { type ClientOptions, postJson } from '../common/https-client.ts';
import type { Recorder } from '../common/recorder.ts';
import type { CatalogueEntry } from './catalogue.ts';
import type { SmdsLink } from './context.ts';
import type { SmdppEvent } from './events.ts';

export interface SmdsTarget {
  /** Base URL of the SM-DS, e.g. https://127.0.0.1:8443 */
  url: string;
  /** PEM CI certificates for its TLS certificate (default: the SM-DP+'s own CIs). */
  ca?: string;
  servername?: string;
}

function statusOf(json: Record<string, unknown> | undefined): string {
  const h = json?.header as { functionExecutionStatus?: { status?: string; statusCodeData?: unknown } } | undefined;
  const s = h?.functionExecutionStatus;
  return s?.status === 'Executed-Success' ? 'ok' : JSON.stringify(s ?? json ?? null);
}

export function smdsLink(target: SmdsTarget, ca: string, address: () => string, recorder: Recorder<SmdppEvent>): SmdsLink {
  const options: ClientOptions = { ca: target.ca ?? ca, ...(target.servername ? { servername: target.servername } : {}) };
  const call = async (action: 'register' | 'delete', entry: CatalogueEntry, body: Record<string, unknown>): Promise<string> => {
    let detail: string;
    try {
      const res = await postJson(target.url, `/gsma/rsp2/es12/${action}Event`, body, options);
      detail = res.status === 200 ? statusOf(res.json) : `HTTP ${res.status}`;
    } catch (err) {
      detail = (err as Error).message;
    }
    recorder.record({ type: 'smdsEvent', action, eventId: entry.matchingId, eid: entry.eid!, ok: detail === 'ok', ...(detail === 'ok' ? {} : { detail }) });
    return detail;
  };
  return {
    async registerEvent(entry) {
      const detail = await call('register', entry, { eid: entry.eid, rspServerAddress: address(), eventId: entry.matchingId, forwardingIndicator: false });
      if (detail !== 'ok') throw new Error(`ES12.RegisterEvent for ${entry.matchingId} failed: ${detail}`);
    },
    async deleteEvent(entry) {
      await call('delete', entry, { eid: entry.eid, rspServerAddress: address(), eventId: entry.matchingId });
    },
  };
}
