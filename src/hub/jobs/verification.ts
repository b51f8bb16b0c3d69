// Verifying claims of a new best: a re-run charged to the claimant, compared like for like and one-sided, posted to the author.
import type { InstalledPack, JobRunOutput } from '../../shared/challenge';
import { fileStamp } from '../../shared/ids';
import { differenceInterval, summarize } from '../../shared/statistics';
import { postMessage, type BoardContext } from '../board';
import type { HubContext } from '../hub-context';
import type { Caller } from '../identity';
import type { JobRow } from '../store/job-store';
import type { ResultRow, Verdict } from '../store/result-store';
import { baselineOf, frontmatterOf, pplCap, VERIFIER_HANDLE } from './job-results';
import { checkJobConfig } from './job-submission';
import { disturbance } from './measurement-quality';

const HOUR = 3_600_000;

/** What verifying needs: the ranking rules, results and jobs, the board to tell the author on, the write path. */
export type VerificationContext = BoardContext & Pick<HubContext, 'jobs' | 'now'>;

/** A result some job of this hub measured (its figures are the hub's own), as opposed to one published by hand. */
export function measuredByHub(row: Pick<ResultRow, 'via'>): boolean {
  return row.via === 'job';
}

/**
 * A result claims the new best when it beats every result that still stands (valid or pending, clean, under the
 * perplexity cap) and the baseline. Lucky runs were the public challenge's most common false claim. A hand-published
 * result claims too (it is unverified until a re-run measures it); a noisy or disturbed one is not ranked, so it
 * claims nothing until it is measured again.
 */
export function claimsNewBest(
  hub: Pick<HubContext, 'config' | 'results'>,
  row: ResultRow,
  pack: InstalledPack,
): boolean {
  if (row.status !== 'agent-run') return false;
  if (
    measuredByHub(row)
      ? row.verification !== 'pending' || (row.measurement !== null && row.measurement !== 'clean')
      : row.verification !== 'unverified'
  )
    return false;
  const desc = hub.config.results.order === 'desc';
  const better = (a: number, b: number) => (desc ? a > b : a < b);
  const baseline = baselineOf(hub, pack.id);
  const cap = pplCap(pack, baseline);
  if (baseline && !better(row.score, baseline.tps)) return false;
  for (const other of hub.results.rankable(hub.config.results.order)) {
    if (other.filename === row.filename) continue;
    if (other.verification !== 'valid' && other.verification !== 'pending') continue;
    if (other.measurement !== null && other.measurement !== 'clean') continue;
    if (cap !== null && other.guardrail !== null && other.guardrail > cap) continue;
    return better(row.score, other.score);
  }
  return true;
}

export interface QueuedVerification {
  /** The verification job, or null when none was queued. */
  job: string | null;
  /** Why none was queued (already verified, nothing to run, no quota), for the author and the organizer. */
  reason: string | null;
}

/**
 * Queues the re-run of a claim, once per result, as the claimant's job. An automatic re-run is charged to the
 * claimant's quota; a hand-published claim is re-run only when it carries a runnable config and its author has a
 * job slot free (and at most one waits at a time), so publishing claims buys no GPU time. The organizer's own
 * request is charged to nobody.
 */
