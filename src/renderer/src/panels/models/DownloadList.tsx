// The downloads card: running pulls with their progress, then the ones that ended while this page was open.
import { useState } from 'react';
import { sortedDownloads, useModels } from '../../stores/models-store';
import { DownloadRow } from './DownloadRow';

export function DownloadList({ canWrite }: { canWrite: boolean }) {
  const downloads = useModels((s) => s.downloads);
  const [dismissed, setDismissed] = useState<Set<string>>(() => new Set());
  const shown = sortedDownloads(downloads).filter((d) => !dismissed.has(d.id));
  if (shown.length === 0) return null;
  return (
    <section className="card stack" aria-labelledby="downloads-title">
      <h2 id="downloads-title">Downloads</h2>
      <ul className="downloads" data-testid="downloads">
        {shown.map((d) => (
          <DownloadRow
            key={d.id}
            download={d}
            canWrite={canWrite}
            onDismiss={() => setDismissed((s) => new Set(s).add(d.id))}
          />
        ))}
      </ul>
    </section>
  );
}
