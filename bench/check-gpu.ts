// npm run check:gpu — proves the CUDA path on a machine with an NVIDIA GPU: builds the CUDA native runner and the
// inference host, runs generated models with every layer offloaded, checks from llama.cpp's own load log and
// node-llama-cpp's gpu type that the backend is CUDA and every layer sits on the GPU, then runs bench:engine and
// bench:agents there and prints the figures. Where no GPU or no CUDA runtime exists it says which is missing and how
// to get it, and skips before building anything. It never downloads anything.
//
// Usage: npm run check:gpu [-- --dry-run] [-- --no-bench] [-- --require-gpu]
//   --dry-run      print what is found and the plan (every step and command), run nothing
//   --no-bench     stop after the checks (skip bench:engine and bench:agents)
//   --require-gpu  exit 3 instead of 0 when it skips (for a CI job that must run on a GPU)
// Exit codes: 0 passed or skipped, 1 a check failed, 2 bad usage, 3 skipped with --require-gpu.
// The benches' own knobs (BENCH_TOKENS, BENCH_REPEATS, BENCH_AGENTS...) pass through the environment.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { missingFor } from '../src/platform/compute-backend';
import { findBinaries, packageFor } from '../src/platform/llama-binaries';
import { parseNvidiaSmi } from '../src/platform/gpu-probe';

/** Layers asked of every load: above any generated model's count, so llama.cpp and node-llama-cpp offload them all. */
const ALL_LAYERS = 999;
const OFFLOAD_LINE = /offloaded (\d+)\/(\d+) layers to GPU/g;

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface Found {
  /** Why the check cannot run here (null: it can). */
  skip: string | null;
  /** What was found, one line each, printed before the plan or the skip. */
  facts: string[];
}

const quiet = (command: string, args: string[]): Promise<{ ok: boolean; out: string; code?: string }> =>
  new Promise((resolve) => {
    execFile(command, args, { timeout: 15_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      const e = err as NodeJS.ErrnoException | null;
      resolve({ ok: !e, out: (e ? stderr || e.message : stdout).trim(), ...(e?.code ? { code: String(e.code) } : {}) });
    });
  });

