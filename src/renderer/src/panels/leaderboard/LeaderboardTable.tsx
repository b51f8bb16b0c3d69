// The ranked table: score with its interval, ties with the leader, speedup, the guardrail against its cap, the baseline row.
import { Fragment } from 'react';
import type { Leaderboard, LeaderboardRow } from '@shared/api';
import { VerificationBadge } from '../../components/VerificationBadge';
import { formatAgo, formatTime } from '../../format';
import { navigate, routeHref } from '../../router';
import {
  better,
  formatInterval,
  formatScore,
  formatSpeedup,
  isoOf,
  overCap,
  rankedPlaces,
  reasonText,
  scoreLabel,
  timeOf,
} from './result-fields';

export const TIE_TITLE = "Its 95% interval overlaps the leader's: the two cannot be told apart yet";

/** What the speedup column means: never a ratio of two runs measured apart. */
export const SPEEDUP_TITLE =
  'Speedup over plain decoding (paired): TPS over the plain target measured in the same run, interleaved repeat by repeat, with its 95% interval';

function SpeedupCell({ row }: { row: LeaderboardRow }) {
  const speedup = typeof row.speedup === 'number' && Number.isFinite(row.speedup) ? row.speedup : null;
  const ci =
    Array.isArray(row.speedup_ci) && row.speedup_ci.length === 2 && row.speedup_ci.every((x) => typeof x === 'number')
      ? row.speedup_ci
      : null;
  return (
    <td
      className="num"
      data-testid="speedup"
      title={speedup === null ? 'no paired measurement: no job of this hub measured it' : SPEEDUP_TITLE}
    >
      {speedup === null ? <span className="muted">—</span> : formatSpeedup(speedup)}
      {ci && (
        <div className="ci muted">
          {formatSpeedup(ci[0])} – {formatSpeedup(ci[1])}
        </div>
      )}
    </td>
  );
}

/** The guardrail's column title, with its cap when there is one. */
export function GuardrailHeader({ field, cap }: { field: string; cap: number | null }) {
  return (
    <th
      className="num"
      title={
        cap === null
          ? `${field}: no cap yet (it comes with the baseline run)`
          : `results with ${field} above ${formatScore(cap)} are not ranked`
      }
    >
      {field.toUpperCase()}
      {cap !== null && (
        <span className="cap-label" data-testid="guardrail-cap">
          {' '}
          ≤ {formatScore(cap)}
        </span>
      )}
    </th>
  );
}

export function GuardrailCell({ value, cap }: { value: number | null; cap: number | null }) {
  if (value === null) return <td className="num muted">—</td>;
  const over = overCap(value, cap);
  return (
    <td
      className={over ? 'num guardrail-over' : 'num'}
      data-testid="guardrail"
      data-over={over ? 'true' : undefined}
      title={over ? `over the cap of ${formatScore(cap!)}` : undefined}
    >
      {formatScore(value)}
      {over && (
        <span className="over-mark" aria-label="over the cap">
          {' '}
          ▲
        </span>
      )}
    </td>
  );
}

export function TimeCell({ iso, className }: { iso: string; className?: string }) {
  return (
    <td className={className ? `nowrap ${className}` : 'nowrap'}>
      <time dateTime={iso} title={formatTime(iso)}>
        {formatAgo(iso)}
      </time>
    </td>
  );
}

function open(filename: string) {
  navigate('leaderboard', filename);
}

function rowKeys(e: React.KeyboardEvent, filename: string) {
  if (e.key === 'Enter' && e.target === e.currentTarget) open(filename);
}

function ScoreCell({ row }: { row: LeaderboardRow }) {
  return (
    <td className="num score-cell" data-testid="score">
      <span className="score-value">{formatScore(row.score)}</span>
      {row.tie && (
        <span className="badge badge-tie" title={TIE_TITLE} data-testid="tie-badge">
          ≈ tie
        </span>
      )}
      {row.ci && (
        <div className="ci muted" title="95% interval">
          {formatInterval(row.ci)}
        </div>
      )}
    </td>
  );
}

