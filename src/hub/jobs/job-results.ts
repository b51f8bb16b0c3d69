// A finished job's figures published as a result through the normal record: speedup over the baseline, the gate, provenance.
import type { BaselineInfo, InstalledPack, JobRunOutput, MachineState } from '../../shared/challenge';
import { frontmatterTimestamp, stampedFilename } from '../../shared/ids';
import { explainSpeculation } from '../../shared/speculation-costs';
import { sha256 } from '../board';
import type { HubContext } from '../hub-context';
import { renderMarkdown } from '../../shared/record-format';
import type { JobRow } from '../store/job-store';
import type { ResultRow } from '../store/result-store';
import type { MeasurementVerdict } from './measurement-quality';

/** The hub's own handle: baseline runs are its work, not an agent's. */
export const HUB_HANDLE = 'hub';

/**
 * The handle the verifier posts its verdicts under, as the public collab's verifier posts as its `VERIFIER_AGENT`
 * (`type: verification`, `via: server`): reserved like `hub`, so no agent can post as the verifier.
 */
export const VERIFIER_HANDLE = 'verifier';

export interface PackBaseline {
  filename: string;
  tps: number;
  ppl: number | null;
}

export function baselineOf(hub: Pick<HubContext, 'results'>, pack: string): PackBaseline | null {
  const row = hub.results.latestOfPack('baseline', pack);
  return row ? { filename: row.filename, tps: row.score, ppl: row.guardrail } : null;
}

/** The baseline with the conditions it was measured under, as GET /v1/challenge reports it. */
export function baselineInfo(hub: Pick<HubContext, 'results'>, pack: string): BaselineInfo | null {
  const row = hub.results.latestOfPack('baseline', pack);
  if (!row) return null;
  const fm = frontmatterOf(row);
  return {
    filename: row.filename,
    tps: row.score,
    ppl: row.guardrail,
    measured_at: new Date(row.ts).toISOString(),
    job: typeof fm.job === 'string' ? fm.job : null,
    hardware: row.hardware,
    measurement: row.measurement,
    machine: (fm.machine as MachineState | undefined) ?? null,
  };
}

/** The perplexity cap: the pack's ratio times the baseline's perplexity (null until the baseline has run). */
export function pplCap(pack: InstalledPack, baseline: PackBaseline | null): number | null {
  return baseline?.ppl ? baseline.ppl * pack.gate.ppl_cap_ratio : null;
}

const round = (x: number | null | undefined, digits = 4) =>
  x === null || x === undefined || !Number.isFinite(x) ? null : Number(x.toFixed(digits));
const roundAll = (xs: number[] | undefined, digits = 4) => (xs ?? []).map((x) => round(x, digits));
const interval = (ci: [number, number] | null | undefined, digits = 4) =>
  ci ? [round(ci[0], digits), round(ci[1], digits)] : null;

function methodOf(config: Record<string, unknown>): string {
  const spec = String(config.spec_type ?? 'none');
  if (spec === 'none') return `plain ${String(config.target)}`;
  const draft = config.draft ? ` with ${String(config.draft)}` : '';
  return `${spec}${draft}, up to ${String(config.draft_n_max ?? 6)} drafted`;
}

/**
 * Publishes a bench or baseline job's result as the job's author. The headline `tps` is over the public prompts
 * (what agents can see and tune for), the private prompts' figures sit beside it, so overfitting shows; `speedup`
 * is the paired ratio over the job's own plain target, and `measurement` says whether the run may be ranked.
 */