/** What this machine has for the CUDA path, asked of nvidia-smi and the dynamic loader; nothing is built or loaded. */
async function preflight(): Promise<Found> {
  const facts: string[] = [];
  if (process.platform !== 'linux')
    return {
      facts,
      skip: `check:gpu runs on Linux with an NVIDIA GPU; this machine is ${process.platform}-${process.arch}`,
    };
  const smi = await quiet('nvidia-smi', [
    '--query-gpu=name,memory.total,memory.free,driver_version',
    '--format=csv,noheader,nounits',
  ]);
  if (!smi.ok && smi.code === 'ENOENT')
    return {
      facts,
      skip:
        'no NVIDIA driver: nvidia-smi is not on PATH. check:gpu needs a machine with an NVIDIA GPU and its driver ' +
        '(Ubuntu: sudo ubuntu-drivers install; otherwise https://www.nvidia.com/Download/index.aspx), then the CUDA 13 runtime.',
    };
  if (!smi.ok)
    return {
      facts,
      skip: `the NVIDIA driver does not answer: nvidia-smi failed (${smi.out.split('\n')[0]}). Check that the driver is loaded (nvidia-smi on its own, dmesg), then run again.`,
    };
  const gpus = parseNvidiaSmi(smi.out);
  if (gpus.length === 0)
    return { facts, skip: 'nvidia-smi ran but lists no GPU: this machine has no NVIDIA GPU to check' };
  const driver = smi.out.split('\n')[0]!.split(',')[3]?.trim() || 'unknown';
  for (const g of gpus)
    facts.push(
      `GPU: ${g.name}, ${g.vram_bytes ? `${(g.vram_bytes / 2 ** 30).toFixed(0)} GiB` : 'memory unknown'} (NVIDIA driver ${driver})`,
    );

  // The CUDA build links against the prebuilt llama.cpp libraries node-llama-cpp ships: what it needs of CUDA is its
  // runtime libraries (from the toolkit or the runtime packages), not nvcc.
  const missing = missingFor('cuda');
  const pkg = missing.filter((m) => m.startsWith('@node-llama-cpp/') || m.startsWith('a cuda build'));
  const toolkit = missing.filter((m) => /^lib(cudart|cublas)/.test(m));
  const driverLib = missing.filter((m) => m.startsWith('libcuda.so'));
  const problems: string[] = [];
  if (toolkit.length > 0)
    problems.push(
      `no CUDA toolkit 13 runtime: ${toolkit.map((m) => m.split(' ')[0]).join(' and ')} not found by the dynamic loader ` +
        '(ldconfig -p, LD_LIBRARY_PATH). Install the CUDA toolkit 13 (https://developer.nvidia.com/cuda-downloads; ' +
        "nvcc itself is not needed) or only its runtime libraries from NVIDIA's apt repository " +
        '(apt-get install cuda-cudart-13-0 libcublas-13-0); if they are installed elsewhere, add their lib64 folder to LD_LIBRARY_PATH',
    );
  if (driverLib.length > 0)
    problems.push(
      "the NVIDIA driver's libcuda.so.1 is not found by the dynamic loader: reinstall the driver's user-space libraries (e.g. apt-get install libnvidia-compute-<version>)",
    );
  if (pkg.length > 0)
    problems.push(
      `no CUDA build of llama.cpp: ${pkg.join('; ')} (node-llama-cpp installs it as an optional dependency; rerun npm install on this machine)`,
    );
  if (problems.length > 0) return { facts, skip: `found the GPU and its driver, but ${problems.join('; and ')}.` };
  const binaries = findBinaries('cuda')!;
  facts.push(`CUDA build of llama.cpp: ${binaries.packageName} ${binaries.release} (${binaries.bins})`);
  const nvcc = await quiet('nvcc', ['--version']);
  facts.push(`nvcc: ${nvcc.ok ? (nvcc.out.split('\n').pop() ?? 'found') : 'not on PATH (not needed)'}`);

  // The runner and llama.cpp's tools are compiled here against those libraries: a compiler and git (to unpack the
  // bundled llama.cpp headers) are needed before anything starts.
  const cxx = process.env.CXX || 'g++';
  const compiler = await quiet(cxx, ['--version']);
  if (!compiler.ok)
    return {
      facts,
      skip: `no C++ compiler: ${cxx} --version failed (${compiler.code ?? compiler.out}). Install one (e.g. apt-get install g++) or set CXX.`,
    };
  const git = await quiet('git', ['--version']);
  if (!git.ok)
    return { facts, skip: 'git is not installed: it unpacks the llama.cpp headers once (apt-get install git)' };
  return { facts, skip: null };
}

const PLAN = [
  `npm run build:cli  (the inference host's entry, and what bench:agents runs)`,
  `build the CUDA native runner: g++ -std=c++17 -O2 src/bench/native/spec-runner.cpp against ${packageFor('cuda') ?? '@node-llama-cpp/<platform>-cuda'}'s libraries (cached in the native cache folder)`,
  'generate a tiny llama model (tiny-llama.ts) and a gemma4 target with its gemma4-assistant MTP drafter (tiny-gemma4.ts) into a temporary folder',
  `native runner, llama model: -ngl ${ALL_LAYERS}, one plain pass; assert a CUDA device in its ready event and llama.cpp's "offloaded N/N layers to GPU" with N = N`,
  `native runner, gemma4 + MTP drafter: -ngl ${ALL_LAYERS} -ngld ${ALL_LAYERS}, a plain and a speculative pass; the same assertions for both models`,
  `node-llama-cpp in this process: getLlama({ gpu: 'cuda', build: 'never' }), loadModel({ gpuLayers: 'max' }); assert llama.gpu = cuda, model.gpuLayers = its total layers and the offload line`,
  `inference host on node-llama-cpp: InferenceHost.start({ gpuLayers: ${ALL_LAYERS} }); assert status backend = cuda with a GPU name; one chat completion`,
  `inference host on llama-server: llama-server built from the bundled source against the CUDA libraries (cached), InferenceHost.start({ gpuLayers: ${ALL_LAYERS}, llamaServer }); assert engine = llama-server, backend = cuda, device memory in use; one chat completion`,
  'BENCH_GPU_LAYERS=999 npm run bench:engine  (figures printed as it runs; asserts "backend: cuda")',
  'npm run bench:agents  (figures printed as it runs; asserts "inference host: cuda")',
];

interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

const results: CheckResult[] = [];
function record(name: string, ok: boolean, detail: string): void {
  results.push({ name, ok, detail });
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name}: ${detail}`);
}

/** Every "offloaded N/N layers to GPU" line of a load log; empty when llama.cpp printed none. */
function offloads(log: string): Array<{ on: number; of: number }> {
  return [...log.matchAll(OFFLOAD_LINE)].map((m) => ({ on: Number(m[1]), of: Number(m[2]) }));
}

/** Runs a command with its output shown as it comes and also kept, for the assertions on what it printed. */
function runShown(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    console.log(`\n$ ${command} ${args.join(' ')}`);
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      process.stdout.write(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
      process.stderr.write(d);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

interface RunnerOutcome {
  ready: Record<string, unknown> | null;
  runs: Array<{ pass: string; n_generated: number; decode_s: number }>;
  stderr: string;
  code: number | null;
}

/** The native runner on one configuration: loads, one pass of each kind asked, then quits; its whole stderr is kept. */
async function runRunner(
  exe: string,
  job: object,
  flags: string[],
  passes: boolean[],
  work: string,
): Promise<RunnerOutcome> {
  const jobFile = join(work, `job-${results.length}.json`);
  writeFileSync(jobFile, JSON.stringify(job));
  const child = spawn(exe, [jobFile, ...flags], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.on('error', () => undefined); // a runner that died early is reported by its exit code and stderr
  const outcome: RunnerOutcome = { ready: null, runs: [], stderr: '', code: null };
  for (const speculative of passes) child.stdin.write(`${JSON.stringify({ cmd: 'pass', speculative, repeat: 0 })}\n`);
  child.stdin.end(); // the end of stdin is its quit
  for await (const line of createInterface({ input: child.stdout })) {
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue; // the runner's events are JSON lines; anything else is not one
    }
    if (event.event === 'ready') outcome.ready = event;
    if (event.event === 'run') outcome.runs.push(event as unknown as RunnerOutcome['runs'][number]);
  }
  outcome.code = await new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('close', r)));
  outcome.stderr = stderr;
  return outcome;
}

function checkRunner(name: string, outcome: RunnerOutcome, models: number): void {
  if (outcome.code !== 0 || !outcome.ready) {
    record(name, false, `the runner exited ${outcome.code}: ${outcome.stderr.split('\n').slice(-8).join('\n')}`);
    return;
  }
  const devices = (outcome.ready.devices ?? []) as Array<{ type: string; backend: string; description?: string }>;
  const cuda = devices.filter((d) => d.type === 'gpu' && /cuda/i.test(d.backend));
  record(
    `${name}: CUDA device`,
    cuda.length > 0,
    cuda.length > 0
      ? cuda.map((d) => `${d.description ?? '?'} (${d.backend})`).join(', ')
      : `no CUDA device among ${devices.map((d) => `${d.backend}:${d.type}`).join(', ')}`,
  );
  const lines = offloads(outcome.stderr);
  record(
    `${name}: every layer on the GPU`,
    lines.length >= models && lines.every((l) => l.on === l.of && l.of > 0),
    lines.length > 0
      ? lines.map((l) => `offloaded ${l.on}/${l.of} layers`).join(', ')
      : 'llama.cpp printed no "offloaded N/N layers to GPU" line',
  );
  for (const pass of ['plain', 'spec']) {
    const runs = outcome.runs.filter((r) => r.pass === pass);
    if (runs.length === 0) continue;
    const tps = runs.reduce((a, r) => a + r.n_generated, 0) / runs.reduce((a, r) => a + r.decode_s, 0);
    console.log(`  ${name}, ${pass} decode: ${tps.toFixed(1)} tok/s over ${runs.length} prompt(s)`);
  }
}

async function checkRunnerOnCuda(work: string): Promise<void> {
  const { ensureRunner } = await import('../src/bench/native-runner');
  const { llamaFlags, normalizeConfig } = await import('../src/bench/engine');
  const { writeLlamaModel, DEFAULT_FAMILY } = await import('../src/bench/gguf/tiny-llama');
  const { writeGemma4Pair } = await import('../src/bench/gguf/tiny-gemma4');
  const binaries = findBinaries('cuda')!;
  const started = performance.now();
  const exe = await ensureRunner(binaries);
  record('CUDA native runner built', true, `${exe} (${((performance.now() - started) / 1000).toFixed(0)} s)`);

  const llama = join(work, 'llama.gguf');
  await writeLlamaModel(llama, { ...DEFAULT_FAMILY, dropLayers: 0, type: 'f16' });
  const gemma = await writeGemma4Pair(join(work, 'gemma4'), { seed: 5 });
  const job = { prompts: ['The quick brown fox jumps over', 'Once upon a time there was a'], n_predict: 64 };
  const base = { backend: 'cuda', ctx_size: 512, gpu_layers: ALL_LAYERS, threads: 1 } as const;
  const withBins = { ...job, backends_dir: binaries.bins, parent_pid: process.pid };

  const plain = normalizeConfig({ ...base, target: llama, spec_type: 'none' });
  checkRunner('native runner, llama', await runRunner(exe, withBins, llamaFlags(plain, 1), [false], work), 1);
  const mtp = normalizeConfig({
    ...base,
    target: gemma.target,
    spec_type: 'draft-mtp',
    draft: gemma.draft,
    draft_gpu_layers: ALL_LAYERS,
    draft_n_max: 4,
  });
  checkRunner(
    'native runner, gemma4 + MTP drafter',
    await runRunner(exe, withBins, llamaFlags(mtp, 1), [false, true], work),
    2,
  );
}

async function checkNodeLlamaCpp(work: string): Promise<void> {
  const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
  let log = '';
  const llama = await getLlama({
    gpu: 'cuda',
    build: 'never',
    logLevel: LlamaLogLevel.info,
    logger: (_level, message) => (log += `${message}\n`),
  });
  try {
    const names = await llama.getGpuDeviceNames();
    record(
      'node-llama-cpp gpu type',
      llama.gpu === 'cuda',
      `llama.gpu = ${String(llama.gpu)} (${names.join(', ') || 'no device names'})`,
    );
    const model = await llama.loadModel({ modelPath: join(work, 'llama.gguf'), gpuLayers: 'max' });
    const total = model.fileInsights.totalLayers;
    const lines = offloads(log);
    record(
      'node-llama-cpp: every layer on the GPU',
      model.gpuLayers === total && lines.some((l) => l.on === l.of && l.of > 0),
      `model.gpuLayers ${model.gpuLayers} of ${total}; ${lines.map((l) => `offloaded ${l.on}/${l.of} layers`).join(', ') || 'no offload line logged'}`,
    );
    await model.dispose();
  } finally {
    await llama.dispose();
  }
}

async function checkInferenceHost(work: string, engine: 'node-llama-cpp' | 'llama-server'): Promise<void> {
  const { InferenceHost } = await import('../src/agents/inference/inference-host');
  const { ChatClient } = await import('../src/agents/inference/chat-client');
  const { swarmLlamaServer } = await import('../src/bench/serving-tools');
  const llamaServer =
    engine === 'llama-server' ? await swarmLlamaServer().build((line) => console.log(`  ${line}`)) : null;
  const host = await InferenceHost.start({
    model: join(work, 'llama.gguf'),
    gpuLayers: ALL_LAYERS,
    sequences: 2,
    contextSize: 512,
    ...(llamaServer ? { llamaServer } : {}),
  });
  try {
    const status = await host.status();
    record(
      `inference host on ${engine}: backend`,
      status.backend === 'cuda' &&
        Boolean(status.gpu) &&
        status.engine === engine &&
        (engine === 'node-llama-cpp' || (status.vram_bytes ?? 0) > 0),
      `backend ${status.backend}${status.gpu ? ` on ${status.gpu}` : ', no GPU named'}${status.vram_bytes ? `, device memory in use ${(status.vram_bytes / 2 ** 20).toFixed(0)} MiB` : ''}`,
    );
    const started = performance.now();
    const answer = await new ChatClient({ url: host.url, key: host.key, agent: 'check-gpu' }).complete({
      messages: [{ role: 'user', content: 'Say something.' }],
      max_tokens: 64,
      temperature: 0,
    });
    const seconds = (performance.now() - started) / 1000;
    record(
      `inference host on ${engine} answers on the GPU`,
      answer.usage.completion_tokens > 0,
      `${answer.usage.completion_tokens} tokens in ${seconds.toFixed(2)} s (${(answer.usage.completion_tokens / seconds).toFixed(1)} tok/s with the request's overhead)`,
    );
  } finally {
    await host.stop();
  }
}

