// Maps every failure (our refusals, schema violations, parser and size errors, unknown routes, malformed HTTP) to the error body.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { CodedError, ERROR_STATUS, isErrorCode, type ApiErrorBody, type ErrorCode } from '../shared/errors';
import { HubClientError } from '../shared/hub-error';
import { HubError } from './hub-error';

function errorBody(code: ErrorCode, message: string, hint?: string): ApiErrorBody {
  return { error: hint ? { code, message, hint } : { code, message } };
}

function send(reply: FastifyReply, code: ErrorCode, message: string, hint?: string): FastifyReply {
  return reply
    .code(ERROR_STATUS[code])
    .type('application/json; charset=utf-8')
    .send(errorBody(code, message, hint));
}

/** For a 4xx that names no code of ours (a framework error we did not foresee): the code with that very status. */
const CODE_FOR_STATUS: Partial<Record<number, ErrorCode>> = {
  404: 'NOT_FOUND',
  408: 'REQUEST_TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  431: 'HEADERS_TOO_LARGE',
};

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
  const where = (first.instancePath ?? '')
    .replace(/^\//, '')
    .replace(/\/(\d+)(?=\/|$)/g, '[$1]')
    .replace(/\//g, '.');
  const field = where ? `${context}.${where}` : context;
  if (first.keyword === 'additionalProperties') {
    return `${field} has an unknown field "${String(first.params?.additionalProperty)}"`;
  }
  if (first.keyword === 'required') return `${field} is missing the field "${String(first.params?.missingProperty)}"`;
  return `${field} ${first.message ?? 'is invalid'}`;
}

/**
 * File-system refusals that escaped a route's own checks: each means the path a request named cannot be what it asks
 * (a file where a folder must be, a name too long). The request is at fault, not the hub; the message leaves out
 * the absolute path, which is the data folder's.
 */
const FS_REFUSALS: Record<string, { code: ErrorCode; message: string; hint: string }> = {
  ENOTDIR: {
    code: 'INVALID_PATH',
    message: 'a folder on the path this request names is a file',
    hint: 'list the folder to see what is there; a file and a folder cannot share a name',
  },
  EISDIR: {
    code: 'INVALID_PATH',
    message: 'the path this request names is a folder, not a file',
    hint: 'name a file inside it',
  },
  ENAMETOOLONG: {
    code: 'INVALID_PATH',
    message: 'the path this request names is longer than the file system takes',
    hint: 'use shorter names',
  },
};

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    // The hub's own refusals and its seams' (model library, swarm): one error type, answered in this one place. Not
    // a client's error from a call the hub made itself (its 401 is not this request's), nor an INTERNAL: both are
    // the hub's failure, logged below.
    if (
      err instanceof CodedError &&
      !(err instanceof HubClientError) &&
      isErrorCode(err.code) &&
      err.code !== 'INTERNAL'
    ) {
      if (err instanceof HubError) for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
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
    const fsRefusal = FS_REFUSALS[err.code];
    if (fsRefusal && typeof (err as { syscall?: unknown }).syscall === 'string') {
      // Logged: it means a route let through a path it should have refused with its own words.
      request.log.warn({ err }, 'file-system refusal reached the error handler');
      return send(reply, fsRefusal.code, fsRefusal.message, fsRefusal.hint);
    }
    switch (err.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return send(
          reply,
          'INVALID_JSON',
          `the request body is not valid JSON: ${err.message}`,
          'send a JSON object with Content-Type: application/json',
        );
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return send(
          reply,
          'PAYLOAD_TOO_LARGE',
          'the request body is larger than this route accepts',
          'send a smaller body, or write the content to your scratch folder and post {source}',
        );
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return send(
          reply,
          'UNSUPPORTED_MEDIA_TYPE',
          `unsupported Content-Type "${request.headers['content-type'] ?? ''}"`,
          'send Content-Type: application/json',
        );
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return send(
          reply,
          'INVALID_BODY',
          'the Content-Length header does not match the body',
          'let your HTTP client set Content-Length',
        );
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return send(
        reply,
        CODE_FOR_STATUS[err.statusCode] ?? 'INVALID_REQUEST',
        err.message,
        'GET /v1 lists every route and what it takes',
      );
    }
    request.log.error({ err }, 'unexpected error');
    return send(
      reply,
      'INTERNAL',
      'the hub failed to handle this request; nothing was written',
      'retry; if it persists, report it with the hub log',
    );
  });

  app.setNotFoundHandler((request, reply) =>
    send(reply, 'NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`, 'GET /v1 lists every route'),
  );
}

