// One download: its progress bar (bytes of total, rate, time left) and cancel; how it ended, with a retry.
import { useState } from 'react';
import type { DownloadInfo } from '@shared/models';
import { errorText } from '../../connection/hub-api';
import { formatBytes, formatDuration, formatTime } from '../../format';
import { useModels } from '../../stores/models-store';

const ORGANIZER_ONLY = 'sign in as organizer to manage downloads';

function figures(d: DownloadInfo): string {
  const size = d.total !== null ? `${formatBytes(d.bytes)} / ${formatBytes(d.total)}` : formatBytes(d.bytes);
  if (d.state === 'starting') return 'asking the Hub…';
  if (d.state !== 'downloading') return size;
  const rate = d.rate > 0 ? ` · ${formatBytes(d.rate)}/s` : '';
  const eta = d.eta_s !== null ? ` · ${formatDuration(d.eta_s)} left` : '';
  return `${size}${rate}${eta}`;
}

export function DownloadRow({
  download: d,
  canWrite,
  onDismiss,
}: {
  download: DownloadInfo;
  canWrite: boolean;
  onDismiss: () => void;
}) {
  const cancel = useModels((s) => s.cancel);
  const pull = useModels((s) => s.pull);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const act = async (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const running = d.state === 'starting' || d.state === 'downloading';
  const percent = d.total ? Math.min(100, (d.bytes / d.total) * 100) : d.state === 'done' ? 100 : 0;
  return (
    <li
      className={`download download-${d.state}`}
      data-testid="download"
      data-state={d.state}
      aria-label={`download ${d.repo}/${d.file}`}
    >
      <div className="row download-head">
        <span
          className="grow download-name"
          title={`${d.repo}/${d.file} at ${d.revision}; started ${formatTime(d.started_at)}`}
        >
          <strong>{d.file.split('/').pop()}</strong> <span className="muted">{d.repo}</span>
        </span>
        <span className="muted num download-figures" data-testid="download-figures">
          {figures(d)}
        </span>
        {d.state === 'done' && <span className="badge badge-valid">installed</span>}
        {d.state === 'failed' && <span className="badge badge-invalid">failed</span>}
        {d.state === 'cancelled' && <span className="badge badge-pending">cancelled</span>}
        {running && (
          <button
            className="btn btn-small"
            disabled={!canWrite || busy}
            title={canWrite ? 'Stop it; the bytes so far are kept, and downloading again resumes' : ORGANIZER_ONLY}
            onClick={() => void act(() => cancel(d.id))}
          >
            Cancel
          </button>
        )}
        {(d.state === 'failed' || d.state === 'cancelled') && (
          <button
            className="btn btn-small"
            disabled={!canWrite || busy}
            title={canWrite ? 'Pull it again, resuming from the bytes already here' : ORGANIZER_ONLY}
            onClick={() => void act(() => pull({ repo: d.repo, file: d.file, revision: d.revision }))}
          >
            {d.state === 'cancelled' ? 'Resume' : 'Retry'}
          </button>
        )}
        {!running && (
          <button className="btn btn-small btn-quiet" aria-label="Dismiss" title="Hide this line" onClick={onDismiss}>
            ✕
          </button>
        )}
      </div>
      <div
        className="progress"
        role="progressbar"
        aria-label={`${d.file} progress`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(percent)}
      >
        <span style={{ width: `${percent}%` }} />
      </div>
      {d.error && <p className={d.state === 'failed' ? 'error-text' : 'muted download-note'}>{d.error}</p>}
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}
