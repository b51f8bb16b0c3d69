// The inference host's server: one model, one context with N sequences, an OpenAI-compatible API on loopback, pause for the GPU.
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import { getLlama, LlamaChat, LlamaLogLevel, type Llama, type LlamaContext, type LlamaModel } from 'node-llama-cpp';
import type { InferenceAgentFigures, InferenceState, InferenceStatus } from '../../shared/swarm';
import { chooseBackend, defaultThreads } from '../../bench/backend';
import { agentOfKey } from './agent-keys';
import { ApiError } from './api-error';
import { generate, type Outcome } from './chat-generation';
import { prepareRequest, type PreparedRequest } from './chat-request';
import { GrammarCache } from './grammar-cache';
import { DEFAULT_BOUNDS, type GrammarBounds } from './json-schema-grammar';
import type { ChatCompletion, ChatCompletionChunk, ChatUsage, ModelList } from './openai-types';
import { POOL_WAIT_TIMEOUT, SequencePool, type PoolSlot } from './sequence-pool';

/** How the host serves its model: shared by the child's server and the parent's start options. */
export interface ServingOptions {
  /** Path of the GGUF model file. */
  model: string;
  /** Concurrent generations (sequences of the one context). Default 4. */
  sequences?: number;
  /** 0 = any free port. */
  port?: number;
  /** CPU threads; default: every core but one (see `inferenceThreads`). */
  threads?: number;
  gpuLayers?: number | 'auto';
  /** Tokens per sequence; default: as much as fits, up to 16384 (node-llama-cpp sizes it to the memory). */
  contextSize?: number;
  /** How long a pause lets running generations finish before it interrupts them. Default 5 s. */
  pauseGraceMs?: number;
  /** How long a request may wait for a sequence (queue or pause) before a 503. Default 30 min. */
  maxWaitMs?: number;
}

export interface InferenceServerOptions extends ServingOptions {
  /** The supervisor's key: it opens every route, /control included; agents carry keys derived from it (agent-keys.ts). */
  key: string;
  /** max_tokens when a request sets none. Default 2048 (and never more than a sequence holds). */
  defaultMaxTokens?: number;
  bounds?: GrammarBounds;
  /** Where diagnostics go (the child's stderr). */
  log?: (line: string) => void;
}

const MAX_BODY = 16 * 1024 * 1024;
const PAUSED_REASON = 'paused for the GPU lease';

interface AgentTally {
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  seconds: number;
}

interface Running {
  interrupt(): void;
  settled: Promise<void>;
}

/**
 * llama.cpp's thread pool busy-waits, and node-llama-cpp's JS loop needs a core of its own between tokens: measured
 * on 2 cores, a 42 MB F16 model decoded at 366 tok/s with 1 thread and 135 tok/s with 2 (a 700 KB one: 967 vs 9).
 * So every core but one, from the real core count.
 */
export function inferenceThreads(): number {
  return Math.max(1, defaultThreads(false) - 1);
}

/** Same-length digests, so comparing them takes the same time however much of the key a guess gets right. */
function sameKey(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // past the limit the rest is read and dropped, so the refusal can still be answered
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY) reject(new ApiError(413, `the request body is larger than ${MAX_BODY / 1024 / 1024} MiB`, 'invalid_request_error', null, 'body_too_large'));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

/** Who sent a request: the supervisor, or the agent its key names. */
type Caller = { kind: 'supervisor' } | { kind: 'agent'; agent: string };

/** Which agent a request is for: its sequence affinity and its line in the figures (an agent's key decides, not its word). */
function agentOf(req: IncomingMessage, prepared: PreparedRequest | null, caller: Caller): string {
  if (caller.kind === 'agent') return caller.agent;
  const header = req.headers['x-collab-agent'];
  const name = (typeof header === 'string' && header.trim()) || prepared?.user?.trim() || 'anonymous';
  return name.slice(0, 64);
}

/**
 * One child process serves every agent from one copy of the weights: one LlamaContext with `sequences` sequences,
 * a LlamaChat on each, and a pool that hands them to requests. Requests beyond the sequences wait in FIFO order.
 * While a benchmark holds the GPU the server is paused: nothing starts, running generations get a grace period and
 * are then interrupted and re-queued (or, if their stream already carried text, ended with an error); on a GPU the
 * model and context are unloaded to free the memory, and loaded again on resume.
 */
