// llama-server (and llama-batched-bench beside it), built from node-llama-cpp's bundled llama.cpp source against the
// shipped libraries: what serves the swarm's agents when it can be built, and what the agents bench compares with.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { chooseBackend } from '../platform/compute-backend';
import type { LlamaBinaries } from '../platform/llama-binaries';
import { linkedLibraries, llamaSource, nativeCacheFolder } from './native-runner';

const execFileAsync = promisify(execFile);

/** How llama.cpp's tools are compiled (the libraries they link were built by node-llama-cpp's release). */
export const CXXFLAGS = ['-std=c++17', '-O2', '-DNDEBUG'];

export interface ServingTools {
  dir: string;
  server: string;
  batchedBench: string;
  sourceCommit: string;
  built: boolean;
  seconds: number;
}

/** The .cpp files a CMakeLists.txt names (optionally only inside the block that starts with `from`). */
function cmakeSources(src: string, cmakeFile: string, from?: string): string[] {
  let text = readFileSync(join(src, cmakeFile), 'utf8');
  if (from) {
    const start = text.indexOf(from);
    if (start < 0) throw new Error(`${cmakeFile} has no "${from}": the bundled llama.cpp changed its build`);
    text = text.slice(start, text.indexOf(')', start));
  }
  const dir = cmakeFile.slice(0, cmakeFile.lastIndexOf('/'));
  return [...new Set(text.match(/[\w./-]+\.cpp\b/g) ?? [])].map((f) => `${dir}/${f}`);
}

/**
 * What llama-server and llama-batched-bench compile, as tools/server, tools/mtmd and vendor/ CMakeLists.txt say
 * (read from them, so a newer bundled source brings its own file list). The shipped libllama-common already holds
 * common/ (arg parsing, chat templates, the HTTP client); mtmd, the hash helpers and cpp-httplib's server are not
 * shipped, so they are compiled here. The web UI is not built: ui.h/ui.cpp are generated empty, as CMake generates
 * them with no UI assets, and llama-server runs with --no-webui.
 */
function servingSources(src: string): { server: string[]; c: string[]; batched: string[] } {
  return {
    server: [
      ...cmakeSources(src, 'tools/server/CMakeLists.txt'),
      ...cmakeSources(src, 'tools/mtmd/CMakeLists.txt', 'add_library(mtmd'),
      'vendor/hash/hash.cpp',
      'vendor/hash/sha1/sha1.c',
      'vendor/cpp-httplib/httplib.cpp',
    ],
    // C files, but sha1.c is compiled as C++ (its CMake says LANGUAGE CXX: it lives in a namespace)
    c: ['vendor/hash/xxhash/xxhash.c', 'vendor/hash/sha256/sha256.c'],
    batched: ['tools/batched-bench/batched-bench.cpp', 'tools/batched-bench/main.cpp'],
  };
}

/** tools/ui's templates with no assets: what scripts/ui-assets.cmake writes when there is no UI to embed. */
function writeEmptyUi(src: string, dir: string): void {
  const fill = (text: string) =>
    text
      .replace('#cmakedefine LLAMA_UI_HAS_ASSETS 1', '/* #undef LLAMA_UI_HAS_ASSETS */')
      .replaceAll('@N_ASSETS@', '0')
      .replaceAll('@ASSET_ARRAYS@', '')
      .replaceAll('@ASSET_TABLE@', '')
      .replaceAll('@USE_GZIP@', 'false');
  writeFileSync(join(dir, 'ui.h'), fill(readFileSync(join(src, 'tools/ui/ui.h.in'), 'utf8')));
  writeFileSync(join(dir, 'ui.cpp'), fill(readFileSync(join(src, 'tools/ui/ui.cpp.in'), 'utf8')));
}

/** Runs jobs, at most `limit` at a time; after a failure starts no more, waits for the running ones, and throws it. */
async function pool(jobs: (() => Promise<unknown>)[], limit: number): Promise<void> {
  let next = 0;
  let failure: unknown = null;
  await Promise.all(
    Array.from({ length: Math.min(limit, jobs.length) }, async () => {
      while (next < jobs.length && failure === null) {
        const job = jobs[next++]!;
        await job().catch((err: unknown) => {
          failure ??= err;
        });
      }
    }),
  );
  if (failure !== null) throw failure;
}

