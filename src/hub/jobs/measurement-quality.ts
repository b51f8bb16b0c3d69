// Whether a job's measurement can be ranked: clean, noisy (interval too wide or through zero) or disturbed (machine busy).
import type { MeasurementQuality, PackGate, RunFigures } from '../../shared/challenge';

export interface MeasurementVerdict {
  quality: MeasurementQuality;
  /** Why it is not clean, in words a reader can act on; null when clean. */
  note: string | null;
}

const pct = (x: number, digits = 1) => `${(x * 100).toFixed(digits)}%`;

/** Half the 95% interval's width as a fraction of the median (infinite when the median is not positive). */
function halfWidth(ci: [number, number], median: number): number {
  return median > 0 ? (ci[1] - ci[0]) / 2 / median : Number.POSITIVE_INFINITY;
}

/** What disturbed a measurement (other processes' CPU, other GPU users, inference that did not drain), or null. */
export function disturbance(gate: Pick<PackGate, 'max_other_cpu'>, out: Pick<RunFigures, 'machine'>): string | null {
  const m = out.machine;
  const reasons: string[] = [];
  if (m.other_cpu_during !== null && m.other_cpu_during > gate.max_other_cpu) {
    reasons.push(
      `other processes used ${pct(m.other_cpu_during)} of the CPU while it ran (the pack allows ${pct(gate.max_other_cpu, 0)})`,
    );
  }
  if (m.gpu?.other_processes)
    reasons.push(`${m.gpu.other_processes} other process${m.gpu.other_processes === 1 ? '' : 'es'} used the GPU`);
  if (m.inference && !m.inference.paused) reasons.push(`the agents' inference had not drained (${m.inference.note})`);
  return reasons.length ? reasons.join('; ') : null;
}

/**
 * Judges a run: disturbed first (a busy machine explains a wide interval too), then noisy (the tps interval, and the
 * paired speedup's for a speculative run, wider than the pack's target, or reaching zero), else clean.
 */
export function judgeMeasurement(
  gate: Pick<PackGate, 'max_other_cpu' | 'noise_target'>,
  out: Pick<RunFigures, 'machine' | 'tps' | 'tps_ci' | 'plain_tps' | 'speedup' | 'speedup_ci' | 'repeats'>,
): MeasurementVerdict {
  const disturbed = disturbance(gate, out);
  if (disturbed) return { quality: 'disturbed', note: disturbed };
  const wide: string[] = [];
  const check = (name: string, ci: [number, number], median: number) => {
    if (ci[0] <= 0) wide.push(`the ${name}'s 95% interval reaches zero (${ci[0].toFixed(3)} to ${ci[1].toFixed(3)})`);
    else if (halfWidth(ci, median) > gate.noise_target)
      wide.push(`the ${name}'s 95% interval is ±${pct(halfWidth(ci, median))}`);
  };
  check('tps', out.tps_ci, out.tps);
  if (out.plain_tps !== null) check('paired speedup', out.speedup_ci, out.speedup);
  if (wide.length === 0) return { quality: 'clean', note: null };
  return {
    quality: 'noisy',
    note: `${wide.join('; ')} after ${out.repeats} repeats (the pack's target is ±${pct(gate.noise_target)}): submit it again to re-measure`,
  };
}
