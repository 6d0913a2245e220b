// Every route of the operator API. Each resource adds its routes here.
import type { ServiceDeps } from '../../services/deps.ts';
import { EventFeed } from '../../services/event-feed.ts';
import type { RouteSpec } from '../route.ts';
import { euiccRoutes } from './euiccs.ts';
import { groupRoutes } from './groups.ts';
import { eventRoutes } from './events.ts';
import { keyRoutes } from './keys.ts';
import { webhookRoutes } from './webhooks.ts';
import { orderRoutes } from './orders.ts';
import { poolRoutes } from './pools.ts';

/** The instance's event feed (one is made when absent) and whether webhooks may use plain http beyond loopback. */
export interface RouteOptions {
  events?: EventFeed;
  allowHttpWebhooks?: boolean;
}

export function allRoutes(deps: ServiceDeps, options: RouteOptions = {}): RouteSpec[] {
  const feed = options.events ?? new EventFeed(deps.store);
  return [...keyRoutes(deps), ...eventRoutes(deps, feed), ...webhookRoutes(deps, { allowHttp: options.allowHttpWebhooks ?? false }), ...euiccRoutes(deps), ...orderRoutes(deps), ...groupRoutes(deps), ...poolRoutes(deps)];
}
