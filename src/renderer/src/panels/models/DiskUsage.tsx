// The disk the models live on: what the models take, partial downloads, what else is used, what is free.
import type { DiskUse } from '@shared/models';
import { formatBytes } from '../../format';

export function DiskUsage({ disk }: { disk: DiskUse }) {
  const total = disk.disk_bytes;
  const free = disk.free_bytes;
  // A few MiB on a big disk would be no line at all: anything there shows at least a sliver.
  const share = (bytes: number) => ({
    width: total ? `${Math.min(100, (bytes / total) * 100)}%` : '0%',
    minWidth: bytes > 0 ? 3 : 0,
  });
  const other =
    total !== null && free !== null ? Math.max(0, total - free - disk.models_bytes - disk.partial_bytes) : 0;
  return (
    <section className="card stack" aria-labelledby="disk-use-title" data-testid="disk-use">
      <div className="row models-card-head">
        <h2 id="disk-use-title">Disk use</h2>
        <span
          className="muted mono models-path"
          title={`Hugging Face cache: ${disk.cache_dir}\nGenerated models: ${disk.models_dir}`}
        >
          {disk.cache_dir}
        </span>
      </div>
      {total !== null && free !== null && (
        <div
          className="disk-bar"
          role="img"
          aria-label={`models ${formatBytes(disk.models_bytes)}, free ${formatBytes(free)} of ${formatBytes(total)}`}
        >
          <span
            className="disk-models"
            style={share(disk.models_bytes)}
            title={`Models: ${formatBytes(disk.models_bytes)}`}
          />
          <span
            className="disk-partial"
            style={share(disk.partial_bytes)}
            title={`Partial downloads: ${formatBytes(disk.partial_bytes)}`}
          />
          <span
            className="disk-other"
            style={share(other)}
            title={`Everything else on this disk: ${formatBytes(other)}`}
          />
        </div>
      )}
      <div className="disk-legend">
        <span>
          <i className="swatch disk-models" />
          Models <strong data-testid="models-bytes">{formatBytes(disk.models_bytes)}</strong>
        </span>
        {disk.partial_bytes > 0 && (
          <span title="Downloads that stopped early; pulling again resumes from them">
            <i className="swatch disk-partial" />
            Partial downloads <strong>{formatBytes(disk.partial_bytes)}</strong>
          </span>
        )}
        {total !== null && (
          <span>
            <i className="swatch disk-other" />
            Other files <strong>{formatBytes(other)}</strong>
          </span>
        )}
        <span>
          <i className="swatch disk-free" />
          Free <strong data-testid="free-bytes">{free === null ? 'unknown' : formatBytes(free)}</strong>
          {total !== null && <span className="muted"> of {formatBytes(total)}</span>}
        </span>
      </div>
    </section>
  );
}
