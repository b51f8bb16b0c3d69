// A running job's live progress: its phase, how far through it, and the tokens per second so far.
import type { JobProgress } from '../../../../shared/challenge';
import { formatNumber } from '../../format';

const PHASE: Record<string, string> = {
  build: 'preparing the runner',
  load: 'loading the model',
  identity: 'checking identity',
  warmup: 'warming up',
  measure: 'measuring',
  perplexity: 'perplexity',
  probe: 'accuracy probe',
};

export function JobProgressBar({ progress }: { progress: JobProgress | null }) {
  if (!progress) return <div className="job-progress" data-testid="job-progress"><span className="muted">starting…</span><div className="progress"><span style={{ width: '0%' }} /></div></div>;
  const share = progress.total > 0 ? Math.min(1, progress.done / progress.total) : 0;
  return (
    <div className="job-progress" data-testid="job-progress" data-phase={progress.phase}>
      <div className="row job-progress-label">
        <span>{PHASE[progress.phase] ?? progress.phase}</span>
        <span className="muted">{progress.done}/{progress.total}</span>
        {progress.tps !== undefined && <span className="job-tps" data-testid="job-tps">{formatNumber(progress.tps)} tok/s</span>}
      </div>
      <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={progress.total} aria-valuenow={progress.done} aria-label={`${progress.phase} progress`}>
        <span style={{ width: `${Math.round(share * 100)}%` }} />
      </div>
    </div>
  );
}
