// A job's state as a colored mark: waiting, running, done, failed or cancelled read apart at a glance.
import type { JobState } from '@shared/challenge';

const TONE: Record<JobState, string> = {
  queued: 'job-queued',
  running: 'job-running',
  succeeded: 'badge-valid',
  failed: 'badge-invalid',
  cancelled: 'job-cancelled',
};

/** A state this dashboard does not know (a newer hub's) is shown as it is, in a neutral mark. */
export function JobStateBadge({ state, position }: { state: JobState; position?: number | null }) {
  const known = Object.hasOwn(TONE, state);
  const label =
    state === 'queued' && typeof position === 'number'
      ? `queued · #${position + 1}`
      : typeof state === 'string' && state
        ? state
        : 'unknown';
  return (
    <span
      className={`badge ${known ? TONE[state] : ''}`}
      data-testid="job-state"
      data-state={state}
      title={known ? undefined : 'a job state this dashboard does not know'}
    >
      {label}
    </span>
  );
}
