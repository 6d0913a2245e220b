// What the event feed, the event routes and the webhook dispatcher read from the events table.
import type { EventRecord } from '../domain/records.ts';

export interface EventQuery {
  tenantId: string;
  /** Events with id > afterId ... */
  afterId: number;
  /** ... and id <= throughId (the commit horizon), when given. */
  throughId?: number;
  /** Type prefixes (`order.`, `euicc.registered`); empty or absent: every type. */
  types?: readonly string[];
  limit: number;
}

/** What is visible in the events table above a position, and which transactions are still running. */
export interface EventWatermark {
  /** Highest visible id above `afterId` (afterId when none). */
  maxId: number;
  /** How many ids above `afterId` are visible: maxId - afterId when there is no gap. */
  count: number;
  /** Transactions of this database in progress when this was read (PostgreSQL xid8 values as decimal strings). */
  inProgress: string[];
}

export interface EventFeedRepositories {
  /** A tenant's events in id order, filtered by range and type prefixes. */
  readEvents(query: EventQuery): Promise<EventRecord[]>;
  /** Every tenant's events with afterId < id <= throughId, in id order (the feed's fan-out). */
  eventsInRange(afterId: number, throughId: number, limit: number): Promise<EventRecord[]>;
  /** Read in one statement, so the count and the running transactions belong to the same snapshot. */
  eventWatermark(afterId: number): Promise<EventWatermark>;
  /** The end of the run of visible ids afterId+1, afterId+2, … (afterId when afterId+1 is not visible). */
  contiguousEnd(afterId: number): Promise<number>;
}
