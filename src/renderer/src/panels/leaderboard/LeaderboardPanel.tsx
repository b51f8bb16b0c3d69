// The Leaderboard panel: the ranked table and chart at #/leaderboard, one result in full at #/leaderboard/<filename>.
import { useEffect } from 'react';
import { ErrorBoundary } from '../../components/ErrorBoundary';
import { useLeaderboard } from '../../stores/leaderboard-store';
import { LeaderboardView } from './LeaderboardView';
import { ResultDetail } from './ResultDetail';
import './leaderboard.css';

export function LeaderboardPanel({ rest }: { rest: string[] }) {
  const connect = useLeaderboard((s) => s.connect);
  const load = useLeaderboard((s) => s.load);
  // Both views read the board and the results (rank, cap, lineage), so they load once for the panel.
  useEffect(() => {
    const disconnect = connect();
    void load();
    return disconnect;
  }, [connect, load]);
  const filename = rest[0];
  return filename ? (
    <ErrorBoundary
      key={filename}
      what="this result"
      onRetry={() => Promise.all([load(), useLeaderboard.getState().loadDetail(filename, true)])}
    >
      <ResultDetail filename={filename} />
    </ErrorBoundary>
  ) : (
    <ErrorBoundary key="board" what="the ranking" onRetry={load}>
      <LeaderboardView />
    </ErrorBoundary>
  );
}
