// The bench engine behind the hub's job queue: one job measured over every prompt, its TPS split by public and
// private prompts, the accuracy probe scored, and nothing but aggregates reported (no prompt or generated text).
import type { JobRunHooks, JobRunInput, JobRunOutput, JobRunProgress, JobRunner } from '../shared/challenge';
import { median } from '../shared/statistics';
import { BenchError } from './bench-error';
import { generateTexts, runBench, type BenchOptions, type BenchProgress, type BenchResult } from './engine';
import { formatProbePrompt, scoreProbe } from './probe';

export interface EngineJobRunnerOptions {
  /** Where built runners are cached (default: the user's cache folder). */
  cacheDir?: string;
  engine?: BenchOptions['engine'];
}

type Split = JobRunInput['prompts'][number]['split'];

/** What each phase is doing, for the job's log: a person reading it sees where the time went. */
const PHASE_LOG: Record<BenchProgress['phase'] | 'probe', string> = {
  build: 'preparing the runner',
  load: 'loading the model',
  identity: "greedy identity: the plain target's own tokens",
  warmup: 'warming up',
  measure: 'measuring',
  perplexity: 'perplexity of the references',
  probe: 'accuracy probe',
};

export function engineJobRunner(options: EngineJobRunnerOptions = {}): JobRunner {
  return { run: (input, hooks) => runJob(input, hooks, options) };
}

async function runJob(input: JobRunInput, hooks: JobRunHooks, options: EngineJobRunnerOptions): Promise<JobRunOutput> {
  // One budget for the whole job: the probe gets what the measurement left.
  const deadline = hooks.timeoutMs > 0 ? Date.now() + hooks.timeoutMs : undefined;
  const bench = (relabel?: JobRunProgress['phase']): BenchOptions => ({
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    ...(options.engine ? { engine: options.engine } : {}),
    signal: hooks.signal,
    ...(deadline ? { timeoutMs: Math.max(1, deadline - Date.now()) } : {}),
    onProgress: progressTo(hooks, relabel),
  });
  try {
    const count = (split: Split) => input.prompts.filter((p) => p.split === split).length;
    const { tokens, warmup, repeats } = input.measure;
    hooks.onLog(
      `measuring ${plural(input.prompts.length, 'prompt')} (${count('public')} public, ${count('private')} private): ` +
        `${tokens} tokens each, ${warmup} warm-up, ${plural(repeats, 'repeat')}, ${plural(input.references.length, 'perplexity reference')}`,
    );
    // Every prompt in one run, in order: the split figures come from the same measurement as the overall one.
    const result = await runBench({ config: input.config, measure: input.measure, prompts: input.prompts.map((p) => p.text), references: input.references }, bench());
    hooks.onLog(`engine: ${result.provenance.engine}; backend: ${result.backend} (${result.provenance.backend.reason})`);
    const pub = splitTps(result, input.prompts, 'public');
    const priv = splitTps(result, input.prompts, 'private');
    hooks.onLog(figures(result, pub.tps, priv.tps));

    let probe: JobRunOutput['probe'] = null;
    if (input.probe.length > 0) {
      if (hooks.signal.aborted) throw new BenchError('CANCELLED', 'the run was cancelled');
      const texts = await generateTexts(input.config, input.probe.map(formatProbePrompt), input.probe_tokens, bench('probe'));
      const { correct, total, accuracy } = scoreProbe(input.probe, texts);
      probe = { correct, total, accuracy };
      hooks.onLog(`accuracy probe: ${correct}/${total} correct (${(accuracy * 100).toFixed(1)}%)`);
    }

    return {
      tps: result.tps,
      tps_ci: result.tps_ci,
      tps_stdev: result.tps_stdev,
      tps_per_repeat: result.tps_per_repeat,
      tps_public: pub.tps,
      tps_private: priv.tps,
      tps_public_per_repeat: pub.perRepeat,
      tps_private_per_repeat: priv.perRepeat,
      ppl: result.ppl,
      ppl_tokens: result.ppl_tokens,
      acceptance: result.acceptance,
      acceptance_per_position: result.acceptance_per_position,
      mean_accepted_per_step: result.mean_accepted_per_step,
      tokens_per_step: result.tokens_per_step,
      identical: result.identical,
      divergence_rate: result.divergence_rate,
      plain_tps: result.plain_tps,
      probe,
      backend: result.backend,
      engine: result.engine,
      provenance: { ...result.provenance },
    };
  } catch (err) {
    throw asBenchError(err, hooks.timeoutMs);
  }
}