/**
 * llama-server and llama-batched-bench, built once per bundled source and set of libraries (minutes: 11 on a 2-core
 * machine other builds shared; tools/server and cpp-httplib are most of it) into the native cache beside the other
 * tools, and reused after.
 */
/** Where the tools of this source and these libraries live (their folder's name hashes both), built or not. */
async function servingToolsPlan(binaries: LlamaBinaries) {
  const cache = nativeCacheFolder();
  const src = await llamaSource(cache, binaries.release);
  const { stdout: commit } = await execFileAsync('git', ['-C', src, 'rev-parse', 'HEAD']);
  const libs = linkedLibraries(binaries.bins);
  const sources = servingSources(src);
  const hash = createHash('sha256')
    .update('serving')
    .update(binaries.bins)
    .update(binaries.release)
    .update(commit)
    .update(CXXFLAGS.join(' '))
    .update(libs.join(' '))
    .update(JSON.stringify(sources))
    .update('mtmd -O0');
  const dir = join(cache, `serving-tools-${hash.digest('hex').slice(0, 16)}`);
  const started = performance.now();
  const result = (built: boolean): ServingTools => ({
    dir,
    server: join(dir, 'llama-server'),
    batchedBench: join(dir, 'llama-batched-bench'),
    sourceCommit: commit.trim(),
    built,
    seconds: (performance.now() - started) / 1000,
  });
  const exists = existsSync(join(dir, 'llama-server')) && existsSync(join(dir, 'llama-batched-bench'));
  return { src, libs, sources, dir, result, exists };
}

/** The tools when they are already built for this source and these libraries; null when they would need a build. */
export async function findServingTools(binaries: LlamaBinaries): Promise<ServingTools | null> {
  const plan = await servingToolsPlan(binaries);
  return plan.exists ? plan.result(false) : null;
}

/**
 * One build at a time on this machine: a second process (the app and a bench, two test files) waits for the first
 * rather than compiling the same files beside it. The lock is a folder holding the builder's pid; a builder that
 * died leaves it stale, and it is taken over.
 */
