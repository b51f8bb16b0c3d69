// A stand-in OpenAI-compatible server on loopback (chat completions with tools, the model list, bearer keys), with bad behaviours.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * Written from the public OpenAI API reference (POST /v1/chat/completions, GET /v1/models, error bodies
 * {error:{message,type,param,code}}), as Ollama, LM Studio, llama-server and Jan serve it. Each model name picks a
 * behaviour, so one server stands in for a capable model and for the ways a model or server fails an agent.
 */

/**
 * capable: answers a tool call whenever tools are offered and a call is required, named, or due (the last message is
 * not a tool result), choosing the named tool or the first, its arguments built from the schema's required fields.
 * text-only: ignores tools and answers words. broken-json: a tool call whose arguments are not JSON. slow: never
 * answers (the connection stays open until the server closes).
 */
export type StandinBehaviour = 'capable' | 'text-only' | 'broken-json' | 'slow';

export interface StandinRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The raw body text, for searching it for things that must not be there. */
  text: string;
  body: unknown;
}

/** A chat completion the stand-in keeps open (see holdWhen) until the test answers it, or its client gives up. */
export interface HeldCompletion {
  request: StandinRequest;
  /** Answers it now, as its model's behaviour would have at once. */
  answer(): void;
  /** Resolves when the client closed the connection before it was answered (it aborted the request). */
  closedByClient: Promise<void>;
}

export interface OpenAiStandin {
  /** Base URL, ending in /v1. */
  url: string;
  /** Every request it got, in order. */
  requests: StandinRequest[];
  /** From now on, chat completions `match` picks are held open (a completion in flight) instead of answered; null: none. */
  holdWhen(match: ((request: StandinRequest) => boolean) | null): void;
  /** The next held completion, in the order they came (one already held first). */
  nextHeld(): Promise<HeldCompletion>;
  close(): Promise<void>;
}

export interface StandinOptions {
  /** Model name -> behaviour; GET /v1/models lists the names. */
  models: Record<string, StandinBehaviour>;
  /** As Ollama: a model name without a tag is served as its `:latest` (GET /v1/models lists the tagged name). */
  ollamaTags?: boolean;
  /** When set, every request must carry `Authorization: Bearer <key>` or gets a 401. */
  key?: string;
}

type Schema = Record<string, unknown>;

/** A value that fits a JSON Schema: required fields only, the first choice of every enum or oneOf, short strings. */
export function valueFor(schema: Schema | undefined, hint = 'value'): unknown {
  if (!schema || typeof schema !== 'object') return {};
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (Array.isArray(schema.oneOf)) return valueFor(schema.oneOf[0] as Schema, hint);
  if (Array.isArray(schema.anyOf)) return valueFor(schema.anyOf[0] as Schema, hint);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
      return Object.fromEntries(required.map((k) => [k, valueFor(properties[k], k)]));
    }
    case 'array':
      return [];
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return false;
    case 'string': {
      const text = `stand-in model's ${hint}: a short, well-formed answer`;
      const max = typeof schema.maxLength === 'number' ? schema.maxLength : text.length;
      const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
      return text.slice(0, Math.max(min, Math.min(max, text.length))).padEnd(min, 'x');
    }
    default:
      return {};
  }
}

