// The host's one model: loads it into one context with N sequences, hands those to generations, pauses for the GPU lease.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import {
  LlamaChat,
  resolveChatWrapper,
  type ChatWrapper,
  type Llama,
  type LlamaContext,
  type LlamaGrammar,
  type LlamaModel,
} from 'node-llama-cpp';
import type { InferenceState } from '../../shared/swarm';
import { ApiError } from './api-error';
import { LlamaChatSequence, renderPrompt, type GenerationSequence } from './chat-generation';
import type { GenerationMode, PreparedRequest } from './chat-request';
import { GrammarCache } from './grammar-cache';
import { LlamaServerProcess } from './llama-server-process';
import { ServerSequence, specialPieces } from './server-generation';
import { POOL_WAIT_TIMEOUT, SequencePool, type PoolSlot } from './sequence-pool';
import type { ServingOptions } from './serving-options';

export type ModelSlotOptions = Pick<
  ServingOptions,
  'model' | 'sequences' | 'gpuLayers' | 'contextSize' | 'pauseGraceMs' | 'maxWaitMs' | 'llamaServer'
> & {
  /** CPU threads of the context (the server resolves the default for the engine). */
  threads: number;
  log: (line: string) => void;
  /** Each tool's parameter grammar, for free calls on llama-server (default: a grammar cache of the slot's own). */
  paramGrammars?: (mode: Extract<GenerationMode, { kind: 'functions' }>) => Promise<LlamaGrammar[]>;
  /** llama-server stopped serving on its own (crashed): the host cannot go on without it. */
  onEngineExit?: (why: string) => void;
};

/** How the host writes the model's prompts and reads its tool calls: what a user is told about an agent's brain. */
export interface ChatFormat {
  /** node-llama-cpp's chat wrapper: Gemma, Gemma 4, ChatML, Llama 3.1, JinjaTemplate (the template itself, run), ... */
  name: string;
  /**
   * True when the model carries a chat template (`tokenizer.chat_template`) and the wrapper was chosen from it;
   * false when it carries none and the format is a guess from its name, architecture or BOS token.
   */
  fromModelTemplate: boolean;
}

/** A sequence one generation holds: release it when done, and stop generating when `interrupted` fires (a pause). */
export interface HeldSequence {
  readonly sequence: GenerationSequence;
  readonly interrupted: AbortSignal;
  release(): void;
}

interface Running {
  interrupt(): void;
  settled: Promise<void>;
}

const PAUSED_REASON = 'paused for the GPU lease';

/**
 * How the host runs llama-server beyond its slots, context and threads: one KV buffer shared by the slots
 * (llama-server's own default when it picks the slot count). With a buffer per slot, fewer agents than slots decoded
 * slower (8 slots, 1 agent: ~330 tok/s against ~460-500 unified in 3 of 5 runs; ~8% faster at 8 agents; a 2-core VM,
 * a 40 MiB model, noisy). With one buffer, llama-server's default is to save every idle slot to a RAM cache and clear
 * it when another task starts: an agent's earlier turns would be gone whenever another agent ran in between. Each
 * agent keeps its own slot here, so idle slots stay as they are and the RAM cache is off. bench:agents runs
 * llama-server with these beside ours.
 */
export const HOST_ENGINE_ARGS = ['--kv-unified', '--no-cache-idle-slots', '--cache-ram', '0'];

