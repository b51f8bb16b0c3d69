// What each route declares about itself, so GET /v1 can describe every route without a hand-kept list.
import type { RouteAuth } from '../../shared/api';

export interface RouteMeta {
  summary: string;
  auth: RouteAuth;
}

/** Route `config` carrying the self-description; read back by the onRoute hook in server.ts. */
export function describe(summary: string, auth: RouteAuth = 'none'): { config: RouteMeta } {
  return { config: { summary, auth } };
}