/**
 * Errors the router raises before any route, hook or error handler runs (Fastify's `frameworkErrors`): a URL whose
 * percent-encoding does not decode, a path parameter longer than the router takes.
 */
export function frameworkErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const path = request.url.split('?')[0] ?? '';
  switch (err.code) {
    case 'FST_ERR_BAD_URL':
      void send(
        reply,
        'INVALID_PATH',
        `the URL ${JSON.stringify(path.slice(0, 200))} has a percent-encoding that is not UTF-8`,
        'encode each path segment with encodeURIComponent',
      );
      return;
    case 'FST_ERR_MAX_PARAM_LENGTH':
      void send(
        reply,
        'URI_TOO_LONG',
        'a path segment of this URL is longer than any identifier the hub has',
        'check the identifiers in the URL; GET /v1 lists every route',
      );
      return;
    default:
      request.log.error({ err }, 'unexpected router error');
      void send(
        reply,
        'INTERNAL',
        'the hub failed to route this request; nothing was written',
        'retry; if it persists, report it with the hub log',
      );
  }
}

/** Node's HTTP parser error codes that have a status of their own; every other parser error is a 400. */
const PARSER_REFUSALS: Record<string, { code: ErrorCode; message: string; hint: string }> = {
  HPE_HEADER_OVERFLOW: {
    code: 'HEADERS_TOO_LARGE',
    message: 'the request line and headers are larger than the hub reads',
    hint: 'send shorter headers; put large content in the body',
  },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: {
    code: 'PAYLOAD_TOO_LARGE',
    message: 'the chunk extensions of the body are larger than the hub reads',
    hint: 'send the body without chunk extensions',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    code: 'REQUEST_TIMEOUT',
    message: 'the request did not arrive whole in time',
    hint: 'send the whole request at once',
  },
};

/** The bytes of a whole HTTP/1.1 response carrying the error body; the connection closes after it. */
function rawErrorResponse(code: ErrorCode, message: string, hint: string): string {
  const status = ERROR_STATUS[code];
  const body = JSON.stringify(errorBody(code, message, hint));
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`;
}

/**
 * Writes a whole response, then closes the connection. When the bad bytes followed a whole request on the same
 * connection (pipelined), that request's answer goes out first: written now, the error would land inside it.
 */
function answerOnSocket(socket: Socket, response: string): void {
  const answer = (): void => {
    if (socket.writable) socket.end(response, () => socket.destroy());
    else socket.destroy();
  };
  // `_httpMessage` is the response in flight on this socket; Node's own parser-error handler reads it too.
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (!inFlight || inFlight.writableFinished) return answer();
  if (!inFlight.req.complete) {
    // The bad bytes are in that request's own body (a cut or malformed body): the error is its answer, unless an
    // answer to it has begun already.
    if (inFlight.headersSent) socket.destroy();
    else answer();
    return;
  }
  inFlight.once('finish', answer);
  inFlight.once('close', () => {
    if (!inFlight.writableFinished) socket.destroy();
  });
}

/**
 * Node's `clientError`: bytes that are not HTTP (a malformed request line or header, a bad Content-Length, headers
 * too large) never reach Fastify, so the answer is written on the socket here, in the same error body.
 */
export function clientErrorHandler(err: Error & { code?: string; reason?: string }, socket: Socket): void {
  // A reset connection has nobody to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const known = err.code === undefined ? undefined : PARSER_REFUSALS[err.code];
  const refusal = known ?? {
    code: 'INVALID_REQUEST' as const,
    message: `the request is not valid HTTP/1.1${err.reason ? ` (${err.reason.replace(/[^\x20-\x7e]/g, '')})` : ''}`,
    hint: 'send a well-formed HTTP/1.1 request; any HTTP client library does',
  };
  answerOnSocket(socket, rawErrorResponse(refusal.code, refusal.message, refusal.hint));
}

/**
 * A CONNECT request (a proxy tunnel) never reaches Fastify either: without an answer, Node would drop the
 * connection silently. The hub is no proxy.
 */
export function connectRefusal(socket: Socket): void {
  answerOnSocket(
    socket,
    rawErrorResponse('NOT_FOUND', 'no route CONNECT: this hub is not a proxy', 'GET /v1 lists every route'),
  );
}
