// The parent's handle on the inference host child: starts it with a fresh key and a minimal env, controls it, stops it.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { InferenceStatus } from '../../shared/swarm';
import { agentEnvironment, asNodeChild } from '../agent-env';
import { builtEntry } from '../built-entry';
import { agentKey } from './agent-keys';
import type { ServingOptions } from './serving-options';
import { errorMessage, requestJson } from './loopback-json';

export interface InferenceHostOptions extends ServingOptions {
  /** The supervisor's key (default: a fresh one). Kept across restarts, so agents' keys (derived from it) stay valid. */
  key?: string;
  /** How long loading may take before start() gives up. Default 180 s (a large model from a slow disk). */
  readyTimeoutMs?: number;
  /** The child ended (stopped, crashed or killed); the tail of its stderr says why. */
  onExit?(code: number | null, signal: NodeJS.Signals | null, stderrTail: string): void;
}

/** What followLease needs of a lease: the hub's GpuLease fits (typed here by shape: agents never import the hub). */
export interface LeaseSource {
  readonly holder?: { job: string } | null;
  /** A listener may answer with a promise: the lease's holder waits for it (the host has drained) before measuring. */
  onChange(listener: (holder: { job: string } | null) => void | Promise<unknown>): () => void;
}

const KEY_VAR = 'COLLAB_DESK_INFERENCE_KEY';
const STDERR_TAIL = 16 * 1024;

function cliArgs(options: InferenceHostOptions): string[] {
  const args = ['--model', options.model];
  const add = (flag: string, value: number | string | undefined) => {
    if (value !== undefined) args.push(flag, String(value));
  };
  add('--sequences', options.sequences);
  add('--port', options.port ?? 0);
  add('--threads', options.threads);
  add('--gpu-layers', options.gpuLayers);
  add('--context-size', options.contextSize);
  add('--pause-grace-ms', options.pauseGraceMs);
  add('--max-wait-ms', options.maxWaitMs);
  add('--llama-server', options.llamaServer?.binary);
  add('--llama-bins', options.llamaServer?.bins);
  return args;
}

/**
 * One inference host process: node-llama-cpp with one model loaded once, serving an OpenAI-compatible API on
 * loopback to local agents and external agent CLIs. `url` and `key` are what an agent needs to use it.
 */
