// A stand-in for the bench engine on machines these tests do not have (a GPU box, another GPU, a many-core CPU): it
// answers the JobRunner seam with what the engine would report there, paired figures, the machine's state and the
// costs of speculation, in the order the hub runs its jobs. The hub judges, publishes and ranks them for real.
import type {
  JobRunInput,
  JobRunner,
  JobRunOutput,
  MachineState,
  SpeculationCosts,
  SplitFigures,
} from '../../../src/shared/challenge';
import { summarize } from '../../../src/shared/statistics';

export interface Machine {
  hardware: string;
  backend: 'cuda' | 'cpu';
  machine: MachineState;
}

export const H200: Machine = {
  hardware: 'NVIDIA H200 (cuda)',
  backend: 'cuda',
  machine: {
    cores: 32,
    load_before: 0.31,
    load_after: 0.58,
    other_cpu_before: 0.004,
    other_cpu_during: 0.012,
    other_cpu_peak: 0.03,
    gpu: {
      name: 'NVIDIA H200',
      utilization_before: 0,
      memory_used_mib: 612,
      memory_total_mib: 143_771,
      other_processes: 0,
    },
    inference: { paused: true, drain_ms: 40, note: 'paused and drained in 40 ms' },
  },
};

export const RTX4090: Machine = {
  hardware: 'NVIDIA GeForce RTX 4090 (cuda)',
  backend: 'cuda',
  machine: {
    cores: 16,
    load_before: 0.2,
    load_after: 0.4,
    other_cpu_before: 0.01,
    other_cpu_during: 0.02,
    other_cpu_peak: 0.04,
    gpu: {
      name: 'NVIDIA GeForce RTX 4090',
      utilization_before: 1,
      memory_used_mib: 420,
      memory_total_mib: 24_564,
      other_processes: 0,
    },
    inference: { paused: true, drain_ms: 55, note: 'paused and drained in 55 ms' },
  },
};

export const EPYC: Machine = {
  hardware: 'AMD EPYC 9654 96-Core Processor, 16 cores (cpu)',
  backend: 'cpu',
  machine: {
    cores: 16,
    load_before: 0.9,
    load_after: 15.2,
    other_cpu_before: 0.01,
    other_cpu_during: 0.03,
    other_cpu_peak: 0.06,
    gpu: null,
    inference: null,
  },
};

/** What one run on a machine looks like: its speed, how much speculation changed it, and how steady it was. */
export interface Run {
  on: Machine;
  /** The plain target's tok/s on this machine. */
  plain: number;
  /** The paired speedup (1 for a plain config, which is its own plain target). */
  speedup: number;
  /** Relative spread of the repeats: 0.003 measures clean; 0.3 stays wider than any noise target. */
  spread?: number;
  /** Share of the machine's CPU other processes used during the run. */
  otherCpu?: number;
  costs?: SpeculationCosts | null;
  /** The run fails with this message (the engine's error). */
  fails?: string;
}

/** Three repeats around the median; the last one a little further out, as real runs are. */
const REPEAT_SHAPE = [-1, 0, 1.2];

function figures(prompts: number, tps: number[], plain: number[] | null, speedups: number[]): SplitFigures {
  const t = summarize(tps);
  const p = plain ? summarize(plain) : null;
  const s = summarize(speedups);
  return {
    prompts,
    tps: t.median,
    tps_ci: t.ci95,
    tps_per_repeat: tps,
    plain_tps: p?.median ?? null,
    plain_tps_ci: p?.ci95 ?? null,
    plain_tps_per_repeat: plain ?? [],
    speedup: s.median,
    speedup_ci: s.ci95,
    speedup_per_repeat: speedups,
  };
}

