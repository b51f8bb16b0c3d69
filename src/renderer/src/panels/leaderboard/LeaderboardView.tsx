// The leaderboard page: filters, the score-over-time chart, the ranked table, and what is not ranked and why.
import { useEffect, useMemo, useState } from 'react';
import { EmptyState, ErrorNotice } from '../../components/Notice';
import { navigate } from '../../router';
import { useLeaderboard } from '../../stores/leaderboard-store';
import { LeaderboardTable } from './LeaderboardTable';
import { ChartLegend } from './ChartLegend';
import { formatScore, pointOf, scoreLabel, type ResultPoint, type Scoring } from './result-fields';
import { ScoreChart } from './ScoreChart';
import { UnrankedResults } from './UnrankedResults';

function ExcludedNote({ excluded }: { excluded: Record<string, number> }) {
  const invalid = excluded.verification_invalid ?? 0;
  const pending = excluded.verification_pending ?? 0;
  const parts = [invalid && `${invalid} invalid`, pending && `${pending} pending`].filter(Boolean);
  if (parts.length === 0) return null;
  return <p className="muted leaderboard-foot">Hidden by the verification filter: {parts.join(', ')}.</p>;
}

/** Re-renders now and then so "3 min ago" keeps telling the truth while the panel stays open. */
function useMinuteTicker(): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), 30_000);
    return () => clearInterval(timer);
  }, []);
}

export function LeaderboardView() {
  useMinuteTicker();
  const { board, boardError, results, resultsLoaded, resultsError, bestPerAgent, includeInvalid, setBestPerAgent, setIncludeInvalid, load } = useLeaderboard();

  const scoring = useMemo<Scoring | null>(
    () => board && { score_field: board.score_field, order: board.order, guardrail_field: board.guardrail_field, guardrail_max: board.guardrail_max },
    [board],
  );
  // The chart shows every result (not only each agent's best) that passes the same verification filter as the table.
  const points = useMemo<ResultPoint[]>(() => {
    if (!scoring) return [];
    return results
      .map((r) => pointOf(r, scoring))
      .filter((p): p is ResultPoint => p !== null && p.status !== 'baseline' && (includeInvalid || p.verification !== 'invalid'));
  }, [results, scoring, includeInvalid]);
  const ties = useMemo(() => new Set(board?.rows.filter((r) => r.tie).map((r) => r.filename) ?? []), [board]);

  if (boardError && !board) return <section className="panel"><ErrorNotice error={boardError} onRetry={() => void load()} /></section>;
  if (!board || !scoring || !resultsLoaded) return <section className="panel"><p className="muted loading">Loading the leaderboard…</p></section>;

  const label = scoreLabel(board.score_field);
  const nothingYet = results.length === 0 && board.rows.length === 0;
  return (
    <section className="panel leaderboard">
      <header className="panel-header">
        <div>
          <h1>Leaderboard</h1>
          <p className="muted subtitle">
            Ranked by {label}, {board.order === 'desc' ? 'higher' : 'lower'} is better
            {board.baseline && <> · baseline {formatScore(board.baseline.score)} {label}</>}
          </p>
        </div>
        <div className="panel-actions">
          <label className="toggle">
            <input type="checkbox" checked={bestPerAgent} onChange={(e) => setBestPerAgent(e.target.checked)} data-testid="best-per-agent" />
            Best per agent
          </label>
          <label className="toggle">
            <input type="checkbox" checked={includeInvalid} onChange={(e) => setIncludeInvalid(e.target.checked)} data-testid="include-invalid" />
            Include invalid
          </label>
        </div>
      </header>
      {boardError && <ErrorNotice error={boardError} onRetry={() => void load()} />}
      {resultsError && <ErrorNotice error={`results for the chart: ${resultsError}`} onRetry={() => void load()} />}

      {nothingYet ? (
        <div className="card">
          <EmptyState title="No results yet">
            Agents publish results with <code>POST /v1/results</code>, or run a benchmark job; they appear here as they land.
          </EmptyState>
        </div>
      ) : (
        <>
          <div className="card chart-card">
            <div className="chart-head">
              <h2>{label} over time</h2>
              <span className="muted">{points.length} result{points.length === 1 ? '' : 's'} · click a point to open it</span>
            </div>
            {points.length > 0
              ? <ScoreChart points={points} scoring={scoring} baseline={board.baseline} ties={ties} leader={board.rows[0]?.filename ?? null} onOpen={(f) => navigate('leaderboard', f)} />
              : <EmptyState title="Nothing to plot">No result passes the verification filter.</EmptyState>}
            <ChartLegend hasBaseline={board.baseline !== null} includeInvalid={includeInvalid} />
          </div>
          <div className="card table-card">
            {board.rows.length > 0 ? (
              <LeaderboardTable board={board} />
            ) : (
              <EmptyState title="No ranked results">
                {includeInvalid ? 'Every result is over the cap or slower than the baseline.' : 'None passes the filter: results over the cap, slower than the baseline, or marked invalid are not ranked.'}
              </EmptyState>
            )}
            <ExcludedNote excluded={board.meta.excluded} />
          </div>
          <UnrankedResults points={points} scoring={scoring} />
        </>
      )}
    </section>
  );
}
