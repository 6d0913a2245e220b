// Every route of the operator API. Each resource adds its routes here.
import type { ServiceDeps } from '../../services/deps.ts';
import type { RouteSpec } from '../route.ts';
import { euiccRoutes } from './euiccs.ts';
import { groupRoutes } from './groups.ts';
import { keyRoutes } from './keys.ts';
import { orderRoutes } from './orders.ts';

export function allRoutes(deps: ServiceDeps): RouteSpec[] {
  return [...keyRoutes(deps), ...euiccRoutes(deps), ...orderRoutes(deps), ...groupRoutes(deps)];
}
