// Reading figures out of records and files the dashboard did not write: any field may be missing, null, or of a type
// an older or newer hub (or an agent's hand) gave it, and a view shows "—" for it rather than failing.
import type { MachineState, MeasurementQuality, SpeculationCosts } from '@shared/challenge';
import { MEASUREMENT_QUALITIES } from '@shared/challenge';
import { explainSpeculation } from '@shared/speculation-costs';

export const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
export const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
export const obj = (v: unknown): Record<string, unknown> | null =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
export const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);

/** A non-empty list of finite numbers, else null (a list with one odd entry is not drawn at all). */
export function numbers(v: unknown): number[] | null {
  return Array.isArray(v) && v.length > 0 && v.every((x) => num(x) !== null) ? (v as number[]) : null;
}

/** A [low, high] interval of finite numbers, else null. */
export function interval(v: unknown): [number, number] | null {
  if (!Array.isArray(v) || v.length !== 2) return null;
  const lo = num(v[0]);
  const hi = num(v[1]);
  return lo !== null && hi !== null ? [lo, hi] : null;
}

export function measurementOf(v: unknown): MeasurementQuality | null {
  return typeof v === 'string' && (MEASUREMENT_QUALITIES as readonly string[]).includes(v)
    ? (v as MeasurementQuality)
    : null;
}

/** What each measurement quality means, for a badge's hover and the detail's note. */
export const MEASUREMENT_EXPLAINED: Record<MeasurementQuality, string> = {
  clean: 'clean: its interval is within the noise target and the machine was quiet while it ran',
  noisy:
    "noisy: its 95% interval stayed wider than the pack's noise target, or reached zero; it is not ranked (re-submit to re-measure)",
  disturbed:
    'disturbed: other processes used the machine while it ran; it is not ranked (re-submit when the machine is quiet)',
};

/** A machine report with at least its load figures; the optional parts are read one by one. */
export function machineOf(v: unknown): MachineState | null {
  const m = obj(v);
  if (!m) return null;
  const gpu = obj(m.gpu);
  const inference = obj(m.inference);
  const state: MachineState = {
    cores: num(m.cores) ?? 0,
    load_before: num(m.load_before) ?? Number.NaN,
    load_after: num(m.load_after) ?? Number.NaN,
    other_cpu_before: num(m.other_cpu_before),
    other_cpu_during: num(m.other_cpu_during),
    other_cpu_peak: num(m.other_cpu_peak),
    gpu: gpu && {
      name: text(gpu.name) ?? 'a GPU',
      utilization_before: num(gpu.utilization_before),
      memory_used_mib: num(gpu.memory_used_mib),
      memory_total_mib: num(gpu.memory_total_mib),
      other_processes: num(gpu.other_processes),
    },
    inference: inference && {
      paused: inference.paused === true,
      drain_ms: num(inference.drain_ms) ?? 0,
      note: text(inference.note) ?? '',
    },
  };
  const anything =
    num(m.cores) !== null || num(m.load_before) !== null || state.other_cpu_during !== null || state.gpu !== null;
  return anything ? state : null;
}

/** The costs of a speculative run, only when every figure the explanation needs is a number. */
export function costsOf(v: unknown): SpeculationCosts | null {
  const c = obj(v);
  if (!c) return null;
  const plain = num(c.plain_step_s);
  const verify = num(c.verify_step_cost);
  const draft = num(c.draft_token_cost);
  const drafted = num(c.drafted_per_step);
  const tokens = num(c.tokens_per_step);
  if (plain === null || verify === null || draft === null || drafted === null || tokens === null) return null;
  return {
    plain_step_s: plain,
    verify_step_cost: verify,
    draft_token_cost: draft,
    drafted_per_step: drafted,
    tokens_per_step: tokens,
    acceptance: num(c.acceptance),
  };
}

/** Why speculation paid or not in a run, in words; null when the run has no costs or no speedup to explain. */
export function explainRun(costs: unknown, speedup: unknown, backend: unknown): string | null {
  const c = costsOf(costs);
  const s = num(speedup);
  if (!c || s === null) return null;
  try {
    return explainSpeculation(c, s, text(backend) ?? '');
  } catch {
    return null;
  }
}

const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;
const load = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '?');

/** The machine's state as label / value lines: other processes' CPU share, the load, the GPU, the agents' inference. */
export function machineLines(m: MachineState): Array<[string, string]> {
  const lines: Array<[string, string]> = [];
  if (m.other_cpu_during !== null) {
    const extra = [
      m.other_cpu_peak !== null && `peak ${pct(m.other_cpu_peak)}`,
      m.other_cpu_before !== null && `${pct(m.other_cpu_before)} just before`,
    ].filter(Boolean);
    lines.push([
      "Other processes' CPU",
      `${pct(m.other_cpu_during)} of the machine during the run${extra.length ? ` (${extra.join(', ')})` : ''}`,
    ]);
  } else if (m.other_cpu_before !== null) {
    lines.push(["Other processes' CPU", `${pct(m.other_cpu_before)} just before; not measured during the run`]);
  } else {
    lines.push(["Other processes' CPU", 'not measured on this platform']);
  }
  if (Number.isFinite(m.load_before) || Number.isFinite(m.load_after)) {
    lines.push([
      'Load (1 min)',
      `${load(m.load_before)} before → ${load(m.load_after)} after${m.cores ? ` · ${m.cores} cores` : ''}`,
    ]);
  } else if (m.cores) {
    lines.push(['Cores', String(m.cores)]);
  }
  if (m.gpu) {
    const g = m.gpu;
    const parts = [
      g.utilization_before !== null && `${g.utilization_before}% busy before`,
      g.memory_used_mib !== null &&
        g.memory_total_mib !== null &&
        `${Math.round(g.memory_used_mib)} of ${Math.round(g.memory_total_mib)} MiB used`,
      g.other_processes !== null && `${g.other_processes} other process${g.other_processes === 1 ? '' : 'es'} on it`,
    ].filter(Boolean);
    lines.push(['GPU', `${g.name}${parts.length ? ` · ${parts.join(' · ')}` : ''}`]);
  } else {
    lines.push(['GPU', 'none used']);
  }
  if (m.inference) {
    lines.push([
      "Agents' inference",
      m.inference.note || (m.inference.paused ? `paused, drained in ${m.inference.drain_ms} ms` : 'not paused'),
    ]);
  }
  return lines;
}
