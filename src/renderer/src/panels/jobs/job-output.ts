// A finished job's output.json as the Jobs panel reads it: the paired figures of today's runs, or the flat fields an
// older hub wrote (no splits, no plain target in the same run), or whatever part of either is there.
import type { MachineState, SpeculationCosts } from '@shared/challenge';
import { bool, costsOf, explainRun, interval, machineOf, num, numbers, obj, text } from '../../facts';

/** One prompt split's figures; any of them may be missing. */
export interface SplitView {
  prompts: number | null;
  tps: number | null;
  tps_ci: [number, number] | null;
  plain_tps: number | null;
  speedup: number | null;
  speedup_ci: [number, number] | null;
}

export interface JobOutputView {
  tps: number | null;
  tps_ci: [number, number] | null;
  tps_per_repeat: number[];
  plain_tps: number | null;
  plain_tps_ci: [number, number] | null;
  /** The paired speedup (tps over the plain target measured in the same run); null in older outputs. */
  speedup: number | null;
  speedup_ci: [number, number] | null;
  speedup_per_repeat: number[];
  repeats: number | null;
  splits: { public: SplitView | null; private: SplitView | null };
  ppl: number | null;
  ppl_tokens: number | null;
  acceptance: number | null;
  acceptance_per_position: number[];
  mean_accepted_per_step: number | null;
  identical: boolean | null;
  probe: { correct: number; total: number } | null;
  backend: string | null;
  engine: string | null;
  hardware: string | null;
  machine: MachineState | null;
  costs: SpeculationCosts | null;
  /** Why speculation paid or not, from the run's costs (explainSpeculation); null without costs. */
  explanation: string | null;
  /** Written before runs were paired: flat per-split TPS, no plain target beside it. */
  legacy: boolean;
}

function splitOf(v: unknown): SplitView | null {
  const s = obj(v);
  if (!s) return null;
  return {
    prompts: num(s.prompts),
    tps: num(s.tps),
    tps_ci: interval(s.tps_ci),
    plain_tps: num(s.plain_tps),
    speedup: num(s.speedup),
    speedup_ci: interval(s.speedup_ci),
  };
}

/** A split an older output reports as one flat TPS figure. */
function legacySplit(tps: unknown): SplitView | null {
  const t = num(tps);
  return t === null ? null : { prompts: null, tps: t, tps_ci: null, plain_tps: null, speedup: null, speedup_ci: null };
}

export function readJobOutput(raw: unknown): JobOutputView {
  const o = obj(raw) ?? {};
  const splits = obj(o.splits);
  const legacy = !splits && ('tps_public' in o || 'tps_private' in o);
  const probe = obj(o.probe);
  const correct = num(probe?.correct);
  const total = num(probe?.total);
  const speedup = num(o.speedup);
  return {
    tps: num(o.tps),
    tps_ci: interval(o.tps_ci),
    tps_per_repeat: numbers(o.tps_per_repeat) ?? [],
    plain_tps: num(o.plain_tps),
    plain_tps_ci: interval(o.plain_tps_ci),
    speedup,
    speedup_ci: interval(o.speedup_ci),
    speedup_per_repeat: numbers(o.speedup_per_repeat) ?? [],
    repeats: num(o.repeats) ?? numbers(o.tps_per_repeat)?.length ?? null,
    splits: splits
      ? { public: splitOf(splits.public), private: splitOf(splits.private) }
      : { public: legacySplit(o.tps_public), private: legacySplit(o.tps_private) },
    ppl: num(o.ppl),
    ppl_tokens: num(o.ppl_tokens),
    acceptance: num(o.acceptance),
    acceptance_per_position: numbers(o.acceptance_per_position) ?? [],
    mean_accepted_per_step: num(o.mean_accepted_per_step),
    identical: bool(o.identical),
    probe: correct !== null && total !== null ? { correct, total } : null,
    backend: text(o.backend),
    engine: text(o.engine),
    hardware: text(o.hardware),
    machine: machineOf(o.machine),
    costs: costsOf(o.costs),
    explanation: explainRun(o.costs, speedup, o.backend),
    legacy,
  };
}