/** A process's resident memory from /proc (Linux); null where there is none or it is gone. */
function processRss(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return kb ? Number(kb[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * One copy of the weights serves every agent: one LlamaContext with `sequences` sequences, a LlamaChat on each, and
 * a pool that hands them to requests; requests beyond the sequences wait in FIFO order. While a benchmark holds the
 * GPU the slot is paused: nothing starts, running generations get a grace period and are then interrupted (their
 * handler re-queues or ends them); on a GPU the model and context are unloaded to free the memory, and loaded again
 * on resume. It owns the llama it was given: `dispose` frees it.
 */
export class ModelSlot {
  private model: LlamaModel | null = null;
  private context: LlamaContext | null = null;
  private engine: LlamaServerProcess | null = null;
  private pool: SequencePool<GenerationSequence> | null = null;
  private current: InferenceState = 'loading';
  private failure: string | null = null;
  private readonly running = new Set<Running>();
  private lifecycle: Promise<unknown> = Promise.resolve();
  private gpus: string | null = null;
  private wrapper: ChatWrapper | null = null;
  private format: ChatFormat | null = null;
  private serverSlotContext = 0;
  readonly modelId: string;

  constructor(
    readonly llama: Llama,
    private readonly options: ModelSlotOptions,
  ) {
    this.modelId = basename(options.model).replace(/\.gguf$/i, '');
  }

  /** Loads the model and makes its sequences available; the slot is then ready. */
  async open(): Promise<void> {
    this.gpus = this.llama.gpu ? (await this.llama.getGpuDeviceNames()).join(', ') || null : null;
    await this.load();
    this.pool = new SequencePool(this.sequencesOf());
    this.current = 'ready';
  }

  get state(): InferenceState {
    return this.current;
  }

  /** Why the model could not be loaded again after a pause (null while it serves). */
  get error(): string | null {
    return this.failure;
  }

  get backend(): string {
    return this.llama.gpu || 'cpu';
  }

  /** What decodes: llama-server's slots (node-llama-cpp reads the model's vocabulary and template only) or node-llama-cpp's context. */
  get engineName(): 'llama-server' | 'node-llama-cpp' {
    return this.options.llamaServer ? 'llama-server' : 'node-llama-cpp';
  }

  get gpuNames(): string | null {
    return this.gpus;
  }

  /** The chat format chosen for the loaded model (null before it is loaded). */
  get chatFormat(): ChatFormat | null {
    return this.format;
  }

  /** The chat wrapper every sequence renders prompts and parses tool calls with (null before the model is loaded). */
  get chatWrapper(): ChatWrapper | null {
    return this.wrapper;
  }

  /**
   * The prompt a request becomes, as the model reads it: its tokens and their text with the special tokens written
   * out (`<start_of_turn>`, `<|im_start|>`, ...). What support and tests look at to see the format the model gets.
   */
  renderPrompt(request: Pick<PreparedRequest, 'history' | 'mode'>): { text: string; tokens: number[] } {
    if (!this.model || !this.wrapper) throw this.unavailable();
    const tokens = renderPrompt(this.wrapper, request).tokenize(this.model.tokenizer);
    return { text: this.model.detokenize(tokens, true), tokens: [...tokens] };
  }

  get sequences(): number {
    return this.options.sequences ?? 4;
  }

  get busy(): number {
    return this.pool?.busy ?? 0;
  }

  get queued(): number {
    return this.pool?.queued ?? 0;
  }

  /** llama-server's resident memory (its weights and KV cache), where the system tells it (Linux); null otherwise. */
  engineRss(): number | null {
    return this.engine ? processRss(this.engine.pid) : null;
  }

  /** The device's use as llama.cpp sees it (all processes on that GPU); null on the CPU or when it cannot tell. */
  async vramUsed(): Promise<number | null> {
    if (!this.llama.gpu) return null;
    try {
      return (await this.llama.getVramState()).used;
    } catch {
      return null;
    }
  }

  private get maxWaitMs(): number {
    return this.options.maxWaitMs ?? 30 * 60_000;
  }

  private async load(): Promise<void> {
    const { model: modelPath, gpuLayers, contextSize, llamaServer } = this.options;
    try {
      this.model = await this.llama.loadModel({
        modelPath,
        // with llama-server decoding, this process only renders prompts and tokenizes: no weights, no memory
        ...(llamaServer ? { vocabOnly: true } : {}),
        ...(!llamaServer && this.llama.gpu && gpuLayers !== undefined ? { gpuLayers } : {}),
      });
    } catch (err) {
      throw new Error(`failed to load the model ${modelPath}: ${(err as Error).message}`);
    }
    // Resolved once from the GGUF (its chat template first, then its name and architecture) and shared by every
    // sequence: resolving tests the template against each specialized wrapper, too slow to repeat per sequence.
    this.wrapper = resolveChatWrapper(this.model);
    const template = this.model.fileInfo.metadata.tokenizer?.chat_template;
    this.format = {
      name: this.wrapper.wrapperName,
      fromModelTemplate: typeof template === 'string' && template.trim() !== '',
    };
    if (llamaServer) {
      // Each agent's slot holds what one of node-llama-cpp's sequences would: up to 16k, not beyond training.
      const trained = this.model.trainContextSize || 16_384;
      const slotContext = contextSize ?? Math.min(16_384, trained);
      try {
        this.engine = await LlamaServerProcess.start(
          {
            ...llamaServer,
            model: modelPath,
            slots: this.sequences,
            slotContext,
            threads: this.options.threads,
            ...(typeof gpuLayers === 'number' ? { gpuLayers } : {}),
            // each slot holds at most its share of the one buffer, as each node-llama-cpp sequence does: one agent's
            // long history cannot fill the buffer under the others
            extraArgs: [...HOST_ENGINE_ARGS, '--kv-unified-per-slot', String(slotContext)],
          },
          { onExit: (why) => this.options.onEngineExit?.(why) },
        );
      } catch (err) {
        await this.model.dispose();
        this.model = null;
        throw new Error(
          `llama-server could not serve ${modelPath} with ${this.sequences} slots of ${slotContext} tokens: ${(err as Error).message} (try fewer --sequences or a smaller --context-size)`,
        );
      }
      this.serverSlotContext = slotContext;
      return;
    }
    try {
      this.context = await this.model.createContext({
        sequences: this.sequences,
        // An agent's step carries a dozen tool signatures plus its observation: 16k leaves room for long answers;
        // node-llama-cpp shrinks it to what the model was trained for and what memory allows.
        contextSize: contextSize ?? { max: 16_384 },
        threads: this.options.threads,
      });
    } catch (err) {
      await this.model.dispose();
      this.model = null;
      throw new Error(
        `failed to create a context with ${this.sequences} sequences for ${modelPath}: ${(err as Error).message} (try fewer --sequences or a smaller --context-size)`,
      );
    }
  }

  private sequencesOf(): GenerationSequence[] {
    const chatWrapper = this.wrapper!;
    if (this.engine) {
      const server = { url: this.engine.url, apiKey: this.engine.apiKey };
      const vocabulary = this.model!;
      const preserved = specialPieces(chatWrapper, vocabulary);
      const own = this.options.paramGrammars ? null : new GrammarCache(this.llama);
      const paramGrammars = this.options.paramGrammars ?? ((mode) => own!.paramGrammars(mode));
      return Array.from(
        { length: this.sequences },
        (_, slot) =>
          new ServerSequence(server, slot, this.serverSlotContext, chatWrapper, vocabulary, preserved, paramGrammars),
      );
    }
    const context = this.context!;
    return Array.from(
      { length: this.sequences },
      () => new LlamaChatSequence(new LlamaChat({ contextSequence: context.getSequence(), chatWrapper })),
    );
  }

  private async unload(): Promise<void> {
    if (!this.context && !this.model && !this.engine) return; // already unloaded by a pause on the GPU
    for (const sequence of this.pool?.values() ?? [])
      if (sequence instanceof LlamaChatSequence) sequence.chat.dispose({ disposeSequence: true });
    await this.engine?.stop();
    this.engine = null;
    await this.context?.dispose();
    await this.model?.dispose();
    this.context = null;
    this.model = null;
  }

  /** A request checks this before each wait: a failed or stopping slot answers at once instead of queueing it. */
  throwIfUnavailable(): void {
    if (this.current === 'failed' || this.current === 'stopped') throw this.unavailable();
  }

  /**
   * Waits (FIFO, or at the front for a request a pause interrupted) for a sequence, preferring the agent's own.
   * Null when it was granted just before a pause began: it went back untouched, and the caller waits again.
   */
  async acquire(agent: string, wait: { signal: AbortSignal; front: boolean }): Promise<HeldSequence | null> {
    let slot: PoolSlot<GenerationSequence>;
    try {
      slot = await this.pool!.acquire(agent, { signal: wait.signal, timeoutMs: this.maxWaitMs, front: wait.front });
    } catch (err) {
      if (!wait.signal.aborted && (err as Error).message === POOL_WAIT_TIMEOUT) {
        throw new ApiError(
          503,
          `waited ${Math.round(this.maxWaitMs / 1000)} s for a free sequence (${this.current === 'paused' ? 'inference is paused while a benchmark holds the GPU' : 'every sequence is busy'}); retry later`,
          'service_unavailable',
          null,
          'wait_timeout',
        );
      }
      throw err;
    }
    if (this.pool!.isPaused) {
      this.pool!.release(slot);
      return null;
    }
    const interruption = new AbortController();
    let settle!: () => void;
    const running: Running = {
      interrupt: () => interruption.abort(new Error(PAUSED_REASON)),
      settled: new Promise<void>((r) => (settle = r)),
    };
    this.running.add(running);
    return {
      sequence: slot.value,
      interrupted: interruption.signal,
      release: () => {
        this.running.delete(running);
        settle();
        this.pool!.release(slot);
      },
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
      if (this.current !== 'ready') return;
      this.current = 'paused';
      this.pool!.pause();
      this.options.log('inference: pausing');
      await this.drain();
      // On a GPU the weights and KV cache hold the memory a benchmark needs; on the CPU they cost the benchmark nothing.
      if (this.llama.gpu) await this.unload();
      // llama-server's idle threads cost nothing either; its slots' caches stay for the agents after the pause
      this.options.log('inference: paused');
    });
  }

  resume(): Promise<void> {
    return this.serialize(async () => {
      if (this.current !== 'paused' && this.current !== 'failed') return;
      if (!this.context && !this.engine) {
        this.current = 'loading';
        try {
          await this.load();
          this.pool!.replace(this.sequencesOf());
        } catch (err) {
          this.current = 'failed';
          this.failure = (err as Error).message;
          this.options.log(`inference: ${this.failure}`);
          this.pool!.rejectAll(this.unavailable());
          throw new ApiError(
            503,
            `the model could not be loaded again after the pause: ${this.failure}`,
            'service_unavailable',
          );
        }
      }
      this.current = 'ready';
      this.failure = null;
      this.pool!.resume();
      this.options.log('inference: resumed');
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
    if (this.current === 'stopped')
      return new ApiError(503, 'the inference host is shutting down', 'service_unavailable', null, 'stopped');
    return new ApiError(
      503,
      `the inference host cannot serve: ${this.failure ?? 'the model is not loaded'}; POST /control/resume retries loading it`,
      'service_unavailable',
      null,
      'failed',
    );
  }

  /** Serves nothing more: waiting requests get a 503, running ones are interrupted; resolves when none runs. */
  async stop(): Promise<void> {
    this.current = 'stopped';
    this.pool?.rejectAll(this.unavailable());
    for (const r of this.running) r.interrupt();
    await Promise.all([...this.running].map((r) => r.settled));
  }

  /** Frees the model, its context and llama itself: the last step of closing, once nothing can reach the slot. */
  async dispose(): Promise<void> {
    await this.unload();
    await this.llama.dispose();
  }
}
