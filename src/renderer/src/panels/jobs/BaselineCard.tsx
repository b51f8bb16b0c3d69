// The pack's baseline: its figures, when and under which conditions it was measured, how its newest job went, and
// the organizer's Re-measure (POST /v1/challenge/baseline) for when the machine changed or the numbers look off.
import type { ChallengeInfo } from '@shared/challenge';
import { Ago } from '../../components/Ago';
import { MeasurementBadge } from '../../components/MeasurementBadge';
import { machineOf, num, text } from '../../facts';
import { formatNumber, formatTime } from '../../format';
import { routeHref } from '../../router';
import { useJobs } from '../../stores/jobs-store';
import { useIsOrganizer } from '../../stores/session-store';

const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;

function RemeasureButton({ busyJob }: { busyJob: ChallengeInfo['baseline_job'] }) {
  const organizer = useIsOrganizer();
  const remeasuring = useJobs((s) => s.remeasuring);
  const remeasure = useJobs((s) => s.remeasureBaseline);
  const active = busyJob !== null && (busyJob.state === 'queued' || busyJob.state === 'running');
  const why = !organizer
    ? 'sign in as organizer to re-measure the baseline'
    : active
      ? `a baseline job is ${busyJob.state} already`
      : 'Queue a job that measures the plain target again on this machine, now';
  return (
    <button
      className="btn btn-small"
      disabled={!organizer || active || remeasuring}
      title={why}
      onClick={() => void remeasure()}
    >
      {remeasuring ? 'Asking…' : 'Re-measure baseline'}
    </button>
  );
}

export function BaselineCard({ challenge }: { challenge: ChallengeInfo }) {
  const error = useJobs((s) => s.remeasureError);
  const baseline = challenge.baseline_result;
  const job = challenge.baseline_job ?? null;
  const machine = machineOf(baseline?.machine);
  const tps = num(baseline?.tps);
  const ppl = num(baseline?.ppl);
  const measuredAt = text(baseline?.measured_at);
  const hardware = text(baseline?.hardware);
  const active = job !== null && (job.state === 'queued' || job.state === 'running');
  return (
    <div className="card baseline-card" data-testid="baseline-card" aria-label="Baseline">
      <div className="row baseline-head">
        <strong>Baseline</strong>
        <span className="muted">the plain target ({challenge.baseline.target}), no speculation</span>
        <span className="grow" />
        <RemeasureButton busyJob={job} />
      </div>
      {baseline ? (
        <div className="baseline-facts" data-testid="baseline-facts">
          <span>
            <a href={routeHref('leaderboard', baseline.filename)}>
              <strong>{tps === null ? '—' : formatNumber(tps)}</strong> tok/s
            </a>
            {ppl !== null && <span className="muted"> · PPL {formatNumber(ppl, 3)}</span>}
          </span>
          <span>
            measured{' '}
            {measuredAt ? (
              <>
                <Ago iso={measuredAt} /> <span className="muted">({formatTime(measuredAt)})</span>
              </>
            ) : (
              <span className="muted">at an unknown time</span>
            )}
          </span>
          <span data-testid="baseline-hardware">
            on {hardware ?? <span className="muted">unreported hardware</span>}
          </span>
          {baseline.measurement ? (
            <MeasurementBadge quality={baseline.measurement} />
          ) : (
            <span className="muted">measurement quality not reported</span>
          )}
          <span data-testid="baseline-other-cpu">
            {machine?.other_cpu_during != null ? (
              <>other processes used {pct(machine.other_cpu_during)} of the CPU while it ran</>
            ) : (
              <span className="muted">other processes' CPU use not reported</span>
            )}
          </span>
          {baseline.job && (
            <span className="muted">
              job{' '}
              <a className="mono" href={routeHref('jobs', baseline.job)}>
                {baseline.job}
              </a>
            </span>
          )}
        </div>
      ) : (
        <p className="muted baseline-none">Not measured yet: the hub runs the baseline before the first job.</p>
      )}
      {active && (
        <p className="baseline-job" data-testid="baseline-job" data-state={job.state}>
          Re-measuring:{' '}
          <a className="mono" href={routeHref('jobs', job.id)}>
            {job.id}
          </a>{' '}
          is {job.state}.
        </p>
      )}
      {job?.state === 'failed' && (
        <p className="notice notice-error baseline-failed" role="alert" data-testid="baseline-failed">
          <span>
            The newest baseline measurement (
            <a className="mono" href={routeHref('jobs', job.id)}>
              {job.id}
            </a>
            ) failed: {job.error ?? 'no reason given'}
          </span>
        </p>
      )}
      {error && (
        <p className="error-text" role="alert" data-testid="remeasure-error">
          {error}
        </p>
      )}
    </div>
  );
}
