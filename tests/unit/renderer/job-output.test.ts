// How the dashboard reads what a job measured and what a result says about its machine: today's paired output, an
// older hub's flat one, and records with fields missing or of the wrong type, none of which may throw.
import { describe, expect, it } from 'vitest';
import type { JobRunOutput, MachineState, SpeculationCosts } from '../../../src/shared/challenge';
import { explainSpeculation } from '../../../src/shared/speculation-costs';
import { costsOf, explainRun, machineLines, machineOf } from '../../../src/renderer/src/facts';
import { readJobOutput } from '../../../src/renderer/src/panels/jobs/job-output';
import {
  EXCLUDED_REASONS,
  reasonText,
  unrankedReason,
  type RankContext,
  type ResultPoint,
} from '../../../src/renderer/src/panels/leaderboard/result-fields';

const CPU_COSTS: SpeculationCosts = {
  plain_step_s: 0.02,
  verify_step_cost: 3.1,
  draft_token_cost: 0.4,
  drafted_per_step: 4,
  tokens_per_step: 2.6,
  acceptance: 0.4,
};
const MACHINE: MachineState = {
  cores: 16,
  load_before: 0.4,
  load_after: 1.1,
  other_cpu_before: 0.01,
  other_cpu_during: 0.03,
  other_cpu_peak: 0.07,
  gpu: {
    name: 'NVIDIA H200',
    utilization_before: 0,
    memory_used_mib: 512,
    memory_total_mib: 143_771,
    other_processes: 0,
  },
  inference: { paused: true, drain_ms: 120, note: 'paused and drained in 120 ms' },
};

const paired: JobRunOutput = {
  tps: 161.2,
  tps_ci: [158, 164],
  tps_stdev: 2,
  tps_per_repeat: [159, 161.2, 163],
  plain_tps: 100.1,
  plain_tps_ci: [99, 101],
  plain_tps_per_repeat: [99.5, 100.1, 100.6],
  speedup: 1.61,
  speedup_ci: [1.57, 1.65],
  speedup_per_repeat: [1.6, 1.61, 1.62],
  repeats: 3,
  ppl: 2.31,
  ppl_tokens: 24,
  acceptance: 0.8,
  acceptance_per_position: [0.9, 0.7],
  mean_accepted_per_step: 1.6,
  tokens_per_step: 2.6,
  identical: true,
  divergence_rate: 0,
  costs: { ...CPU_COSTS, verify_step_cost: 1.05, draft_token_cost: 0.05 },
  backend: 'cuda',
  engine: 'native',
  hardware: 'NVIDIA H200 (cuda)',
  machine: MACHINE,
  splits: {
    public: {
      prompts: 3,
      tps: 160,
      tps_ci: [157, 163],
      tps_per_repeat: [158, 160, 162],
      plain_tps: 100,
      plain_tps_ci: [99, 101],
      plain_tps_per_repeat: [99, 100, 101],
      speedup: 1.6,
      speedup_ci: [1.56, 1.64],
      speedup_per_repeat: [1.59, 1.6, 1.61],
    },
    private: null,
  },
  probe: { correct: 2, total: 2, accuracy: 1 },
  provenance: {},
};

describe("a job's output.json", () => {
  it("reads today's paired figures, each split, the machine and why speculation paid", () => {
    const view = readJobOutput(JSON.parse(JSON.stringify(paired)));
    expect(view).toMatchObject({
      tps: 161.2,
      plain_tps: 100.1,
      speedup: 1.61,
      speedup_ci: [1.57, 1.65],
      repeats: 3,
      hardware: 'NVIDIA H200 (cuda)',
      legacy: false,
    });
    expect(view.splits.public).toMatchObject({ prompts: 3, tps: 160, speedup: 1.6 });
    expect(view.splits.private).toBeNull();
    expect(view.machine?.gpu?.name).toBe('NVIDIA H200');
    expect(view.explanation).toBe(explainSpeculation(paired.costs!, 1.61, 'cuda'));
    expect(view.probe).toEqual({ correct: 2, total: 2 });
  });

  it("reads an older hub's flat output (per-split TPS, nothing paired) without inventing a speedup", () => {
    const old = {
      tps: 90,
      tps_ci: [88, 92],
      tps_stdev: 1,
      tps_per_repeat: [89, 91],
      tps_public: 91,
      tps_private: 85,
      tps_public_per_repeat: [90, 92],
      tps_private_per_repeat: [84, 86],
      ppl: null,
      ppl_tokens: 0,
      acceptance: null,
      acceptance_per_position: [],
      mean_accepted_per_step: null,
      tokens_per_step: 1,
      identical: null,
      divergence_rate: null,
      plain_tps: null,
      backend: 'cpu',
      engine: 'native',
      probe: null,
      provenance: {},
    };
    const view = readJobOutput(old);
    expect(view).toMatchObject({
      tps: 90,
      speedup: null,
      speedup_ci: null,
      repeats: 2,
      hardware: null,
      machine: null,
      costs: null,
      explanation: null,
      legacy: true,
    });
    expect(view.splits.public).toMatchObject({ tps: 91, speedup: null });
    expect(view.splits.private).toMatchObject({ tps: 85 });
  });

  it('reads nonsense as nothing: no figure is made up and nothing throws', () => {
    for (const raw of [
      null,
      'text',
      42,
      [],
      {
        tps: 'fast',
        tps_ci: 'wide',
        splits: 'none',
        machine: 7,
        costs: { verify_step_cost: 'x' },
        probe: { correct: 'a' },
        speedup: Number.NaN,
      },
    ]) {
      const view = readJobOutput(raw);
      expect(view.tps).toBeNull();
      expect(view.speedup).toBeNull();
      expect(view.machine).toBeNull();
      expect(view.costs).toBeNull();
      expect(view.explanation).toBeNull();
      expect(view.probe).toBeNull();
    }
  });
});

