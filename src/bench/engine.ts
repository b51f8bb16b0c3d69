// The bench engine: runs one configuration in llama.cpp's native speculative loop and measures it honestly —
// tokens/s over repeats with an interval, acceptance per draft position, teacher-forced perplexity, and greedy
// identity against the plain target, with full provenance.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { arch, cpus, release, tmpdir, type as osType } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { Value } from 'typebox/value';
import { MeasureSchema, type Measure, type RunConfig } from '../shared/run-config';
import { checkRunConfig } from '../shared/run-config-check';
import type { MachineState, RunFigures, SpeculationCosts, SplitFigures } from '../shared/challenge';
import { APP_VERSION } from '../shared/version';
import { BenchError } from './bench-error';
import { BackendMissingError, chooseBackend, defaultThreads, type BackendChoice } from '../platform/compute-backend';
import { modelFileSha256 } from '../platform/file-hash';
import { ggufFileProblem } from '../platform/gguf-file';
import { ensureRunner, nativeCacheFolder, NativeBuildError } from './native-runner';
import { startFallbackSession } from './fallback-runner';
import { MachineMonitor } from './machine-monitor';
import { startNativeSession } from './native-process';
import type { RunnerEvent, RunnerJob, RunnerSession, RunRecord } from './runner-session';
import { summarize } from '../shared/statistics';

export interface Reference {
  prompt: string;
  reference: string;
}

export interface BenchInput {
  config: Partial<RunConfig> & { target: string };
  measure?: Partial<Measure>;
  prompts: string[];
  references?: Reference[];
  /** The prompts (indices) whose figures adaptive repeats must settle: those a result is ranked by (default: all). */
  settleOn?: number[];
}

export interface BenchProgress {
  phase: 'build' | 'load' | 'warmup' | 'measure' | 'perplexity';
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
  /**
   * Where the run's working files go (its job file holds every prompt and reference, held-out ones included); default
   * the system temp folder. The hub gives one inside its data folder, which sandboxed agents never see.
   */
  workDir?: string;
}

export interface PromptResult {
  prompt: number;
  n_prompt: number;
  tps: number;
  prefill_tps: number;
  tokens: number[];
}

export interface BenchResult extends RunFigures {
  prefill_tps: number;
  divergences: Array<{ prompt: number; first_token: number }>;
  lossy: boolean;
  engine: 'native' | 'node-llama-cpp';
  /** The configuration's own first-repeat generation of each prompt. */
  per_prompt: PromptResult[];
  /** Every measured generation's timing (all repeats, both passes), so a caller can aggregate any subset of the prompts. */
  runs: Array<{ prompt: number; repeat: number; pass: RunRecord['pass']; n_generated: number; decode_s: number }>;
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
  /** How the plain and speculative passes were ordered. */
  order: string;
  started_at: string;
  finished_at: string;
}

/** Fills defaults and refuses unknown or invalid settings by name (the same check the hub makes of a job). */
export function normalizeConfig(config: unknown): RunConfig {
  const checked = checkRunConfig(config);
  if (checked.error !== null) throw new BenchError('INVALID_CONFIG', checked.error);
  return checked.config;
}

export function normalizeMeasure(measure: unknown = {}): Measure {
  const filled = Value.Default(MeasureSchema, structuredClone(measure)) as Measure;
  const errors = [...Value.Errors(MeasureSchema, filled)];
  if (errors.length > 0)
    throw new BenchError('INVALID_CONFIG', `measure${errors[0]!.instancePath}: ${errors[0]!.message}`);
  return filled;
}

