// The Models panel: the agent brains already installed, installed models (delete), models to download with live progress, and the disk they take.
import { useEffect } from 'react';
import { ErrorNotice } from '../../components/Notice';
import { formatBytes } from '../../format';
import { useModels } from '../../stores/models-store';
import { useIsOrganizer } from '../../stores/session-store';
import { AgentBrains } from './AgentBrains';
import { AvailableModels } from './AvailableModels';
import { DiskUsage } from './DiskUsage';
import { DownloadList } from './DownloadList';
import { InstalledModels } from './InstalledModels';
import './models.css';

export function ModelsPanel(_props: { rest: string[] }) {
  const { info, error, loading, load, follow } = useModels();
  const canWrite = useIsOrganizer();
  useEffect(() => {
    const unfollow = follow();
    void load();
    return unfollow;
  }, [follow, load]);

  return (
    <section className="panel models-panel">
      <header className="panel-header">
        <div>
          <h1>Models</h1>
          <p className="muted models-summary">
            {info
              ? `${info.installed.length} installed · ${formatBytes(info.disk.models_bytes)} on disk${info.disk.free_bytes !== null ? ` · ${formatBytes(info.disk.free_bytes)} free` : ''}`
              : 'GGUF files on this machine'}
          </p>
        </div>
        <div className="panel-actions">
          {!canWrite && (
            <span className="muted" title="Downloads and deletes need the organizer">
              read-only
            </span>
          )}
          <button className="btn btn-small" onClick={() => void load()} disabled={loading}>
            {loading ? 'Refreshing…' : 'Refresh'}
          </button>
        </div>
      </header>
      {error && <ErrorNotice error={error} onRetry={() => void load()} />}
      {!info && !error && <div className="empty-state">Reading the models on this machine…</div>}
      {info && (
        <>
          <DiskUsage disk={info.disk} />
          <DownloadList canWrite={canWrite} />
          <AgentBrains brains={info.brains} installed={info.installed} canWrite={canWrite} />
          <InstalledModels models={info.installed} canWrite={canWrite} />
          <AvailableModels models={info.available} hubUrl={info.hub_url} canWrite={canWrite} />
        </>
      )}
    </section>
  );
}
