// Comparing two results: the score difference, its 95% interval, and whether one is faster, slower, or a tie.
import type { Comparison } from '../shared/api';
import { differenceInterval } from '../shared/statistics';
import type { HubContext } from './hub-context';
import { HubError } from './hub-error';
import type { ResultRow } from './store/result-store';

function side(
  hub: Pick<HubContext, 'results' | 'config'>,
  filename: string,
  which: string,
): { row: ResultRow; repeats: number[] } {
  const row = hub.results.get(filename);
  if (!row)
    throw new HubError('NOT_FOUND', `${which}: no such file: results/${filename}`, 'GET /v1/results lists results');
  const fm = JSON.parse(row.frontmatter) as Record<string, unknown>;
  const raw = fm[`${hub.config.results.score_field}_per_repeat`];
  const repeats = Array.isArray(raw) ? raw.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)) : [];
  return { row, repeats };
}

const ci = (r: ResultRow): [number, number] | null =>
  r.score_low !== null && r.score_high !== null ? [r.score_low, r.score_high] : null;

/**
 * Two results differ only when the interval of their difference excludes zero: deltas under the noise
 * (~2 TPS in the public challenge) were not separable, and calling them wins misled everyone.
 */
export function compareResults(hub: Pick<HubContext, 'results' | 'config'>, a: string, b: string): Comparison {
  const A = side(hub, a, 'a');
  const B = side(hub, b, 'b');
  const difference = A.row.score - B.row.score;
  let interval: [number, number] | null = null;
  let method: Comparison['method'] = 'none';
  const welch = differenceInterval(A.repeats, B.repeats);
  if (welch) {
    interval = welch.ci95;
    method = 'welch';
  } else if (ci(A.row) && ci(B.row)) {
    interval = [ci(A.row)![0] - ci(B.row)![1], ci(A.row)![1] - ci(B.row)![0]];
    method = 'intervals';
  }
  const higherIsBetter = hub.config.results.order === 'desc';
  let verdict: Comparison['verdict'];
  // Without any spread there is no telling a gain from noise: that is a tie too, not a win.
  if (!interval || (interval[0] <= 0 && interval[1] >= 0)) verdict = 'tie';
  else verdict = difference > 0 === higherIsBetter ? 'faster' : 'slower';
  const present = (s: { row: ResultRow; repeats: number[] }) => ({
    filename: s.row.filename,
    agent: s.row.agent,
    score: s.row.score,
    ci: ci(s.row),
    repeats: s.repeats.length,
  });
  return { a: present(A), b: present(B), difference, ratio: A.row.score / B.row.score, interval, method, verdict };
}
