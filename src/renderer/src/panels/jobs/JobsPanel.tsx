// The Jobs panel: the GPU queue and its history live, the running job's progress, quotas, cancel, and a submit form.
import { useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ErrorBoundary } from '../../components/ErrorBoundary';
import { EmptyState, ErrorNotice } from '../../components/Notice';
import { useJobs, type JobFilter } from '../../stores/jobs-store';
import { useIsOrganizer } from '../../stores/session-store';
import { Ago } from '../../components/Ago';
import { BaselineCard } from './BaselineCard';
import { JobDetail } from './JobDetail';
import { JobTable } from './JobTable';
import { RunningJobCard } from './RunningJobCard';
import { SubmitJobForm } from './SubmitJobForm';
import './jobs.css';

const FILTERS: Array<{ id: JobFilter; label: string }> = [
  { id: 'all', label: 'All' },
  { id: 'active', label: 'Queued and running' },
  { id: 'finished', label: 'Finished' },
];

function QuotaLine() {
  const quota = useJobs((s) => s.quota);
  const agent = useJobs((s) => s.agent);
  if (!quota) return null;
  if (!agent)
    return (
      <span className="muted quota-line" data-testid="quota">
        Each agent may submit {quota.limit} jobs per {quota.window_hours} h; the organizer's jobs are not counted.
      </span>
    );
  return (
    <span className="quota-line" data-testid="quota">
      <strong>{quota.agent}</strong>: {quota.used} of {quota.limit} jobs in {quota.window_hours} h
      {quota.next_slot_at && (
        <>
          {' '}
          · next slot <Ago iso={quota.next_slot_at} />
        </>
      )}
    </span>
  );
}

function JobsOverview() {
  const organizer = useIsOrganizer();
  // Not the progress map: tokens/s ticks re-render only the rows and the running card.
  const { status, error, jobs, active, activeCapped, hasMore, filter, agent, challenge, challengeError } = useJobs(
    useShallow((s) => ({
      status: s.status,
      error: s.error,
      jobs: s.jobs,
      active: s.active,
      activeCapped: s.activeCapped,
      hasMore: s.hasMore,
      filter: s.filter,
      agent: s.agent,
      challenge: s.challenge,
      challengeError: s.challengeError,
    })),
  );
  const { load, showMore, setFilter, loadQuota } = useJobs.getState();
  const [formOpen, setFormOpen] = useState(false);
  const [agentText, setAgentText] = useState(agent);
  const submitButton = useRef<HTMLButtonElement>(null);
  const closeForm = () => {
    setFormOpen(false);
    submitButton.current?.focus();
  };

  useEffect(() => {
    if (organizer) void loadQuota(agent || undefined);
  }, [organizer, agent, loadQuota]);

  // The whole GPU queue, whichever jobs the list below shows.
  const running = active.filter((j) => j.state === 'running').length;
  const runningJob = active.find((j) => j.state === 'running');
  const queued = active.filter((j) => j.state === 'queued').length;
  const submitBlocked = !organizer
    ? 'sign in as organizer to submit jobs'
    : !challenge
      ? `no challenge to run: ${challengeError ?? 'loading…'}`
      : null;

  return (
    <section className="panel jobs-panel" aria-label="Jobs">
      <div className="panel-header">
        <div className="row">
          <h1>Jobs</h1>
          <span className="muted" data-testid="job-counts">
            {running} running · {queued}
            {activeCapped ? '+' : ''} queued
          </span>
        </div>
        <div className="panel-actions">
          {organizer && <QuotaLine />}
          <button
            ref={submitButton}
            className="btn btn-primary"
            disabled={submitBlocked !== null}
            title={submitBlocked ?? 'Queue a benchmark run of a configuration'}
            onClick={() => setFormOpen((v) => !v)}
            aria-expanded={formOpen}
          >
            Submit a job
          </button>
        </div>
      </div>
      {challenge && <BaselineCard challenge={challenge} />}
      {formOpen && challenge && organizer && <SubmitJobForm challenge={challenge} onClose={closeForm} />}
      <div className="row jobs-filters">
        <div className="tabs" role="tablist" aria-label="Which jobs">
          {FILTERS.map((f) => (
            <button
              key={f.id}
              role="tab"
              aria-selected={filter === f.id}
              className={filter === f.id ? 'tab active' : 'tab'}
              onClick={() => void setFilter(f.id, agent)}
            >
              {f.label}
            </button>
          ))}
        </div>
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            void setFilter(filter, agentText);
          }}
        >
          <input
            aria-label="Filter by agent"
            placeholder="agent id"
            value={agentText}
            onChange={(e) => setAgentText(e.target.value)}
          />
          <button className="btn btn-small">Filter</button>
          {agent && (
            <button
              type="button"
              className="btn btn-small btn-quiet"
              onClick={() => {
                setAgentText('');
                void setFilter(filter, '');
              }}
            >
              Clear
            </button>
          )}
        </form>
      </div>
      {runningJob && <RunningJobCard job={runningJob} />}
      {error && <ErrorNotice error={error} onRetry={() => void load()} />}
      {status === 'loading' && jobs.length === 0 && <p className="muted">Loading jobs…</p>}
      {status === 'ready' && jobs.length === 0 && (
        <EmptyState title={agent || filter !== 'all' ? 'No job matches' : 'No jobs yet'}>
          {agent || filter !== 'all'
            ? 'Change the filter to see the others.'
            : 'Agents submit jobs with POST /v1/jobs; the organizer can submit one here. The baseline runs first.'}
        </EmptyState>
      )}
      {jobs.length > 0 && (
        <div className="card job-table-card">
          <JobTable jobs={jobs} />
          {hasMore && (
            <button className="btn btn-small show-more" onClick={() => void showMore()}>
              Show older jobs
            </button>
          )}
        </div>
      )}
    </section>
  );
}

export function JobsPanel({ rest }: { rest: string[] }) {
  const connect = useJobs((s) => s.connect);
  const load = useJobs((s) => s.load);
  const loadChallenge = useJobs((s) => s.loadChallenge);
  useEffect(() => {
    const stop = connect();
    void load();
    void loadChallenge();
    return stop;
  }, [connect, load, loadChallenge]);
  const id = rest[0];
  return id ? (
    <ErrorBoundary key={id} what={`job ${id}`} onRetry={() => useJobs.getState().openDetail(id)}>
      <JobDetail id={id} />
    </ErrorBoundary>
  ) : (
    <ErrorBoundary key="overview" what="the job list" onRetry={() => Promise.all([load(), loadChallenge()])}>
      <JobsOverview />
    </ErrorBoundary>
  );
}