/** Refuses a missing or non-GGUF model file before any process starts, naming the file. */
export function checkModelFile(path: string, role: string): void {
  const problem = ggufFileProblem(path, role);
  if (problem) throw new BenchError(problem.kind === 'missing' ? 'MODEL_MISSING' : 'MODEL_CORRUPT', problem.message);
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
    '-m',
    resolve(c.target),
    '-c',
    String(c.ctx_size),
    '-b',
    String(c.batch_size),
    '-ub',
    String(c.ubatch_size),
    '-ngl',
    String(c.gpu_layers),
    '-fa',
    c.flash_attn,
    '-t',
    String(threads),
    '-tb',
    String(threads),
    '--poll',
    String(c.poll),
    '--temp',
    '0',
    '--top-k',
    '1',
    '--seed',
    '0',
    '--ignore-eos',
  ];
  if (c.cache_type_k) flags.push('-ctk', c.cache_type_k);
  if (c.cache_type_v) flags.push('-ctv', c.cache_type_v);
  if (speculative && c.spec_type !== 'none') {
    flags.push(
      '--spec-type',
      SPEC_FLAG[c.spec_type],
      '--spec-draft-n-max',
      String(c.draft_n_max),
      '--spec-draft-n-min',
      String(c.draft_n_min),
      '--spec-draft-p-min',
      String(c.draft_p_min),
    );
    if (c.draft && (c.spec_type === 'draft' || c.spec_type === 'draft-mtp')) {
      // llama.cpp's draft polling is on/off (--spec-draft-poll <0|1>), not a level like --poll.
      flags.push(
        '-md',
        resolve(c.draft),
        '-ngld',
        String(c.draft_gpu_layers),
        '-td',
        String(c.draft_threads ?? threads),
        '--spec-draft-poll',
        c.poll > 0 ? '1' : '0',
      );
      if (c.draft_cache_type_k) flags.push('-ctkd', c.draft_cache_type_k);
      if (c.draft_cache_type_v) flags.push('-ctvd', c.draft_cache_type_v);
    }
  }
  return flags;
}

/** A configuration made ready to run: its runner built (or the fallback chosen), threads set, a scratch folder. */
interface Engine {
  config: RunConfig;
  backend: BackendChoice;
  /** The native runner, or null for the node-llama-cpp fallback. */
  exe: string | null;
  /** Why the fallback runs instead of the native runner ('' when native). */
  note: string;
  threads: number;
  work: string;
  /** What is left of the caller's time budget, in ms (undefined: no budget). */
  remaining: () => number | undefined;
}

/** The platform's backend choice; a backend it cannot find is refused with the engine's own code, like every refusal. */
function backendFor(request: RunConfig['backend']): BackendChoice {
  try {
    return chooseBackend(request);
  } catch (err) {
    if (err instanceof BackendMissingError) throw new BenchError('BACKEND_MISSING', err.message);
    throw err;
  }
}

/** Model hashes are remembered beside the built runners, so a cache wipe forgets both. */
function modelHashesFile(): string {
  return join(dirname(nativeCacheFolder()), 'model-hashes.json');
}

