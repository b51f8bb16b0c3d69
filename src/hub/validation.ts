// Request validation: query strings and path params are coerced from text, unknown parameters dropped; JSON bodies are checked as sent.
import Ajv, { type ValidateFunction } from 'ajv';
import type { FastifyInstance } from 'fastify';

/**
 * A query string is text, so `limit=5` must become 5; a JSON body already has types, so `"agent_id": 5` is an
 * error to report, not a value to convert. An unknown query parameter is dropped, as the public collab ignores it (a
 * public client may send a filter this hub lacks, or a cache-buster); an unknown body field is still refused, since
 * there it is a write the hub would silently not make.
 */
export function installValidation(app: FastifyInstance): void {
  const options = { useDefaults: false, allErrors: false, strict: false } as const;
  // removeAdditional: true drops only what a schema closes with additionalProperties: false, i.e. the query schemas.
  const textual = new Ajv({ ...options, removeAdditional: true, coerceTypes: 'array' });
  const json = new Ajv({ ...options, removeAdditional: false, coerceTypes: false });
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? json : textual;
    return ajv.compile(schema) as ValidateFunction;
  });
}
