// The jobs' HTTP calls: job pages by state and agent, one job, its log and output files, cancel, submit, the challenge, quotas.
import type { ChallengeInfo, JobBody, JobInfo, JobList, JobListQuery, QuotaInfo } from '@shared/challenge';
import { hub, isNotFound } from '../connection/hub-api';

export const jobsService = {
  listJobs(query: JobListQuery = {}): Promise<JobList> {
    return hub.jobs(query);
  },

  readJob(id: string): Promise<JobInfo> {
    return hub.job(id);
  },

  cancel(id: string): Promise<JobInfo> {
    return hub.cancelJob(id);
  },

  submit(body: JobBody): Promise<JobInfo> {
    return hub.submitJob(body);
  },

  /**
   * A job's file as text (its log, its output.json), by the hub path the job names; null while it has none. Read
   * whole by its URL, since the job hands out the path and the log is text however it is served.
   */
  async readJobFile(path: string): Promise<string | null> {
    try {
      return await (await hub.send('GET', path, { accept: '*/*' })).text();
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  },

  /** Where a finished job's figures are written. */
  outputPath: (id: string): string => `/v1/central/jobs/${encodeURIComponent(id)}/output.json`,

  readChallenge(): Promise<ChallengeInfo> {
    return hub.challenge();
  },

  /** The organizer's re-measure of the pack's baseline. */
  remeasureBaseline(): Promise<JobInfo> {
    return hub.remeasureBaseline();
  },

  /** An agent's job quota (the hub's own reader when no agent is named). */
  readQuota(agent?: string): Promise<QuotaInfo> {
    return hub.quota(agent);
  },
};
