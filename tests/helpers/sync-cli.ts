// Runs `collab-desk sync ...` from the built bin with its own HOME and HF_HOME, stdin piped, stdout read line by line.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertCliBuilt, CLI, PROJECT_ROOT } from './hub-process';

export interface SyncHome {
  root: string;
  /** $HOME: the default ~/.cache/huggingface/token lives under it. */
  home: string;
  hfHome: string;
  data: string;
  /** A clean environment: no HF_TOKEN from the machine running the tests. */
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
}

export function syncHome(hfEndpoint: string): SyncHome {
  const root = mkdtempSync(join(tmpdir(), 'collab-desk-sync-'));
  const home = join(root, 'home');
  const hfHome = join(root, 'hf-home');
  const data = join(root, 'data');
  mkdirSync(home);
  return {
    root,
    home,
    hfHome,
    data,
    env: (extra = {}) => ({
      PATH: process.env.PATH ?? '',
      HOME: home,
      HF_HOME: hfHome,
      HF_ENDPOINT: hfEndpoint,
      // The protocol's poll interval, scaled to nothing: the tests drive the real exchange without its seconds.
      COLLAB_DESK_SYNC_POLL_SCALE: '0',
      ...extra,
    }),
  };
}

export interface SyncRun {
  child: ChildProcess;
  /** Resolves with the first stdout line matching `re`. */
  line(re: RegExp): Promise<RegExpExecArray>;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

const children = new Set<ChildProcess>();

export function startSync(args: string[], env: NodeJS.ProcessEnv, stdin?: string): SyncRun {
  assertCliBuilt();
  const child = spawn(process.execPath, [CLI, 'sync', ...args], { cwd: PROJECT_ROOT, env, stdio: 'pipe' });
  children.add(child);
  let stdout = '';
  let stderr = '';
  const waiters: { re: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    for (const w of [...waiters]) {
      const m = w.re.exec(stdout);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  if (stdin !== undefined) child.stdin!.end(stdin);
  else child.stdin!.end();
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr });
    }),
  );
  return {
    child,
    done,
    line: (re) =>
      new Promise((resolve, reject) => {
        const m = re.exec(stdout);
        if (m) return resolve(m);
        waiters.push({ re, resolve });
        void done.then(({ stdout: out, stderr: err }) =>
          reject(new Error(`exited before printing ${re}\nstdout: ${out}\nstderr: ${err}`)),
        );
      }),
  };
}

export function runSync(args: string[], env: NodeJS.ProcessEnv, stdin?: string) {
  return startSync(args, env, stdin).done;
}

export function killSyncChildren(): void {
  for (const c of children) c.kill('SIGKILL');
}

/** Every file under a folder, with its bytes as text. */
export function filesUnder(dir: string): { path: string; text: string }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [{ path, text: readFileSync(path, 'utf8') }];
  });
}
