// The leaderboard in the public shape: agent-run results ranked by score, best per agent, ties to the earlier stamp.
import { VERIFICATION_STATES, type Leaderboard, type LeaderboardQuery, type VerificationState } from '../shared/api';
import type { HubContext } from './hub-context';
import { HubError } from './hub-error';
import { baselineOf, pplCap } from './jobs/job-results';
import { leaderboardRow } from './records';
import type { RankRow } from './store/result-store';

const STATES = VERIFICATION_STATES;

/** What ranking reads: the results, the ranking rules, the installed pack (its cap) and the clock. */
export type RankingContext = Pick<HubContext, 'results' | 'config' | 'challenge' | 'now'>;

export function parseVerificationFilter(value: string | undefined): VerificationState[] {
  if (value === undefined) return ['valid', 'pending'];
  const states = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = states.find((s) => !(STATES as readonly string[]).includes(s));
  if (bad !== undefined || states.length === 0) {
    throw new HubError(
      'INVALID_QUERY',
      `verification must be a comma-separated list of ${STATES.join(', ')}${bad ? `; got "${bad}"` : ''}`,
      'e.g. verification=valid,pending',
    );
  }
  return states as VerificationState[];
}

/**
 * The hardware class this hub measures on: its baseline's (the newest hub-measured result's where there is none), so
 * a default leaderboard ranks what this machine measured and says so.
 */
function ownHardware(hub: Pick<HubContext, 'results'>, pack: string | null): string | null {
  return (pack ? hub.results.latestOfPack('baseline', pack)?.hardware : null) ?? hub.results.latestHardware();
}

/**
 * The leaderboard: clean results of one hardware class (results of different machines are never ranked together
 * silently), under the perplexity cap, in the verification states asked for, best per agent.
 */
export function buildLeaderboard(hub: RankingContext, query: LeaderboardQuery): Leaderboard {
  const c = hub.config.results;
  const states = parseVerificationFilter(query.verification);
  const bestPerAgent = query.best_per_agent ?? true;
  const all = hub.results.rankable(c.order);
  let pack = null;
  try {
    pack = hub.challenge.get();
  } catch {
    pack = null;
  }
  const baseline = pack ? baselineOf(hub, pack.id) : null;
  // With a challenge installed and no fixed cap configured, the cap is the pack's ratio times the baseline's PPL.
  const guardrailMax = c.guardrail_max ?? (pack ? pplCap(pack, baseline) : null);
  const excluded: Record<string, number> = { status_negative: hub.results.countByStatus('negative') };
  // Classes among the results asked for: an unverified result naming some hardware splits nothing unless it is shown.
  const classes = new Map<string, number>();
  for (const row of all)
    if (row.hardware && states.includes(row.verification))
      classes.set(row.hardware, (classes.get(row.hardware) ?? 0) + 1);
  // One class, or none named: nothing to keep apart. Several: this hub's own unless the query picks one (or all).
  const hardware =
    query.hardware === 'all'
      ? null
      : (query.hardware ?? (classes.size > 1 ? ownHardware(hub, pack?.id ?? null) : null));
  const ranked: RankRow[] = [];
  const seen = new Set<string>();
  for (const row of all) {
    if (hardware !== null && row.hardware !== hardware) {
      excluded.hardware_other = (excluded.hardware_other ?? 0) + 1;
      continue;
    }
    if (row.measurement === 'noisy' || row.measurement === 'disturbed') {
      const key = `measurement_${row.measurement}`;
      excluded[key] = (excluded[key] ?? 0) + 1;
      continue;
    }
    if (!states.includes(row.verification)) {
      const key = `verification_${row.verification}`;
      excluded[key] = (excluded[key] ?? 0) + 1;
      continue;
    }
    if (guardrailMax !== null && row.guardrail !== null && row.guardrail > guardrailMax) {
      excluded.guardrail_exceeded = (excluded.guardrail_exceeded ?? 0) + 1;
      continue;
    }
    if (bestPerAgent) {
      if (seen.has(row.agent)) continue;
      seen.add(row.agent);
    }
    ranked.push(row);
  }
  const leader = ranked[0];
  const overlapsLeader = (r: RankRow) =>
    leader !== undefined &&
    r !== leader &&
    leader.score_low !== null &&
    leader.score_high !== null &&
    r.score_low !== null &&
    r.score_high !== null &&
    r.score_low <= leader.score_high &&
    r.score_high >= leader.score_low;
  let rows = ranked.map((r, i) => leaderboardRow(r, i + 1, overlapsLeader(r)));
  if (query.agent) rows = rows.filter((r) => r.agent === query.agent);
  // As in the public collab, 0 and below mean every row.
  if (query.limit !== undefined && query.limit > 0) rows = rows.slice(0, query.limit);
  return {
    score_field: c.score_field,
    order: c.order,
    guardrail_field: c.guardrail_field,
    guardrail_max: guardrailMax,
    rows,
    baseline: baseline && {
      filename: baseline.filename,
      score: baseline.tps,
      guardrail: baseline.ppl,
      hardware: hub.results.get(baseline.filename)?.hardware ?? null,
    },
    hardware,
    hardware_classes: [...classes]
      .map(([name, results]) => ({ hardware: name, results }))
      .sort((a, b) => b.results - a.results || a.hardware.localeCompare(b.hardware)),
    meta: { generated_at: new Date(hub.now()).toISOString(), results_considered: hub.results.count(), excluded },
  };
}