export async function queueVerification(
  hub: Pick<HubContext, 'config' | 'results' | 'jobs' | 'now' | 'write' | 'stampTime'>,
  pack: InstalledPack,
  filename: string,
  requestedBy: string,
  automatic: boolean,
): Promise<QueuedVerification> {
  return hub.write<QueuedVerification>(() => {
    const existing = hub.jobs.verificationOf(filename);
    if (existing)
      return {
        result: { job: null, reason: `already re-run as ${existing.id}` },
        effect: { actor: requestedBy, action: 'job.verify-skipped', target: filename },
      };
    const row = hub.results.get(filename)!;
    const fm = frontmatterOf(row);
    const config = (fm.config ?? null) as unknown;
    const byHand = !measuredByHub(row);
    if (byHand) {
      const why = unrunnable(pack, row.agent, config);
      if (why)
        return {
          result: { job: null, reason: why },
          effect: {
            actor: requestedBy,
            action: 'job.verify-skipped',
            target: filename,
            detail: { reason: 'not runnable' },
          },
        };
    }
    if (automatic && byHand) {
      const c = hub.config.jobs;
      const used = hub.jobs.charges(row.agent, hub.now() - c.window_hours * HOUR).length;
      if (used >= c.per_agent) {
        const reason = `${row.agent} has no job slot free (${used} of ${c.per_agent} in ${c.window_hours} h), and a re-run is charged to its author: publish through POST /v1/jobs when a slot frees`;
        return {
          result: { job: null, reason },
          effect: { actor: requestedBy, action: 'job.verify-skipped', target: filename, detail: { reason: 'quota' } },
        };
      }
      if (hub.jobs.countQueued(row.agent, 'verify') > 0) {
        const reason = `a re-run of another of ${row.agent}'s claims is already waiting; claims are re-run one at a time`;
        return {
          result: { job: null, reason },
          effect: { actor: requestedBy, action: 'job.verify-skipped', target: filename, detail: { reason: 'rate' } },
        };
      }
    }
    const ts = hub.stampTime();
    const id = `job-${fileStamp(ts)}`;
    hub.jobs.insert({
      id,
      agent: row.agent,
      kind: 'verify',
      pack: pack.id,
      config: JSON.stringify(config),
      method: `verify ${filename}`,
      description: byHand
        ? `re-run of ${row.agent}'s hand-published claim on every prompt`
        : `re-run of ${row.agent}'s claim on the private prompts`,
      created_at: ts,
      verifies: filename,
    });
    if (automatic) hub.jobs.charge(row.agent, id, ts);
    return {
      result: { job: id, reason: null },
      effect: {
        actor: requestedBy,
        action: 'job.queued',
        target: id,
        detail: { kind: 'verify', verifies: filename, charged: automatic ? row.agent : null },
      },
    };
  });
}

/** Why a config cannot be re-run (none, or one no job could have run), or null when it can. */
function unrunnable(pack: InstalledPack, author: string, config: unknown): string | null {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    return 'it carries no run configuration (`config` in its frontmatter) to re-run; publish through POST /v1/jobs to be measured, ranked and verified';
  }
  try {
    checkJobConfig(pack, author, config as Record<string, unknown>);
    return null;
  } catch (err) {
    return `its configuration cannot run: ${(err as Error).message}`;
  }
}

/** Why a verification job cannot run at all, or null when it can. */
export function unrunnableReason(pack: InstalledPack, author: string, job: JobRow): string | null {
  return unrunnable(pack, author, JSON.parse(job.config) as unknown);
}

export interface VerdictFigures {
  /** pending: the re-run could not decide (a busy machine); unverified: a hand-published claim it cannot compare. */
  verdict: Verdict;
  note: string;
}

const numbers = (v: unknown): number[] =>
  Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)) : [];
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

/**
 * One-sided: is the re-run significantly slower than claimed by more than the tolerance? With repeats on both sides,
 * the upper end of the 95% interval of (re-run - claim) (Welch) must lie below -tolerance x claim; with the claim's
 * point figure only, the re-run's own interval must lie below (1 - tolerance) x claim. A faster re-run never refutes.
 */
export function significantlySlower(
  rerun: number[],
  claim: number[] | number,
  tolerance: number,
): { slower: boolean; off: number } {
  const claimed = typeof claim === 'number' ? claim : summarize(claim).mean;
  const r = summarize(rerun);
  const off = (r.mean - claimed) / claimed;
  if (Array.isArray(claim) && claim.length >= 2 && rerun.length >= 2) {
    const d = differenceInterval(rerun, claim)!;
    return { slower: d.ci95[1] < -tolerance * claimed, off };
  }
  const upper = rerun.length >= 2 ? r.ci95[1] : r.mean;
  return { slower: upper < (1 - tolerance) * claimed, off };
}

