// The SM-DS simulator's Event Records (SGP.22 v2.5 §3.6: EventID, EID, RSP server address), as
// registered by ES12.RegisterEvent and removed by ES12.DeleteEvent.

export interface EventRecord {
  eventId: string;
  eid: string;
  rspServerAddress: string;
  forwardingIndicator: boolean;
  registeredAt: Date;
}

export class EventStore {
  readonly #events = new Map<string, EventRecord>();

  /** Throws a TypeError on a malformed record; false when the EventID is already registered. */
  register(e: Omit<EventRecord, 'registeredAt'>): boolean {
    if (!/^\d{32}$/.test(e.eid)) throw new TypeError('eid must be 32 digits');
    if (!e.eventId || e.eventId.length > 255) throw new TypeError('eventId must be 1..255 characters');
    if (!e.rspServerAddress) throw new TypeError('rspServerAddress is required');
    if (this.#events.has(e.eventId)) return false;
    this.#events.set(e.eventId, { ...e, registeredAt: new Date() });
    return true;
  }

  /** Removes the event if it belongs to `eid`; false when there is none. */
  delete(eid: string, eventId: string): boolean {
    const e = this.#events.get(eventId);
    if (!e || e.eid !== eid) return false;
    return this.#events.delete(eventId);
  }

  forEid(eid: string): EventRecord[] {
    return [...this.#events.values()].filter((e) => e.eid === eid);
  }

  list(): EventRecord[] {
    return [...this.#events.values()];
  }
}
