// Every route of the operator API. Each resource adds its routes here.
import type { ServiceDeps } from '../../services/deps.ts';
import type { RouteSpec } from '../route.ts';
import { keyRoutes } from './keys.ts';

export function allRoutes(deps: ServiceDeps): RouteSpec[] {
  return [...keyRoutes(deps)];
}
