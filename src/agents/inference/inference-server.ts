// The inference host's server: picks llama.cpp's backend, loads the model slot, opens the HTTP door; closes them in order.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getLlama, LlamaLogLevel, type Llama } from 'node-llama-cpp';
import type { InferenceStatus } from '../../shared/swarm';
import { chooseBackend, defaultThreads } from '../../platform/compute-backend';
import { AgentFigures } from './agent-figures';
import { chatCompletions } from './chat-completions';
import { GrammarCache } from './grammar-cache';
import { closeDoor, openDoor } from './inference-http';
import { DEFAULT_BOUNDS, type GrammarBounds } from './json-schema-grammar';
import { ModelSlot } from './model-slot';
import type { ServingOptions } from './serving-options';

export interface InferenceServerOptions extends ServingOptions {
  /** The supervisor's key: it opens every route, /control included; agents carry keys derived from it (agent-keys.ts). */
  key: string;
  /** max_tokens when a request sets none. Default 2048 (and never more than a sequence holds). */
  defaultMaxTokens?: number;
  bounds?: GrammarBounds;
  /** Where diagnostics go (the child's stderr). */
  log?: (line: string) => void;
  /** llama-server exited on its own: the host's child exits too, and its supervisor brings both back. */
  onEngineExit?: (why: string) => void;
}

/**
 * llama.cpp's thread pool busy-waits, and node-llama-cpp's JS loop needs a core of its own between tokens: measured
 * on 2 cores, a 42 MB F16 model decoded at 366 tok/s with 1 thread and 135 tok/s with 2 (a 700 KB one: 967 vs 9).
 * So every core but one, from the real core count.
 */
export function inferenceThreads(): number {
  return Math.max(1, defaultThreads(false) - 1);
}

/**
 * One child process serves every agent from one copy of the weights (the model slot) behind one loopback door. The
 * parts live apart so each can be read alone; this is where they meet, and where the order of closing is kept:
 * nothing new starts, running generations end, the door shuts, then the memory is freed.
 */
export class InferenceServer {
  private readonly slot: ModelSlot;
  private readonly figures = new AgentFigures();
  private readonly grammars: GrammarCache;
  private readonly log: (line: string) => void;
  private server: Server | null = null;

  private constructor(
    llama: Llama,
    options: InferenceServerOptions,
    readonly backendNote: string,
  ) {
    this.log = options.log ?? ((line) => void process.stderr.write(`${line}\n`));
    this.grammars = new GrammarCache(llama);
    const { model, sequences, gpuLayers, contextSize, pauseGraceMs, maxWaitMs, llamaServer } = options;
    this.slot = new ModelSlot(llama, {
      model,
      sequences,
      gpuLayers,
      contextSize,
      pauseGraceMs,
      maxWaitMs,
      ...(llamaServer ? { llamaServer } : {}),
      // llama-server's decode loop needs no JavaScript between tokens: it gets every core
      threads: options.threads ?? (llamaServer ? defaultThreads(false) : inferenceThreads()),
      log: this.log,
      paramGrammars: (mode) => this.grammars.paramGrammars(mode),
      onEngineExit: (why) => options.onEngineExit?.(why),
    });
  }

  /** Loads the model and listens; resolves once requests can be served. */
  static async start(options: InferenceServerOptions): Promise<InferenceServer> {
    const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
    const { llama, note } = await openLlama(log);
    const server = new InferenceServer(llama, options, note);
    try {
      await server.slot.open();
      server.server = await openDoor({
        port: options.port ?? 0,
        key: options.key,
        log: server.log,
        routes: {
          chatCompletions: (req, res, caller) =>
            chatCompletions(req, res, caller, {
              slot: server.slot,
              grammars: server.grammars,
              figures: server.figures,
              bounds: options.bounds ?? DEFAULT_BOUNDS,
              defaultMaxTokens: options.defaultMaxTokens ?? 2048,
              log: server.log,
            }),
          models: () => ({
            object: 'list',
            data: [
              {
                id: server.modelId,
                object: 'model',
                created: 0,
                owned_by: 'collab-desk',
                // how prompts are written and tool calls read: e.g. Gemma, from the model's own chat template
                chat_format: server.slot.chatFormat && {
                  name: server.slot.chatFormat.name,
                  from_model_template: server.slot.chatFormat.fromModelTemplate,
                },
              },
            ],
          }),
          status: () => server.status(),
          pause: () => server.slot.pause(),
          resume: () => server.slot.resume(),
        },
      });
    } catch (err) {
      await server.close().catch(() => {});
      throw err;
    }
    return server;
  }

  get modelId(): string {
    return this.slot.modelId;
  }

  get backend(): string {
    return this.slot.backend;
  }

  get engine(): 'llama-server' | 'node-llama-cpp' {
    return this.slot.engineName;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  async status(): Promise<InferenceStatus> {
    const per_agent = this.figures.snapshot();
    const vram = await this.slot.vramUsed();
    return {
      state: this.slot.state,
      model: this.modelId,
      backend: this.backend,
      engine: this.engine,
      gpu: this.slot.gpuNames,
      sequences: this.slot.sequences,
      busy: this.slot.busy,
      queued: this.slot.queued,
      url: this.server ? this.url : null,
      rss_bytes: process.memoryUsage.rss() + (this.slot.engineRss() ?? 0),
      vram_bytes: vram,
      per_agent,
      error: this.slot.error,
    };
  }

  /** Stops serving: waiting requests get a 503, running ones are interrupted, the model is freed. */
  async close(): Promise<void> {
    await this.slot.stop();
    if (this.server) await closeDoor(this.server);
    await this.slot.dispose();
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
    return {
      llama: await getLlama({ gpu, build: 'never', logLevel: LlamaLogLevel.warn, logger }),
      note: choice.reason,
    };
  } catch (err) {
    if (gpu === false) throw err;
    const note = `${flavor} failed to start (${(err as Error).message}); using the CPU`;
    log(`inference: ${note}`);
    return { llama: await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.warn, logger }), note };
  }
}
