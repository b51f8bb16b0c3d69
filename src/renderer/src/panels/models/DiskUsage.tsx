// The disk the models live on: the HF cache's and the data folder's use against what else is used and what is free.
import type { DiskUse, FolderUse } from '@shared/models';
import { formatBytes } from '../../format';

/** A folder's figure, or why there is none yet. */
function folderFigure(folder: FolderUse): string {
  return folder.bytes === null
    ? folder.note?.startsWith('still')
      ? 'measuring…'
      : 'unknown'
    : formatBytes(folder.bytes);
}

export function DiskUsage({ disk }: { disk: DiskUse }) {
  const total = disk.disk_bytes;
  const free = disk.free_bytes;
  const { data, hf_cache: cache } = disk;
  // Partial downloads lie inside the cache: the cache's own segment is the rest of it.
  const cacheBytes = cache.bytes ?? 0;
  const partial = Math.min(disk.partial_bytes, cacheBytes);
  const dataOnDisk = data.same_disk ? (data.bytes ?? 0) : 0;
  // Used space no figure accounts for: while a folder on this disk is still measured (or could not be), its bytes
  // are in there too, so the rest is named with it rather than called everything else.
  const other = total !== null && free !== null ? Math.max(0, total - free - cacheBytes - dataOnDisk) : 0;
  const unmeasured = [
    cache.bytes === null ? { name: 'the Hugging Face cache', folder: cache } : null,
    data.same_disk && data.bytes === null ? { name: 'the data folder', folder: data } : null,
  ].filter((u) => u !== null);
  const otherFigure = unmeasured.length === 0 ? formatBytes(other) : folderFigure(unmeasured[0]!.folder);
  const otherLabel =
    unmeasured.length === 0
      ? `Everything else on this disk: ${formatBytes(other)}`
      : `Everything else on this disk, with ${unmeasured.map((u) => `${u.name} (${folderFigure(u.folder)})`).join(' and ')}: ${formatBytes(other)}`;
  const dataParts = [
    ['models', data.models_bytes],
    ['runs', data.runs_bytes],
    ['record', data.record_bytes],
  ] as const;
  const dataDetail =
    data.bytes === null
      ? null
      : [
          ...dataParts.map(([label, bytes]) => `${label} ${formatBytes(bytes ?? 0)}`),
          `workspaces and other ${formatBytes(Math.max(0, data.bytes - dataParts.reduce((s, [, b]) => s + (b ?? 0), 0)))}`,
        ].join(' · ');
  // A few MiB on a big disk would be no line at all: anything there shows at least a sliver.
  const share = (bytes: number) => ({
    width: total ? `${Math.min(100, (bytes / total) * 100)}%` : '0%',
    minWidth: bytes > 0 ? 3 : 0,
  });
  const segments = [
    { key: 'cache', bytes: cacheBytes - partial, label: `Hugging Face cache: ${formatBytes(cacheBytes - partial)}` },
    { key: 'partial', bytes: partial, label: `Partial downloads: ${formatBytes(partial)}` },
    { key: 'data', bytes: dataOnDisk, label: `Data folder: ${formatBytes(dataOnDisk)}` },
    { key: 'other', bytes: other, label: otherLabel },
  ];
  const barLabel = segments
    .filter((s) => s.bytes > 0)
    .map((s) => s.label)
    .concat(free !== null && total !== null ? [`free ${formatBytes(free)} of ${formatBytes(total)}`] : [])
    .join(', ');
  return (
    <section className="card stack" aria-labelledby="disk-use-title" data-testid="disk-use">
      <div className="row models-card-head">
        <h2 id="disk-use-title">Disk use</h2>
        <span
          className="muted mono models-path"
          title={`Hugging Face cache: ${disk.cache_dir}\nData folder: ${data.path}\nGenerated models: ${disk.models_dir}`}
        >
          {disk.cache_dir}
        </span>
      </div>
      {total !== null && free !== null && (
        <div className="disk-bar" role="img" aria-label={barLabel}>
          {segments.map((s) => (
            <span
              key={s.key}
              className={`disk-${s.key}`}
              data-testid={`disk-segment-${s.key}`}
              style={share(s.bytes)}
              title={s.label}
            />
          ))}
        </div>
      )}
      <div className="disk-legend">
        <span title={`${cache.path}${cache.note ? `\n${cache.note}` : ''}`} data-testid="disk-legend-cache">
          <i className="swatch disk-cache" />
          Hugging Face cache <strong data-testid="cache-bytes">{folderFigure(cache)}</strong>
          {partial > 0 && (
            <span className="muted" title="Downloads that stopped early; pulling again resumes from them">
              {' '}
              (<i className="swatch disk-partial" />
              {formatBytes(partial)} partial)
            </span>
          )}
        </span>
        <span
          title={`${data.path}${dataDetail ? `\n${dataDetail}` : ''}${data.note ? `\n${data.note}` : ''}`}
          data-testid="disk-legend-data"
        >
          <i className="swatch disk-data" />
          Data folder <strong data-testid="data-bytes">{folderFigure(data)}</strong>
          {dataDetail && <span className="muted disk-detail"> ({dataDetail})</span>}
          {!data.same_disk && <span className="muted"> on another disk</span>}
        </span>
        {total !== null && (
          <span>
            <i className="swatch disk-other" />
            Other files{' '}
            <strong data-testid="other-bytes" title={unmeasured.length > 0 ? otherLabel : undefined}>
              {otherFigure}
            </strong>
          </span>
        )}
        <span>
          <i className="swatch disk-free" />
          Free <strong data-testid="free-bytes">{free === null ? 'unknown' : formatBytes(free)}</strong>
          {total !== null && <span className="muted"> of {formatBytes(total)}</span>}
        </span>
      </div>
      <p className="muted disk-models-line">
        Installed models, wherever they are:{' '}
        <strong data-testid="models-bytes">{formatBytes(disk.models_bytes)}</strong>
      </p>
    </section>
  );
}
