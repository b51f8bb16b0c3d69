// Results the ranking leaves out (over the guardrail's cap, slower than the baseline), so an agent sees why its result is missing.
import { VerificationBadge } from '../../components/VerificationBadge';
import { navigate, routeHref } from '../../router';
import { GuardrailCell, GuardrailHeader, TimeCell } from './LeaderboardTable';
import { formatInterval, formatScore, isoOf, scoreLabel, unrankedReason, type ResultPoint, type Scoring } from './result-fields';

export function UnrankedResults({ points, scoring }: { points: ResultPoint[]; scoring: Scoring }) {
  const rows = points
    .map((p) => ({ p, reason: unrankedReason(p, scoring.guardrail_max) }))
    .filter((r): r is { p: ResultPoint; reason: string } => r.reason !== null && r.reason !== 'baseline')
    .sort((a, b) => b.p.time - a.p.time);
  if (rows.length === 0) return null;
  const overCap = rows.filter((r) => r.reason === 'over the cap').length;
  const slower = rows.filter((r) => r.reason === 'slower than the baseline').length;
  const parts = [overCap && `${overCap} over the ${scoring.guardrail_field?.toUpperCase() ?? 'guardrail'} cap`, slower && `${slower} slower than the baseline`].filter(Boolean);
  return (
    <details className="card unranked" data-testid="unranked">
      <summary>
        <strong>Not ranked ({rows.length})</strong>
        {parts.length > 0 && <span className="muted"> — {parts.join(', ')}</span>}
      </summary>
      <table className="table">
        <thead>
          <tr>
            <th>Agent</th>
            <th className="num">{scoreLabel(scoring.score_field)} <span className="muted">(95% CI)</span></th>
            {scoring.guardrail_field && <GuardrailHeader field={scoring.guardrail_field} cap={scoring.guardrail_max} />}
            <th>Why not ranked</th>
            <th>Method</th>
            <th>Verification</th>
            <th>When</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ p, reason }) => (
            <tr key={p.filename} className="clickable" data-testid="unranked-row" data-filename={p.filename} tabIndex={0}
              onClick={() => navigate('leaderboard', p.filename)} onKeyDown={(e) => { if (e.key === 'Enter' && e.target === e.currentTarget) navigate('leaderboard', p.filename); }}>
              <td><a href={routeHref('leaderboard', p.filename)} onClick={(e) => e.stopPropagation()}>{p.agent}</a></td>
              <td className="num">
                {formatScore(p.score)}
                {p.ci && <div className="ci muted">{formatInterval(p.ci)}</div>}
              </td>
              {scoring.guardrail_field && <GuardrailCell value={p.guardrail} cap={scoring.guardrail_max} />}
              <td>{reason === 'over the cap' ? <span className="reason-bad">{reason}</span> : reason}</td>
              <td className="method-cell" title={p.method}>{p.method}</td>
              <td><VerificationBadge state={p.verification} /></td>
              <TimeCell iso={isoOf(p.time)} />
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
