// A finished job's figures published as a result through the normal record: speedup over the baseline, the gate, provenance.
import type { InstalledPack, JobRunOutput } from '../../shared/challenge';
import { frontmatterTimestamp, stampedFilename } from '../../shared/ids';
import { summarize } from '../../shared/statistics';
import { sha256 } from '../board';
import type { Hub } from '../hub';
import { renderMarkdown } from '../markdown';
import type { JobRow } from '../store/job-store';
import type { ResultRow } from '../store/result-store';

/** The hub's own handle: baseline runs and verdicts are its work, not an agent's. */
export const HUB_HANDLE = 'hub';

export interface PackBaseline {
  filename: string;
  tps: number;
  ppl: number | null;
}

export function baselineOf(hub: Hub, pack: string): PackBaseline | null {
  const row = hub.results.latestOfPack('baseline', pack);
  return row ? { filename: row.filename, tps: row.score, ppl: row.guardrail } : null;
}

/** The perplexity cap: the pack's ratio times the baseline's perplexity (null until the baseline has run). */
export function pplCap(pack: InstalledPack, baseline: PackBaseline | null): number | null {
  return baseline?.ppl ? baseline.ppl * pack.gate.ppl_cap_ratio : null;
}

const round = (x: number | null, digits = 4) => (x === null || !Number.isFinite(x) ? null : Number(x.toFixed(digits)));

function methodOf(config: Record<string, unknown>): string {
  const spec = String(config.spec_type ?? 'none');
  if (spec === 'none') return `plain ${String(config.target)}`;
  const draft = config.draft ? ` with ${String(config.draft)}` : '';
  return `${spec}${draft}, up to ${String(config.draft_n_max ?? 6)} drafted`;
}

/**
 * Publishes a bench or baseline job's result as the job's author. The headline `tps` is over the public prompts
 * (what agents can see and tune for); the private prompts' TPS sits beside it, so overfitting shows.
 */
export async function publishJobResult(hub: Hub, job: JobRow, pack: InstalledPack, out: JobRunOutput): Promise<string> {
  const config = JSON.parse(job.config) as Record<string, unknown>;
  const isBaseline = job.kind === 'baseline';
  const perRepeat = out.tps_public_per_repeat.length > 0 ? out.tps_public_per_repeat : out.tps_per_repeat;
  const stats = summarize(perRepeat);
  const tps = stats.median;
  const baseline = isBaseline ? null : baselineOf(hub, pack.id);
  const cap = pplCap(pack, isBaseline ? { filename: '', tps, ppl: out.ppl } : baseline);
  const speedup = baseline ? tps / baseline.tps : isBaseline ? 1 : null;
  const lossless = config.spec_type === 'none' || out.identical === true;
  const status = isBaseline ? 'baseline' : baseline && tps < baseline.tps ? 'negative' : 'agent-run';
  const method = job.method || (isBaseline ? 'baseline' : methodOf(config));
  const description =
    job.description ||
    (isBaseline ? `the unmodified ${String(config.target)}, no speculation: the reference every speedup is measured against` : `${methodOf(config)} on ${pack.title}`);

  const fm: Record<string, unknown> = {
    tps: round(tps, 3),
    ppl: round(out.ppl),
    method,
    status,
    description,
    tps_ci: [round(stats.ci95[0], 3), round(stats.ci95[1], 3)],
    tps_per_repeat: perRepeat.map((x) => round(x, 3)),
    tps_public: round(out.tps_public, 3),
    tps_private: round(out.tps_private, 3),
    speedup: round(speedup, 4),
    baseline: isBaseline ? null : (baseline?.filename ?? null),
    ppl_cap: round(cap),
    lossless,
    identical: out.identical,
    divergence_rate: out.divergence_rate,
    acceptance: round(out.acceptance),
    acceptance_per_position: out.acceptance_per_position.map((x) => round(x)),
    mean_accepted_per_step: round(out.mean_accepted_per_step),
    probe_accuracy: out.probe ? round(out.probe.accuracy) : null,
    probe_correct: out.probe?.correct ?? null,
    probe_total: out.probe?.total ?? null,
    backend: out.backend,
    engine: out.engine,
    pack: pack.id,
    job: job.id,
    config,
    provenance: out.provenance,
  };
  const body = [
    `# ${method}`,
    '',
    description,
    '',
    '| | |',
    '|---|---|',
    `| TPS (public prompts, median of ${perRepeat.length}) | ${tps.toFixed(2)} (95% CI ${stats.ci95[0].toFixed(2)}-${stats.ci95[1].toFixed(2)}) |`,
    `| TPS (private prompts) | ${out.tps_private?.toFixed(2) ?? 'n/a'} |`,
    `| speedup over the baseline | ${speedup === null ? 'n/a (no baseline yet)' : `x${speedup.toFixed(3)}`} |`,
    `| perplexity | ${out.ppl?.toFixed(4) ?? 'n/a'}${cap ? ` (cap ${cap.toFixed(4)})` : ''} |`,
    `| greedy identity | ${out.identical === null ? 'n/a (no speculation)' : out.identical ? 'identical on every prompt' : `diverged on ${((out.divergence_rate ?? 0) * 100).toFixed(0)}% of prompts (lossy)`} |`,
    `| acceptance | ${out.acceptance === null ? 'n/a' : `${(out.acceptance * 100).toFixed(1)}%, ${out.mean_accepted_per_step?.toFixed(2)} per verify step`} |`,
    `| accuracy probe | ${out.probe ? `${out.probe.correct}/${out.probe.total}` : 'n/a'} |`,
    `| backend | ${out.backend} (${out.engine}) |`,
    '',
    `Job \`${job.id}\`; its log is in central/jobs/${job.id}/.`,
  ].join('\n');

  const text = renderMarkdown(fm, body);
  return hub.write(() => {
    const ts = hub.stampTime();
    const filename = stampedFilename(ts, job.agent);
    const frontmatter = { ...fm, agent: job.agent, timestamp: frontmatterTimestamp(ts), via: 'job' };
    hub.results.insert({
      filename, agent: job.agent, ts, via: 'job', source_sha256: sha256(`${job.id}\n${text}`),
      score: fm.tps as number, score_low: stats.ci95[0], score_high: stats.ci95[1], guardrail: out.ppl, status, method, description,
      frontmatter: JSON.stringify(frontmatter), body,
    });
    hub.jobs.finish(job.id, 'succeeded', hub.now(), null, filename);
    return { result: filename, effect: { actor: job.agent, action: 'result.created', target: filename, detail: { score: fm.tps, status, job: job.id } } };
  });
}

export function frontmatterOf(row: ResultRow): Record<string, unknown> {
  return JSON.parse(row.frontmatter) as Record<string, unknown>;
}
