// Builds (once, cached) the native speculative runner against the llama.cpp libraries node-llama-cpp ships.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { outsideAsar } from '../platform/asar-path';
import { nodeLlamaCppFolder, type LlamaBinaries } from '../platform/llama-binaries';

const run = promisify(execFile);

// The compiler reads it: in a packaged app, the copy asarUnpack leaves outside the archive.
export const RUNNER_SOURCE = outsideAsar(fileURLToPath(new URL('./native/spec-runner.cpp', import.meta.url)));

/** Where built runners and the extracted llama.cpp headers are kept between runs. */
export function nativeCacheFolder(env: NodeJS.ProcessEnv = process.env): string {
  if (env.COLLAB_DESK_CACHE) return join(env.COLLAB_DESK_CACHE, 'native');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'collab-desk', 'native');
}

export class NativeBuildError extends Error {
  constructor(
    message: string,
    readonly log: string,
  ) {
    super(message);
    this.name = 'NativeBuildError';
  }
}

/**
 * Extracts the llama.cpp source bundled with node-llama-cpp (a git bundle at the libraries' exact commit) once,
 * for its headers: the runner must compile against the same commit it links to.
 */
export async function llamaSource(cache: string, release: string): Promise<string> {
  const dir = join(cache, `llama.cpp-${release}`);
  if (existsSync(join(dir, 'include', 'llama.h'))) return dir;
  const bundle = outsideAsar(join(nodeLlamaCppFolder(), 'llama', 'gitRelease.bundle'));
  if (!existsSync(bundle))
    throw new NativeBuildError(`node-llama-cpp ships no llama.cpp source bundle (${bundle})`, '');
  const temp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  try {
    await run('git', ['clone', '--quiet', '--depth', '1', bundle, temp], { maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    rmSync(temp, { recursive: true, force: true });
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    throw new NativeBuildError(
      e.code === 'ENOENT'
        ? 'git is not installed: it is needed once to unpack the llama.cpp headers'
        : `unpacking the llama.cpp source failed: ${e.message}`,
      e.stderr ?? '',
    );
  }
  try {
    renameSync(temp, dir);
  } catch {
    rmSync(temp, { recursive: true, force: true }); // another process won the race; its copy is identical
  }
  return dir;
}

/** Returns the path of a runner built for these binaries, compiling it if this source/flavor has not been built. */
export async function ensureRunner(binaries: LlamaBinaries, cache = nativeCacheFolder()): Promise<string> {
  const source = readFileSync(RUNNER_SOURCE);
  const key = createHash('sha256')
    .update(source)
    .update(binaries.bins)
    .update(binaries.release)
    .digest('hex')
    .slice(0, 16);
  const exe = join(cache, `spec-runner-${binaries.flavor}-${key}`);
  if (existsSync(exe)) return exe;
  mkdirSync(cache, { recursive: true });
  const src = await llamaSource(cache, binaries.release);
  const libs = linkedLibraries(binaries.bins);
  const temp = `${exe}.tmp-${process.pid}`;
  const args = [
    '-std=c++17',
    '-O2',
    '-o',
    temp,
    RUNNER_SOURCE,
    '-I',
    join(src, 'include'),
    '-I',
    join(src, 'common'),
    '-I',
    join(src, 'ggml', 'include'),
    '-I',
    join(src, 'vendor'),
    '-L',
    binaries.bins,
    `-Wl,-rpath,${binaries.bins}`,
    ...libs.map((l) => `-l:${l}`),
    '-lpthread',
  ];
  try {
    await run(process.env.CXX || 'g++', args, { maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    rmSync(temp, { force: true });
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    throw new NativeBuildError(
      e.code === 'ENOENT'
        ? 'no C++ compiler (g++) found: install one (e.g. apt-get install g++) to build the native runner'
        : 'compiling the native runner failed',
      e.stderr ?? String(err),
    );
  }
  renameSync(temp, exe);
  return exe;
}

/**
 * The shared libraries to link, by their exact file names (the versioned ones have no plain .so link); the bench
 * scripts link llama.cpp's own tools against the same ones.
 */
export function linkedLibraries(bins: string): string[] {
  // e.g. libllama.v0.5.0.so (CPU) or libllama.cuda.v0.5.0.so (CUDA)
  const want = [
    /^libllama-common\.so$/,
    /^libllama(\.[a-z]+)?(\.v[\d.]+)?\.so$/,
    /^libggml(\.[a-z]+)?(\.v[\d.]+)?\.so$/,
    /^libggml-base\.so$/,
  ];
  const names = readdirSync(bins);
  return want.map((re) => {
    const found = names.find((n) => re.test(n));
    if (!found) throw new NativeBuildError(`the llama.cpp libraries in ${bins} lack one matching ${re}`, '');
    return found;
  });
}
