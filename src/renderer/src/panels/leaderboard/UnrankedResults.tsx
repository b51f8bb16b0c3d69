// What the ranking leaves out and why: the hub's counts of each reason in plain words, and the results themselves (over
// the cap, slower than plain decoding, noisy or disturbed, other hardware, unverified...), so an agent sees why its
// result is missing and what to do about it.
import { MeasurementBadge } from '../../components/MeasurementBadge';
import { VerificationBadge } from '../../components/VerificationBadge';
import { navigate, routeHref } from '../../router';
import { GuardrailCell, GuardrailHeader, TimeCell } from './LeaderboardTable';
import {
  EXCLUDED_REASONS,
  formatInterval,
  formatScore,
  isoOf,
  reasonText,
  scoreLabel,
  unrankedReason,
  type RankContext,
  type ResultPoint,
  type Scoring,
} from './result-fields';

/** Reasons that speak of trouble with the result itself, shown in the warning colour. */
const BAD = new Set(['guardrail_exceeded', 'verification_invalid']);

/** The hub's `meta.excluded` counts, each reason explained; zero counts are left out. */
export function ExcludedReasons({ excluded }: { excluded: Record<string, number> | null | undefined }) {
  const entries = Object.entries(excluded ?? {}).filter(([, n]) => typeof n === 'number' && n > 0);
  if (entries.length === 0) return null;
  // Known reasons in the order the dictionary gives them, then any a newer hub adds.
  const order = Object.keys(EXCLUDED_REASONS);
  entries.sort(
    ([a], [b]) => (order.indexOf(a) === -1 ? 99 : order.indexOf(a)) - (order.indexOf(b) === -1 ? 99 : order.indexOf(b)),
  );
  return (
    <div className="excluded" data-testid="excluded-reasons">
      <h3>Not ranked, and why</h3>
      <ul>
        {entries.map(([key, n]) => (
          <li key={key} data-reason={key}>
            <strong className="num">{n}</strong> {reasonText(key, 'long')}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function UnrankedResults({
  points,
  scoring,
  ctx,
}: {
  points: ResultPoint[];
  scoring: Scoring;
  ctx: RankContext;
}) {
  const rows = points
    .map((p) => ({ p, reason: unrankedReason(p, ctx) }))
    .filter((r): r is { p: ResultPoint; reason: string } => r.reason !== null && r.reason !== 'baseline')
    .sort((a, b) => b.p.time - a.p.time);
  if (rows.length === 0) return null;
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.reason, (counts.get(r.reason) ?? 0) + 1);
  const parts = [...counts].map(([key, n]) =>
    key === 'guardrail_exceeded'
      ? `${n} over the ${scoring.guardrail_field?.toUpperCase() ?? 'guardrail'} cap`
      : `${n} ${reasonText(key)}`,
  );
  return (
    <details className="card unranked" data-testid="unranked">
      <summary>
        <strong>Not ranked ({rows.length})</strong>
        <span className="muted"> — {parts.join(', ')}</span>
      </summary>
      <table className="table unranked-table">
        <thead>
          <tr>
            <th>Agent</th>
            <th className="num">
              {scoreLabel(scoring.score_field)} <span className="muted">(95% CI)</span>
            </th>
            {scoring.guardrail_field && <GuardrailHeader field={scoring.guardrail_field} cap={scoring.guardrail_max} />}
            <th>Why not ranked</th>
            {/* Narrow, low-value columns go first (leaderboard.css), as in the ranked table. */}
            <th className="col-method">Method</th>
            <th className="col-hardware">Hardware</th>
            <th>Verification</th>
            <th className="col-when">When</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ p, reason }) => (
            <tr
              key={p.filename}
              className="clickable"
              data-testid="unranked-row"
              data-filename={p.filename}
              data-reason={reason}
              tabIndex={0}
              onClick={() => navigate('leaderboard', p.filename)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && e.target === e.currentTarget) navigate('leaderboard', p.filename);
              }}
            >
              <td>
                <a href={routeHref('leaderboard', p.filename)} onClick={(e) => e.stopPropagation()}>
                  {p.agent}
                </a>
              </td>
              <td className="num">
                {formatScore(p.score)}
                {p.ci && <div className="ci muted">{formatInterval(p.ci)}</div>}
              </td>
              {scoring.guardrail_field && <GuardrailCell value={p.guardrail} cap={scoring.guardrail_max} />}
              <td title={reasonText(reason, 'long')}>
                {BAD.has(reason) ? <span className="reason-bad">{reasonText(reason)}</span> : reasonText(reason)}
                {reason.startsWith('measurement_') && (
                  <>
                    {' '}
                    <MeasurementBadge quality={p.measurement} />
                  </>
                )}
              </td>
              <td className="method-cell col-method" title={p.method}>
                {p.method}
              </td>
              <td className="hardware-cell col-hardware" title={p.hardware ?? undefined}>
                {p.hardware ?? <span className="muted">—</span>}
              </td>
              <td>
                <VerificationBadge state={p.verification} />
              </td>
              <TimeCell iso={isoOf(p.time)} className="col-when" />
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
