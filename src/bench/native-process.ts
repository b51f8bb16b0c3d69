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
      if (reported) return finish(new BenchError('RUNNER_FAILED', String(reported.message), stderr));
      return finish(new BenchError('RUNNER_FAILED', `the native runner ${signal ? `crashed (${signal})` : `exited with code ${code}`}${tail ? `: ${tail}` : ''}`, stderr));
    });
  });
}