/** Builds (or finds) the runner for a configuration and runs `body` with it; the scratch folder never outlives it. */
async function withEngine<T>(
  config: RunConfig,
  options: BenchOptions,
  body: (engine: Engine) => Promise<T>,
): Promise<T> {
  checkModelFile(config.target, 'target');
  if (config.draft) checkModelFile(config.draft, 'draft');

  const backend = backendFor(config.backend);
  options.onProgress?.({ phase: 'build', done: 0, total: 1 });
  let exe: string | null = null;
  let note = '';
  if (options.engine !== 'node-llama-cpp') {
    try {
      exe = await ensureRunner(backend.binaries, options.cacheDir);
    } catch (err) {
      if (!(err instanceof NativeBuildError)) throw err;
      if (options.engine === 'native')
        throw new BenchError('BUILD_FAILED', `the native runner could not be built: ${err.message}`, err.log);
      note = `native runner unavailable: ${err.message}`;
    }
  } else {
    note = 'node-llama-cpp requested';
  }
  if (exe === null && config.spec_type !== 'none' && config.spec_type !== 'draft') {
    throw new BenchError(
      'BUILD_FAILED',
      `spec_type ${config.spec_type} needs the native runner, which is unavailable (${note})`,
    );
  }
  const withDraftModel = Boolean(config.draft) && (config.spec_type === 'draft' || config.spec_type === 'draft-mtp');
  const threads = config.threads ?? defaultThreads(withDraftModel);
  if (options.workDir) mkdirSync(options.workDir, { recursive: true, mode: 0o700 });
  const work = mkdtempSync(join(options.workDir ?? tmpdir(), 'collab-desk-bench-'));
  const deadline = options.timeoutMs ? Date.now() + options.timeoutMs : undefined;
  const remaining = () => (deadline ? Math.max(1, deadline - Date.now()) : undefined);
  try {
    return await body({ config, backend, exe, note, threads, work, remaining });
  } catch (err) {
    // Each phase gets what is left of the budget; the message names the budget the caller set.
    if (err instanceof BenchError && err.code === 'TIMED_OUT' && options.timeoutMs) throw timedOut(options.timeoutMs);
    throw err;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Loads the configuration once, in the native runner's process or (fallback) node-llama-cpp in this one. */
async function openSession(
  engine: Engine,
  options: BenchOptions,
  name: string,
  job: RunnerJob,
  total: () => number,
): Promise<RunnerSession> {
  const { config, exe, remaining } = engine;
  let done = 0;
  const onEvent = (e: RunnerEvent) => {
    if (e.event === 'ready') options.onProgress?.({ phase: 'load', done: 1, total: 1 });
    if (e.event === 'warmup')
      options.onProgress?.({ phase: 'warmup', done: Number(e.index) + 1, total: Number(e.index) + 1 });
    if (e.event === 'run') {
      done++;
      options.onProgress?.({
        phase: 'measure',
        done,
        total: Math.max(done, total()),
        tps: Number(e.n_generated) / Number(e.decode_s),
      });
    }
    if (e.event === 'ppl')
      options.onProgress?.({ phase: 'perplexity', done: Number(e.index) + 1, total: job.references?.length ?? 0 });
  };
  if (exe === null) {
    const signal = AbortSignal.any([
      ...(options.signal ? [options.signal] : []),
      ...(remaining() ? [AbortSignal.timeout(remaining()!)] : []),
    ]);
    const asTimeout = (err: unknown) => {
      if (err instanceof BenchError && err.code === 'CANCELLED' && !options.signal?.aborted)
        throw timedOut(options.timeoutMs!);
      throw err;
    };
    const session = await startFallbackSession(
      config,
      job,
      engine.threads,
      engine.backend.binaries.flavor !== 'cpu',
      onEvent,
      signal,
    ).catch(asTimeout);
    return {
      ...session,
      ready: session.ready,
      pid: session.pid,
      run: (command) => session.run(command).catch(asTimeout),
      close: () => session.close(),
    };
  }
  const jobFile = join(engine.work, `${name}.json`);
  // parent_pid: the runner exits if this process is already gone when it starts (it dies with it afterwards).
  writeFileSync(
    jobFile,
    JSON.stringify({
      ...job,
      draft_loop: config.draft_loop,
      backends_dir: engine.backend.binaries.bins,
      parent_pid: process.pid,
    }),
  );
  return startNativeSession(exe, [jobFile, ...llamaFlags(config, engine.threads)], {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(remaining() ? { timeoutMs: remaining()! } : {}),
    onEvent,
  });
}

const runsOf = (events: RunnerEvent[]) => events.filter((e) => e.event === 'run') as unknown as RunRecord[];

/** Tokens over decode seconds of a set of generations (how every TPS figure here is computed). */
function rate(runs: RunRecord[]): number {
  return runs.reduce((a, x) => a + x.n_generated, 0) / runs.reduce((a, x) => a + x.decode_s, 0);
}

/**
 * One split's figures from interleaved passes: per repeat, the configuration's TPS and its plain target's over the
 * same prompts, and their ratio. `paired` false: the configuration is the plain target, its speedup is 1.
 */
export function splitFigures(
  runs: Array<Pick<RunRecord, 'prompt' | 'repeat' | 'pass' | 'n_generated' | 'decode_s'>>,
  prompts: Set<number> | null,
  paired: boolean,
): SplitFigures | null {
  const inSplit = runs.filter((r) => prompts === null || prompts.has(r.prompt));
  if (inSplit.length === 0) return null;
  const measured = paired ? 'spec' : 'plain';
  const repeats = [...new Set(inSplit.map((r) => r.repeat))].sort((a, b) => a - b);
  const tpsOf = (pass: RunRecord['pass']) =>
    repeats.map((rep) => rate(inSplit.filter((r) => r.repeat === rep && r.pass === pass) as RunRecord[]));
  const tps = tpsOf(measured);
  const plain = paired ? tpsOf('plain') : [];
  const ratios = paired ? tps.map((t, i) => t / plain[i]!) : tps.map(() => 1);
  const t = summarize(tps);
  const p = paired ? summarize(plain) : null;
  const sp = summarize(ratios);
  return {
    prompts: new Set(inSplit.map((r) => r.prompt)).size,
    tps: t.median,
    tps_ci: t.ci95,
    tps_per_repeat: tps,
    plain_tps: p?.median ?? null,
    plain_tps_ci: p?.ci95 ?? null,
    plain_tps_per_repeat: plain,
    speedup: sp.median,
    speedup_ci: sp.ci95,
    speedup_per_repeat: ratios,
  };
}

/** Half the 95% interval's width as a fraction of the median: what adaptive repeats drive under the noise target. */
export function relativeHalfWidth(ci: [number, number], median: number): number {
  return median > 0 ? (ci[1] - ci[0]) / 2 / median : Number.POSITIVE_INFINITY;
}

/**
 * Whether a run may stop after `done` repeats: never before the minimum; at once without a noise target; at the cap;
 * else when every interval (the tps, and the paired speedup's for a speculative run) is within the target and none
 * reaches zero.
 */
export function enoughRepeats(f: SplitFigures, measure: Measure, done: number): boolean {
  if (done < measure.repeats) return false;
  if (measure.noise_target === undefined || done >= (measure.max_repeats ?? measure.repeats)) return true;
  const tight = (ci: [number, number], median: number) =>
    ci[0] > 0 && relativeHalfWidth(ci, median) <= measure.noise_target!;
  return tight(f.tps_ci, f.tps) && (f.plain_tps === null || tight(f.speedup_ci, f.speedup));
}

/** Where a speculative pass's time went, in plain decode steps of the same run (see SpeculationCosts). */
function costsOf(runs: RunRecord[]): SpeculationCosts | null {
  const spec = runs.filter((r) => r.pass === 'spec');
  const plain = runs.filter((r) => r.pass === 'plain');
  const steps = spec.reduce((a, x) => a + x.n_steps, 0);
  const drafted = spec.reduce((a, x) => a + x.n_drafted, 0);
  if (spec.length === 0 || plain.length === 0 || steps === 0) return null;
  const plainStep = 1 / rate(plain);
  const verify = spec.reduce((a, x) => a + x.verify_s, 0) / steps;
  const draft = drafted > 0 ? spec.reduce((a, x) => a + x.draft_s, 0) / drafted : 0;
  const round = (x: number) => Number(x.toFixed(4));
  return {
    plain_step_s: Number(plainStep.toPrecision(4)),
    verify_step_cost: round(verify / plainStep),
    draft_token_cost: round(draft / plainStep),
    drafted_per_step: round(drafted / steps),
    tokens_per_step: round(spec.reduce((a, x) => a + x.n_generated, 0) / steps),
    acceptance: drafted > 0 ? round(spec.reduce((a, x) => a + x.n_accepted, 0) / drafted) : null,
  };
}

/** The hardware class a result is ranked within: the GPU that ran it, else the CPU model and its logical cores. */
export function hardwareClass(
  devices: Array<{ type?: string; description?: string; name?: string }>,
  backend: string,
): string {
  if (backend !== 'cpu') {
    const gpu = devices.find((d) => d.type === 'gpu' || d.type === 'igpu');
    if (gpu) return `${(gpu.description || gpu.name || 'GPU').trim()} (${backend})`;
  }
  return `${(cpus()[0]?.model ?? 'unknown CPU').trim().replace(/\s+/g, ' ')} x${cpus().length} (cpu)`;
}

/**
 * Measures a configuration against its own plain target in one process: after the warm-up, repeat by repeat, a
 * plain pass and a speculative pass over every prompt, in ABBA order (plain-spec, spec-plain, ...) so a steady drift
 * in machine speed hits both alike. Repeats go on past the minimum while an interval is wider than the noise target.
 */
export async function runBench(input: BenchInput, options: BenchOptions = {}): Promise<BenchResult> {
  const startedAt = new Date();
  const config = normalizeConfig(input.config);
  const measure = normalizeMeasure(input.measure);
  if (input.prompts.length === 0) throw new BenchError('INVALID_CONFIG', 'no prompts to measure');
  const paired = config.spec_type !== 'none';
  const passes = paired ? 2 : 1;
  const settleOn = input.settleOn?.length ? new Set(input.settleOn) : null;
  const minRepeats = measure.repeats;
  const maxRepeats = Math.max(
    minRepeats,
    measure.noise_target === undefined ? minRepeats : (measure.max_repeats ?? minRepeats),
  );
  return withEngine(config, options, async (engine) => {
    const { backend, exe, threads } = engine;
    const job: RunnerJob = {
      prompts: input.prompts,
      n_predict: measure.tokens,
      ...(input.references?.length ? { references: input.references } : {}),
    };
    let repeatsAsked = minRepeats;
    const session = await openSession(
      engine,
      options,
      'measure',
      job,
      () => repeatsAsked * passes * input.prompts.length,
    );
    const ready = session.ready;
    const devices =
      (ready.devices as Array<{ type: string; backend: string; description?: string; name?: string }> | undefined) ??
      [];
    const gpu = devices.find((d) => d.type === 'gpu' || d.type === 'igpu');
    const usedBackend = gpu && config.gpu_layers !== 0 ? backend.binaries.flavor : 'cpu';
    // The runner and this process (which drives it) are the measurement; every other process is a disturbance.
    const monitor = new MachineMonitor(exe ? [session.pid, process.pid] : [process.pid], usedBackend === 'cuda');
    const runs: RunRecord[] = [];
    let ppls: Array<{ nll: number; n: number }> = [];
    let machine: MachineState;
    try {
      for (let w = 0; w < measure.warmup; w++) {
        if (paired) await session.run({ cmd: 'warmup', speculative: false });
        await session.run({ cmd: 'warmup', speculative: paired });
      }
      monitor.start();
      for (let r = 0; r < maxRepeats; r++) {
        const order = !paired ? [false] : r % 2 === 0 ? [false, true] : [true, false];
        for (const speculative of order)
          runs.push(...runsOf(await session.run({ cmd: 'pass', speculative, repeat: r })));
        if (enoughRepeats(splitFigures(runs, settleOn, paired)!, measure, r + 1)) break;
        repeatsAsked = Math.max(repeatsAsked, r + 2);
      }
      machine = await monitor.stop();
      if (job.references)
        ppls = (await session.run({ cmd: 'references' })).filter((e) => e.event === 'ppl') as unknown as typeof ppls;
    } finally {
      await monitor.stop().catch(() => undefined); // after a failure: its sampling timer stops
      await session.close();
    }

    const figures = splitFigures(runs, null, paired)!;
    const spec = runs.filter((x) => x.pass === (paired ? 'spec' : 'plain'));
    const drafted = spec.reduce((a, x) => a + x.n_drafted, 0);
    const accepted = spec.reduce((a, x) => a + x.n_accepted, 0);
    const steps = spec.reduce((a, x) => a + x.n_steps, 0);
    const positions = Math.max(0, ...spec.map((x) => x.drafted_at.length));
    const perPosition = Array.from({ length: positions }, (_, i) => {
      const d = spec.reduce((a, x) => a + (x.drafted_at[i] ?? 0), 0);
      return d ? spec.reduce((a, x) => a + (x.accepted_at[i] ?? 0), 0) / d : 0;
    });

    // Greedy identity: every speculative generation against the plain target's own tokens from the same run.
    const divergences: BenchResult['divergences'] = [];
    if (paired) {
      const plainFirst = runs.filter((x) => x.pass === 'plain' && x.repeat === 0);
      for (const run of spec) {
        const ref = plainFirst.find((p) => p.prompt === run.prompt);
        if (!ref) continue;
        const first = run.tokens.findIndex((t, i) => t !== ref.tokens[i]);
        const firstToken =
          first >= 0
            ? first
            : run.tokens.length !== ref.tokens.length
              ? Math.min(run.tokens.length, ref.tokens.length)
              : -1;
        if (firstToken >= 0 && !divergences.some((d) => d.prompt === run.prompt))
          divergences.push({ prompt: run.prompt, first_token: firstToken });
      }
    }
    const nllSum = ppls.reduce((a, x) => a + x.nll, 0);
    const nllCount = ppls.reduce((a, x) => a + x.n, 0);

    const models: Provenance['models'] = {
      target: {
        path: resolve(config.target),
        sha256: await modelFileSha256(config.target, modelHashesFile()),
        bytes: statSync(config.target).size,
        desc: String(ready.model ?? ''),
        params: Number(ready.model_params ?? 0),
      },
    };
    if (config.draft)
      models.draft = {
        path: resolve(config.draft),
        sha256: await modelFileSha256(config.draft, modelHashesFile()),
        bytes: statSync(config.draft).size,
      };

    const firstRepeat = spec.filter((x) => x.repeat === 0);
    return {
      tps: figures.tps,
      tps_ci: figures.tps_ci,
      tps_stdev: summarize(figures.tps_per_repeat).stdev,
      tps_per_repeat: figures.tps_per_repeat,
      plain_tps: figures.plain_tps,
      plain_tps_ci: figures.plain_tps_ci,
      plain_tps_per_repeat: figures.plain_tps_per_repeat,
      speedup: figures.speedup,
      speedup_ci: figures.speedup_ci,
      speedup_per_repeat: figures.speedup_per_repeat,
      repeats: figures.tps_per_repeat.length,
      prefill_tps: spec.reduce((a, x) => a + x.n_prompt - 1, 0) / spec.reduce((a, x) => a + x.prefill_s, 0),
      ppl: nllCount > 0 ? Math.exp(nllSum / nllCount) : null,
      ppl_tokens: nllCount,
      acceptance: drafted > 0 ? accepted / drafted : null,
      acceptance_per_position: perPosition,
      mean_accepted_per_step: drafted > 0 ? accepted / steps : null,
      tokens_per_step: spec.reduce((a, x) => a + x.n_generated, 0) / steps,
      identical: paired ? divergences.length === 0 : null,
      divergence_rate: paired ? divergences.length / input.prompts.length : null,
      divergences,
      lossy: divergences.length > 0,
      costs: paired ? costsOf(runs) : null,
      backend: usedBackend,
      engine: exe ? 'native' : 'node-llama-cpp',
      hardware: hardwareClass(devices, usedBackend),
      machine,
      per_prompt: firstRepeat.map((x) => ({
        prompt: x.prompt,
        n_prompt: x.n_prompt,
        tps: x.n_generated / x.decode_s,
        prefill_tps: (x.n_prompt - 1) / x.prefill_s,
        tokens: x.tokens,
      })),
      runs: runs.map(({ prompt, repeat, pass, n_generated, decode_s }) => ({
        prompt,
        repeat,
        pass,
        n_generated,
        decode_s,
      })),
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
          build: Number(ready.llama_build ?? 0),
          commit: String(ready.llama_commit ?? ''),
          build_info: String(ready.llama_build_info ?? ''),
          system_info: String(ready.system_info ?? ''),
        },
        backend: { flavor: backend.binaries.flavor, reason: backend.reason, devices },
        engine: exe ? `native (${basename(exe)})` : `node-llama-cpp fallback (${engine.note})`,
        models,
        flags: llamaFlags(config, threads),
        threads,
        poll: config.poll,
        order: paired
          ? 'ABBA: plain then speculative in even repeats, speculative then plain in odd ones, one process'
          : 'plain only',
        started_at: startedAt.toISOString(),
        finished_at: new Date().toISOString(),
      },
    };
  });
}