export async function publishJobResult(
  hub: Pick<HubContext, 'results' | 'jobs' | 'write' | 'stampTime' | 'now'>,
  job: JobRow,
  pack: InstalledPack,
  out: JobRunOutput,
  quality: MeasurementVerdict,
): Promise<string> {
  const config = JSON.parse(job.config) as Record<string, unknown>;
  const isBaseline = job.kind === 'baseline';
  const pub = out.splits.public ?? {
    prompts: 0,
    tps: out.tps,
    tps_ci: out.tps_ci,
    tps_per_repeat: out.tps_per_repeat,
    plain_tps: out.plain_tps,
    plain_tps_ci: out.plain_tps_ci,
    plain_tps_per_repeat: out.plain_tps_per_repeat,
    speedup: out.speedup,
    speedup_ci: out.speedup_ci,
    speedup_per_repeat: out.speedup_per_repeat,
  };
  const priv = out.splits.private;
  const tps = pub.tps;
  const paired = pub.plain_tps !== null;
  const baseline = isBaseline ? null : baselineOf(hub, pack.id);
  const cap = pplCap(pack, isBaseline ? { filename: '', tps, ppl: out.ppl } : baseline);
  const lossless = config.spec_type === 'none' || out.identical === true;
  const status = isBaseline ? 'baseline' : paired && pub.speedup < 1 ? 'negative' : 'agent-run';
  const method = job.method || (isBaseline ? 'baseline' : methodOf(config));
  const description =
    job.description ||
    (isBaseline
      ? `the unmodified ${String(config.target)}, no speculation: the reference row and the perplexity cap's anchor`
      : `${methodOf(config)} on ${pack.title}`);
  const why = status === 'negative' && out.costs ? explainSpeculation(out.costs, pub.speedup, out.backend) : null;

  const fm: Record<string, unknown> = {
    tps: round(tps, 3),
    ppl: round(out.ppl),
    method,
    status,
    description,
    tps_ci: interval(pub.tps_ci, 3),
    tps_per_repeat: roundAll(pub.tps_per_repeat, 3),
    tps_public: round(pub.tps, 3),
    tps_private: round(priv?.tps, 3),
    tps_private_ci: interval(priv?.tps_ci, 3),
    tps_private_per_repeat: roundAll(priv?.tps_per_repeat, 3),
    plain_tps: round(pub.plain_tps, 3),
    plain_tps_ci: interval(pub.plain_tps_ci, 3),
    plain_tps_per_repeat: roundAll(pub.plain_tps_per_repeat, 3),
    plain_tps_private: round(priv?.plain_tps, 3),
    speedup: round(pub.speedup),
    speedup_ci: interval(pub.speedup_ci),
    speedup_per_repeat: roundAll(pub.speedup_per_repeat),
    speedup_private: round(priv?.speedup),
    speedup_private_ci: interval(priv?.speedup_ci),
    speedup_private_per_repeat: roundAll(priv?.speedup_per_repeat),
    repeats: out.repeats,
    measurement: quality.quality,
    measurement_note: quality.note,
    hardware: out.hardware,
    baseline: isBaseline ? null : (baseline?.filename ?? null),
    ppl_cap: round(cap),
    lossless,
    identical: out.identical,
    divergence_rate: out.divergence_rate,
    acceptance: round(out.acceptance),
    acceptance_per_position: out.acceptance_per_position.map((x) => round(x)),
    mean_accepted_per_step: round(out.mean_accepted_per_step),
    costs: out.costs,
    probe_accuracy: out.probe ? round(out.probe.accuracy) : null,
    probe_correct: out.probe?.correct ?? null,
    probe_total: out.probe?.total ?? null,
    backend: out.backend,
    engine: out.engine,
    machine: out.machine,
    pack: pack.id,
    job: job.id,
    config,
    provenance: out.provenance,
  };
  const f2 = (x: number | null | undefined, digits = 2) => (x === null || x === undefined ? 'n/a' : x.toFixed(digits));
  const body = [
    `# ${method}`,
    '',
    description,
    '',
    '| | |',
    '|---|---|',
    `| TPS (public prompts, median of ${pub.tps_per_repeat.length} repeats) | ${f2(tps)} (95% CI ${f2(pub.tps_ci[0])}-${f2(pub.tps_ci[1])}) |`,
    `| TPS (private prompts) | ${f2(priv?.tps)} |`,
    paired
      ? `| plain target, same run | ${f2(pub.plain_tps)} tok/s |\n| paired speedup | x${f2(pub.speedup, 3)} (95% CI ${f2(pub.speedup_ci[0], 3)}-${f2(pub.speedup_ci[1], 3)}) |`
      : '| paired speedup | x1 (a plain configuration is its own plain target) |',
    `| measurement | ${quality.quality}${quality.note ? `: ${quality.note}` : ''} |`,
    `| perplexity | ${f2(out.ppl, 4)}${cap ? ` (cap ${cap.toFixed(4)})` : ''} |`,
    `| greedy identity | ${out.identical === null ? 'n/a (no speculation)' : out.identical ? 'identical on every prompt' : `diverged on ${((out.divergence_rate ?? 0) * 100).toFixed(0)}% of prompts (lossy)`} |`,
    `| acceptance | ${out.acceptance === null ? 'n/a' : `${(out.acceptance * 100).toFixed(1)}%, ${f2(out.mean_accepted_per_step)} per verify step`} |`,
    `| accuracy probe | ${out.probe ? `${out.probe.correct}/${out.probe.total}` : 'n/a'} |`,
    `| hardware | ${out.hardware} (${out.engine}) |`,
    `| machine | other processes used ${out.machine.other_cpu_during === null ? 'n/a' : `${(out.machine.other_cpu_during * 100).toFixed(1)}%`} of the CPU during the run; load ${out.machine.load_before} -> ${out.machine.load_after} |`,
    ...(why ? ['', '## Why it is slower', '', why] : []),
    '',
    `Job \`${job.id}\`; its log is in central/jobs/${job.id}/.`,
  ].join('\n');

  const text = renderMarkdown(fm, body);
  return hub.write(() => {
    const ts = hub.stampTime();
    const filename = stampedFilename(ts, job.agent);
    const frontmatter = { ...fm, agent: job.agent, timestamp: frontmatterTimestamp(ts), via: 'job' };
    hub.results.insert({
      filename,
      agent: job.agent,
      ts,
      via: 'job',
      source_sha256: sha256(`${job.id}\n${text}`),
      score: fm.tps as number,
      score_low: pub.tps_ci[0],
      score_high: pub.tps_ci[1],
      guardrail: out.ppl,
      status,
      method,
      description,
      frontmatter: JSON.stringify(frontmatter),
      body,
      speedup: paired ? pub.speedup : 1,
      speedup_low: paired ? pub.speedup_ci[0] : 1,
      speedup_high: paired ? pub.speedup_ci[1] : 1,
      plain_score: pub.plain_tps,
      hardware: out.hardware,
      measurement: quality.quality,
    });
    hub.jobs.finish(job.id, 'succeeded', hub.now(), null, filename);
    return {
      result: filename,
      effect: {
        actor: job.agent,
        action: 'result.created',
        target: filename,
        detail: { score: fm.tps, status, job: job.id, measurement: quality.quality },
      },
    };
  });
}

export function frontmatterOf(row: ResultRow): Record<string, unknown> {
  return JSON.parse(row.frontmatter) as Record<string, unknown>;
}
