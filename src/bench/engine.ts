// The bench engine: runs one configuration in llama.cpp's native speculative loop and measures it honestly —
// tokens/s over repeats with an interval, acceptance per draft position, teacher-forced perplexity, and greedy
// identity against the plain target, with full provenance.
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { arch, cpus, release, tmpdir, type as osType } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { Value } from 'typebox/value';
import { MeasureSchema, RunConfigSchema, type Measure, type RunConfig } from '../shared/run-config';
import { APP_VERSION } from '../shared/version';
import { BenchError } from './bench-error';
import { chooseBackend, defaultThreads, type BackendChoice } from './backend';
import { ensureRunner, NativeBuildError } from './native-runner';
import { runFallback, type FallbackJob } from './fallback-runner';
import { modelFileSha256 } from './file-hash';
import { runRunner, type RunnerEvent, type RunRecord } from './native-process';
import { summarize } from './statistics';

export interface Reference {
  prompt: string;
  reference: string;
}

export interface BenchInput {
  config: Partial<RunConfig> & { target: string };
  measure?: Partial<Measure>;
  prompts: string[];
  references?: Reference[];
}

export interface BenchProgress {
  phase: 'build' | 'load' | 'identity' | 'warmup' | 'measure' | 'perplexity';
  done: number;
  total: number;
  tps?: number;
}

export interface BenchOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  onProgress?: (progress: BenchProgress) => void;
  /** Where built runners are cached (default: the user's cache folder). */
  cacheDir?: string;
  /** `auto`: the native runner, or node-llama-cpp when the runner cannot be built. */
  engine?: 'auto' | 'native' | 'node-llama-cpp';
}

export interface PromptResult {
  prompt: number;
  n_prompt: number;
  tps: number;
  prefill_tps: number;
  tokens: number[];
}

export interface BenchResult {
  tps: number;
  tps_ci: [number, number];
  tps_stdev: number;
  tps_per_repeat: number[];
  prefill_tps: number;
  ppl: number | null;
  ppl_tokens: number;
  acceptance: number | null;
  acceptance_per_position: number[];
  mean_accepted_per_step: number | null;
  tokens_per_step: number;
  identical: boolean | null;
  divergence_rate: number | null;
  divergences: Array<{ prompt: number; first_token: number }>;
  lossy: boolean;
  plain_tps: number | null;
  backend: string;
  engine: 'native' | 'node-llama-cpp';
  per_prompt: PromptResult[];
  config: RunConfig;
  measure: Measure;
  provenance: Provenance;
}

export interface Provenance {
  app_version: string;
  node: string;
  os: string;
  cpu: string;
  cores: number;
  llama: { release: string; build: number; commit: string; build_info: string; system_info: string };
  backend: { flavor: string; reason: string; devices: unknown[] };
  engine: string;
  models: Record<string, { path: string; sha256: string; bytes: number; desc?: string; params?: number }>;
  flags: string[];
  threads: number;
  poll: number;
  started_at: string;
  finished_at: string;
}

/** Fills defaults and refuses unknown or invalid settings by name. */
export function normalizeConfig(config: unknown): RunConfig {
  const filled = Value.Default(RunConfigSchema, structuredClone(config)) as RunConfig;
  const errors = [...Value.Errors(RunConfigSchema, filled)];
  if (errors.length > 0) {
    // An unknown key shows up as a 'false schema' at its own path, plus an additionalProperties error on the object.
    const unknown = [...new Set(errors.flatMap((e) => (e.params as { additionalProperties?: string[] } | undefined)?.additionalProperties ?? []))];
    if (unknown.length > 0) throw new BenchError('INVALID_CONFIG', `unknown setting${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`);
    const e = errors[0]!;
    throw new BenchError('INVALID_CONFIG', `${e.instancePath.replace(/^\//, '') || 'config'}: ${e.message}`);
  }
  if ((filled.spec_type === 'draft' || filled.spec_type === 'draft-mtp') && !filled.draft) {
    throw new BenchError('INVALID_CONFIG', `spec_type ${filled.spec_type} needs a draft model (draft)`);
  }
  return filled;
}

export function normalizeMeasure(measure: unknown = {}): Measure {
  const filled = Value.Default(MeasureSchema, structuredClone(measure)) as Measure;
  const errors = [...Value.Errors(MeasureSchema, filled)];
  if (errors.length > 0) throw new BenchError('INVALID_CONFIG', `measure${errors[0]!.instancePath}: ${errors[0]!.message}`);
  return filled;
}