export class InferenceServer {
  private model: LlamaModel | null = null;
  private context: LlamaContext | null = null;
  private pool: SequencePool<LlamaChat> | null = null;
  private state: InferenceState = 'loading';
  private error: string | null = null;
  private readonly agents = new Map<string, AgentTally>();
  private readonly running = new Set<Running>();
  private lifecycle: Promise<unknown> = Promise.resolve();
  private readonly grammars: GrammarCache;
  private readonly log: (line: string) => void;
  private server: Server | null = null;
  private gpuNames: string | null = null;
  readonly modelId: string;

  private constructor(
    private readonly llama: Llama,
    private readonly options: InferenceServerOptions,
    readonly backendNote: string,
  ) {
    this.grammars = new GrammarCache(llama);
    this.log = options.log ?? ((line) => void process.stderr.write(`${line}\n`));
    this.modelId = basename(options.model).replace(/\.gguf$/i, '');
  }

  /** Loads the model and listens; resolves once requests can be served. */
  static async start(options: InferenceServerOptions): Promise<InferenceServer> {
    const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
    const { llama, note } = await openLlama(log);
    const server = new InferenceServer(llama, options, note);
    try {
      server.gpuNames = llama.gpu ? (await llama.getGpuDeviceNames()).join(', ') || null : null;
      await server.load();
      server.pool = new SequencePool(server.chats());
      server.state = 'ready';
      await server.listen(options.port ?? 0);
    } catch (err) {
      await server.close().catch(() => {});
      throw err;
    }
    return server;
  }

  get backend(): string {
    return this.llama.gpu || 'cpu';
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  private get sequences(): number {
    return this.options.sequences ?? 4;
  }

  private async load(): Promise<void> {
    const { model: modelPath, gpuLayers, contextSize } = this.options;
    try {
      this.model = await this.llama.loadModel({ modelPath, ...(this.llama.gpu && gpuLayers !== undefined ? { gpuLayers } : {}) });
    } catch (err) {
      throw new Error(`failed to load the model ${modelPath}: ${(err as Error).message}`);
    }
    try {
      this.context = await this.model.createContext({
        sequences: this.sequences,
        // An agent's step carries a dozen tool signatures plus its observation: 16k leaves room for long answers;
        // node-llama-cpp shrinks it to what the model was trained for and what memory allows.
        contextSize: contextSize ?? { max: 16_384 },
        threads: this.options.threads ?? inferenceThreads(),
      });
    } catch (err) {
      await this.model.dispose();
      this.model = null;
      throw new Error(`failed to create a context with ${this.sequences} sequences for ${modelPath}: ${(err as Error).message} (try fewer --sequences or a smaller --context-size)`);
    }
  }

  private chats(): LlamaChat[] {
    const context = this.context!;
    return Array.from({ length: this.sequences }, () => new LlamaChat({ contextSequence: context.getSequence() }));
  }

  private async unload(): Promise<void> {
    if (!this.context && !this.model) return; // already unloaded by a pause on the GPU
    for (const chat of this.pool?.values() ?? []) chat.dispose({ disposeSequence: true });
    await this.context?.dispose();
    await this.model?.dispose();
    this.context = null;
    this.model = null;
  }

  private listen(port: number): Promise<void> {
    const server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => this.fail(res, err));
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      // loopback only: the key guards the door, and the door is not on the network
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  private fail(res: ServerResponse, err: unknown): void {
    const apiError = err instanceof ApiError ? err : new ApiError(500, `inference failed: ${(err as Error)?.message ?? String(err)}`);
    if (apiError.status >= 500) this.log(`inference: ${apiError.message}`);
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

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const auth = req.headers.authorization ?? '';
    const given = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length).trim() : '';
    const agent = given ? agentOfKey(this.options.key, given) : null;
    const caller: Caller | null = given && sameKey(given, this.options.key) ? { kind: 'supervisor' } : agent ? { kind: 'agent', agent } : null;
    if (!caller) {
      // the body is never read for an unauthenticated request
      req.resume();
      throw new ApiError(401, 'missing or wrong API key: send Authorization: Bearer <key> (your OPENAI_API_KEY: each agent is given its own)', 'authentication_error', null, 'invalid_api_key');
    }
    const path = (req.url ?? '/').split('?')[0];
    const route = `${req.method} ${path}`;
    if (path?.startsWith('/control/') && caller.kind !== 'supervisor') {
      // Pausing or resuming the host is the supervisor's, for the GPU lease: an agent's key chats, nothing more.
      req.resume();
      throw new ApiError(403, `${route} is for the supervisor only: an agent's key can chat and read /v1/models and /status`, 'permission_error', null, 'forbidden');
    }
    switch (route) {
      case 'POST /v1/chat/completions':
        return this.chatCompletions(req, res, caller);
      case 'GET /v1/models':
        return sendJson(res, 200, { object: 'list', data: [{ id: this.modelId, object: 'model', created: 0, owned_by: 'collab-desk' }] } satisfies ModelList);
      case 'GET /status':
        return sendJson(res, 200, await this.status());
      case 'POST /control/pause':
        req.resume();
        await this.pause();
        return sendJson(res, 200, await this.status());
      case 'POST /control/resume':
        req.resume();
        await this.resume();
        return sendJson(res, 200, await this.status());
      default:
        req.resume();
        throw new ApiError(404, `no route ${route}: this host serves POST /v1/chat/completions, GET /v1/models, GET /status, POST /control/pause and POST /control/resume`, 'not_found_error');
    }
  }