async function main(): Promise<number> {
  let values: { 'dry-run'?: boolean; 'no-bench'?: boolean; 'require-gpu'?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        'dry-run': { type: 'boolean', default: false },
        'no-bench': { type: 'boolean', default: false },
        'require-gpu': { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`check:gpu: ${(err as Error).message}. Options: --dry-run, --no-bench, --require-gpu`);
    return 2;
  }
  const found = await preflight();
  for (const fact of found.facts) console.log(fact);
  if (values['dry-run']) {
    console.log(found.skip ? `on this machine it would skip: ${found.skip}` : 'this machine has what the check needs');
    console.log('plan:');
    const steps = values['no-bench'] ? PLAN.slice(0, -2) : PLAN;
    steps.forEach((step, i) => console.log(`  ${i + 1}. ${step}`));
    return 0;
  }
  if (found.skip) {
    console.log(`SKIP check:gpu: ${found.skip}`);
    return values['require-gpu'] ? 3 : 0;
  }

  const build = await runShown(NPM, ['run', 'build:cli']);
  if (build.code !== 0) {
    record('npm run build:cli', false, `exited ${build.code}`);
    return 1;
  }
  const work = mkdtempSync(join(tmpdir(), 'collab-desk-check-gpu-'));
  try {
    for (const [name, check] of [
      ['native runner', checkRunnerOnCuda],
      ['node-llama-cpp', checkNodeLlamaCpp],
      ['inference host on node-llama-cpp', (w: string) => checkInferenceHost(w, 'node-llama-cpp')],
      ['inference host on llama-server', (w: string) => checkInferenceHost(w, 'llama-server')],
    ] as const) {
      try {
        await check(work);
      } catch (err) {
        record(name, false, (err as Error).message);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  if (!values['no-bench']) {
    const engine = await runShown(NPM, ['run', 'bench:engine'], {
      ...process.env,
      BENCH_GPU_LAYERS: String(ALL_LAYERS),
    });
    record('bench:engine on CUDA', engine.code === 0 && /^backend: cuda/m.test(engine.out), `exited ${engine.code}`);
    const agents = await runShown(NPM, ['run', 'bench:agents']);
    record(
      'bench:agents on CUDA',
      agents.code === 0 && /inference host: cuda/.test(agents.out),
      `exited ${agents.code}`,
    );
  }

  const failed = results.filter((r) => !r.ok);
  console.log(`\ncheck:gpu: ${results.length - failed.length}/${results.length} passed`);
  for (const r of results) console.log(`  ${r.ok ? 'PASS' : 'FAIL'} ${r.name}: ${r.detail}`);
  return failed.length > 0 ? 1 : 0;
}

process.exitCode = await main();
