// A job's state as a colored mark: waiting, running, done, failed or cancelled read apart at a glance.
import type { JobState } from '../../../../shared/challenge';

const TONE: Record<JobState, string> = { queued: 'job-queued', running: 'job-running', succeeded: 'badge-valid', failed: 'badge-invalid', cancelled: 'job-cancelled' };

export function JobStateBadge({ state, position }: { state: JobState; position?: number | null }) {
  const label = state === 'queued' && position != null ? `queued · #${position + 1}` : state;
  return <span className={`badge ${TONE[state]}`} data-testid="job-state" data-state={state}>{label}</span>;
}
