// A job as the API shows it: its row, its place in the queue and the progress of the run under way.
import type { JobInfo, JobProgress } from '../../shared/challenge';
import type { JobRow, JobStore } from '../store/job-store';

/**
 * Progress of running jobs, kept in memory by the queue as the runner reports it (the row is saved at most once a
 * second); readers see the newest figure from here.
 */
export type LiveProgress = Map<string, JobProgress>;

export function jobInfo(
  jobs: JobStore,
  progress: ReadonlyMap<string, JobProgress>,
  row: JobRow,
  order?: JobRow[],
): JobInfo {
  return {
    id: row.id,
    agent: row.agent,
    kind: row.kind,
    state: row.state,
    pack: row.pack,
    config: JSON.parse(row.config) as Record<string, unknown> | null,
    method: row.method,
    description: row.description,
    created_at: new Date(row.created_at).toISOString(),
    started_at: row.started_at === null ? null : new Date(row.started_at).toISOString(),
    finished_at: row.finished_at === null ? null : new Date(row.finished_at).toISOString(),
    queue_position: jobs.queuePosition(row, order),
    progress: progress.get(row.id) ?? (row.progress ? (JSON.parse(row.progress) as JobProgress) : null),
    error: row.error,
    result: row.result,
    verifies: row.verifies,
    log: `/v1/central/jobs/${row.id}/log.txt`,
  };
}
