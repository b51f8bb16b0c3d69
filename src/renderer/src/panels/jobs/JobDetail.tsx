// One job (#/jobs/<id>): its state and live progress, what it ran, what it measured, its result, and its log.
import { useEffect, useMemo } from 'react';
import { formatDuration, formatTime } from '../../format';
import { routeHref } from '../../router';
import { useJobs } from '../../stores/jobs-store';
import { ErrorNotice } from '../../components/Notice';
import { Ago, useNow } from '../../components/Ago';
import { CancelJobButton } from './CancelJobButton';
import { ConfigSummary, NO_CONFIG_TITLE } from './ConfigSummary';
import { JobFigures } from './JobFigures';
import { readJobOutput } from './job-output';
import { JobProgressBar } from './JobProgressBar';
import { JobStateBadge } from './JobStateBadge';
import { jobSeconds } from './JobTable';
import { baselineConfig, settingText } from './run-config-fields';

const KIND: Record<string, string> = { bench: 'benchmark', baseline: 'baseline', verify: 'verification' };

function ConfigCard({ config, baseline }: { config: unknown; baseline: Record<string, unknown> }) {
  const settings =
    config !== null && typeof config === 'object' && !Array.isArray(config)
      ? Object.entries(config as Record<string, unknown>)
      : null;
  return (
    <div className="card" data-testid="job-config">
      <h3>Configuration</h3>
      {settings === null ? (
        <p className="muted" data-testid="job-no-config">
          {NO_CONFIG_TITLE}.
        </p>
      ) : (
        <>
          <p>
            <ConfigSummary config={config as Record<string, unknown>} />
          </p>
          <table className="table config-table">
            <thead>
              <tr>
                <th>Setting</th>
                <th>Value</th>
                <th>Baseline</th>
              </tr>
            </thead>
            <tbody>
              {settings.map(([k, v]) => (
                <tr key={k} className={baseline[k] !== v ? 'changed' : undefined}>
                  <td className="mono">{k}</td>
                  <td className="mono">{settingText(v)}</td>
                  <td className="mono muted">{baseline[k] === undefined ? '—' : settingText(baseline[k])}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}

export function JobDetail({ id }: { id: string }) {
  const detail = useJobs((s) => (s.detail?.id === id ? s.detail : null));
  const openDetail = useJobs((s) => s.openDetail);
  const refreshDetail = useJobs((s) => s.refreshDetail);
  const challenge = useJobs((s) => s.challenge);
  const live = useJobs((s) => s.progress[id]);
  const now = useNow(1000);
  useEffect(() => {
    void openDetail(id);
  }, [id, openDetail]);
  const baseline = useMemo(() => baselineConfig(challenge) as Record<string, unknown>, [challenge]);
  const figures = useMemo(() => (detail?.output != null ? readJobOutput(detail.output) : null), [detail?.output]);

  const job = detail?.job;
  const seconds = job ? jobSeconds(job, now) : null;
  return (
    <section className="panel job-detail" aria-label={`Job ${id}`}>
      <div className="panel-header">
        <div className="row">
          <a href={routeHref('jobs')} className="btn btn-small btn-quiet">
            ← All jobs
          </a>
          <h1 className="mono">{id}</h1>
          {job && <JobStateBadge state={job.state} position={job.queue_position} />}
        </div>
        <div className="panel-actions">{job && <CancelJobButton job={job} />}</div>
      </div>
      {detail?.error && <ErrorNotice error={detail.error} onRetry={() => void refreshDetail()} />}
      {!job && !detail?.error && <p className="muted">Loading the job…</p>}
      {job && (
        <>
          <div className="card job-facts">
            <dl>
              <dt>Agent</dt>
              <dd>{job.agent || '—'}</dd>
              <dt>Kind</dt>
              <dd>
                {(Object.hasOwn(KIND, job.kind) ? KIND[job.kind] : job.kind) || '—'}
                {job.verifies && (
                  <>
                    {' '}
                    of <a href={routeHref('leaderboard', job.verifies)}>{job.verifies}</a>
                  </>
                )}
              </dd>
              <dt>Pack</dt>
              <dd>{job.pack || '—'}</dd>
              {job.method && (
                <>
                  <dt>Method</dt>
                  <dd>{job.method}</dd>
                </>
              )}
              {job.description && (
                <>
                  <dt>Why</dt>
                  <dd>{job.description}</dd>
                </>
              )}
              <dt>Queued</dt>
              <dd>
                <Ago iso={job.created_at} />
                {job.created_at && <span className="muted"> ({formatTime(job.created_at)})</span>}
              </dd>
              <dt>Started</dt>
              <dd>
                {job.started_at ? (
                  <>
                    <Ago iso={job.started_at} /> <span className="muted">({formatTime(job.started_at)})</span>
                  </>
                ) : job.state === 'queued' ? (
                  `waiting, #${(job.queue_position ?? 0) + 1} in the queue`
                ) : (
                  '—'
                )}
              </dd>
              <dt>Duration</dt>
              <dd>{seconds === null ? '—' : formatDuration(seconds)}</dd>
              <dt>Result</dt>
              <dd data-testid="job-result">
                {job.result ? (
                  <a href={routeHref('leaderboard', job.result)}>{job.result}</a>
                ) : (
                  <span className="muted">{job.state === 'succeeded' ? 'none published' : 'none yet'}</span>
                )}
              </dd>
            </dl>
          </div>
          {job.state === 'running' && (
            <div className="card">
              <h3>Progress</h3>
              <JobProgressBar progress={live ?? job.progress} />
            </div>
          )}
          {job.error && (
            <div
              className={job.state === 'cancelled' ? 'notice job-cancelled-note' : 'notice notice-error'}
              role={job.state === 'failed' ? 'alert' : undefined}
            >
              {job.error}
            </div>
          )}
          {figures && (
            <div className="card">
              <h3>Measured</h3>
              <JobFigures output={figures} />
            </div>
          )}
          <div className="job-detail-grid">
            <div className="card">
              <h3>Log</h3>
              {detail.log ? (
                <pre className="job-log mono" data-testid="job-log">
                  {detail.log}
                </pre>
              ) : (
                <p className="muted">No log yet: the job writes one when it starts.</p>
              )}
            </div>
            <ConfigCard config={job.config} baseline={baseline} />
          </div>
        </>
      )}
    </section>
  );
}
