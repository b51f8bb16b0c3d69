// The inference host's HTTP door on loopback: who calls (by key), which route answers, bodies in, OpenAI-shaped errors out.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { InferenceStatus } from '../../shared/swarm';
import { agentOfKey } from './agent-keys';
import { ApiError } from './api-error';
import type { ModelList } from './openai-types';

const MAX_BODY = 16 * 1024 * 1024;

/** Who sent a request: the supervisor, or the agent its key names. */
export type Caller = { kind: 'supervisor' } | { kind: 'agent'; agent: string };

/** What the door's routes do; the door itself only decides who may call which. */
export interface InferenceRoutes {
  chatCompletions(req: IncomingMessage, res: ServerResponse, caller: Caller): Promise<void>;
  models(): ModelList;
  status(): Promise<InferenceStatus>;
  pause(): Promise<void>;
  resume(): Promise<void>;
}

export interface DoorOptions {
  port: number;
  /** The supervisor's key: it opens every route, /control included; agents carry keys derived from it (agent-keys.ts). */
  key: string;
  routes: InferenceRoutes;
  log: (line: string) => void;
}

/** Same-length digests, so comparing them takes the same time however much of the key a guess gets right. */
function sameKey(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Reads a request body whole, up to a bound, so one huge request cannot take the memory every agent shares. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // past the limit the rest is read and dropped, so the refusal can still be answered
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY)
        reject(
          new ApiError(
            413,
            `the request body is larger than ${MAX_BODY / 1024 / 1024} MiB`,
            'invalid_request_error',
            null,
            'body_too_large',
          ),
        );
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

/** Answers a failure in OpenAI's error shape; a stream already under way gets it as its last chunk instead. */
function fail(res: ServerResponse, err: unknown, log: (line: string) => void): void {
  const apiError =
    err instanceof ApiError ? err : new ApiError(500, `inference failed: ${(err as Error)?.message ?? String(err)}`);
  if (apiError.status >= 500) log(`inference: ${apiError.message}`);
  if (res.headersSent) {
    // a stream already under way: the error travels as a chunk, then the stream ends
    if (!res.writableEnded) {
      res.write(`data: ${JSON.stringify(apiError.body())}\n\n`);
      res.end('data: [DONE]\n\n');
    }
    return;
  }
  sendJson(res, apiError.status, apiError.body());
}

async function route(req: IncomingMessage, res: ServerResponse, key: string, routes: InferenceRoutes): Promise<void> {
  const auth = req.headers.authorization ?? '';
  const given = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length).trim() : '';
  const agent = given ? agentOfKey(key, given) : null;
  const caller: Caller | null =
    given && sameKey(given, key) ? { kind: 'supervisor' } : agent ? { kind: 'agent', agent } : null;
  if (!caller) {
    // the body is never read for an unauthenticated request
    req.resume();
    throw new ApiError(
      401,
      'missing or wrong API key: send Authorization: Bearer <key> (your OPENAI_API_KEY: each agent is given its own)',
      'authentication_error',
      null,
      'invalid_api_key',
    );
  }
  const path = (req.url ?? '/').split('?')[0];
  const name = `${req.method} ${path}`;
  if (path?.startsWith('/control/') && caller.kind !== 'supervisor') {
    // Pausing or resuming the host is the supervisor's, for the GPU lease: an agent's key chats, nothing more.
    req.resume();
    throw new ApiError(
      403,
      `${name} is for the supervisor only: an agent's key can chat and read /v1/models and /status`,
      'permission_error',
      null,
      'forbidden',
    );
  }
  switch (name) {
    case 'POST /v1/chat/completions':
      return routes.chatCompletions(req, res, caller);
    case 'GET /v1/models':
      return sendJson(res, 200, routes.models());
    case 'GET /status':
      return sendJson(res, 200, await routes.status());
    case 'POST /control/pause':
      req.resume();
      await routes.pause();
      return sendJson(res, 200, await routes.status());
    case 'POST /control/resume':
      req.resume();
      await routes.resume();
      return sendJson(res, 200, await routes.status());
    default:
      req.resume();
      throw new ApiError(
        404,
        `no route ${name}: this host serves POST /v1/chat/completions, GET /v1/models, GET /status, POST /control/pause and POST /control/resume`,
        'not_found_error',
      );
  }
}

/** Listens on 127.0.0.1 only: the key guards the door, and the door is not on the network. */
export function openDoor(options: DoorOptions): Promise<Server> {
  const server = createServer((req, res) => {
    route(req, res, options.key, options.routes).catch((err: unknown) => fail(res, err, options.log));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** Closes the door and every connection still open through it (a stream included). */
export function closeDoor(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
