// Runs the built `collab-desk` CLI as a real child process (as a user would), and makes sure none outlives a test.
// Needs `npm run build:cli` first (npm test does it).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = fileURLToPath(new URL('../../bin/collab-desk.js', import.meta.url));
const BUNDLE = fileURLToPath(new URL('../../out/cli/index.js', import.meta.url));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface CliProcess {
  child: ChildProcess;
  /** stdout so far, and split into complete lines. */
  stdout(): string;
  lines(): string[];
  stderr(): string;
  exited: Promise<Exit>;
  /** Resolves with the first `count` stdout lines; rejects if the process exits first or the guard runs out. */
  waitForLines(count: number, timeoutMs?: number): Promise<string[]>;
  /** Sends a signal (if still running) and waits for the exit. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
}

export interface HubProcess extends CliProcess {
  url: string;
  port: number;
}

const live = new Set<ChildProcess>();
// Last resort: if the test worker itself goes away, take the hubs it started with it.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export function assertCliBuilt(): void {
  if (!existsSync(BUNDLE))
    throw new Error(`${BUNDLE} is missing: run \`npm run build:cli\` before these tests (npm test does)`);
}

/** Starts `node bin/collab-desk.js ...args`; tracked until it exits. */
export function startCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliProcess {
  assertCliBuilt();
  return startNodeProcess([CLI, ...args], `collab-desk ${args.join(' ')}`, options);
}

/** Starts `node ...argv` (a script and its arguments, node flags first); `label` names it in errors. */
export function startNodeProcess(
  argv: string[],
  label: string,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): CliProcess {
  const child = spawn(process.execPath, argv, {
    cwd: options.cwd ?? PROJECT_ROOT,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    notify();
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  let exit: Exit | null = null;
  const exited = new Promise<Exit>((resolve) => {
    child.on('exit', (code, signal) => {
      live.delete(child);
      exit = { code, signal };
      // Let the last piped output arrive before anyone reads it.
      setImmediate(() => {
        resolve(exit!);
        notify();
      });
    });
    child.on('error', (e) => {
      live.delete(child);
      err += `spawn error: ${e.message}\n`;
      exit = { code: null, signal: null };
      resolve(exit);
      notify();
    });
  });
  const lines = () =>
    out
      .split('\n')
      .slice(0, -1)
      .map((l) => l.replace(/\r$/, ''));
  const proc: CliProcess = {
    child,
    stdout: () => out,
    lines,
    stderr: () => err,
    exited,
    waitForLines(count, timeoutMs = 15_000) {
      return new Promise<string[]>((resolve, reject) => {
        const check = () => {
          if (lines().length >= count) {
            done();
            resolve(lines().slice(0, count));
          } else if (exit) {
            done();
            reject(
              new Error(
                `${label} exited (${exit.code ?? exit.signal}) after ${lines().length} of ${count} lines\nstdout: ${out}\nstderr: ${err}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(
              `${label}: ${count} stdout lines did not come within ${timeoutMs} ms\nstdout: ${out}\nstderr: ${err}`,
            ),
          );
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (!exit) child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const guard = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`${label} did not exit within ${timeoutMs} ms of ${signal}; killed it\nstderr: ${err}`));
        }, timeoutMs);
      });
      try {
        return await Promise.race([exited, guard]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
  return proc;
}

/** Resolves with the first stdout line `re` matches; rejects when the process exits first or the guard runs out. */
export function waitForLine(proc: CliProcess, re: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      for (const line of proc.lines()) {
        const m = re.exec(line);
        if (m) return finish(() => resolve(m));
      }
    };
    const onExit = () =>
      setImmediate(() => {
        check();
        finish(() =>
          reject(
            new Error(
              `the process exited before a line matched ${re}\nstdout: ${proc.stdout()}\nstderr: ${proc.stderr()}`,
            ),
          ),
        );
      });
    const timer = setTimeout(
      () => finish(() => reject(new Error(`no line matched ${re} within ${timeoutMs} ms\nstdout: ${proc.stdout()}`))),
      timeoutMs,
    );
    let done = false;
    const finish = (settle: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      proc.child.stdout!.off('data', check);
      proc.child.off('exit', onExit);
      settle();
    };
    proc.child.stdout!.on('data', check);
    proc.child.once('exit', onExit);
    check();
  });
}

/** Runs a short CLI command to its end; kills it if it outlives the guard. */
export async function runCli(
  args: string[],
  timeoutMs = 15_000,
  env?: NodeJS.ProcessEnv,
): Promise<Exit & { stdout: string; stderr: string }> {
  const proc = startCli(args, env ? { env } : {});
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      proc.child.kill('SIGKILL');
      reject(
        new Error(
          `collab-desk ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${proc.stdout()}\nstderr: ${proc.stderr()}`,
        ),
      );
    }, timeoutMs);
  });
  try {
    const exit = await Promise.race([proc.exited, guard]);
    return { ...exit, stdout: proc.stdout(), stderr: proc.stderr() };
  } finally {
    clearTimeout(timer);
  }
}

export const LISTENING_RE = /^hub listening on (http:\/\/127\.0\.0\.1:(\d+))$/;

/** Starts `collab-desk hub --data DIR --port 0 ...extra` and waits for its `hub listening on URL` line. */
export async function startHubProcess(
  dataDir: string,
  extra: string[] = [],
  env?: NodeJS.ProcessEnv,
): Promise<HubProcess> {
  const proc = startCli(['hub', '--data', dataDir, '--port', '0', ...extra], env ? { env } : {});
  try {
    const [first] = await proc.waitForLines(1);
    const m = LISTENING_RE.exec(first!);
    if (!m) throw new Error(`unexpected first line from the hub: ${JSON.stringify(first)}`);
    return { ...proc, url: m[1]!, port: Number(m[2]) };
  } catch (err) {
    proc.child.kill('SIGKILL');
    await proc.exited;
    throw err;
  }
}

/** SIGKILLs every child these helpers started that is still running (for afterAll / finally). */
export async function killAllChildren(): Promise<void> {
  const waits = [...live].map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  );
  await Promise.all(waits);
}
