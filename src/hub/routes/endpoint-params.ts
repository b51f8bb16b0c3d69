// A route's parameters as one line of text, the way the public collab's GET /v1 writes `params`, built from its schemas.
import type { RouteAuth } from '../../shared/api';

interface SchemaLike {
  properties?: Record<string, unknown>;
  required?: string[];
  anyOf?: SchemaLike[];
}

/** `{source}` or `{agent_id, body, type?}`: a body's fields, optional ones marked, alternatives joined by "or". */
function bodyShape(schema: SchemaLike): string {
  if (schema.anyOf) return schema.anyOf.map(bodyShape).filter(Boolean).join(' or ');
  if (!schema.properties) return '';
  const required = new Set(schema.required ?? []);
  return `{${Object.keys(schema.properties)
    .map((k) => (required.has(k) ? k : `${k}?`))
    .join(', ')}}`;
}

/**
 * "since, until, agent" for a list, "{agent_id, submission_prefix, run_prefix} + Authorization: Bearer" for a route
 * that needs a token, "" for none: what an agent reading GET /v1 once needs to call the route. A `writer` route also
 * takes a tokenless write on a loopback hub (as the public collab's writes do), so its token is not listed.
 */
export function paramsLine(schema: { querystring?: unknown; body?: unknown }, auth: RouteAuth): string {
  const query = Object.keys((schema.querystring as SchemaLike | undefined)?.properties ?? {}).join(', ');
  const body = schema.body ? bodyShape(schema.body as SchemaLike) : '';
  const parts = [query, body].filter(Boolean).join(' + ');
  if (auth === 'none' || auth === 'writer') return parts;
  return parts ? `${parts} + Authorization: Bearer` : 'Authorization: Bearer';
}
