// llama.cpp's own benchmark tools (llama-bench, speculative-simple; llama-server and llama-batched-bench are built by
// src/bench/serving-tools.ts), built from
// node-llama-cpp's bundled source against the shipped libraries, run, and their output read: the references the
// engine and agents benches compare ours with.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildSpmVocab } from '../../src/bench/gguf/spm-vocab';
import { linkedLibraries, llamaSource, nativeCacheFolder } from '../../src/bench/native-runner';
import type { LlamaBinaries } from '../../src/platform/llama-binaries';
import { CXXFLAGS, ensureServingTools as buildServingTools, type ServingTools } from '../../src/bench/serving-tools';
import { median } from '../../src/shared/statistics';
import { progress } from './report';

const execFileAsync = promisify(execFile);

/** llama.cpp's own tools, as CMake builds them (llama-bench = its impl library + main.cpp). */
const TOOLS: Record<'llama-bench' | 'speculative-simple', string[]> = {
  'llama-bench': ['tools/llama-bench/llama-bench.cpp', 'tools/llama-bench/main.cpp'],
  'speculative-simple': ['examples/speculative-simple/speculative-simple.cpp'],
};

export interface Tools {
  dir: string;
  bench: string;
  spec: string;
  sourceCommit: string;
  built: boolean;
  seconds: number;
}

