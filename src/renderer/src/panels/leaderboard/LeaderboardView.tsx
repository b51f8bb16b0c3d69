// The leaderboard page: filters, the hardware the ranking is for, the score-over-time chart, the ranked table, and what
// is not ranked and why (on a CPU-only hub, why speculation did not pay there).
import { useEffect, useMemo, useState } from 'react';
import type { Leaderboard, RecordItem } from '@shared/api';
import { EmptyState, ErrorNotice } from '../../components/Notice';
import { explainRun, obj, text } from '../../facts';
import { navigate, routeHref } from '../../router';
import { shownStates, useLeaderboard } from '../../stores/leaderboard-store';
import { LeaderboardTable } from './LeaderboardTable';
import { ChartLegend } from './ChartLegend';
import {
  formatScore,
  pointOf,
  scoreLabel,
  timeOf,
  type RankContext,
  type ResultPoint,
  type Scoring,
} from './result-fields';
import { ScoreChart } from './ScoreChart';
import { ExcludedReasons, UnrankedResults } from './UnrankedResults';

/** Re-renders now and then so "3 min ago" keeps telling the truth while the panel stays open. */
function useMinuteTicker(): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), 30_000);
    return () => clearInterval(timer);
  }, []);
}

/** The hardware classes a hub reports (none from a hub older than the field). */
function classesOf(board: Leaderboard): Array<{ hardware: string; results: number }> {
  return Array.isArray(board.hardware_classes)
    ? board.hardware_classes.filter((c) => c && typeof c.hardware === 'string')
    : [];
}

/** Which hardware the ranking is for, always said; a selector when the results span more than one class. */
function HardwareLine({ board, onSelect }: { board: Leaderboard; onSelect: (hardware: string) => void }) {
  const classes = classesOf(board);
  const ranked = typeof board.hardware === 'string' && board.hardware ? board.hardware : null;
  let says: React.ReactNode;
  if (ranked)
    says = (
      <>
        Ranked for <strong data-testid="ranked-hardware">{ranked}</strong>
      </>
    );
  else if (classes.length > 1)
    says = (
      <>
        <strong data-testid="ranked-hardware">All hardware</strong> ranked together: figures from different machines do
        not compare
      </>
    );
  else if (classes.length === 1)
    says = (
      <>
        Ranked for <strong data-testid="ranked-hardware">{classes[0]!.hardware}</strong>
      </>
    );
  else if (board.baseline?.hardware)
    says = (
      <>
        Ranked for <strong data-testid="ranked-hardware">{board.baseline.hardware}</strong>, the hardware of this hub's
        baseline
      </>
    );
  else says = <span className="muted">Ranked for any hardware: no result here names the hardware it ran on</span>;
  const options =
    ranked && !classes.some((c) => c.hardware === ranked) ? [{ hardware: ranked, results: 0 }, ...classes] : classes;
  return (
    <p className="ranked-for" data-testid="ranked-for">
      <span>{says}</span>
      {classes.length > 1 && (
        <select
          aria-label="Hardware"
          data-testid="hardware-select"
          value={ranked ?? 'all'}
          onChange={(e) => onSelect(e.target.value)}
        >
          {options.map((c) => (
            <option key={c.hardware} value={c.hardware}>
              {c.hardware} ({c.results} result{c.results === 1 ? '' : 's'})
            </option>
          ))}
          <option value="all">All hardware together (not comparable)</option>
        </select>
      )}
    </p>
  );
}

/** The newest negative result that says where its time went: why speculation did not pay on this machine. */
function newestNegativeExplained(
  results: RecordItem[],
): { filename: string; agent: string; explanation: string } | null {
  let best: { filename: string; agent: string; explanation: string; time: number } | null = null;
  for (const r of results) {
    const fm = obj(r.frontmatter);
    if (!fm || fm.status !== 'negative') continue;
    const explanation = explainRun(fm.costs, fm.speedup, fm.backend);
    if (!explanation) continue;
    const time = timeOf(r.filename, fm);
    if (!best || time > best.time) best = { filename: r.filename, agent: text(fm.agent) ?? '?', explanation, time };
  }
  return best;
}

function NegativeExplanation({ results }: { results: RecordItem[] }) {
  const negative = useMemo(() => newestNegativeExplained(results), [results]);
  if (!negative) return null;
  return (
    <div className="negative-explanation" data-testid="negative-explanation">
      <h3>Why speculation did not pay on this machine</h3>
      <p>{negative.explanation}</p>
      <p className="muted">
        From the newest negative result, <a href={routeHref('leaderboard', negative.filename)}>{negative.agent}'s</a>.
      </p>
    </div>
  );
}

