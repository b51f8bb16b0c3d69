// What each route declares about itself (purpose, who may call it, what it answers), so GET /v1, /openapi.json and /docs describe every route without a hand-kept list.
import type { TSchema } from 'typebox';
import type { RouteAuth } from '../../shared/api';

/**
 * What a route answers, by HTTP status: a schema from src/shared (a RawBody for a body that is not JSON), several
 * when one status has several bodies (a folder listing or a file's bytes), null for no body. Refusals are not listed:
 * every route refuses with the one error body (ApiErrorBody).
 */
export type RouteResponses = Readonly<Record<number, TSchema | readonly TSchema[] | null>>;

export interface RouteMeta {
  summary: string;
  auth: RouteAuth;
  responses: RouteResponses;
}

/**
 * Route `config` carrying the self-description; read back by the onRoute hook in server.ts. The responses stay out
 * of fastify's `schema.response` on purpose: its serializer would reshape answers (drop undeclared fields, coerce
 * types), and the contract describes what the hub sends, it does not rewrite it.
 */
export function describe(summary: string, auth: RouteAuth, responses: RouteResponses): { config: RouteMeta } {
  return { config: { summary, auth, responses } };
}
