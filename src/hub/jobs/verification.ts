// Verifying claims of a new best: a re-run on the private prompts, a verdict within the tolerance, posted to the author.
import type { InstalledPack, JobRunOutput } from '../../shared/challenge';
import { fileStamp } from '../../shared/ids';
import { postMessage } from '../board';
import type { Hub } from '../hub';
import type { Caller } from '../identity';
import type { JobRow } from '../store/job-store';
import type { ResultRow, Verdict } from '../store/result-store';
import { baselineOf, frontmatterOf, HUB_HANDLE, pplCap } from './job-results';
import { checkJobConfig } from './job-submission';

/**
 * A result claims the new best when it beats every result that still stands (valid or pending, under the
 * perplexity cap) and the baseline. Lucky runs were the public challenge's most common false claim.
 */
export function claimsNewBest(hub: Hub, row: ResultRow, pack: InstalledPack): boolean {
  if (row.status !== 'agent-run' || row.verification !== 'pending') return false;
  const desc = hub.config.results.order === 'desc';
  const better = (a: number, b: number) => (desc ? a > b : a < b);
  const baseline = baselineOf(hub, pack.id);
  const cap = pplCap(pack, baseline);
  if (baseline && !better(row.score, baseline.tps)) return false;
  for (const other of hub.results.rankable(hub.config.results.order)) {
    if (other.filename === row.filename) continue;
    if (other.verification === 'invalid') continue;
    if (cap !== null && other.guardrail !== null && other.guardrail > cap) continue;
    return better(row.score, other.score);
  }
  return true;
}

/** Queues the re-run of a claim (once per result); returns the job id, or null when one exists already. */
export async function queueVerification(hub: Hub, pack: InstalledPack, filename: string, requestedBy: string): Promise<string | null> {
  return hub.write(() => {
    if (hub.jobs.verificationOf(filename)) return { result: null, effect: { actor: requestedBy, action: 'job.verify-skipped', target: filename } };
    const row = hub.results.get(filename)!;
    const fm = frontmatterOf(row);
    const ts = hub.stampTime();
    const id = `job-${fileStamp(ts)}`;
    hub.jobs.insert({
      id, agent: HUB_HANDLE, kind: 'verify', pack: pack.id, config: JSON.stringify(fm.config ?? null), method: `verify ${filename}`,
      description: `re-run of ${row.agent}'s claim on the private prompts`, created_at: ts, verifies: filename,
    });
    return { result: id, effect: { actor: requestedBy, action: 'job.queued', target: id, detail: { kind: 'verify', verifies: filename } } };
  });
}

/** Why a claim cannot be re-run at all (no config, or one no job could have run), or null when it can. */
export function unrunnableReason(hub: Hub, pack: InstalledPack, author: string, job: JobRow): string | null {
  const config = JSON.parse(job.config) as unknown;
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    return 'the result carries no run configuration (`config` in its frontmatter) to re-run; publish through POST /v1/jobs';
  }
  try {
    checkJobConfig(pack, author, config as Record<string, unknown>);
    return null;
  } catch (err) {
    return `its configuration cannot run: ${(err as Error).message}`;
  }
}

export interface VerdictFigures {
  verdict: Exclude<Verdict, 'pending'>;
  note: string;
}

/** The verdict of a re-run: TPS within the tolerance of the claim, PPL under the cap, identity for a lossless claim. */
export function judge(hub: Hub, pack: InstalledPack, claim: ResultRow, out: JobRunOutput): VerdictFigures {
  const fm = frontmatterOf(claim);
  const rerun = out.tps_private ?? out.tps;
  const tol = pack.gate.verify_tolerance;
  const off = (rerun - claim.score) / claim.score;
  const cap = pplCap(pack, baselineOf(hub, pack.id));
  const reasons: string[] = [];
  const facts = [`re-run on ${pack.prompts.filter((p) => p.split === 'private').length} private prompts: ${rerun.toFixed(2)} tok/s against the claimed ${claim.score.toFixed(2)} (${off >= 0 ? '+' : ''}${(off * 100).toFixed(1)}%, tolerance ±${(tol * 100).toFixed(0)}%)`];
  if (Math.abs(off) > tol) reasons.push(`TPS ${(off * 100).toFixed(1)}% off the claim`);
  if (out.ppl !== null) {
    facts.push(`perplexity ${out.ppl.toFixed(4)}${cap !== null ? ` (cap ${cap.toFixed(4)})` : ''}`);
    if (cap !== null && out.ppl > cap) reasons.push('perplexity over the cap');
  }
  const losslessClaim = fm.lossless === true || fm.identical === true;
  if (losslessClaim && pack.gate.identity_required && out.identical !== null) {
    facts.push(out.identical ? 'greedy output identical to the plain model' : `greedy output diverged on ${((out.divergence_rate ?? 0) * 100).toFixed(0)}% of the private prompts`);
    if (out.identical === false) reasons.push('claimed lossless, but the output is not identical to the plain model');
  }
  return reasons.length === 0
    ? { verdict: 'valid', note: facts.join('; ') }
    : { verdict: 'invalid', note: `${reasons.join('; ')}. ${facts.join('; ')}` };
}

/** Records the verifier's verdict (an organizer's verdict still wins) and tells the author on the board. */
export async function deliverVerdict(hub: Hub, claim: ResultRow, job: JobRow, v: VerdictFigures, jobError: string | null = null): Promise<void> {
  await hub.write(() => {
    hub.results.setVerdict(claim.filename, v.verdict, HUB_HANDLE, 'verifier', v.note, hub.now());
    hub.jobs.finish(job.id, jobError === null ? 'succeeded' : 'failed', hub.now(), jobError, null);
    return { result: null, effect: { actor: HUB_HANDLE, action: 'result.verdict', target: claim.filename, detail: { verdict: v.verdict, job: job.id } } };
  });
  const overridden = hub.results.get(claim.filename)!.verification !== v.verdict;
  const hubCaller: Caller = { kind: 'organizer', handle: HUB_HANDLE };
  await postMessage(
    hub,
    hubCaller,
    {
      body:
        `@${claim.agent} verification of ${claim.filename}: **${v.verdict}**. ${v.note}.` +
        (overridden ? ' (The organizer\'s verdict on this result stands.)' : ''),
      refs: [claim.filename],
    },
    { type: 'verdict' },
  );
}