export function LeaderboardView() {
  useMinuteTicker();
  const {
    board,
    boardError,
    results,
    resultsLoaded,
    resultsError,
    bestPerAgent,
    includeInvalid,
    includeUnverified,
    setBestPerAgent,
    setIncludeInvalid,
    setIncludeUnverified,
    setHardware,
    load,
  } = useLeaderboard();

  const scoring = useMemo<Scoring | null>(
    () =>
      board && {
        score_field: board.score_field,
        order: board.order,
        guardrail_field: board.guardrail_field,
        guardrail_max: board.guardrail_max,
      },
    [board],
  );
  const ctx = useMemo<RankContext>(
    () => ({
      cap: board?.guardrail_max ?? null,
      states: shownStates({ includeInvalid, includeUnverified }),
      hardware: typeof board?.hardware === 'string' ? board.hardware : null,
    }),
    [board, includeInvalid, includeUnverified],
  );
  // Every result but the baseline (a line of its own). The chart hides invalid ones unless asked for; results
  // published by hand stay on it, hollow like every result the ranking leaves out, unless they are ranked too.
  const all = useMemo<ResultPoint[]>(() => {
    if (!scoring) return [];
    return results
      .map((r) => pointOf(r, scoring))
      .filter((p): p is ResultPoint => p !== null && p.status !== 'baseline');
  }, [results, scoring]);
  const points = useMemo(
    () => all.filter((p) => includeInvalid || p.verification !== 'invalid'),
    [all, includeInvalid],
  );
  const ties = useMemo(() => new Set(board?.rows.filter((r) => r.tie).map((r) => r.filename) ?? []), [board]);

  if (boardError && !board)
    return (
      <section className="panel">
        <ErrorNotice error={boardError} onRetry={() => void load()} />
      </section>
    );
  if (!board || !scoring || !resultsLoaded)
    return (
      <section className="panel">
        <p className="muted loading">Loading the leaderboard…</p>
      </section>
    );

  const label = scoreLabel(board.score_field);
  const nothingYet = results.length === 0 && board.rows.length === 0;
  return (
    <section className="panel leaderboard">
      <header className="panel-header">
        <div>
          <h1>Leaderboard</h1>
          <p className="muted subtitle">
            Ranked by {label}, {board.order === 'desc' ? 'higher' : 'lower'} is better
            {board.baseline && (
              <>
                {' '}
                · baseline {formatScore(board.baseline.score)} {label}
                {board.baseline.hardware ? ` on ${board.baseline.hardware}` : ''}
              </>
            )}
          </p>
          <HardwareLine board={board} onSelect={setHardware} />
        </div>
        <div className="panel-actions">
          <label className="toggle">
            <input
              type="checkbox"
              checked={bestPerAgent}
              onChange={(e) => setBestPerAgent(e.target.checked)}
              data-testid="best-per-agent"
            />
            Best per agent
          </label>
          <label className="toggle">
            <input
              type="checkbox"
              checked={includeInvalid}
              onChange={(e) => setIncludeInvalid(e.target.checked)}
              data-testid="include-invalid"
            />
            Include invalid
          </label>
          <label className="toggle" title="results published by hand: no job of this hub measured them">
            <input
              type="checkbox"
              checked={includeUnverified}
              onChange={(e) => setIncludeUnverified(e.target.checked)}
              data-testid="include-unverified"
            />
            Include unverified
          </label>
        </div>
      </header>
      {boardError && <ErrorNotice error={boardError} onRetry={() => void load()} />}
      {resultsError && <ErrorNotice error={`results for the chart: ${resultsError}`} onRetry={() => void load()} />}

      {nothingYet ? (
        <div className="card">
          <EmptyState title="No results yet">
            Agents publish results with <code>POST /v1/results</code>, or run a benchmark job; they appear here as they
            land.
          </EmptyState>
        </div>
      ) : (
        <>
          <div className="card chart-card">
            <div className="chart-head">
              <h2>{label} over time</h2>
              <span className="muted">
                {points.length} result{points.length === 1 ? '' : 's'} · click a point to open it
              </span>
            </div>
            {points.length > 0 ? (
              <ScoreChart
                points={points}
                scoring={scoring}
                ctx={ctx}
                baseline={board.baseline}
                ties={ties}
                leader={board.rows[0]?.filename ?? null}
                onOpen={(f) => navigate('leaderboard', f)}
              />
            ) : (
              <EmptyState title="Nothing to plot">No result passes the verification filter.</EmptyState>
            )}
            <ChartLegend
              hasBaseline={board.baseline !== null}
              includeInvalid={includeInvalid}
              includeUnverified={includeUnverified}
            />
          </div>
          <div className="card table-card">
            {board.rows.length > 0 ? (
              <LeaderboardTable board={board} />
            ) : (
              <>
                <EmptyState title="No ranked results">
                  None passes the ranking's rules: the reasons are below.
                </EmptyState>
                <NegativeExplanation results={results} />
              </>
            )}
            <ExcludedReasons excluded={board.meta?.excluded} />
          </div>
          <UnrankedResults points={all} scoring={scoring} ctx={ctx} />
        </>
      )}
    </section>
  );
}