export async function withBuildLock<T>(dir: string, build: () => Promise<T>): Promise<T> {
  const lock = `${dir}.lock`;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      let holder = NaN;
      try {
        holder = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        // not written yet, or the lock just went
      }
      let alive: boolean;
      if (Number.isInteger(holder) && holder > 0) {
        try {
          process.kill(holder, 0);
          alive = true;
        } catch (err) {
          // EPERM: a process of another user has that pid, so it lives
          alive = (err as NodeJS.ErrnoException).code === 'EPERM';
        }
      } else {
        // a lock without its pid is one being taken right now (or one a crash left half made long ago)
        try {
          alive = Date.now() - statSync(lock).mtimeMs < 10_000;
        } catch {
          continue;
        }
      }
      if (!alive) {
        // taken over by a rename, which one waiter alone wins: two removing it could delete a new holder's lock
        const stale = `${lock}.stale-${process.pid}`;
        try {
          renameSync(lock, stale);
          rmSync(stale, { recursive: true, force: true });
        } catch {
          // another waiter took it over first
        }
        continue;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await build();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export async function ensureServingTools(
  binaries: LlamaBinaries,
  onProgress: (line: string) => void = () => {},
): Promise<ServingTools> {
  const plan = await servingToolsPlan(binaries);
  if (plan.exists) return plan.result(false);
  return withBuildLock(plan.dir, async () => {
    // built by another process while this one waited
    if (existsSync(join(plan.dir, 'llama-server')) && existsSync(join(plan.dir, 'llama-batched-bench')))
      return plan.result(false);
    return buildServingTools(binaries, plan, onProgress);
  });
}

async function buildServingTools(
  binaries: LlamaBinaries,
  { src, libs, sources, dir, result }: Awaited<ReturnType<typeof servingToolsPlan>>,
  onProgress: (line: string) => void,
): Promise<ServingTools> {
  const temp = `${dir}.tmp-${process.pid}`;
  // objects are kept across a failed or interrupted build (it takes minutes): the next one compiles only what is missing
  const objects = `${dir}.obj`;
  rmSync(temp, { recursive: true, force: true });
  mkdirSync(temp, { recursive: true });
  mkdirSync(objects, { recursive: true });
  writeEmptyUi(src, temp);
  const includes = [
    '',
    'include',
    'common',
    join('ggml', 'include'),
    'vendor',
    join('vendor', 'hash'),
    join('tools', 'mtmd'),
    join('tools', 'server'),
  ].flatMap((d) => ['-I', join(src, d)]);
  includes.push('-I', temp);
  // cpp-httplib's own CMake settings: a 512-connection backlog (many slots at once), no Nagle delay
  const httplibDefines = [
    '-DCPPHTTPLIB_FORM_URL_ENCODED_PAYLOAD_MAX_LENGTH=1048576',
    '-DCPPHTTPLIB_LISTEN_BACKLOG=512',
    '-DCPPHTTPLIB_REQUEST_URI_MAX_LENGTH=32768',
    '-DCPPHTTPLIB_TCP_NODELAY=1',
  ];
  const link = ['-L', binaries.bins, `-Wl,-rpath,${binaries.bins}`, ...libs.map((l) => `-l:${l}`), '-lpthread'];
  const object = (file: string) =>
    file.startsWith('/') ? join(temp, `${basename(file)}.o`) : join(objects, `${file.replaceAll('/', '_')}.o`);
  const compile = (file: string, c: boolean) => async () => {
    if (existsSync(object(file))) return;
    const partial = `${object(file)}.tmp-${process.pid}`;
    await execFileAsync(
      c ? process.env.CC || 'gcc' : process.env.CXX || 'g++',
      [
        ...(c ? ['-O2', '-DNDEBUG'] : CXXFLAGS),
        // mtmd (images, audio) is linked only because the server's code refers to it; text serving never runs it,
        // and unoptimized it compiles in a fraction of the time
        ...(file.startsWith('tools/mtmd/') ? ['-O0'] : []),
        ...(file.endsWith('.c') && !c ? ['-x', 'c++'] : []),
        ...(file.includes('cpp-httplib') ? httplibDefines : []),
        '-c',
        file.startsWith('/') ? file : join(src, file),
        '-o',
        partial,
        ...includes,
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    renameSync(partial, object(file));
  };
  const uiSource = join(temp, 'ui.cpp');
  const serverObjects = [...sources.server, ...sources.c, uiSource];
  onProgress(
    `building llama-server (${serverObjects.length} files: tools/server, tools/mtmd, vendor/) and llama-batched-bench from ${src}, ${cpus().length} at a time (a few minutes, once)`,
  );
  try {
    await pool(
      [
        ...sources.c.map((f) => compile(f, true)),
        compile(uiSource, false),
        ...sources.batched.map((f) => compile(f, false)),
        ...sources.server.map((f) => compile(f, false)),
      ],
      Math.max(1, cpus().length),
    );
    const cxx = process.env.CXX || 'g++';
    await execFileAsync(cxx, ['-o', join(temp, 'llama-server'), ...serverObjects.map(object), ...link], {
      maxBuffer: 64 * 1024 * 1024,
    });
    await execFileAsync(cxx, ['-o', join(temp, 'llama-batched-bench'), ...sources.batched.map(object), ...link], {
      maxBuffer: 64 * 1024 * 1024,
    });
    rmSync(dir, { recursive: true, force: true });
    renameSync(temp, dir);
    rmSync(objects, { recursive: true, force: true });
  } catch (err) {
    rmSync(temp, { recursive: true, force: true });
    const e = err as Error & { stderr?: string };
    throw new Error(
      `building llama-server / llama-batched-bench failed: ${e.message}\n${(e.stderr ?? '').slice(-4000)}`,
    );
  }
  return result(true);
}

/** llama-server as the swarm's inference host decodes on it: the binary and its libraries' folder. */
export interface SwarmLlamaServer {
  /** Already built for this machine's libraries (fast), or null. */
  found(): Promise<{ binary: string; bins: string } | null>;
  /** Built now if it is not (minutes, once; the progress in words). */
  build(onProgress: (line: string) => void): Promise<{ binary: string; bins: string }>;
}

/** llama-server for the backend the inference host will use (the same chooser picks both). */
export function swarmLlamaServer(binaries: LlamaBinaries = chooseBackend('auto').binaries): SwarmLlamaServer {
  return {
    found: async () => {
      const tools = await findServingTools(binaries);
      return tools && { binary: tools.server, bins: binaries.bins };
    },
    build: async (onProgress) => ({
      binary: (await ensureServingTools(binaries, onProgress)).server,
      bins: binaries.bins,
    }),
  };
}