export async function ensureTools(binaries: LlamaBinaries): Promise<Tools> {
  const cache = nativeCacheFolder();
  const src = await llamaSource(cache, binaries.release);
  const { stdout: commit } = await execFileAsync('git', ['-C', src, 'rev-parse', 'HEAD']);
  const libs = linkedLibraries(binaries.bins);
  const hash = createHash('sha256')
    .update(binaries.bins)
    .update(binaries.release)
    .update(commit)
    .update(CXXFLAGS.join(' '))
    .update(libs.join(' '));
  for (const files of Object.values(TOOLS)) for (const file of files) hash.update(readFileSync(join(src, file)));
  const dir = join(cache, `tools-${hash.digest('hex').slice(0, 16)}`);
  const started = performance.now();
  const result = (built: boolean): Tools => ({
    dir,
    bench: join(dir, 'llama-bench'),
    spec: join(dir, 'speculative-simple'),
    sourceCommit: commit.trim(),
    built,
    seconds: (performance.now() - started) / 1000,
  });
  if (Object.keys(TOOLS).every((name) => existsSync(join(dir, name)))) return result(false);

  const temp = `${dir}.tmp-${process.pid}`;
  rmSync(temp, { recursive: true, force: true });
  mkdirSync(temp, { recursive: true });
  const includes = ['include', 'common', join('ggml', 'include'), 'vendor'].flatMap((d) => ['-I', join(src, d)]);
  const link = ['-L', binaries.bins, `-Wl,-rpath,${binaries.bins}`, ...libs.map((l) => `-l:${l}`), '-lpthread'];
  progress(`building llama-bench and speculative-simple from ${src} (g++ ${CXXFLAGS.join(' ')})`);
  try {
    await Promise.all(
      Object.entries(TOOLS).map(([name, files]) =>
        execFileAsync(
          process.env.CXX || 'g++',
          [...CXXFLAGS, '-o', join(temp, name), ...files.map((x) => join(src, x)), ...includes, ...link],
          { maxBuffer: 64 * 1024 * 1024 },
        ),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
    renameSync(temp, dir);
  } catch (err) {
    rmSync(temp, { recursive: true, force: true });
    const e = err as Error & { stderr?: string };
    throw new Error(`building llama.cpp's tools failed: ${e.message}\n${(e.stderr ?? '').slice(-4000)}`);
  }
  return result(true);
}

/**
 * Runs a tool with the bins folder as its working directory: llama-bench and common_params_parse call
 * ggml_backend_load_all(), which looks for the dynamically loaded backends (libggml-cpu-*.so, libggml-cuda.so) in
 * the executable's folder and in the current directory, and the tools live in the cache, not beside them.
 */
export async function runTool(
  exe: string,
  args: string[],
  cwd: string,
  timeoutMs = 300_000,
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileAsync(exe, args, { cwd, encoding: 'latin1', maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(
      `${exe.split('/').pop()} ${args.join(' ')} failed: ${e.message}\n${(e.stderr ?? '').split('\n').slice(-15).join('\n')}`,
    );
  }
}

export interface LbTest {
  build_commit: string;
  backends: string;
  cpu_info: string;
  gpu_info: string;
  model_size: number;
  model_n_params: number;
  n_prompt: number;
  n_gen: number;
  n_threads: number;
  poll: number;
  n_gpu_layers: number;
  samples_ns: number[];
}

export interface LbResult {
  tests: LbTest[];
  backendLine: string;
}

/** llama-bench's pp (one batch of p tokens) and tg (n single-token decodes) tests of one model, as JSON. */
export async function llamaBench(
  tools: Tools,
  bins: string,
  model: string,
  p: number[],
  n: number[],
  o: { threads: number; poll: number; gpuLayers: number; reps: number },
): Promise<LbResult> {
  const { threads, poll, reps } = o;
  const args = [
    '-m',
    model,
    '-p',
    p.length ? p.join(',') : '0',
    '-n',
    n.length ? n.join(',') : '0',
    '-t',
    String(threads),
    '--poll',
    String(poll),
    '-ngl',
    String(o.gpuLayers),
    '-fa',
    'auto',
    '-b',
    '2048',
    '-ub',
    '512',
    '-r',
    String(reps),
    '-o',
    'json',
  ];
  const { stdout, stderr } = await runTool(tools.bench, args, bins);
  const tests = JSON.parse(stdout) as LbTest[];
  return {
    tests,
    backendLine: stderr
      .split('\n')
      .filter((l) => l.startsWith('load_backend'))
      .join('; '),
  };
}

/** Median seconds for one run of a test over several llama-bench calls: pp<n> is one batch of n tokens, tg<n> is n single-token decodes. */
export function testSeconds(rs: LbResult[], kind: 'pp' | 'tg', n: number): number {
  const samples = rs.flatMap((r) => {
    const t = r.tests.find((x) =>
      kind === 'pp' ? x.n_prompt === n && x.n_gen === 0 : x.n_gen === n && x.n_prompt === 0,
    );
    if (!t) throw new Error(`llama-bench gave no ${kind}${n} result`);
    return t.samples_ns;
  });
  return median(samples) / 1e9;
}

export function tgRates(r: LbResult, n: number): number[] {
  const t = r.tests.find((x) => x.n_gen === n && x.n_prompt === 0)!;
  return t.samples_ns.map((ns) => n / (ns / 1e9));
}

export interface SpecSimpleRun {
  prompt: number;
  repeat: number;
  n: number;
  seconds: number;
  drafted: number;
  accepted: number;
  stdout: string;
}

export async function speculativeSimple(
  tools: Tools,
  bins: string,
  flags: string[],
  prompt: string,
  n: number,
): Promise<Omit<SpecSimpleRun, 'prompt' | 'repeat'>> {
  // Its result lines go through llama.cpp's asynchronous log, whose worker can be stopped at exit before it writes
  // them (as with batched-bench): it times the decode inside the process, so running it again measures the same.
  let all = '';
  let stdout = '';
  let stderr = '';
  let decoded: RegExpExecArray | null = null;
  for (let attempt = 0; attempt < 5 && !decoded; attempt++) {
    const run = await runTool(tools.spec, [...flags, '-p', prompt, '-n', String(n)], bins);
    stdout = run.stdout;
    stderr = run.stderr;
    all = `${run.stdout}\n${run.stderr}`;
    decoded = /decoded\s+(\d+) tokens in\s+([\d.]+) seconds, speed:\s+([\d.]+) t\/s/.exec(all);
  }
  if (!decoded)
    throw new Error(
      `speculative-simple printed no "decoded N tokens in S seconds" line in 5 runs:\n${stderr.slice(-2000)}`,
    );
  const drafted = /n_drafted\s*=\s*(\d+)/.exec(all);
  const accepted = /n_accept\s*=\s*(\d+)/.exec(all);
  return {
    n: Number(decoded[1]),
    seconds: Number(decoded[2]),
    drafted: Number(drafted?.[1] ?? 0),
    accepted: Number(accepted?.[1] ?? 0),
    stdout,
  };
}

/** Our tokens as llama.cpp prints them (SPM: U+2581 is a space, <0xXX> is that byte), for a latin1 text comparison. */
export function detokenize(tokens: number[]): string {
  const vocab = buildSpmVocab().tokens;
  return tokens
    .map((t) => {
      const piece = vocab[t] ?? '';
      const byte = /^<0x([0-9A-F]{2})>$/.exec(piece);
      return byte ? String.fromCharCode(parseInt(byte[1]!, 16)) : piece.replaceAll('\u2581', ' ');
    })
    .join('');
}

export { CXXFLAGS };
export type { ServingTools } from '../../src/bench/serving-tools';

/** llama-server and llama-batched-bench, built once (minutes) and reused; the build's progress on the bench's stderr. */
export function ensureServingTools(binaries: LlamaBinaries): Promise<ServingTools> {
  return buildServingTools(binaries, progress);
}
