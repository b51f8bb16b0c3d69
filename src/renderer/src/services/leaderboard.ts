// The leaderboard's HTTP calls: the ranking, pages of results, one result with its verdict, its author, verdicts and re-runs.
import type { AgentInfo, Leaderboard, LeaderboardQuery, ListResponse, RecordItem, Verdict, VerdictBody } from '@shared/api';
import type { JobInfo } from '@shared/challenge';
import { hubApi } from '../connection/hub-api';

const enc = encodeURIComponent;

/** GET /v1/results/<filename>: the record and who decided its verification. */
export type ResultDetail = RecordItem & { verdict: Verdict };

export const leaderboardService = {
  readLeaderboard(query: LeaderboardQuery): Promise<Leaderboard> {
    return hubApi.get<Leaderboard>('/v1/leaderboard', query);
  },

  /** One page of whole results, oldest first, after the cursor. */
  listResults(after: string | undefined, limit: number): Promise<ListResponse> {
    return hubApi.get<ListResponse>('/v1/results', { expand: true, order: 'asc', limit, after });
  },

  readResult(filename: string): Promise<ResultDetail> {
    return hubApi.get<ResultDetail>(`/v1/results/${enc(filename)}`);
  },

  readAgent(agentId: string): Promise<AgentInfo> {
    return hubApi.get<AgentInfo>(`/v1/agents/${enc(agentId)}`);
  },

  setVerdict(filename: string, body: VerdictBody): Promise<ResultDetail> {
    return hubApi.post<ResultDetail>(`/v1/results/${enc(filename)}/verdict`, body);
  },

  /** Queues a re-run on the private prompts. */
  requestVerification(filename: string): Promise<JobInfo> {
    return hubApi.post<JobInfo>(`/v1/results/${enc(filename)}/verify`);
  },
};