/**
 * The verdict of a re-run, like for like. A hub-measured claim: the re-run's private-prompt figures against the claim's
 * own private-prompt figures from its job (never its public ones): the paired speedup (it survives a busy machine) and,
 * when the re-run's machine was quiet, the raw TPS. A hand-published claim: the re-run's TPS on the public prompts
 * against the claimed TPS, when it names no other hardware. Perplexity over the cap and a lossless claim that diverges
 * refute whatever the speed. A re-run that cannot compare speed decides nothing on it.
 */
export function judge(
  hub: Pick<HubContext, 'results'>,
  pack: InstalledPack,
  claim: ResultRow,
  out: JobRunOutput,
): VerdictFigures {
  const fm = frontmatterOf(claim);
  const tol = pack.gate.verify_tolerance;
  const cap = pplCap(pack, baselineOf(hub, pack.id));
  const busy = disturbance(pack.gate, out);
  const reasons: string[] = [];
  const facts: string[] = [];
  let speedChecked = false;

  if (measuredByHub(claim)) {
    const split = out.splits.private ?? out.splits.public;
    const claimTps = numbers(fm.tps_private_per_repeat);
    const claimTpsPoint = num(fm.tps_private) ?? claim.score;
    const claimRatios = numbers(fm.speedup_private_per_repeat);
    if (split && split.plain_tps !== null && claimRatios.length > 0) {
      const s = significantlySlower(split.speedup_per_repeat, claimRatios, tol);
      speedChecked = true;
      facts.push(
        `paired speedup on the ${split.prompts} private prompts: x${split.speedup.toFixed(3)} against the claimed x${(num(fm.speedup_private) ?? summarize(claimRatios).median).toFixed(3)} (${pct(s.off)})`,
      );
      if (s.slower)
        reasons.push(
          `the paired speedup is significantly below the claim (${pct(s.off)}, tolerance ${(tol * 100).toFixed(0)}%)`,
        );
    }
    if (split) {
      const s = significantlySlower(split.tps_per_repeat, claimTps.length > 0 ? claimTps : claimTpsPoint, tol);
      facts.push(
        `${split.tps.toFixed(2)} tok/s on the private prompts against the claim's ${claimTpsPoint.toFixed(2)} from its own job (${pct(s.off)})`,
      );
      if (busy) facts.push(`raw TPS not judged: ${busy}`);
      else {
        speedChecked = true;
        if (s.slower)
          reasons.push(`TPS significantly below the claim (${pct(s.off)}, tolerance ${(tol * 100).toFixed(0)}%)`);
      }
    }
  } else {
    const claimedHardware = typeof fm.hardware === 'string' ? fm.hardware : null;
    const split = out.splits.public ?? out.splits.private;
    if (claimedHardware && claimedHardware !== out.hardware) {
      facts.push(
        `claimed on ${claimedHardware}; this hub measured ${split?.tps.toFixed(2) ?? out.tps.toFixed(2)} tok/s on ${out.hardware}, which is not comparable`,
      );
    } else if (split && busy) {
      facts.push(`this hub measured ${split.tps.toFixed(2)} tok/s, but ${busy}`);
    } else if (split) {
      const claimTps = numbers(fm.tps_per_repeat);
      const s = significantlySlower(split.tps_per_repeat, claimTps.length >= 2 ? claimTps : claim.score, tol);
      speedChecked = true;
      facts.push(
        `re-run on the ${split.prompts} public prompts${claimedHardware ? '' : ' (the claim names no hardware: taken as this machine)'}: ${split.tps.toFixed(2)} tok/s against the claimed ${claim.score.toFixed(2)} (${pct(s.off)})`,
      );
      if (s.slower)
        reasons.push(`TPS significantly below the claim (${pct(s.off)}, tolerance ${(tol * 100).toFixed(0)}%)`);
    }
  }
  if (out.ppl !== null) {
    facts.push(`perplexity ${out.ppl.toFixed(4)}${cap !== null ? ` (cap ${cap.toFixed(4)})` : ''}`);
    if (cap !== null && out.ppl > cap) reasons.push('perplexity over the cap');
  }
  const losslessClaim = fm.lossless === true || fm.identical === true;
  if (losslessClaim && pack.gate.identity_required && out.identical !== null) {
    facts.push(
      out.identical
        ? 'greedy output identical to the plain model'
        : `greedy output diverged on ${((out.divergence_rate ?? 0) * 100).toFixed(0)}% of the prompts`,
    );
    if (out.identical === false) reasons.push('claimed lossless, but the output is not identical to the plain model');
  }
  if (reasons.length > 0) return { verdict: 'invalid', note: `${reasons.join('; ')}. ${facts.join('; ')}` };
  if (!speedChecked) {
    return {
      verdict: measuredByHub(claim) ? 'pending' : 'unverified',
      note: `the speed could not be compared, so nothing is decided. ${facts.join('; ')}`,
    };
  }
  return { verdict: 'valid', note: facts.join('; ') };
}