interface ChatBody {
  model?: string;
  messages?: Array<{ role?: string; content?: unknown }>;
  tools?: Array<{ type: string; function: { name: string; parameters?: Schema } }>;
  tool_choice?: 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function error(res: ServerResponse, status: number, message: string, type: string, code: string | null): void {
  send(res, status, { error: { message, type, param: null, code } });
}

function completion(model: string, message: Record<string, unknown>, finish: string): Record<string, unknown> {
  return {
    id: `chatcmpl-${randomBytes(6).toString('hex')}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: null, ...message }, finish_reason: finish }],
    usage: { prompt_tokens: 40, completion_tokens: 12, total_tokens: 52 },
  };
}

function toolCall(name: string, args: string): Record<string, unknown> {
  return { id: `call_${randomBytes(4).toString('hex')}`, type: 'function', function: { name, arguments: args } };
}

/** The capable model's answer: a well-formed call when one is wanted, words otherwise. */
function capableAnswer(body: ChatBody, model: string): Record<string, unknown> {
  const tools = body.tools ?? [];
  const choice = body.tool_choice ?? 'auto';
  const last = body.messages?.at(-1)?.role;
  const wanted = choice === 'required' || typeof choice === 'object' || (choice === 'auto' && last !== 'tool');
  if (tools.length === 0 || choice === 'none' || !wanted)
    return completion(model, { content: 'Done: the tool answered what was asked.' }, 'stop');
  const tool =
    (typeof choice === 'object' ? tools.find((t) => t.function.name === choice.function.name) : undefined) ?? tools[0]!;
  const args = JSON.stringify(valueFor(tool.function.parameters ?? { type: 'object' }, tool.function.name));
  return completion(model, { tool_calls: [toolCall(tool.function.name, args)] }, 'tool_calls');
}

export async function startOpenAiStandin(options: StandinOptions): Promise<OpenAiStandin> {
  const requests: StandinRequest[] = [];
  const held = new Set<ServerResponse>();
  let holdMatch: ((request: StandinRequest) => boolean) | null = null;
  const heldQueue: HeldCompletion[] = [];
  const heldWaiters: Array<(h: HeldCompletion) => void> = [];
  const holdOpen = (request: StandinRequest, res: ServerResponse, respond: () => void): void => {
    held.add(res);
    let answered = false;
    const closedByClient = new Promise<void>((resolve) =>
      res.on('close', () => {
        held.delete(res);
        if (!answered) resolve();
      }),
    );
    const entry: HeldCompletion = {
      request,
      answer: () => {
        if (answered || res.destroyed) return;
        answered = true;
        respond();
      },
      closedByClient,
    };
    const waiter = heldWaiters.shift();
    if (waiter) waiter(entry);
    else heldQueue.push(entry);
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = null;
      try {
        body = text ? (JSON.parse(text) as unknown) : null;
      } catch {
        body = text;
      }
      const path = (req.url ?? '/').split('?')[0]!;
      requests.push({ method: req.method ?? '', path, headers: { ...req.headers }, text, body });
      if (options.key && req.headers.authorization !== `Bearer ${options.key}`)
        return error(res, 401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
      if (req.method === 'GET' && path === '/v1/models')
        return send(res, 200, {
          object: 'list',
          data: Object.keys(options.models).map((id) => ({ id, object: 'model', created: 1, owned_by: 'standin' })),
        });
      if (req.method === 'POST' && path === '/v1/chat/completions') {
        if (body === null || typeof body !== 'object')
          return error(res, 400, 'the body must be a JSON object', 'invalid_request_error', null);
        const chat = body as ChatBody;
        const model = String(chat.model ?? '');
        // Ollama's rule (its OpenAI-compatible API): a name without a tag means its :latest.
        const behaviour =
          options.models[model] ??
          (options.ollamaTags && !model.includes(':') ? options.models[`${model}:latest`] : undefined);
        if (!behaviour)
          return error(res, 404, `The model \`${model}\` does not exist.`, 'invalid_request_error', 'model_not_found');
        if (!Array.isArray(chat.messages) || chat.messages.length === 0)
          return error(res, 400, "'messages' must be a non-empty array", 'invalid_request_error', null);
        const request = requests.at(-1)!;
        if (behaviour !== 'slow' && holdMatch?.(request))
          return holdOpen(request, res, () => answer(res, chat, model, behaviour));
        return answer(res, chat, model, behaviour);
      }
      error(res, 404, `no route ${req.method} ${path}`, 'invalid_request_error', null);
    });
  });
  const answer = (res: ServerResponse, chat: ChatBody, model: string, behaviour: StandinBehaviour): void => {
    switch (behaviour) {
      case 'capable':
        return send(res, 200, capableAnswer(chat, model));
      case 'text-only':
        return send(res, 200, completion(model, { content: 'I would look that up in the results file.' }, 'stop'));
      case 'broken-json': {
        const name = chat.tools?.[0]?.function.name ?? 'tool';
        return send(
          res,
          200,
          completion(model, { tool_calls: [toolCall(name, "{filename: 'baseline-1.md', figure: tps")] }, 'tool_calls'),
        );
      }
      case 'slow':
        // Held open: answered by nobody, ended when the server closes.
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
    }
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    holdWhen(match) {
      holdMatch = match;
    },
    nextHeld() {
      const ready = heldQueue.shift();
      return ready ? Promise.resolve(ready) : new Promise((resolve) => heldWaiters.push(resolve));
    },
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
