// Runs the native runner as a child process driven over stdin: JSON-lines events back, clean ends for cancel, timeout,
// crash and OOM.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { BenchError } from './bench-error';
import type { RunnerCommand, RunnerEvent, RunnerSession } from './runner-session';

export interface RunnerOptions {
  signal?: AbortSignal;
  /** The whole session's budget: past it the process is killed and whatever waits fails with TIMED_OUT. */
  timeoutMs?: number;
  onEvent?: (event: RunnerEvent) => void;
  env?: NodeJS.ProcessEnv;
}

const STDERR_TAIL = 64 * 1024;

const OOM_PATTERNS = [
  /out of memory/i,
  /failed to allocate/i,
  /cudaMalloc failed/i,
  /ErrorOutOfDeviceMemory/i,
  /std::bad_alloc/,
];

/** The event that ends each command's output. */
const LAST_EVENT: Record<RunnerCommand['cmd'], string> = {
  warmup: 'warmup',
  pass: 'pass_done',
  references: 'references_done',
};

/**
 * Spawns `exe args` and resolves once it has loaded its models (`ready`); then each `run` sends one command and
 * resolves with its events. However the process ends, whatever waits on it settles exactly once.
 */
export function startNativeSession(exe: string, args: string[], options: RunnerOptions = {}): Promise<RunnerSession> {
  return new Promise((resolveStart, rejectStart) => {
    if (options.signal?.aborted)
      return rejectStart(new BenchError('CANCELLED', 'the run was cancelled before it started'));
    const child = spawn(exe, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
    child.stdin.on('error', () => undefined); // a runner that died is reported by 'close', not by a broken pipe
    const events: RunnerEvent[] = [];
    let stderr = '';
    let ending: BenchError | null = null;
    let exitError: BenchError | null | undefined; // undefined while it runs; null after a clean exit
    let started = false;
    let pending: {
      until: string;
      events: RunnerEvent[];
      resolve: (e: RunnerEvent[]) => void;
      reject: (err: BenchError) => void;
    } | null = null;
    let onExit: (() => void) | null = null;

    const stop = (reason: BenchError) => {
      if (ending || exitError !== undefined) return;
      ending = reason;
      child.kill('SIGKILL');
    };
    const onAbort = () => stop(new BenchError('CANCELLED', 'the run was cancelled'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = options.timeoutMs
      ? setTimeout(
          () =>
            stop(
              new BenchError(
                'TIMED_OUT',
                `the run took longer than ${Math.round(options.timeoutMs! / 1000)} s and was stopped`,
              ),
            ),
          options.timeoutMs,
        )
      : undefined;

    const session: RunnerSession = {
      ready: { event: 'ready' },
      pid: child.pid ?? 0,
      run(command) {
        if (exitError !== undefined)
          return Promise.reject(exitError ?? new BenchError('RUNNER_FAILED', 'the runner has already ended'));
        if (pending) return Promise.reject(new BenchError('RUNNER_FAILED', 'a runner command is already running'));
        return new Promise((resolve, reject) => {
          pending = { until: LAST_EVENT[command.cmd], events: [], resolve, reject };
          child.stdin.write(`${JSON.stringify(command)}\n`);
        });
      },
      close() {
        if (exitError !== undefined) return Promise.resolve();
        return new Promise<void>((resolve) => {
          onExit = resolve;
          child.stdin.end(`${JSON.stringify({ cmd: 'quit' })}\n`);
        });
      },
    };

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
      if (event.event === 'ready' && !started) {
        started = true;
        (session as { ready: RunnerEvent }).ready = event;
        resolveStart(session);
      } else if (pending) {
        pending.events.push(event);
        if (event.event === pending.until) {
          const done = pending;
          pending = null;
          done.resolve(done.events);
        }
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });

    const finish = (err: BenchError | null) => {
      if (exitError !== undefined) return;
      exitError = err;
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      const failure = err ?? new BenchError('RUNNER_FAILED', 'the runner ended before it answered');
      if (!started) rejectStart(failure);
      if (pending) {
        const waiting = pending;
        pending = null;
        waiting.reject(failure);
      }
      onExit?.();
    };
    child.once('error', (err) =>
      finish(new BenchError('RUNNER_FAILED', `the native runner could not start: ${err.message}`, stderr)),
    );
    child.once('close', (code, signal) => {
      if (ending) return finish(ending);
      const reported = events.find((e) => e.event === 'error');
      const tail = stderr.trim().split('\n').slice(-5).join('\n');
      if (code === 0 && events.some((e) => e.event === 'done')) return finish(null);
      if (OOM_PATTERNS.some((p) => p.test(stderr)) || signal === 'SIGKILL') {
        return finish(
          new BenchError(
            'OUT_OF_MEMORY',
            `the run ran out of memory${signal ? ` (killed by ${signal})` : ''}: use smaller models, fewer GPU layers or a smaller context`,
            stderr,
          ),
        );
      }
      if (reported) {
        // Before `ready` no prompt has been read, so llama.cpp's words can go into a message others see.
        return finish(
          new BenchError(
            'RUNNER_FAILED',
            !started ? withLlamaReason(String(reported.message), stderr) : String(reported.message),
            stderr,
          ),
        );
      }
      return finish(
        new BenchError(
          'RUNNER_FAILED',
          `the native runner ${signal ? `crashed (${signal})` : `exited with code ${code}`}${tail ? `: ${tail}` : ''}`,
          stderr,
        ),
      );
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
  [
    /block size \d+ does not divide n_embd_head/,
    "this model's attention heads are too narrow for that quantized cache: use f16 for its cache types",
  ],
  [/quantized V cache requires flash_attn/, 'set flash_attn to on or auto, or the V cache type to f16'],
];
