// A running job's live progress: its phase, how far through it, and the tokens per second so far.
import type { JobProgress } from '@shared/challenge';
import { num } from '../../facts';
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
  if (!progress || typeof progress !== 'object')
    return (
      <div className="job-progress" data-testid="job-progress">
        <span className="muted">starting…</span>
        <div className="progress">
          <span style={{ width: '0%' }} />
        </div>
      </div>
    );
  // Progress is passing news from the engine: any part of it may be missing.
  const done = num(progress.done) ?? 0;
  const total = num(progress.total) ?? 0;
  const phase = typeof progress.phase === 'string' ? progress.phase : '';
  const tps = num(progress.tps);
  const share = total > 0 ? Math.max(0, Math.min(1, done / total)) : 0;
  return (
    <div className="job-progress" data-testid="job-progress" data-phase={phase}>
      <div className="row job-progress-label">
        <span>{(Object.hasOwn(PHASE, phase) ? PHASE[phase] : phase) || 'running'}</span>
        {total > 0 && (
          <span className="muted">
            {done}/{total}
          </span>
        )}
        {tps !== null && (
          <span className="job-tps" data-testid="job-tps">
            {formatNumber(tps)} tok/s
          </span>
        )}
      </div>
      <div
        className="progress"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={done}
        aria-label={`${phase || 'job'} progress`}
      >
        <span style={{ width: `${Math.round(share * 100)}%` }} />
      </div>
    </div>
  );
}
