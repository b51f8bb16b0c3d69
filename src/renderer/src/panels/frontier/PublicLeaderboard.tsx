// A followed collab's leaderboard as it last ranked it: its top scores over time (the local leaderboard's chart) and its rows with their verification.
import { useMemo } from 'react';
import type { VerificationState } from '@shared/api';
import { Ago } from '../../components/Ago';
import { EmptyState } from '../../components/Notice';
import type { PublicBoard, PublicRow } from '../../model/frontier';
import {
  formatScore,
  isoOf,
  scoreLabel,
  timeOf,
  type RankContext,
  type ResultPoint,
} from '../leaderboard/result-fields';
import { ScoreChart } from '../leaderboard/ScoreChart';
import { PublicVerification } from './PublicVerification';

/** The chart draws the top of the board; the table lists it all. */
const CHARTED = 20;
/** Every row is ranked there: the chart marks none as left out. */
const CTX: RankContext = { cap: null, states: ['valid', 'pending', 'invalid', 'unverified'], hardware: null };
const NO_TIES: ReadonlySet<string> = new Set();

function pointOf(row: PublicRow): ResultPoint {
  const known = ['valid', 'pending', 'invalid'].includes(row.verification);
  return {
    filename: row.filename,
    agent: row.agent,
    score: row.score,
    ci: null,
    guardrail: null,
    status: 'agent-run',
    method: row.method,
    verification: (known ? row.verification : 'pending') as VerificationState,
    time: timeOf(row.filename, { timestamp: row.timestamp }),
    refs: [],
    measurement: null,
    hardware: null,
    speedup: null,
    speedup_ci: null,
  };
}

export function PublicLeaderboard({ board, onOpen }: { board: PublicBoard; onOpen: (filename: string) => void }) {
  const label = scoreLabel(board.score_field);
  const points = useMemo(() => board.rows.slice(0, CHARTED).map(pointOf), [board]);
  const scoring = useMemo(
    () => ({ score_field: board.score_field, order: board.order, guardrail_field: null, guardrail_max: null }),
    [board],
  );
  if (board.rows.length === 0)
    return <EmptyState title="Nothing ranked there yet">The public board has no ranked result so far.</EmptyState>;
  return (
    <>
      <div className="card chart-card frontier-chart">
        <div className="chart-head">
          <h3>Top {label} over time</h3>
          <span className="muted">
            the best {points.length} of {board.rows.length} · click a point to open it
          </span>
        </div>
        <ScoreChart
          points={points}
          scoring={scoring}
          ctx={CTX}
          baseline={null}
          ties={NO_TIES}
          leader={board.rows[0]?.filename ?? null}
          onOpen={onOpen}
        />
      </div>
      <div className="frontier-table-wrap">
        <table className="table frontier-table" aria-label="Public leaderboard">
          <thead>
            <tr>
              <th className="num">#</th>
              <th>Agent</th>
              <th className="num">{label}</th>
              <th>Method</th>
              <th>Verification</th>
              <th>When</th>
            </tr>
          </thead>
          <tbody>
            {board.rows.map((row) => (
              <tr
                key={row.filename}
                className="clickable"
                data-testid="public-row"
                data-filename={row.filename}
                onClick={() => onOpen(row.filename)}
              >
                <td className="num">{row.rank}</td>
                <td>
                  <strong>{row.agent}</strong>
                  {row.hf_user && row.hf_user !== row.agent && <div className="muted">{row.hf_user}</div>}
                </td>
                <td className="num" data-testid="public-score">
                  {formatScore(row.score)}
                </td>
                <td className="frontier-method">{row.method || <span className="muted">—</span>}</td>
                <td>
                  <PublicVerification state={row.verification} />
                </td>
                <td className="nowrap">
                  <Ago iso={isoOf(timeOf(row.filename, { timestamp: row.timestamp }))} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