/** The engine's report of `run` for this job's input, consistent figure for figure (medians, intervals, splits). */
export function report(input: JobRunInput, run: Run): JobRunOutput {
  // A plain config is its own plain target: speedup 1 on every repeat, no plain figures beside it.
  const plainConfig = input.config.spec_type === 'none';
  const spread = run.spread ?? 0.003;
  const plainRepeats = REPEAT_SHAPE.map((k) => run.plain * (1 + k * 0.002));
  const speedups = plainConfig ? REPEAT_SHAPE.map(() => 1) : REPEAT_SHAPE.map((k) => run.speedup * (1 + k * spread));
  const tpsRepeats = plainRepeats.map((p, i) => p * speedups[i]!);
  const scaled = (xs: number[]) => xs.map((x) => x * 0.98);
  const pub = figures(3, tpsRepeats, plainConfig ? null : plainRepeats, speedups);
  const priv = figures(2, scaled(tpsRepeats), plainConfig ? null : scaled(plainRepeats), speedups);
  const all = summarize(tpsRepeats);
  const machine: MachineState = {
    ...run.on.machine,
    ...(run.otherCpu !== undefined
      ? { other_cpu_during: run.otherCpu, other_cpu_peak: Math.min(1, run.otherCpu * 1.4) }
      : {}),
  };
  return {
    tps: all.median,
    tps_ci: all.ci95,
    tps_stdev: all.stdev,
    tps_per_repeat: tpsRepeats,
    plain_tps: pub.plain_tps,
    plain_tps_ci: pub.plain_tps_ci,
    plain_tps_per_repeat: pub.plain_tps_per_repeat,
    speedup: pub.speedup,
    speedup_ci: pub.speedup_ci,
    speedup_per_repeat: speedups,
    repeats: speedups.length,
    ppl: 2.3,
    ppl_tokens: 24,
    acceptance: plainConfig ? null : 0.74,
    acceptance_per_position: plainConfig ? [] : [0.9, 0.78, 0.66, 0.55],
    mean_accepted_per_step: plainConfig ? null : 2.1,
    tokens_per_step: plainConfig ? 1 : 3.1,
    identical: plainConfig ? null : true,
    divergence_rate: plainConfig ? null : 0,
    costs: plainConfig ? null : (run.costs ?? null),
    backend: run.on.backend,
    engine: 'llama.cpp native (stand-in)',
    hardware: run.on.hardware,
    machine,
    splits: { public: pub, private: priv },
    probe: { correct: 2, total: 2, accuracy: 1 },
    provenance: { engine: 'llama.cpp native (stand-in)', cores: run.on.machine.cores },
  };
}

/**
 * Runs are taken from the script in the order the hub starts jobs; with nothing scripted, a job is the plain target on
 * `fallback`. `hold()` keeps the next job running (lease held) until `release()`, so a test sees it queued and running.
 */
export class MeasuredMachines implements JobRunner {
  private readonly script: Run[] = [];
  private gate: Promise<void> | null = null;
  private open: (() => void) | null = null;
  /** The machine whose plain run answers jobs nothing was scripted for (the baseline at start). */
  constructor(private readonly fallback: Run) {}

  next(...runs: Run[]): void {
    this.script.push(...runs);
  }

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open?.();
    this.gate = null;
  }

  async run(input: JobRunInput, hooks: Parameters<JobRunner['run']>[1]): Promise<JobRunOutput> {
    const run = this.script.shift() ?? this.fallback;
    const gate = this.gate;
    hooks.onProgress({ phase: 'measure', done: 1, total: 3, tps: run.plain });
    if (gate) {
      await new Promise<void>((resolve, reject) => {
        hooks.signal.addEventListener('abort', () => reject(new Error('cancelled while held')), { once: true });
        void gate.then(resolve);
      });
    }
    if (run.fails) throw new Error(run.fails);
    hooks.onLog(`measured on ${run.on.hardware}`);
    return report(input, run);
  }
}

/** Speculation's costs on a many-core CPU: a verify batch costs several plain steps, so it does not pay. */
export const CPU_COSTS = (plain: number): SpeculationCosts => ({
  plain_step_s: 1 / plain,
  verify_step_cost: 2.6,
  draft_token_cost: 0.12,
  drafted_per_step: 4,
  tokens_per_step: 1.9,
  acceptance: 0.3,
});
/** On a GPU a verify batch costs about one plain step: speculation pays. */
export const GPU_COSTS = (plain: number): SpeculationCosts => ({
  plain_step_s: 1 / plain,
  verify_step_cost: 1.08,
  draft_token_cost: 0.06,
  drafted_per_step: 4,
  tokens_per_step: 3.1,
  acceptance: 0.74,
});