/**
 * TPS over one split's prompts: per repeat, its tokens over its decode time (as the overall figure is computed),
 * then the median over repeats. A split with no prompt has no figure.
 */
export function splitTps(result: Pick<BenchResult, 'runs'>, prompts: JobRunInput['prompts'], split: Split): { tps: number | null; perRepeat: number[] } {
  const inSplit = new Set(prompts.flatMap((p, i) => (p.split === split ? [i] : [])));
  if (inSplit.size === 0) return { tps: null, perRepeat: [] };
  const repeats = [...new Set(result.runs.map((r) => r.repeat))].sort((a, b) => a - b);
  const perRepeat = repeats.map((repeat) => {
    const runs = result.runs.filter((r) => r.repeat === repeat && inSplit.has(r.prompt));
    return runs.reduce((a, r) => a + r.n_generated, 0) / runs.reduce((a, r) => a + r.decode_s, 0);
  });
  return { tps: median(perRepeat), perRepeat };
}

/** Forwards progress to the job, logging each new phase once (a probe's generation is reported as the probe). */
function progressTo(hooks: JobRunHooks, relabel?: string): (p: BenchProgress) => void {
  let last: string | null = null;
  return (p) => {
    const phase = relabel && p.phase === 'measure' ? relabel : p.phase;
    if (phase !== last) hooks.onLog(`${PHASE_LOG[phase as keyof typeof PHASE_LOG] ?? phase}…`);
    last = phase;
    hooks.onProgress({ phase, done: p.done, total: p.total, ...(p.tps !== undefined ? { tps: p.tps } : {}) });
  };
}

/** The final figures, as one line of numbers (never a prompt or its output). */
function figures(r: BenchResult, tpsPublic: number | null, tpsPrivate: number | null): string {
  const n = (x: number | null, digits = 1) => (x === null ? 'n/a' : x.toFixed(digits));
  const parts = [
    `tps ${n(r.tps)} (95% CI ${n(r.tps_ci[0])}-${n(r.tps_ci[1])}, ${r.tps_per_repeat.length} repeats)`,
    `public ${n(tpsPublic)}`,
    `private ${n(tpsPrivate)}`,
  ];
  if (r.acceptance !== null) parts.push(`acceptance ${n(r.acceptance * 100)}%`, `${n(r.tokens_per_step, 2)} tokens/step`);
  if (r.plain_tps !== null) parts.push(`plain ${n(r.plain_tps)} tps`);
  if (r.identical !== null) parts.push(r.identical ? 'identical to the plain target' : `diverged on ${n(r.divergence_rate! * 100)}% of prompts`);
  if (r.ppl !== null) parts.push(`ppl ${n(r.ppl, 3)} over ${r.ppl_tokens} tokens`);
  return parts.join('; ');
}

/** The caller shows the message of a BenchError; anything else becomes one, so no job fails without a reason. */
function asBenchError(err: unknown, timeoutMs: number): BenchError {
  if (err instanceof BenchError) {
    // the engine names the budget it was given (what was left of the job's); the job names the job's
    if (err.code === 'TIMED_OUT' && timeoutMs > 0) return new BenchError('TIMED_OUT', `the job took longer than ${formatSeconds(timeoutMs)} s and was stopped`, err.log);
    return err;
  }
  return new BenchError('RUNNER_FAILED', `the run failed: ${err instanceof Error ? err.message : String(err)}`);
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function formatSeconds(ms: number): string {
  return (ms / 1000).toFixed(ms < 10_000 ? 1 : 0);
}
