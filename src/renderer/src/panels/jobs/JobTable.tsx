// The queue and the history: one row per job, newest first, live as jobs are queued, run and finish.
import type { JobInfo } from '@shared/challenge';
import { formatDuration } from '../../format';
import { navigate, routeHref } from '../../router';
import { useJobs } from '../../stores/jobs-store';
import { Ago, useNow } from '../../components/Ago';
import { CancelJobButton } from './CancelJobButton';
import { ConfigSummary } from './ConfigSummary';
import { JobProgressBar } from './JobProgressBar';
import { JobStateBadge } from './JobStateBadge';

/** Seconds a job ran (or has been running). */
export function jobSeconds(job: JobInfo, now: number): number | null {
  const start = typeof job.started_at === 'string' ? Date.parse(job.started_at) : Number.NaN;
  const end = job.finished_at ? Date.parse(job.finished_at) : now;
  if (!Number.isFinite(start) || !Number.isFinite(end)) return null;
  return Math.max(0, (end - start) / 1000);
}

function JobRow({ job, now }: { job: JobInfo; now: number }) {
  const progress = useJobs((s) => s.progress[job.id]) ?? job.progress;
  const seconds = jobSeconds(job, now);
  return (
    <tr className="clickable" data-testid="job-row" data-job={job.id} onClick={() => navigate('jobs', job.id)}>
      <td className="job-id">
        <a href={routeHref('jobs', job.id)} className="mono" onClick={(e) => e.stopPropagation()}>
          {job.id}
        </a>
        {job.method && <div className="muted job-method">{job.method}</div>}
      </td>
      <td className="job-agent">{job.agent}</td>
      <td className="col-kind">{job.kind || '—'}</td>
      <td>
        <JobStateBadge state={job.state} position={job.queue_position} />
        {job.state === 'running' && <JobProgressBar progress={progress} />}
        {job.state === 'failed' && job.error && (
          <div className="error-text job-error" title={job.error}>
            {job.error}
          </div>
        )}
      </td>
      <td className="job-config">
        <ConfigSummary config={job.config} />
      </td>
      <td className="job-time col-queued">
        <Ago iso={job.created_at} />
      </td>
      <td className="job-time col-started">
        <Ago iso={job.started_at} />
      </td>
      <td className="num">{seconds === null ? '—' : formatDuration(seconds)}</td>
      <td className="job-actions">
        <CancelJobButton job={job} />
      </td>
    </tr>
  );
}

export function JobTable({ jobs }: { jobs: JobInfo[] }) {
  const now = useNow(1000);
  return (
    <table className="table job-table" aria-label="Jobs">
      <thead>
        <tr>
          <th>Job</th>
          <th>Agent</th>
          {/* Narrow, the table drops its kind and times (jobs.css); the job page has them all. */}
          <th className="col-kind">Kind</th>
          <th>State</th>
          <th>Config</th>
          <th className="col-queued">Queued</th>
          <th className="col-started">Started</th>
          <th className="num">Duration</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {jobs.map((job) => (
          <JobRow key={job.id} job={job} now={now} />
        ))}
      </tbody>
    </table>
  );
}
