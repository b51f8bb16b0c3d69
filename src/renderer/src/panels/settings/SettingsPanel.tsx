// The Settings panel: the data folder, the GPU and backend, the agent defaults, the theme, and this hub.
import { useEffect } from 'react';
import { ErrorNotice } from '../../components/Notice';
import { useSettings } from '../../stores/settings-store';
import { AgentDefaultsForm } from './AgentDefaultsForm';
import { AppearanceSection } from './AppearanceSection';
import { DataFolderSection } from './DataFolderSection';
import { HubSection } from './HubSection';
import { SystemSection } from './SystemSection';
import './settings.css';

/** The hub probes the GPU once, in the background: ask again a few times while it says "detecting". */
const DETECT_POLL_MS = 1_500;
const DETECT_POLLS = 20;

export function SettingsPanel(_props: { rest: string[] }) {
  const { info, error, load } = useSettings();
  useEffect(() => {
    void load();
  }, [load]);
  const detecting = info?.system?.gpu.state === 'detecting';
  useEffect(() => {
    if (!detecting) return;
    let polls = 0;
    const timer = setInterval(() => {
      if (++polls > DETECT_POLLS) clearInterval(timer);
      else void load();
    }, DETECT_POLL_MS);
    return () => clearInterval(timer);
  }, [detecting, load]);

  return (
    <section className="panel settings-panel">
      <header className="panel-header">
        <h1>Settings</h1>
      </header>
      {error && <ErrorNotice error={error} onRetry={() => void load()} />}
      {!info && !error && <div className="empty-state">Reading the settings…</div>}
      {info && (
        <div className="settings-grid">
          <div className="stack settings-column">
            <DataFolderSection path={info.data_dir} />
            <SystemSection system={info.system} />
            <HubSection hubUrl={info.hub_url} />
          </div>
          <div className="stack settings-column">
            <AgentDefaultsForm saved={info.agent_defaults} />
            <AppearanceSection />
          </div>
        </div>
      )}
    </section>
  );
}