function BaselineRow({
  baseline,
  board,
  hardwareColumn,
}: {
  baseline: NonNullable<Leaderboard['baseline']>;
  board: Leaderboard;
  hardwareColumn: boolean;
}) {
  return (
    <tr
      className="baseline-row clickable"
      data-testid="baseline-row"
      tabIndex={0}
      onClick={() => open(baseline.filename)}
      onKeyDown={(e) => rowKeys(e, baseline.filename)}
      title={`The plain model, no speculation${baseline.hardware ? `, measured on ${baseline.hardware}` : ''}: each job measures its own plain target beside it in the same run`}
    >
      <td />
      <td>
        <a href={routeHref('leaderboard', baseline.filename)}>baseline</a> <span className="muted">reference</span>
      </td>
      <td className="num">{formatScore(baseline.score)}</td>
      <td className="num muted">×1.00</td>
      {board.guardrail_field && <GuardrailCell value={baseline.guardrail} cap={board.guardrail_max} />}
      <td className="muted col-method">no speculation</td>
      {hardwareColumn && <td className="hardware-cell col-hardware">{baseline.hardware ?? '—'}</td>}
      <td />
      <td className="col-when" />
    </tr>
  );
}

export function LeaderboardTable({ board }: { board: Leaderboard }) {
  const label = scoreLabel(board.score_field);
  const { baseline } = board;
  // The reference row sits where the baseline's own score would rank.
  const baselineAt = baseline ? board.rows.findIndex((r) => better(baseline.score, r.score, board.order)) : -1;
  // Ranking every class together (hardware=all) says each row's hardware: their numbers are not comparable.
  const hardwareColumn = board.hardware == null && board.rows.some((r) => r.hardware);
  // Rows the filters add (invalid, unverified) are listed but not ranked: no number, and the others close up.
  const { places } = rankedPlaces(board.rows);
  return (
    <table className="table leaderboard-table" data-testid="leaderboard-table">
      <thead>
        <tr>
          {/* Narrow, the table drops its low-value columns (leaderboard.css); rank, agent, score and verdict stay. */}
          <th className="num">#</th>
          <th>Agent</th>
          <th className="num" title="95% interval below the score">
            {label} <span className="muted">(95% CI)</span>
          </th>
          <th className="num" title={SPEEDUP_TITLE}>
            Speedup <span className="muted">(paired)</span>
          </th>
          {board.guardrail_field && <GuardrailHeader field={board.guardrail_field} cap={board.guardrail_max} />}
          <th className="col-method">Method</th>
          {hardwareColumn && <th className="col-hardware">Hardware</th>}
          <th>Verification</th>
          <th className="col-when">When</th>
        </tr>
      </thead>
      <tbody>
        {board.rows.map((row, i) => {
          const place = places.get(row.filename);
          return (
            <Fragment key={row.filename}>
              {baseline && i === baselineAt && (
                <BaselineRow baseline={baseline} board={board} hardwareColumn={hardwareColumn} />
              )}
              <tr
                className={`clickable${place === 1 ? ' leader-row' : ''}${row.tie ? ' tie-row' : ''}${place === undefined ? ' unranked-row' : ''}`}
                data-testid="leaderboard-row"
                data-filename={row.filename}
                tabIndex={0}
                onClick={() => open(row.filename)}
                onKeyDown={(e) => rowKeys(e, row.filename)}
              >
                <td
                  className="num rank"
                  data-testid="rank"
                  title={
                    place === undefined ? `not ranked: ${reasonText(`verification_${row.verification}`)}` : undefined
                  }
                >
                  {place ?? <span className="muted">—</span>}
                </td>
                <td className="agent-cell" title={row.agent}>
                  <a href={routeHref('leaderboard', row.filename)} onClick={(e) => e.stopPropagation()}>
                    {row.agent}
                  </a>
                </td>
                <ScoreCell row={row} />
                <SpeedupCell row={row} />
                {board.guardrail_field && <GuardrailCell value={row.guardrail} cap={board.guardrail_max} />}
                <td className="method-cell col-method" title={row.description || row.method}>
                  {row.method || <span className="muted">—</span>}
                </td>
                {hardwareColumn && (
                  <td className="hardware-cell col-hardware">{row.hardware ?? <span className="muted">—</span>}</td>
                )}
                <td>
                  <VerificationBadge state={row.verification} />
                </td>
                <TimeCell iso={isoOf(timeOf(row.filename, { timestamp: row.timestamp }))} className="col-when" />
              </tr>
            </Fragment>
          );
        })}
        {baseline && baselineAt === -1 && (
          <BaselineRow baseline={baseline} board={board} hardwareColumn={hardwareColumn} />
        )}
      </tbody>
    </table>
  );
}