  async status(): Promise<InferenceStatus> {
    // fromEntries defines own keys: an agent named "__proto__" is a line like any other
    const per_agent: Record<string, InferenceAgentFigures> = Object.fromEntries(
      [...this.agents].map(([agent, t]) => [agent, { requests: t.requests, prompt_tokens: t.prompt_tokens, completion_tokens: t.completion_tokens, tps: t.seconds > 0 ? t.completion_tokens / t.seconds : null }]),
    );
    let vram: number | null = null;
    if (this.llama.gpu) {
      try {
        // the device's use as llama.cpp sees it (all processes on that GPU)
        vram = (await this.llama.getVramState()).used;
      } catch {
        vram = null;
      }
    }
    return {
      state: this.state,
      model: this.modelId,
      backend: this.backend,
      gpu: this.gpuNames,
      sequences: this.sequences,
      busy: this.pool?.busy ?? 0,
      queued: this.pool?.queued ?? 0,
      url: this.server ? this.url : null,
      rss_bytes: process.memoryUsage.rss(),
      vram_bytes: vram,
      per_agent,
      error: this.error,
    };
  }

  /** One thing at a time changes the model's state: pauses and resumes run in the order they were asked for. */
  private serialize<T>(step: () => Promise<T>): Promise<T> {
    const next = this.lifecycle.then(step, step);
    this.lifecycle = next.catch(() => {});
    return next;
  }

  /** Resolves once no generation runs (and, on a GPU, the model is unloaded): the GPU is then free. */
  pause(): Promise<void> {
    return this.serialize(async () => {
      if (this.state !== 'ready') return;
      this.state = 'paused';
      this.pool!.pause();
      this.log('inference: pausing');
      await this.drain();
      // On a GPU the weights and KV cache hold the memory a benchmark needs; on the CPU they cost the benchmark nothing.
      if (this.llama.gpu) await this.unload();
      this.log('inference: paused');
    });
  }

  resume(): Promise<void> {
    return this.serialize(async () => {
      if (this.state !== 'paused' && this.state !== 'failed') return;
      if (!this.context) {
        this.state = 'loading';
        try {
          await this.load();
          this.pool!.replace(this.chats());
        } catch (err) {
          this.state = 'failed';
          this.error = (err as Error).message;
          this.log(`inference: ${this.error}`);
          this.pool!.rejectAll(this.unavailable());
          throw new ApiError(503, `the model could not be loaded again after the pause: ${this.error}`, 'service_unavailable');
        }
      }
      this.state = 'ready';
      this.error = null;
      this.pool!.resume();
      this.log('inference: resumed');
    });
  }

