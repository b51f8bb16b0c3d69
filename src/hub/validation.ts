// Request validation: query strings and path params are coerced from text; JSON bodies are checked as sent.
import Ajv, { type ValidateFunction } from 'ajv';
import type { FastifyInstance } from 'fastify';

/**
 * A query string is text, so `limit=5` must become 5; a JSON body already has types, so `"agent_id": 5` is an
 * error to report, not a value to convert. Unknown fields are refused in both (additionalProperties: false).
 */
export function installValidation(app: FastifyInstance): void {
  const options = { removeAdditional: false, useDefaults: false, allErrors: false, strict: false } as const;
  const textual = new Ajv({ ...options, coerceTypes: 'array' });
  const json = new Ajv({ ...options, coerceTypes: false });
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? json : textual;
    return ajv.compile(schema) as ValidateFunction;
  });
}