/**
 * One greedy generation of `tokens` new tokens per prompt with this configuration, speculation included (it is
 * lossless, so the texts are the plain model's unless the config is lossy): what an accuracy probe or a
 * calibration scores. No warm-up, one repeat; progress is reported as the measure phase.
 */
export async function generateTexts(
  config: BenchInput['config'],
  prompts: string[],
  tokens: number,
  options: BenchOptions = {},
): Promise<string[]> {
  const normalized = normalizeConfig(config);
  normalizeMeasure({ tokens, warmup: 0, repeats: 1 });
  if (prompts.length === 0) return [];
  return withEngine(normalized, options, async (engine) => {
    const session = await openSession(
      engine,
      options,
      'generate',
      { prompts, n_predict: tokens, texts: true },
      () => prompts.length,
    );
    let runs: RunRecord[];
    try {
      runs = runsOf(await session.run({ cmd: 'pass', speculative: true, repeat: 0 }));
    } finally {
      await session.close();
    }
    return prompts.map((_, i) => {
      const text = runs.find((r) => r.prompt === i)?.text;
      if (typeof text !== 'string')
        throw new BenchError('RUNNER_FAILED', `the runner returned no text for prompt ${i + 1} of ${prompts.length}`);
      return text;
    });
  });
}

function timedOut(ms: number): BenchError {
  return new BenchError(
    'TIMED_OUT',
    `the run took longer than ${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s and was stopped`,
  );
}
