// The bench engine behind the hub's job queue: one job measured over every prompt, its TPS split by public and
// private prompts, the accuracy probe scored, and nothing but aggregates reported (no prompt or generated text).
import type { JobRunHooks, JobRunInput, JobRunOutput, JobRunProgress, JobRunner } from '../shared/challenge';
import { BenchError } from './bench-error';
import {
  generateTexts,
  runBench,
  splitFigures,
  type BenchOptions,
  type BenchProgress,
  type BenchResult,
} from './engine';
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
    ...(hooks.workDir ? { workDir: hooks.workDir } : {}),
    signal: hooks.signal,
    ...(deadline ? { timeoutMs: Math.max(1, deadline - Date.now()) } : {}),
    onProgress: progressTo(hooks, relabel),
  });
  try {
    const count = (split: Split) => input.prompts.filter((p) => p.split === split).length;
    const { tokens, warmup, repeats } = input.measure;
    const paired = input.config.spec_type !== 'none';
    hooks.onLog(
      `measuring ${plural(input.prompts.length, 'prompt')} (${count('public')} public, ${count('private')} private): ` +
        `${tokens} tokens each, ${warmup} warm-up, ${plural(repeats, 'repeat')}` +
        (input.measure.noise_target !== undefined
          ? ` or more (up to ${input.measure.max_repeats ?? repeats}, until the 95% interval is within ±${(input.measure.noise_target * 100).toFixed(1)}%)`
          : '') +
        (paired ? ', each a plain pass of the target and a speculative pass, interleaved' : '') +
        `, ${plural(input.references.length, 'perplexity reference')}`,
    );
    // Every prompt in one run, in order: the split figures come from the same measurement as the overall one.
    // Repeats settle the figures a result is ranked by: the public prompts' (all of them when there are none).
    const settleOn = input.prompts.flatMap((p, i) => (p.split === 'public' ? [i] : []));
    const result = await runBench(
      {
        config: input.config,
        measure: input.measure,
        prompts: input.prompts.map((p) => p.text),
        references: input.references,
        settleOn,
      },
      bench(),
    );
    hooks.onLog(
      `engine: ${result.provenance.engine}; backend: ${result.backend} (${result.provenance.backend.reason}); hardware: ${result.hardware}`,
    );
    const splits = {
      public: splitOf(result, input.prompts, 'public'),
      private: splitOf(result, input.prompts, 'private'),
    };
    hooks.onLog(figures(result, splits));
    hooks.onLog(machineLine(result.machine));

    let probe: JobRunOutput['probe'] = null;
    if (input.probe.length > 0) {
      if (hooks.signal.aborted) throw new BenchError('CANCELLED', 'the run was cancelled');
      const texts = await generateTexts(
        input.config,
        input.probe.map(formatProbePrompt),
        input.probe_tokens,
        bench('probe'),
      );
      const { correct, total, accuracy } = scoreProbe(input.probe, texts);
      probe = { correct, total, accuracy };
      hooks.onLog(`accuracy probe: ${correct}/${total} correct (${(accuracy * 100).toFixed(1)}%)`);
    }

    const {
      divergences: _d,
      lossy: _l,
      per_prompt: _p,
      runs: _r,
      config: _c,
      measure: _m,
      prefill_tps: _f,
      provenance,
      ...figures_
    } = result;
    return { ...figures_, splits, probe, provenance: { ...provenance } };
  } catch (err) {
    throw asBenchError(err, hooks.timeoutMs);
  }
}

/** One split's figures (public or private prompts) from the same interleaved passes as the overall ones. */
function splitOf(result: Pick<BenchResult, 'runs' | 'plain_tps'>, prompts: JobRunInput['prompts'], split: Split) {
  const inSplit = new Set(prompts.flatMap((p, i) => (p.split === split ? [i] : [])));
  return inSplit.size === 0 ? null : splitFigures(result.runs, inSplit, result.plain_tps !== null);
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
function figures(r: BenchResult, splits: JobRunOutput['splits']): string {
  const n = (x: number | null | undefined, digits = 1) => (x === null || x === undefined ? 'n/a' : x.toFixed(digits));
  const parts = [
    `tps ${n(r.tps)} (95% CI ${n(r.tps_ci[0])}-${n(r.tps_ci[1])}, ${plural(r.repeats, 'repeat')})`,
    `public ${n(splits.public?.tps)}`,
    `private ${n(splits.private?.tps)}`,
  ];
  if (r.plain_tps !== null)
    parts.push(
      `plain ${n(r.plain_tps)} tps in the same run`,
      `paired speedup x${n(r.speedup, 3)} (95% CI ${n(r.speedup_ci[0], 3)}-${n(r.speedup_ci[1], 3)})`,
    );
  if (r.acceptance !== null)
    parts.push(`acceptance ${n(r.acceptance * 100)}%`, `${n(r.tokens_per_step, 2)} tokens/step`);
  if (r.costs)
    parts.push(
      `a verify step costs ${n(r.costs.verify_step_cost, 2)} plain steps, a drafted token ${n(r.costs.draft_token_cost, 2)}`,
    );
  if (r.identical !== null)
    parts.push(
      r.identical ? 'identical to the plain target' : `diverged on ${n(r.divergence_rate! * 100)}% of prompts`,
    );
  if (r.ppl !== null) parts.push(`ppl ${n(r.ppl, 3)} over ${r.ppl_tokens} tokens`);
  return parts.join('; ');
}

/** The machine around the measurement, as one line. */
function machineLine(m: BenchResult['machine']): string {
  const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
  const gpu = m.gpu
    ? `; GPU ${m.gpu.name}: ${m.gpu.utilization_before ?? 'n/a'}% busy before, ${m.gpu.other_processes ?? 'n/a'} other processes`
    : '';
  return `machine: ${m.cores} cores; other processes used ${pct(m.other_cpu_before)} of the CPU before, ${pct(m.other_cpu_during)} during (worst second ${pct(m.other_cpu_peak)}); load ${m.load_before} -> ${m.load_after}${gpu}`;
}

/** The caller shows the message of a BenchError; anything else becomes one, so no job fails without a reason. */
function asBenchError(err: unknown, timeoutMs: number): BenchError {
  if (err instanceof BenchError) {
    // the engine names the budget it was given (what was left of the job's); the job names the job's
    if (err.code === 'TIMED_OUT' && timeoutMs > 0)
      return new BenchError(
        'TIMED_OUT',
        `the job took longer than ${formatSeconds(timeoutMs)} s and was stopped`,
        err.log,
      );
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
