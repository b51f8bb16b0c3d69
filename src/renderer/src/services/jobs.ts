// The jobs' HTTP calls: job pages by state and agent, one job, its log and output files, cancel, submit, the challenge, quotas.
import type { ChallengeInfo, JobBody, JobInfo, JobListQuery, QuotaInfo } from '@shared/challenge';
import { HubApiError, hubApi } from '../connection/hub-api';

const enc = encodeURIComponent;

/** GET /v1/jobs: a page of jobs, the match count, and the job holding the GPU lease. */
export type JobPage = { count: number; items: JobInfo[]; lease: { job: string; since: string } | null };

export const jobsService = {
  listJobs(query: JobListQuery = {}): Promise<JobPage> {
    return hubApi.get<JobPage>('/v1/jobs', query);
  },

  readJob(id: string): Promise<JobInfo> {
    return hubApi.get<JobInfo>(`/v1/jobs/${enc(id)}`);
  },

  cancel(id: string): Promise<JobInfo> {
    return hubApi.delete<JobInfo>(`/v1/jobs/${enc(id)}`);
  },

  submit(body: JobBody): Promise<JobInfo> {
    return hubApi.post<JobInfo>('/v1/jobs', body);
  },

  /** A job's file as text (its log, its output.json); null while it has none. */
  async readJobFile(path: string): Promise<string | null> {
    try {
      return await hubApi.text(path);
    } catch (err) {
      if (err instanceof HubApiError && err.status === 404) return null;
      throw err;
    }
  },

  /** Where a finished job's figures are written. */
  outputPath: (id: string): string => `/v1/central/jobs/${enc(id)}/output.json`,

  readChallenge(): Promise<ChallengeInfo> {
    return hubApi.get<ChallengeInfo>('/v1/challenge');
  },

  /** The organizer's re-measure of the pack's baseline. */
  remeasureBaseline(): Promise<JobInfo> {
    return hubApi.post<JobInfo>('/v1/challenge/baseline');
  },

  /** An agent's job quota (the hub's own reader when no agent is named). */
  readQuota(agent?: string): Promise<QuotaInfo> {
    return hubApi.get<QuotaInfo>('/v1/jobs/quota', { agent });
  },
};
