// The leaderboard's HTTP calls: the ranking, pages of results, one result with its verdict, its author, verdicts and re-runs.
import type { AgentDetail, Leaderboard, LeaderboardQuery, ListResponse, ResultRecord, VerdictBody } from '@shared/api';
import type { JobInfo } from '@shared/challenge';
import { hub } from '../connection/hub-api';

export const leaderboardService = {
  readLeaderboard(query: LeaderboardQuery): Promise<Leaderboard> {
    return hub.leaderboard(query);
  },

  /** One page of whole results, oldest first, after the cursor. */
  listResults(after: string | undefined, limit: number): Promise<ListResponse> {
    return hub.results({ expand: true, order: 'asc', limit, after });
  },

  readResult(filename: string): Promise<ResultRecord> {
    return hub.result(filename);
  },

  readAgent(agentId: string): Promise<AgentDetail> {
    return hub.agent(agentId);
  },

  setVerdict(filename: string, body: VerdictBody): Promise<ResultRecord> {
    return hub.setVerdict(filename, body);
  },

  /** Queues a re-run on the private prompts. */
  requestVerification(filename: string): Promise<JobInfo> {
    return hub.verifyResult(filename);
  },
};