/**
 * The verdict post's first line, in the public verifier's words, so an agent written for the public collab reads it:
 * "**VERIFIED VALID**" or "**INVALID**", the owner mentioned, the result named.
 */
export function verdictHeadline(owner: string, filename: string, verdict: Verdict): string {
  const result = `@${owner} your result \`${filename}\``;
  if (verdict === 'valid') return `${result} was re-run on this hub: **VERIFIED VALID**.`;
  if (verdict === 'invalid') return `${result} was re-run on this hub and came back **INVALID**.`;
  if (verdict === 'pending') return `${result} stays pending: the re-run decided nothing.`;
  return `${result} stays unverified: this hub could not measure it against its claim.`;
}

/**
 * Records the verifier's verdict (an organizer's verdict still wins) and tells the author on the board, as the public
 * verifier does: posted by the verifier's handle, `type: verification`, `via: server`, the verdict on the first line
 * and this hub's figures after it.
 */
export async function deliverVerdict(
  hub: VerificationContext,
  claim: ResultRow,
  job: JobRow | null,
  v: VerdictFigures,
  jobError: string | null = null,
): Promise<void> {
  await hub.write(() => {
    hub.results.setVerdict(claim.filename, v.verdict, VERIFIER_HANDLE, 'verifier', v.note, hub.now());
    if (job) hub.jobs.finish(job.id, jobError === null ? 'succeeded' : 'failed', hub.now(), jobError, null);
    return {
      result: null,
      effect: {
        actor: VERIFIER_HANDLE,
        action: 'result.verdict',
        target: claim.filename,
        detail: { verdict: v.verdict, job: job?.id ?? null },
      },
    };
  });
  const overridden = hub.results.get(claim.filename)!.verification !== v.verdict;
  // Not an agent: the hub speaks through it, so no token, quota or rate limit of an agent applies.
  const verifier: Caller = { kind: 'organizer', handle: VERIFIER_HANDLE };
  const said: Record<string, string> = {
    valid: '**valid**',
    invalid: '**invalid**',
    pending: 'no verdict yet',
    unverified: '**unverified**',
  };
  await postMessage(
    hub,
    verifier,
    {
      body:
        `${verdictHeadline(claim.agent, claim.filename, v.verdict)}\n\n` +
        `verification of ${claim.filename}: ${said[v.verdict]}. ${v.note}.` +
        (overridden ? " (The organizer's verdict on this result stands.)" : ''),
      refs: [claim.filename],
    },
    { type: 'verification', via: 'server' },
  );
}
