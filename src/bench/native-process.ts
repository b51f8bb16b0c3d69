// Runs the native runner as a child process: JSON-lines events in, clean ends for cancel, timeout, crash and OOM.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { BenchError } from './bench-error';

export type RunnerEvent = { event: string } & Record<string, unknown>;

/** One measured generation, as both engines report it (`run` events). */
export interface RunRecord {
  prompt: number;
  repeat: number;
  n_prompt: number;
  prefill_s: number;
  decode_s: number;
  n_generated: number;
  n_steps: number;
  n_drafted: number;
  n_accepted: number;
  /** Drafts that reached position i, and how many of those were accepted. */
  drafted_at: number[];
  accepted_at: number[];
  tokens: number[];
}

export interface RunnerOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  onEvent?: (event: RunnerEvent) => void;
  env?: NodeJS.ProcessEnv;
}

const STDERR_TAIL = 64 * 1024;

const OOM_PATTERNS = [/out of memory/i, /failed to allocate/i, /cudaMalloc failed/i, /ErrorOutOfDeviceMemory/i, /std::bad_alloc/];

/** Spawns `exe args`, collects its events, and settles exactly once however it ends. */
export function runRunner(exe: string, args: string[], options: RunnerOptions = {}): Promise<RunnerEvent[]> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(new BenchError('CANCELLED', 'the run was cancelled before it started'));
    const child = spawn(exe, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
    const events: RunnerEvent[] = [];
    let stderr = '';
    let ending: BenchError | null = null;
    let settled = false;

    const stop = (reason: BenchError) => {
      if (ending) return;
      ending = reason;
      child.kill('SIGKILL');
    };
    const onAbort = () => stop(new BenchError('CANCELLED', 'the run was cancelled'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = options.timeoutMs ? setTimeout(() => stop(new BenchError('TIMED_OUT', `the run took longer than ${Math.round(options.timeoutMs! / 1000)} s and was stopped`)), options.timeoutMs) : undefined;

    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      let event: RunnerEvent;
      try {
        event = JSON.parse(line) as RunnerEvent;
      } catch {
        return;
      }
      events.push(event);
      options.onEvent?.(event);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });

    const finish = (err: BenchError | null) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(events);
    };
    child.once('error', (err) => finish(new BenchError('RUNNER_FAILED', `the native runner could not start: ${err.message}`, stderr)));
    child.once('close', (code, signal) => {
      if (ending) return finish(ending);
      const reported = events.find((e) => e.event === 'error');
      const tail = stderr.trim().split('\n').slice(-5).join('\n');
      if (code === 0 && events.some((e) => e.event === 'done')) return finish(null);
      if (OOM_PATTERNS.some((p) => p.test(stderr)) || signal === 'SIGKILL') {
        return finish(new BenchError('OUT_OF_MEMORY', `the run ran out of memory${signal ? ` (killed by ${signal})` : ''}: use smaller models, fewer GPU layers or a smaller context`, stderr));
      }
      if (reported) {
        // Before `ready` no prompt has been read, so llama.cpp's words can go into a message others see.
        const setup = !events.some((e) => e.event === 'ready');
        return finish(new BenchError('RUNNER_FAILED', setup ? withLlamaReason(String(reported.message), stderr) : String(reported.message), stderr));
      }
      return finish(new BenchError('RUNNER_FAILED', `the native runner ${signal ? `crashed (${signal})` : `exited with code ${code}`}${tail ? `: ${tail}` : ''}`, stderr));
    });
  });
}

/** llama.cpp's own error lines (`0.00.019.902 E llama_init_from_model: …`), without the wrappers that only repeat a failure. */
function llamaErrors(stderr: string): string[] {
  const reasons: string[] = [];
  for (const line of stderr.split('\n')) {
    const m = /^(?:[\d.]+ )?E (?:\w+ +)?(\w+): (.+)$/.exec(line.trim());
    if (!m || WRAPPERS.has(m[1]!) || reasons.includes(m[2]!)) continue;
    reasons.push(m[2]!);
  }
  return reasons;
}

const WRAPPERS = new Set(['common_init_', 'common_init_from_params', 'common_fit_params']);

/** What llama.cpp refused is rarely in the runner's own words: its first error line (and the fix, where known) follows them. */
function withLlamaReason(message: string, stderr: string): string {
  const reason = llamaErrors(stderr)[0];
  if (!reason) return message;
  const hint = HINTS.find(([pattern]) => pattern.test(reason))?.[1];
  return `${message}: llama.cpp says "${reason}"${hint ? ` (${hint})` : ''}`;
}

const HINTS: [RegExp, string][] = [
  [/block size \d+ does not divide n_embd_head/, "this model's attention heads are too narrow for that quantized cache: use f16 for its cache types"],
  [/quantized V cache requires flash_attn/, 'set flash_attn to on or auto, or the V cache type to f16'],
];
