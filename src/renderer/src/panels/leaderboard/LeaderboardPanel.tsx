// The Leaderboard panel: the ranked table and chart at #/leaderboard, one result in full at #/leaderboard/<filename>.
import { useEffect } from 'react';
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
  return filename ? <ResultDetail key={filename} filename={filename} /> : <LeaderboardView />;
}
