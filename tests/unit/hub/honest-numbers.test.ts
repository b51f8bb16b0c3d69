// The rules behind honest numbers: paired speedups, when repeats may stop, what counts as noisy or disturbed, when a
// re-run refutes a claim, and the queue's turns.
import { describe, expect, it } from 'vitest';
import { enoughRepeats, splitFigures } from '../../../src/bench/engine';
import type { RunRecord } from '../../../src/bench/runner-session';
import { judgeMeasurement } from '../../../src/hub/jobs/measurement-quality';
import { significantlySlower } from '../../../src/hub/jobs/verification';
import { queueOrder, type JobRow } from '../../../src/hub/store/job-store';
import type { MachineState, SplitFigures } from '../../../src/shared/challenge';
import { explainSpeculation, speedupBound } from '../../../src/shared/speculation-costs';

type Run = Pick<RunRecord, 'prompt' | 'repeat' | 'pass' | 'n_generated' | 'decode_s'>;

/** Runs of two prompts, 100 tokens each, at the given TPS per repeat for each pass. */
function runs(plain: number[], spec: number[]): Run[] {
  return plain.flatMap((p, repeat) =>
    [0, 1].flatMap((prompt) => [
      { prompt, repeat, pass: 'plain' as const, n_generated: 100, decode_s: 100 / p },
      { prompt, repeat, pass: 'spec' as const, n_generated: 100, decode_s: 100 / spec[repeat]! },
    ]),
  );
}

describe('the paired speedup', () => {
  it("is the median of each repeat's speculative TPS over the plain TPS measured beside it", () => {
    // The machine slows down 4x between repeats: the TPS spread is wide, the paired ratio stays 2.
    const f = splitFigures(runs([100, 50, 25], [200, 100, 50]), null, true)!;
    expect(f.tps_per_repeat).toEqual([200, 100, 50]);
    expect(f.plain_tps_per_repeat).toEqual([100, 50, 25]);
    expect(f.speedup_per_repeat).toEqual([2, 2, 2]);
    expect(f.speedup).toBe(2);
    expect(f.speedup_ci).toEqual([2, 2]);
    expect(f.tps_ci[0]).toBeLessThan(0); // 3 repeats this far apart: the raw TPS interval reaches zero
  });

  it('is exactly 1 for a plain configuration, which is its own plain target', () => {
    const plainOnly = runs([100, 110], [0, 0]).filter((r) => r.pass === 'plain');
    const f = splitFigures(plainOnly, null, false)!;
    expect(f.plain_tps).toBeNull();
    expect(f.speedup).toBe(1);
    expect(f.tps).toBeCloseTo(105, 10);
  });

  it('covers one split of the prompts when asked', () => {
    const r = runs([100, 100], [300, 300]).map((x) =>
      x.prompt === 1 && x.pass === 'spec' ? { ...x, decode_s: 1 } : x,
    );
    expect(splitFigures(r, new Set([0]), true)!.speedup).toBe(3);
    expect(splitFigures(r, new Set([1]), true)!.speedup).toBe(1);
    expect(splitFigures(r, new Set([7]), true)).toBeNull();
  });
});

describe('adaptive repeats', () => {
  const figures = (tps: [number, number], speedup: [number, number] | null): SplitFigures => ({
    prompts: 1,
    tps: (tps[0] + tps[1]) / 2,
    tps_ci: tps,
    tps_per_repeat: [],
    plain_tps: speedup ? 50 : null,
    plain_tps_ci: null,
    plain_tps_per_repeat: [],
    speedup: speedup ? (speedup[0] + speedup[1]) / 2 : 1,
    speedup_ci: speedup ?? [1, 1],
    speedup_per_repeat: [],
  });
  const measure = { tokens: 8, warmup: 0, repeats: 3, max_repeats: 10, noise_target: 0.03 };

  it('never stops before the minimum, and stops at the cap whatever the spread', () => {
    expect(enoughRepeats(figures([99, 101], [1.99, 2.01]), measure, 2)).toBe(false);
    expect(enoughRepeats(figures([10, 190], [0.5, 3.5]), measure, 10)).toBe(true);
  });

  it('goes on while the tps or the paired speedup interval is wider than the target, or reaches zero', () => {
    expect(enoughRepeats(figures([99, 101], [1.99, 2.01]), measure, 3)).toBe(true);
    expect(enoughRepeats(figures([90, 110], [1.99, 2.01]), measure, 3)).toBe(false);
    expect(enoughRepeats(figures([99, 101], [1.8, 2.2]), measure, 3)).toBe(false);
    expect(enoughRepeats(figures([-1, 1], null), { ...measure, noise_target: 1 }, 3)).toBe(false);
    expect(enoughRepeats(figures([90, 110], null), { ...measure, noise_target: undefined }, 3)).toBe(true);
  });
});