/** Refuses a missing or non-GGUF model file before any process starts, naming the file. */
export function checkModelFile(path: string, role: string): void {
  if (!existsSync(path)) throw new BenchError('MODEL_MISSING', `the ${role} model ${path} does not exist`);
  const st = statSync(path);
  if (!st.isFile()) throw new BenchError('MODEL_MISSING', `the ${role} model ${path} is not a file`);
  const head = Buffer.alloc(8);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 8, 0);
  } finally {
    closeSync(fd);
  }
  if (head.toString('latin1', 0, 4) !== 'GGUF') throw new BenchError('MODEL_CORRUPT', `the ${role} model ${path} is not a GGUF file (bad magic)`);
  const version = head.readUInt32LE(4);
  if (version < 2 || version > 3) throw new BenchError('MODEL_CORRUPT', `the ${role} model ${path} has GGUF version ${version}; llama.cpp reads versions 2 and 3`);
}

const SPEC_FLAG: Record<RunConfig['spec_type'], string> = {
  none: 'none',
  draft: 'draft-simple',
  'draft-mtp': 'draft-mtp',
  ngram: 'ngram-simple',
  'ngram-map-k': 'ngram-map-k',
  'ngram-map-k4v': 'ngram-map-k4v',
  'ngram-mod': 'ngram-mod',
};

/** llama.cpp flags for a configuration; greedy sampling with EOS ignored is fixed: that is what is measured. */
export function llamaFlags(c: RunConfig, threads: number, speculative = true): string[] {
  const flags = [
    '-m', resolve(c.target),
    '-c', String(c.ctx_size), '-b', String(c.batch_size), '-ub', String(c.ubatch_size),
    '-ngl', String(c.gpu_layers), '-fa', c.flash_attn,
    '-t', String(threads), '-tb', String(threads), '--poll', String(c.poll),
    '--temp', '0', '--top-k', '1', '--seed', '0', '--ignore-eos',
  ];
  if (c.cache_type_k) flags.push('-ctk', c.cache_type_k);
  if (c.cache_type_v) flags.push('-ctv', c.cache_type_v);
  if (speculative && c.spec_type !== 'none') {
    flags.push('--spec-type', SPEC_FLAG[c.spec_type], '--spec-draft-n-max', String(c.draft_n_max), '--spec-draft-n-min', String(c.draft_n_min), '--spec-draft-p-min', String(c.draft_p_min));
    if (c.draft && (c.spec_type === 'draft' || c.spec_type === 'draft-mtp')) {
      // llama.cpp's draft polling is on/off (--spec-draft-poll <0|1>), not a level like --poll.
      flags.push('-md', resolve(c.draft), '-ngld', String(c.draft_gpu_layers), '-td', String(c.draft_threads ?? threads), '--spec-draft-poll', c.poll > 0 ? '1' : '0');
      if (c.draft_cache_type_k) flags.push('-ctkd', c.draft_cache_type_k);
      if (c.draft_cache_type_v) flags.push('-ctvd', c.draft_cache_type_v);
    }
  }
  return flags;
}

