// This hub's own results placed against a public board: where each score would rank there, on which hardware it was measured, and that it is not on that board.
import { useMemo, useState } from 'react';
import type { RecordItem } from '@shared/api';
import { EmptyState } from '../../components/Notice';
import { placeLocal, type PublicBoard, type RankedHardware } from '../../model/frontier';
import { routeHref } from '../../router';
import type { LocalScoring } from '../../stores/frontier-ranking-store';
import { formatScore, scoreLabel } from '../leaderboard/result-fields';

const SHOWN = 10;

function RankedHardwareLine({ ranked }: { ranked: RankedHardware }) {
  if (ranked.kind === 'own-hardware')
    return (
      <>This collab ranks only figures it measures on its own hardware: every local figure is exploratory there.</>
    );
  if (ranked.kind === 'classes')
    return (
      <>
        Its public results were measured on <strong>{ranked.classes.join(', ')}</strong>.
      </>
    );
  return <>The public board does not say which hardware it ranks: its rules (below) do.</>;
}

export function LocalPlacements({
  board,
  scoring,
  results,
  ranked,
}: {
  board: PublicBoard;
  scoring: LocalScoring | null;
  results: RecordItem[];
  ranked: RankedHardware;
}) {
  const [all, setAll] = useState(false);
  const placed = useMemo(() => placeLocal(results, board, ranked), [results, board, ranked]);
  if (scoring && scoring.score_field !== board.score_field)
    return (
      <p className="notice" data-testid="local-incomparable">
        This hub scores {scoreLabel(scoring.score_field)}, the public board {scoreLabel(board.score_field)}: their
        figures do not compare.
      </p>
    );
  if (placed.length === 0)
    return (
      <EmptyState title="No local result to place">
        Results of this hub with a {scoreLabel(board.score_field)} figure show here against the public board.
      </EmptyState>
    );
  const shown = all ? placed : placed.slice(0, SHOWN);
  const label = scoreLabel(board.score_field);
  return (
    <div className="frontier-local" data-testid="local-placements">
      <p className="muted">
        Local results are <strong>not on the public board</strong>: this is where their {label} would rank there.{' '}
        <RankedHardwareLine ranked={ranked} />
      </p>
      <div className="frontier-table-wrap">
        <table className="table frontier-table" aria-label="Local results against the public board">
          <thead>
            <tr>
              <th className="num">Would rank</th>
              <th>Agent</th>
              <th className="num">{label}</th>
              <th>Hardware</th>
              <th>Standing</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((p) => (
              <tr key={p.filename} data-testid="local-row" data-filename={p.filename}>
                <td className="num" data-testid="local-rank">
                  #{p.rank} <span className="muted">of {board.rows.length + 1}</span>
                </td>
                <td>
                  <a href={routeHref('leaderboard', p.filename)}>{p.agent}</a>
                  {p.method && <div className="muted frontier-method">{p.method}</div>}
                </td>
                <td className="num">{formatScore(p.score)}</td>
                <td data-testid="local-hardware">{p.hardware ?? <span className="muted">not named</span>}</td>
                <td>
                  <span className="badge badge-local" data-testid="local-badge">
                    local (not on the public board)
                  </span>{' '}
                  {p.exploratory === true && (
                    <span className="badge badge-exploratory" data-testid="exploratory-badge">
                      exploratory
                    </span>
                  )}
                  {p.status !== 'agent-run' && <span className="badge">{p.status}</span>}
                  <div className="muted frontier-note" data-testid="local-note">
                    {p.hardwareNote}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {placed.length > SHOWN && (
        <button className="btn btn-small btn-quiet" onClick={() => setAll((v) => !v)}>
          {all ? `Show the best ${SHOWN}` : `Show all ${placed.length}`}
        </button>
      )}
    </div>
  );
}