  /** Lets running generations finish within the grace period, then interrupts the rest; resolves when none runs. */
  private async drain(): Promise<void> {
    if (this.running.size === 0) return;
    const all = () => Promise.all([...this.running].map((r) => r.settled));
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.pauseGraceMs ?? 5000);
    });
    await Promise.race([all(), grace]);
    clearTimeout(timer);
    for (const r of this.running) r.interrupt();
    await all();
  }

  private unavailable(): ApiError {
    if (this.state === 'stopped') return new ApiError(503, 'the inference host is shutting down', 'service_unavailable', null, 'stopped');
    return new ApiError(503, `the inference host cannot serve: ${this.error ?? 'the model is not loaded'}; POST /control/resume retries loading it`, 'service_unavailable', null, 'failed');
  }

  private async chatCompletions(req: IncomingMessage, res: ServerResponse, caller: Caller): Promise<void> {
    const text = await readBody(req);
    let body: unknown;
    try {
      body = JSON.parse(text) as unknown;
    } catch (err) {
      throw new ApiError(400, `the request body is not valid JSON: ${(err as Error).message}`, 'invalid_request_error', null, 'invalid_json');
    }
    const prepared = prepareRequest(body, this.options.bounds ?? DEFAULT_BOUNDS);
    let grammar: Awaited<ReturnType<GrammarCache['forMode']>>;
    try {
      grammar = await this.grammars.forMode(prepared.mode);
    } catch (err) {
      throw new ApiError(400, `cannot build a grammar for this schema: ${(err as Error).message}`, 'invalid_request_error', prepared.mode.kind === 'json' ? 'response_format' : 'tools');
    }
    const agent = agentOf(req, prepared, caller);
    const clientGone = new AbortController();
    res.on('close', () => {
      if (!res.writableEnded) clientGone.abort(new Error('the client disconnected'));
    });
    const id = `chatcmpl-${randomUUID().replaceAll('-', '')}`;
    const created = Math.floor(Date.now() / 1000);
    const chunk = (delta: ChatCompletionChunk['choices'][number]['delta'], finish: ChatCompletionChunk['choices'][number]['finish_reason'] = null): ChatCompletionChunk => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model: this.modelId,
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    const send = (data: unknown) => void res.write(`data: ${JSON.stringify(data)}\n\n`);
    let sentContent = false;
    let front = false;

    for (;;) {
      if (this.state === 'failed' || this.state === 'stopped') throw this.unavailable();
      let slot: PoolSlot<LlamaChat>;
      try {
        slot = await this.pool!.acquire(agent, { signal: clientGone.signal, timeoutMs: this.options.maxWaitMs ?? 30 * 60_000, front });
      } catch (err) {
        if (clientGone.signal.aborted) return;
        if ((err as Error).message === POOL_WAIT_TIMEOUT) {
          throw new ApiError(503, `waited ${Math.round((this.options.maxWaitMs ?? 30 * 60_000) / 1000)} s for a free sequence (${this.state === 'paused' ? 'inference is paused while a benchmark holds the GPU' : 'every sequence is busy'}); retry later`, 'service_unavailable', null, 'wait_timeout');
        }
        throw err;
      }
      if (this.pool!.isPaused) {
        // granted just before a pause began: give it back untouched and wait for the resume
        this.pool!.release(slot);
        front = true;
        continue;
      }
      const interruption = new AbortController();
      let settle!: () => void;
      const running: Running = { interrupt: () => interruption.abort(new Error(PAUSED_REASON)), settled: new Promise<void>((r) => (settle = r)) };
      this.running.add(running);
      let outcome: Outcome;
      try {
        if (prepared.stream && !res.headersSent) {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
          send(chunk({ role: 'assistant', content: '' }));
        }
        const maxTokens = Math.min(prepared.maxTokens ?? this.options.defaultMaxTokens ?? 2048, slot.value.sequence.contextSize);
        outcome = await generate(slot.value, prepared, grammar, maxTokens, AbortSignal.any([clientGone.signal, interruption.signal]), (piece) => {
          if (!prepared.stream || piece === '') return;
          sentContent = true;
          send(chunk({ content: piece }));
        });
      } catch (err) {
        if (clientGone.signal.aborted) return; // nobody is listening; the sequence is free again below
        if (interruption.signal.aborted) {
          if (!sentContent) {
            // Nothing reached the client yet: run it again after the pause, ahead of newer requests.
            front = true;
            continue;
          }
          throw new ApiError(503, 'the generation was interrupted: a benchmark took the GPU; send the request again (it waits for the benchmark to end)', 'service_unavailable', null, 'paused');
        }
        throw err;
      } finally {
        this.running.delete(running);
        settle();
        this.pool!.release(slot);
      }
      this.tally(agent, outcome);
      if (outcome.schemaProblems.length > 0) {
        this.log(`inference: ${agent}: generated output breaks rules of its schema that the grammar cannot hold: ${outcome.schemaProblems.join('; ')}`);
      }
      const usage: ChatUsage = {
        prompt_tokens: outcome.promptTokens,
        completion_tokens: outcome.completionTokens,
        total_tokens: outcome.promptTokens + outcome.completionTokens,
        prompt_tokens_details: { cached_tokens: outcome.cachedTokens },
      };
      if (!prepared.stream) {
        const completion: ChatCompletion = {
          id,
          object: 'chat.completion',
          created,
          model: this.modelId,
          choices: [{ index: 0, message: { role: 'assistant', content: outcome.content, ...(outcome.toolCalls.length > 0 ? { tool_calls: outcome.toolCalls } : {}) }, finish_reason: outcome.finish }],
          usage,
        };
        return sendJson(res, 200, completion);
      }
      // A constrained call's text is not streamed as it is generated; what was not sent goes now.
      if (!sentContent && outcome.content && outcome.toolCalls.length === 0 && prepared.mode.kind === 'call') send(chunk({ content: outcome.content }));
      if (outcome.toolCalls.length > 0) send(chunk({ tool_calls: outcome.toolCalls.map((call, index) => ({ index, ...call })) }));
      send(chunk({}, outcome.finish));
      if (prepared.includeUsage) send({ ...chunk({}), choices: [], usage });
      res.end('data: [DONE]\n\n');
      return;
    }
  }

  private tally(agent: string, outcome: Outcome): void {
    const t = this.agents.get(agent) ?? { requests: 0, prompt_tokens: 0, completion_tokens: 0, seconds: 0 };
    t.requests++;
    t.prompt_tokens += outcome.promptTokens;
    t.completion_tokens += outcome.completionTokens;
    t.seconds += outcome.seconds;
    this.agents.set(agent, t);
  }

  /** Stops serving: waiting requests get a 503, running ones are interrupted, the model is freed. */
  async close(): Promise<void> {
    this.state = 'stopped';
    this.pool?.rejectAll(this.unavailable());
    for (const r of this.running) r.interrupt();
    await Promise.all([...this.running].map((r) => r.settled));
    if (this.server) {
      const server = this.server;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
    await this.unload();
    await this.llama.dispose();
  }
}

/**
 * llama.cpp for this machine: the backend bench's chooser picks (CUDA, then Vulkan, then the CPU; only what is
 * installed and has its runtime libraries), never built from source here. A GPU backend that fails to start falls
 * back to the CPU, and the note says why.
 */
async function openLlama(log: (line: string) => void): Promise<{ llama: Llama; note: string }> {
  const choice = chooseBackend('auto');
  const flavor = choice.binaries.flavor;
  // macOS's one package is the Metal build: 'auto' lets node-llama-cpp use it
  const gpu = flavor === 'cpu' ? (process.platform === 'darwin' ? 'auto' : false) : flavor;
  const logger = (level: LlamaLogLevel, message: string) => {
    if (level === LlamaLogLevel.error || level === LlamaLogLevel.warn) log(`llama.cpp: ${message.trimEnd()}`);
  };
  try {
    return { llama: await getLlama({ gpu, build: 'never', logLevel: LlamaLogLevel.warn, logger }), note: choice.reason };
  } catch (err) {
    if (gpu === false) throw err;
    const note = `${flavor} failed to start (${(err as Error).message}); using the CPU`;
    log(`inference: ${note}`);
    return { llama: await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.warn, logger }), note };
  }
}
