// The job that holds the GPU now, large: what it runs, its phase and tokens per second as they come in.
import type { JobInfo } from '@shared/challenge';
import { formatDuration } from '../../format';
import { routeHref } from '../../router';
import { useJobs } from '../../stores/jobs-store';
import { useNow } from '../../components/Ago';
import { CancelJobButton } from './CancelJobButton';
import { ConfigSummary } from './ConfigSummary';
import { JobProgressBar } from './JobProgressBar';

export function RunningJobCard({ job }: { job: JobInfo }) {
  const progress = useJobs((s) => s.progress[job.id]) ?? job.progress;
  const now = useNow(1000);
  const started = job.started_at ? Date.parse(job.started_at) : Number.NaN;
  const elapsed = Number.isFinite(started) ? (now - started) / 1000 : 0;
  return (
    <div className="card running-job" data-testid="running-job" aria-label={`Running: ${job.id}`}>
      <div className="row">
        <span className="job-dot job-dot-running" aria-hidden />
        <strong>Running</strong>
        <a href={routeHref('jobs', job.id)} className="mono">
          {job.id}
        </a>
        <span className="muted">
          by {job.agent} · {job.kind} · {formatDuration(Math.max(0, elapsed))}
        </span>
        <span className="grow" />
        <CancelJobButton job={job} />
      </div>
      <ConfigSummary config={job.config} />
      <JobProgressBar progress={progress} />
    </div>
  );
}