describe('measurement quality', () => {
  const quiet: MachineState = {
    cores: 2,
    load_before: 0.1,
    load_after: 0.2,
    other_cpu_before: 0.01,
    other_cpu_during: 0.02,
    other_cpu_peak: 0.05,
    gpu: null,
  };
  const gate = { max_other_cpu: 0.1, noise_target: 0.03 };
  const run = {
    tps: 100,
    tps_ci: [99, 101] as [number, number],
    plain_tps: 50,
    speedup: 2,
    speedup_ci: [1.98, 2.02] as [number, number],
    repeats: 3,
    machine: quiet,
  };

  it('is clean on a quiet machine with tight intervals', () => {
    expect(judgeMeasurement(gate, run)).toEqual({ quality: 'clean', note: null });
  });

  it('is disturbed when other processes took the CPU, used the GPU, or inference had not drained', () => {
    const busy = judgeMeasurement(gate, { ...run, machine: { ...quiet, other_cpu_during: 0.45 } });
    expect(busy.quality).toBe('disturbed');
    expect(busy.note).toContain('other processes used 45.0% of the CPU');
    expect(
      judgeMeasurement(gate, {
        ...run,
        machine: {
          ...quiet,
          gpu: { name: 'GPU', utilization_before: 90, memory_used_mib: 1, memory_total_mib: 2, other_processes: 2 },
        },
      }).note,
    ).toContain('2 other processes used the GPU');
    expect(
      judgeMeasurement(gate, {
        ...run,
        machine: { ...quiet, inference: { paused: false, drain_ms: 120000, note: 'still generating' } },
      }).quality,
    ).toBe('disturbed');
  });

  it('is noisy when an interval is wider than the target or reaches zero, and says by how much', () => {
    const wide = judgeMeasurement(gate, { ...run, tps_ci: [80, 120] });
    expect(wide.quality).toBe('noisy');
    expect(wide.note).toContain("the tps's 95% interval is ±20.0%");
    expect(judgeMeasurement(gate, { ...run, speedup_ci: [-0.5, 4.5] }).note).toContain('reaches zero');
    // the accepted-as-baseline interval from the demo: 122.9 tok/s, -262 to 718
    expect(judgeMeasurement(gate, { ...run, tps: 122.9, tps_ci: [-262, 718], plain_tps: null }).quality).toBe('noisy');
  });
});

describe('a re-run against a claim', () => {
  it('refutes only when significantly slower than claimed by more than the tolerance', () => {
    expect(significantlySlower([470.1, 470.5, 470.9], [471.0, 471.4, 471.9], 0.05).slower).toBe(false);
    expect(significantlySlower([400, 401, 402], [470, 471, 472], 0.05).slower).toBe(true);
    // a faster re-run never refutes
    expect(significantlySlower([900, 910, 920], [470, 471, 472], 0.05).slower).toBe(false);
    // 8% slower but so noisy that it cannot be told apart: not refuted
    expect(significantlySlower([300, 560, 430], [470, 471, 472], 0.05).slower).toBe(false);
    // against a point claim, the re-run's own interval decides
    expect(significantlySlower([100, 101, 102], 200, 0.05).slower).toBe(true);
    expect(significantlySlower([190, 191, 192], 200, 0.05).slower).toBe(false);
  });
});

describe('the queue', () => {
  let seq = 0;
  const job = (agent: string, kind: JobRow['kind'] = 'bench'): JobRow => ({
    seq: ++seq,
    id: `job-${seq}`,
    agent,
    kind,
    pack: 'p',
    config: '{}',
    method: '',
    description: '',
    state: 'queued',
    created_at: seq,
    started_at: null,
    finished_at: null,
    progress: null,
    error: null,
    result: null,
    verifies: null,
  });

  it("runs the baseline first, then gives agents turns, so one agent's stream of jobs never starves the others", () => {
    const a = [job('alice'), job('alice'), job('alice', 'verify'), job('alice')];
    const b = job('bob');
    const base = job('hub', 'baseline');
    const c = job('carol');
    const order = queueOrder(
      [...a, b, base, c],
      new Map([
        ['alice', 5],
        ['bob', 10],
      ]),
    );
    expect(order.map((j) => j.id)).toEqual([base.id, c.id, a[0]!.id, b.id, a[1]!.id, a[2]!.id, a[3]!.id]);
  });
});

describe('why speculation did not pay', () => {
  it('names the verify batch and draft costs in plain steps, the acceptance, and where it would pay', () => {
    const costs = {
      plain_step_s: 0.01,
      verify_step_cost: 3,
      draft_token_cost: 0.4,
      drafted_per_step: 6,
      tokens_per_step: 3.1,
      acceptance: 0.35,
    };
    expect(speedupBound(costs)).toBeCloseTo(3.1 / 5.4, 10);
    const text = explainSpeculation(costs, 0.55, 'cpu');
    expect(text).toContain('cost 3.00 plain steps');
    expect(text).toContain('each drafted token 0.40');
    expect(text).toContain('35% of drafted tokens were accepted');
    expect(text).toContain('x0.55');
    expect(text).toContain('on a GPU');
    expect(explainSpeculation(costs, 1.8, 'cuda')).not.toContain('compute-bound');
  });
});
