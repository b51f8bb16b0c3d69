// Maps every failure (our refusals, schema violations, parser and size errors, unknown routes) to the error body.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_STATUS, type ApiErrorBody, type ErrorCode } from '../shared/errors';
import { HubError } from './hub-error';

function send(reply: FastifyReply, code: ErrorCode, message: string, hint?: string): FastifyReply {
  const body: ApiErrorBody = { error: hint ? { code, message, hint } : { code, message } };
  return reply.code(ERROR_STATUS[code]).type('application/json; charset=utf-8').send(body);
}

interface AjvIssue {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

/** Turns ajv's first complaint into a sentence naming the field, e.g. `body.refs[0]: must be string`. */
function describeValidation(context: string, issues: AjvIssue[]): string {
  const first = issues[0];
  if (!first) return `${context}: invalid`;
  const where = (first.instancePath ?? '').replace(/^\//, '').replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.');
  const field = where ? `${context}.${where}` : context;
  if (first.keyword === 'additionalProperties') {
    return `${field} has an unknown field "${String(first.params?.additionalProperty)}"`;
  }
  if (first.keyword === 'required') return `${field} is missing the field "${String(first.params?.missingProperty)}"`;
  return `${field} ${first.message ?? 'is invalid'}`;
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof HubError) {
      for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
      return send(reply, err.code, err.message, err.hint);
    }
    if (err.validation) {
      const context = err.validationContext ?? 'request';
      const message = describeValidation(context, err.validation as AjvIssue[]);
      if (context === 'querystring') {
        return send(reply, 'INVALID_QUERY', message, 'GET /v1 lists every route and its query parameters');
      }
      if (context === 'params') return send(reply, 'INVALID_PATH', message, 'check the identifiers in the URL');
      return send(reply, 'INVALID_BODY', message, 'GET /v1 lists every route and the body it takes');
    }
    switch (err.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return send(reply, 'INVALID_JSON', `the request body is not valid JSON: ${err.message}`, 'send a JSON object with Content-Type: application/json');
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return send(reply, 'PAYLOAD_TOO_LARGE', 'the request body is larger than this route accepts', 'send a smaller body, or write the content to your scratch folder and post {source}');
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return send(reply, 'UNSUPPORTED_MEDIA_TYPE', `unsupported Content-Type "${request.headers['content-type'] ?? ''}"`, 'send Content-Type: application/json');
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return send(reply, 'INVALID_BODY', 'the Content-Length header does not match the body', 'let your HTTP client set Content-Length');
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return send(reply, 'INVALID_BODY', err.message, 'GET /v1 lists every route and what it takes');
    }
    request.log.error({ err }, 'unexpected error');
    return send(reply, 'INTERNAL', 'the hub failed to handle this request; nothing was written', 'retry; if it persists, report it with the hub log');
  });

  app.setNotFoundHandler((request, reply) =>
    send(reply, 'NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`, 'GET /v1 lists every route'),
  );
}