export class InferenceHost {
  private exitCode: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    /** The OpenAI-compatible base URL, http://127.0.0.1:PORT/v1. */
    readonly url: string,
    /** The supervisor's key: it opens /control. Never give it to an agent: give each its own `agentKey`. */
    readonly key: string,
    readonly pid: number,
    /** cuda, vulkan, metal or cpu. */
    readonly backend: string,
    /** The model's id, as /v1/models lists it. */
    readonly model: string,
    private readonly tail: () => string,
  ) {
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        this.exitCode = { code: child.exitCode, signal: child.signalCode };
        resolve();
      } else
        child.once('exit', (code, signal) => {
          this.exitCode = { code, signal };
          resolve();
        });
    });
  }

  /** Spawns the host and resolves once its model is loaded and it listens; rejects with the child's stderr when it cannot. */
  static async start(options: InferenceHostOptions): Promise<InferenceHost> {
    const entry = builtEntry('inference-host');
    const key = options.key ?? randomBytes(32).toString('base64url');
    // The same allowlist as every agent's: a model server has no business seeing the parent's secrets.
    const env = asNodeChild(agentEnvironment({ [KEY_VAR]: key }));
    // Its own process group, with llama-server in it: whatever ends the host, nothing it started outlives it.
    const group = process.platform !== 'win32';
    const child = spawn(process.execPath, [entry, ...cliArgs(options)], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env,
      detached: group,
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      // always drained: a child blocked on a full stderr pipe would stop serving
      stderr = (stderr + d).slice(-STDERR_TAIL);
    });
    const tail = () => stderr.trim();
    child.on('exit', (code, signal) => {
      if (group && child.pid)
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // the group is already empty
        }
      // let the last stderr arrive before reporting it
      setImmediate(() => options.onExit?.(code, signal, tail()));
    });

    const readyTimeoutMs = options.readyTimeoutMs ?? 180_000;
    const ready = await new Promise<{ port: number; backend: string; model: string }>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      const timer = setTimeout(() => {
        settle(() =>
          reject(
            new Error(
              `the inference host did not get ready within ${readyTimeoutMs / 1000} s (loading ${options.model})${tail() ? `:\n${tail()}` : ''}`,
            ),
          ),
        );
        child.kill('SIGKILL');
      }, readyTimeoutMs);
      lines.on('line', (line) => {
        let event: { event?: string; port?: number; backend?: string; model?: string; error?: string };
        try {
          event = JSON.parse(line) as typeof event;
        } catch {
          return; // not ours
        }
        if (event.event === 'ready' && typeof event.port === 'number') {
          settle(() => resolve({ port: event.port!, backend: String(event.backend), model: String(event.model) }));
        } else if (event.event === 'failed') {
          settle(() =>
            reject(new Error(`the inference host failed to start: ${event.error}${tail() ? `\n${tail()}` : ''}`)),
          );
        }
      });
      child.once('error', (err) =>
        settle(() => reject(new Error(`the inference host could not be spawned: ${err.message}`))),
      );
      child.once('exit', (code, signal) => {
        setImmediate(() =>
          settle(() =>
            reject(
              new Error(
                `the inference host exited before it was ready (${signal ?? `code ${code}`})${tail() ? `:\n${tail()}` : ''}`,
              ),
            ),
          ),
        );
      });
    });
    return new InferenceHost(
      child,
      `http://127.0.0.1:${ready.port}/v1`,
      key,
      child.pid!,
      ready.backend,
      ready.model,
      tail,
    );
  }

  /** The key one agent chats with: it names the agent in the figures, and cannot pause or resume the host. */
  agentKey(agentId: string): string {
    return agentKey(this.key, agentId);
  }

  /** The last lines the child wrote to stderr (llama.cpp warnings, schema reports, errors). */
  stderrTail(): string {
    return this.tail();
  }

  get running(): boolean {
    return this.exitCode === null;
  }

  private async call<T>(method: 'GET' | 'POST', path: string): Promise<T> {
    if (!this.running)
      throw new Error(
        `the inference host is not running (it exited: ${this.exitCode?.signal ?? `code ${this.exitCode?.code}`})`,
      );
    const origin = this.url.replace(/\/v1$/, '');
    const reply = await requestJson(`${origin}${path}`, { method, headers: { authorization: `Bearer ${this.key}` } });
    if (reply.status !== 200) throw new Error(`inference host ${method} ${path}: ${errorMessage(reply)}`);
    return reply.body as T;
  }

  status(): Promise<InferenceStatus> {
    return this.call<InferenceStatus>('GET', '/status');
  }

  /** Resolves once no generation runs (and on a GPU the model is unloaded): the GPU is free for a benchmark. */
  async pause(): Promise<void> {
    await this.call('POST', '/control/pause');
  }

  /** Reloads the model if a pause unloaded it; waiting requests then run. */
  async resume(): Promise<void> {
    await this.call('POST', '/control/resume');
  }

  /** SIGTERM (the host interrupts its generations and frees the model), SIGKILL if it is not gone after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        resolve();
      }, graceMs);
    });
    await Promise.race([this.exited, killed]);
    clearTimeout(timer);
    await this.exited;
  }

  /**
   * Pauses while the lease has a holder (a benchmark measures the GPU alone) and resumes when it is given back.
   * Changes apply in order; the lease's taker waits for the pause to drain. Returns the unsubscribe.
   */
  followLease(lease: LeaseSource): () => void {
    let chain: Promise<void> = Promise.resolve();
    const apply = (holder: { job: string } | null): Promise<void> => {
      // A failure (the host died) shows in status() and onExit; the next change still gets its turn.
      chain = chain.then(() => (holder ? this.pause() : this.resume())).catch(() => {});
      // the pause resolves once running generations are done (or interrupted): the job may measure then
      return chain;
    };
    if (lease.holder) void apply(lease.holder);
    return lease.onChange(apply);
  }
}
