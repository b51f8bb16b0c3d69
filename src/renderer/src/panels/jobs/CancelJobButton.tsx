// Cancel for a queued or running job: the organizer's, with the hub's refusal shown beside it.
import type { JobInfo } from '@shared/challenge';
import { useIsOrganizer } from '../../stores/session-store';
import { useJobs } from '../../stores/jobs-store';

export function CancelJobButton({ job }: { job: JobInfo }) {
  const organizer = useIsOrganizer();
  const cancelling = useJobs((s) => s.cancelling[job.id] === true);
  const refusal = useJobs((s) => s.cancelErrors[job.id]);
  const cancel = useJobs((s) => s.cancel);
  if (job.state !== 'queued' && job.state !== 'running') return null;
  const title = organizer
    ? job.state === 'queued'
      ? 'Cancel: it leaves the queue and its quota charge is refunded'
      : 'Cancel: the run is stopped'
    : 'sign in as organizer to cancel jobs';
  return (
    <span className="cancel-job">
      <button
        className="btn btn-small btn-danger"
        disabled={!organizer || cancelling}
        title={title}
        aria-label={`Cancel ${job.id}`}
        onClick={(e) => {
          e.stopPropagation();
          void cancel(job.id);
        }}
      >
        {cancelling ? 'Cancelling…' : 'Cancel'}
      </button>
      {refusal && (
        <span className="error-text" role="alert">
          {refusal}
        </span>
      )}
    </span>
  );
}
