// Builds the OpenAPI 3.1 document of the hub from its routes' own declarations: fastify's schemas for what a route takes, the declared schemas for what it answers.
import type { TSchema } from 'typebox';
import type { RouteAuth } from '../shared/api';
import { ApiErrorBody } from '../shared/errors';
import { rawMediaType } from '../shared/response-schema';
import type { RouteResponses } from './routes/route-options';

/** One route as the onRoute hook saw it: enough to document it without the route's code. */
export interface DocumentedRoute {
  method: string;
  /** Fastify's path: `:param`, `*` for the rest of the path, `::` for a literal colon. */
  url: string;
  summary: string;
  auth: RouteAuth;
  schema: { querystring?: unknown; params?: unknown; body?: unknown };
  responses: RouteResponses;
}

type JsonSchema = Record<string, unknown>;

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

export interface OpenApiResponse {
  description: string;
  content?: Record<string, { schema: JsonSchema }>;
}

export interface OpenApiOperation {
  operationId: string;
  summary: string;
  tags: string[];
  /** Who may call it (none, agent, writer, organizer): finer than `security`, which only says a token is needed. */
  'x-auth': RouteAuth;
  parameters: OpenApiParameter[];
  requestBody?: { required: true; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, OpenApiResponse | { $ref: string }>;
  security?: Array<Record<string, string[]>>;
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: {
    schemas: { Error: JsonSchema };
    responses: { Error: OpenApiResponse };
    securitySchemes: { bearer: { type: 'http'; scheme: 'bearer'; description: string } };
  };
}

/** The wildcard's name in the document: `{*}` is not a name an OpenAPI tool accepts. */
const REST_PARAM = 'path';

const AUTH_WORDS: Record<RouteAuth, string> = {
  none: 'no token needed',
  agent: "an agent's own token",
  writer: 'an agent token or the organizer token',
  organizer: 'the organizer token',
};

/** `/v1/scratch/:agent_id/*` -> `/v1/scratch/{agent_id}/{path}`; `/v1/artifacts::sync` -> `/v1/artifacts:sync`. */
export function openApiPath(url: string): string {
  return url
    .split('::')
    .map((part) => part.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*/g, `{${REST_PARAM}}`))
    .join(':');
}

/**
 * TypeBox writes tuples the draft-07 way (`items: [...]`); OpenAPI 3.1 speaks JSON Schema 2020-12 (`prefixItems`).
 * Cloning through JSON also drops TypeBox's own symbols, so the document is plain data.
 */
export function toJsonSchema2020(schema: unknown): JsonSchema {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const out: JsonSchema = {};
    for (const [key, value] of Object.entries(node)) out[key] = walk(value);
    if (Array.isArray(out.items)) {
      out.prefixItems = out.items;
      out.items = out.additionalItems === false ? false : {};
      delete out.additionalItems;
    }
    return out;
  };
  return walk(JSON.parse(JSON.stringify(schema ?? {}))) as JsonSchema;
}

function propertiesOf(schema: unknown): { properties: Record<string, JsonSchema>; required: string[] } {
  const s = (schema ?? {}) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return { properties: s.properties ?? {}, required: s.required ?? [] };
}

function parameters(route: DocumentedRoute, path: string): OpenApiParameter[] {
  const out: OpenApiParameter[] = [];
  const params = propertiesOf(route.schema.params);
  for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
    const schema = params.properties[name === REST_PARAM && route.url.includes('*') ? '*' : name!] ?? {
      type: 'string',
    };
    const description =
      name === REST_PARAM && route.url.includes('*')
        ? 'the rest of the path, "/" included'
        : (schema.description as string | undefined);
    out.push({
      name: name!,
      in: 'path',
      required: true,
      ...(description ? { description } : {}),
      schema: toJsonSchema2020(schema),
    });
  }
  const query = propertiesOf(route.schema.querystring);
  for (const [name, schema] of Object.entries(query.properties)) {
    const description = schema.description as string | undefined;
    out.push({
      name,
      in: 'query',
      required: query.required.includes(name),
      ...(description ? { description } : {}),
      schema: toJsonSchema2020(schema),
    });
  }
  return out;
}

const STATUS_WORDS: Record<number, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No body' };

function response(status: number, declared: TSchema | readonly TSchema[] | null): OpenApiResponse {
  if (declared === null) return { description: STATUS_WORDS[status] ?? 'No body' };
  const schemas: readonly TSchema[] = Array.isArray(declared) ? declared : [declared as TSchema];
  const content: Record<string, { schema: JsonSchema }> = {};
  for (const schema of schemas)
    content[rawMediaType(schema) ?? 'application/json'] = { schema: toJsonSchema2020(schema) };
  return { description: STATUS_WORDS[status] ?? String(status), content };
}

/** The first path segment after /v1 groups the routes (agents, messages, ...); the rest are the hub's own. */
function tagOf(path: string): string {
  const m = /^\/v1\/([a-z-]+)/.exec(path);
  return m ? m[1]! : 'hub';
}

export function buildOpenApiDocument(
  routes: readonly DocumentedRoute[],
  info: { title: string; version: string; description: string },
): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const path = openApiPath(route.url);
    const method = route.method.toLowerCase();
    const responses: OpenApiOperation['responses'] = {};
    for (const [status, declared] of Object.entries(route.responses))
      responses[status] = response(Number(status), declared ?? null);
    responses.default = { $ref: '#/components/responses/Error' };
    const operation: OpenApiOperation = {
      operationId: `${method}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: route.summary,
      tags: [tagOf(path)],
      'x-auth': route.auth,
      parameters: parameters(route, path),
      responses,
      ...(route.auth === 'none' ? {} : { security: [{ bearer: [] }] }),
    };
    if (route.schema.body !== undefined)
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: toJsonSchema2020(route.schema.body) } },
      };
    (paths[path] ??= {})[method] = operation;
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      schemas: { Error: toJsonSchema2020(ApiErrorBody) },
      responses: {
        Error: {
          description: 'A refusal: the HTTP status follows the code (see the code list)',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'POST /v1/agents/register returns an agent token once; the organizer token is in the data folder. x-auth on each route says whose token.',
        },
      },
    },
  };
}

export function authWords(auth: RouteAuth): string {
  return AUTH_WORDS[auth];
}