export async function runBench(input: BenchInput, options: BenchOptions = {}): Promise<BenchResult> {
  const startedAt = new Date();
  const config = normalizeConfig(input.config);
  const measure = normalizeMeasure(input.measure);
  if (input.prompts.length === 0) throw new BenchError('INVALID_CONFIG', 'no prompts to measure');
  checkModelFile(config.target, 'target');
  if (config.draft) checkModelFile(config.draft, 'draft');

  const backend: BackendChoice = chooseBackend(config.backend);
  options.onProgress?.({ phase: 'build', done: 0, total: 1 });
  let exe: string | null = null;
  let engineNote = '';
  if (options.engine !== 'node-llama-cpp') {
    try {
      exe = await ensureRunner(backend.binaries, options.cacheDir);
    } catch (err) {
      if (!(err instanceof NativeBuildError)) throw err;
      if (options.engine === 'native') throw new BenchError('BUILD_FAILED', `the native runner could not be built: ${err.message}`, err.log);
      engineNote = `native runner unavailable: ${err.message}`;
    }
  } else {
    engineNote = 'node-llama-cpp requested';
  }
  if (exe === null && config.spec_type !== 'none' && config.spec_type !== 'draft') {
    throw new BenchError('BUILD_FAILED', `spec_type ${config.spec_type} needs the native runner, which is unavailable (${engineNote})`);
  }
  const withDraftModel = Boolean(config.draft) && (config.spec_type === 'draft' || config.spec_type === 'draft-mtp');
  const threads = config.threads ?? defaultThreads(withDraftModel);
  const work = mkdtempSync(join(tmpdir(), 'collab-desk-bench-'));
  const deadline = options.timeoutMs ? Date.now() + options.timeoutMs : undefined;
  const remaining = () => (deadline ? Math.max(1, deadline - Date.now()) : undefined);
  try {
    const runJob = async (name: string, job: FallbackJob, speculative: boolean, phase: BenchProgress['phase'], total: number) => {
      let done = 0;
      const onEvent = (e: RunnerEvent) => {
        if (e.event === 'ready') options.onProgress?.({ phase: 'load', done: 1, total: 1 });
        if (e.event === 'warmup') options.onProgress?.({ phase: 'warmup', done: Number(e.index) + 1, total: measure.warmup });
        if (e.event === 'run') {
          done++;
          options.onProgress?.({ phase, done, total, tps: Number(e.n_generated) / Number(e.decode_s) });
        }
        if (e.event === 'ppl') options.onProgress?.({ phase: 'perplexity', done: Number(e.index) + 1, total: input.references?.length ?? 0 });
      };
      if (exe === null) {
        const signal = AbortSignal.any([...(options.signal ? [options.signal] : []), ...(remaining() ? [AbortSignal.timeout(remaining()!)] : [])]);
        try {
          return await runFallback(speculative ? config : { ...config, spec_type: 'none' }, job, threads, backend.binaries.flavor !== 'cpu', onEvent, signal);
        } catch (err) {
          if (err instanceof BenchError && err.code === 'CANCELLED' && !options.signal?.aborted) {
            throw timedOut(options.timeoutMs!);
          }
          throw err;
        }
      }
      const jobFile = join(work, `${name}.json`);
      writeFileSync(jobFile, JSON.stringify({ ...job, draft_loop: config.draft_loop, backends_dir: backend.binaries.bins }));
      return runRunner(exe, [jobFile, ...llamaFlags(config, threads, speculative)], {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(remaining() ? { timeoutMs: remaining()! } : {}),
        onEvent,
      });
    };

    // Greedy identity: the plain target's own tokens, to compare every speculative run against.
    let plain: RunRecord[] | null = null;
    if (config.spec_type !== 'none') {
      const events = await runJob('plain', { prompts: input.prompts, n_predict: measure.tokens, warmup: 0, repeats: 1 }, false, 'identity', input.prompts.length);
      plain = events.filter((e) => e.event === 'run') as unknown as RunRecord[];
    }
    const events = await runJob(
      'measure',
      { prompts: input.prompts, n_predict: measure.tokens, warmup: measure.warmup, repeats: measure.repeats, ...(input.references?.length ? { references: input.references } : {}) },
      true,
      'measure',
      input.prompts.length * measure.repeats,
    );
    const ready = events.find((e) => e.event === 'ready') as RunnerEvent & Record<string, unknown>;
    const runs = events.filter((e) => e.event === 'run') as unknown as RunRecord[];
    const ppls = events.filter((e) => e.event === 'ppl') as unknown as Array<{ nll: number; n: number }>;

    const perRepeat = Array.from({ length: measure.repeats }, (_, r) => {
      const rs = runs.filter((x) => x.repeat === r);
      return rs.reduce((a, x) => a + x.n_generated, 0) / rs.reduce((a, x) => a + x.decode_s, 0);
    });
    const stats = summarize(perRepeat);
    const drafted = runs.reduce((a, x) => a + x.n_drafted, 0);
    const accepted = runs.reduce((a, x) => a + x.n_accepted, 0);
    const steps = runs.reduce((a, x) => a + x.n_steps, 0);
    const positions = Math.max(0, ...runs.map((x) => x.drafted_at.length));
    const perPosition = Array.from({ length: positions }, (_, i) => {
      const d = runs.reduce((a, x) => a + (x.drafted_at[i] ?? 0), 0);
      return d ? runs.reduce((a, x) => a + (x.accepted_at[i] ?? 0), 0) / d : 0;
    });

    const divergences: BenchResult['divergences'] = [];
    if (plain) {
      for (const run of runs) {
        const ref = plain.find((p) => p.prompt === run.prompt);
        if (!ref) continue;
        const first = run.tokens.findIndex((t, i) => t !== ref.tokens[i]);
        const firstToken = first >= 0 ? first : run.tokens.length !== ref.tokens.length ? Math.min(run.tokens.length, ref.tokens.length) : -1;
        if (firstToken >= 0 && !divergences.some((d) => d.prompt === run.prompt)) divergences.push({ prompt: run.prompt, first_token: firstToken });
      }
    }
    const nllSum = ppls.reduce((a, x) => a + x.nll, 0);
    const nllCount = ppls.reduce((a, x) => a + x.n, 0);
    const devices = (ready?.devices as Array<{ type: string; backend: string }> | undefined) ?? [];
    const gpu = devices.find((d) => d.type === 'gpu' || d.type === 'igpu');
    const usedBackend = gpu && config.gpu_layers !== 0 ? backend.binaries.flavor : 'cpu';

    const models: Provenance['models'] = {
      target: { path: resolve(config.target), sha256: await modelFileSha256(config.target), bytes: statSync(config.target).size, desc: String(ready?.model ?? ''), params: Number(ready?.model_params ?? 0) },
    };
    if (config.draft) models.draft = { path: resolve(config.draft), sha256: await modelFileSha256(config.draft), bytes: statSync(config.draft).size };

    const firstRepeat = runs.filter((x) => x.repeat === 0);
    const plainTps = plain ? plain.reduce((a, x) => a + x.n_generated, 0) / plain.reduce((a, x) => a + x.decode_s, 0) : null;
    return {
      tps: stats.median,
      tps_ci: stats.ci95,
      tps_stdev: stats.stdev,
      tps_per_repeat: perRepeat,
      prefill_tps: runs.reduce((a, x) => a + x.n_prompt - 1, 0) / runs.reduce((a, x) => a + x.prefill_s, 0),
      ppl: nllCount > 0 ? Math.exp(nllSum / nllCount) : null,
      ppl_tokens: nllCount,
      acceptance: drafted > 0 ? accepted / drafted : null,
      acceptance_per_position: perPosition,
      mean_accepted_per_step: drafted > 0 ? accepted / steps : null,
      tokens_per_step: runs.reduce((a, x) => a + x.n_generated, 0) / steps,
      identical: plain ? divergences.length === 0 : null,
      divergence_rate: plain ? divergences.length / input.prompts.length : null,
      divergences,
      lossy: divergences.length > 0,
      plain_tps: plainTps,
      backend: usedBackend,
      engine: exe ? 'native' : 'node-llama-cpp',
      per_prompt: firstRepeat.map((x) => ({ prompt: x.prompt, n_prompt: x.n_prompt, tps: x.n_generated / x.decode_s, prefill_tps: (x.n_prompt - 1) / x.prefill_s, tokens: x.tokens })),
      config,
      measure,
      provenance: {
        app_version: APP_VERSION,
        node: process.version,
        os: `${osType()} ${release()} ${arch()}`,
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: cpus().length,
        llama: {
          release: backend.binaries.release,
          build: Number(ready?.llama_build ?? 0),
          commit: String(ready?.llama_commit ?? ''),
          build_info: String(ready?.llama_build_info ?? ''),
          system_info: String(ready?.system_info ?? ''),
        },
        backend: { flavor: backend.binaries.flavor, reason: backend.reason, devices },
        engine: exe ? `native (${basename(exe)})` : `node-llama-cpp fallback (${engineNote})`,
        models,
        flags: llamaFlags(config, threads),
        threads,
        poll: config.poll,
        started_at: startedAt.toISOString(),
        finished_at: new Date().toISOString(),
      },
    };
  } catch (err) {
    // Each phase gets what is left of the budget; the message names the budget the caller set.
    if (err instanceof BenchError && err.code === 'TIMED_OUT' && options.timeoutMs) throw timedOut(options.timeoutMs);
    throw err;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function timedOut(ms: number): BenchError {
  return new BenchError('TIMED_OUT', `the run took longer than ${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s and was stopped`);
}