describe('the machine and the costs a result reports', () => {
  it('says what else used the machine, its load and its GPU', () => {
    const lines = Object.fromEntries(machineLines(machineOf(MACHINE)!));
    expect(lines["Other processes' CPU"]).toBe('3.0% of the machine during the run (peak 7.0%, 1.0% just before)');
    expect(lines['Load (1 min)']).toBe('0.40 before → 1.10 after · 16 cores');
    expect(lines.GPU).toContain('NVIDIA H200');
    expect(lines["Agents' inference"]).toBe('paused and drained in 120 ms');
  });

  it('reads a machine report with parts missing, and refuses one with nothing in it', () => {
    const partial = machineOf({ cores: 8, gpu: null });
    expect(partial).not.toBeNull();
    expect(Object.fromEntries(machineLines(partial!))["Other processes' CPU"]).toBe('not measured on this platform');
    expect(machineOf({ foo: 1 })).toBeNull();
    expect(machineOf('busy')).toBeNull();
  });

  it('explains a CPU run only when every cost is a number', () => {
    expect(explainRun(CPU_COSTS, 0.7, 'cpu')).toContain('On a CPU decoding is compute-bound');
    expect(costsOf({ ...CPU_COSTS, tokens_per_step: '2' })).toBeNull();
    expect(explainRun(CPU_COSTS, 'slow', 'cpu')).toBeNull();
  });
});

describe('why a result is not ranked', () => {
  const point = (over: Partial<ResultPoint>): ResultPoint => ({
    filename: 'r.md',
    agent: 'a',
    score: 10,
    ci: null,
    guardrail: 2,
    status: 'agent-run',
    method: '',
    verification: 'pending',
    time: 0,
    refs: [],
    measurement: 'clean',
    hardware: 'NVIDIA H200 (cuda)',
    speedup: 1.5,
    speedup_ci: null,
    ...over,
  });
  const ctx: RankContext = { cap: 3, states: ['valid', 'pending'], hardware: 'NVIDIA H200 (cuda)' };

  it('gives the key the hub counts it under, each with words', () => {
    expect(unrankedReason(point({}), ctx)).toBeNull();
    expect(unrankedReason(point({ status: 'negative' }), ctx)).toBe('status_negative');
    expect(unrankedReason(point({ verification: 'unverified' }), ctx)).toBe('verification_unverified');
    expect(
      unrankedReason(point({ verification: 'unverified' }), { ...ctx, states: ['valid', 'pending', 'unverified'] }),
    ).toBeNull();
    expect(unrankedReason(point({ measurement: 'noisy' }), ctx)).toBe('measurement_noisy');
    expect(unrankedReason(point({ measurement: 'disturbed' }), ctx)).toBe('measurement_disturbed');
    expect(unrankedReason(point({ hardware: 'AMD EPYC 9654 (cpu)' }), ctx)).toBe('hardware_other');
    expect(unrankedReason(point({ hardware: 'AMD EPYC 9654 (cpu)' }), { ...ctx, hardware: null })).toBeNull();
    expect(unrankedReason(point({ guardrail: 4 }), ctx)).toBe('guardrail_exceeded');
    for (const key of [
      'status_negative',
      'verification_unverified',
      'measurement_noisy',
      'measurement_disturbed',
      'hardware_other',
      'guardrail_exceeded',
    ]) {
      expect(EXCLUDED_REASONS[key], key).toBeDefined();
    }
    expect(reasonText('verification_unverified', 'long')).toBe(
      'published by hand: no job of this hub measured it; publish through a job to be measured, ranked and verified',
    );
    expect(reasonText('some_new_reason')).toBe('some new reason');
  });
});
