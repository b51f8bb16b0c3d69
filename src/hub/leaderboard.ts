// The leaderboard in the public shape: agent-run results ranked by score, best per agent, ties to the earlier stamp.
import type { Leaderboard, LeaderboardQuery, VerificationState } from '../shared/api';
import type { Hub } from './hub';
import { HubError } from './hub-error';
import { baselineOf, pplCap } from './jobs/job-results';
import { leaderboardRow } from './records';
import type { RankRow } from './store/result-store';

const STATES: readonly VerificationState[] = ['pending', 'valid', 'invalid'];

export function parseVerificationFilter(value: string | undefined): VerificationState[] {
  if (value === undefined) return ['valid', 'pending'];
  const states = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = states.find((s) => !(STATES as readonly string[]).includes(s));
  if (bad !== undefined || states.length === 0) {
    throw new HubError('INVALID_QUERY', `verification must be a comma-separated list of ${STATES.join(', ')}${bad ? `; got "${bad}"` : ''}`, 'e.g. verification=valid,pending');
  }
  return states as VerificationState[];
}

export function buildLeaderboard(hub: Hub, query: LeaderboardQuery): Leaderboard {
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
  const ranked: RankRow[] = [];
  const seen = new Set<string>();
  for (const row of all) {
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
    leader !== undefined && r !== leader && leader.score_low !== null && leader.score_high !== null && r.score_low !== null && r.score_high !== null &&
    r.score_low <= leader.score_high && r.score_high >= leader.score_low;
  let rows = ranked.map((r, i) => leaderboardRow(r, i + 1, overlapsLeader(r), baseline?.tps ?? null));
  if (query.agent) rows = rows.filter((r) => r.agent === query.agent);
  if (query.limit) rows = rows.slice(0, query.limit);
  return {
    score_field: c.score_field,
    order: c.order,
    guardrail_field: c.guardrail_field,
    guardrail_max: guardrailMax,
    rows,
    baseline: baseline && { filename: baseline.filename, score: baseline.tps, guardrail: baseline.ppl },
    meta: { generated_at: new Date(hub.now()).toISOString(), results_considered: hub.results.count(), excluded },
  };
}
