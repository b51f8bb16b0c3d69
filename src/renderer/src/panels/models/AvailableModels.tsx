// Models the challenge packs name that are not here yet, each a button away; and a form for any GGUF file on the Hub.
import { useState } from 'react';
import type { HubClientError } from '@shared/hub-error';
import type { AvailableModel, DownloadInfo, ModelFit, PullModelBody } from '@shared/models';
import { EmptyState } from '../../components/Notice';
import { errorText } from '../../connection/hub-api';
import { formatBytes } from '../../format';
import { useModels } from '../../stores/models-store';
import { ChangedOnHubNotice, isChangedOnHub } from './ChangedOnHubNotice';
import { CustomPullForm } from './CustomPullForm';

const ORGANIZER_ONLY = 'sign in as organizer to download models';

const FIT_WORDS: Record<ModelFit['verdict'], { label: string; badge: string }> = {
  vram: { label: 'fits in VRAM', badge: 'badge-valid' },
  ram: { label: 'fits in RAM (CPU offload)', badge: 'badge-pending' },
  'too-big': { label: 'larger than RAM', badge: 'badge-invalid' },
};

/** Where the model would run here, an estimate: its figures are in the title. */
export function FitHint({ fit }: { fit: ModelFit }) {
  const words = FIT_WORDS[fit.verdict];
  return (
    <div className="model-fit">
      <span className={`badge ${words.badge}`} data-testid="model-fit" data-fit={fit.verdict} title={fit.detail}>
        {words.label}
      </span>
    </div>
  );
}

function AvailableRow({
  model: m,
  running,
  canWrite,
}: {
  model: AvailableModel;
  running: DownloadInfo | undefined;
  canWrite: boolean;
}) {
  const pull = useModels((s) => s.pull);
  const [error, setError] = useState<string | null>(null);
  const [changed, setChanged] = useState<HubClientError | null>(null);
  const [busy, setBusy] = useState(false);
  const body: PullModelBody = {
    repo: m.repo,
    file: m.file,
    ...(m.revision ? { revision: m.revision } : {}),
    ...(m.sha256 ? { sha256: m.sha256 } : {}),
  };
  const download = async () => {
    setBusy(true);
    setError(null);
    setChanged(null);
    try {
      await pull(body);
    } catch (err) {
      if (isChangedOnHub(err)) setChanged(err);
      else setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <tr data-testid="available-model" data-model={m.name}>
      <td>
        <div className="model-name">
          {m.name}{' '}
          {m.needed && (
            <span className="badge badge-pending" title="The installed challenge pack names it: its jobs need it">
              needed
            </span>
          )}
        </div>
        <div className="muted model-sub">{m.description || `${m.pack} pack, ${m.role}`}</div>
        {error && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
        {changed && (
          <ChangedOnHubNotice body={body} refusal={changed} canWrite={canWrite} onAccepted={() => setChanged(null)} />
        )}
      </td>
      <td>
        <span className="muted">
          {m.pack} · {m.role}
        </span>
      </td>
      <td>
        <span className="mono model-sub" title={`${m.repo}/${m.file}${m.revision ? ` at ${m.revision}` : ''}`}>
          {m.repo}/{m.file}
        </span>
      </td>
      <td className="num" data-testid="available-size">
        {m.bytes === null ? (
          <span className="muted" title={m.size_note ?? 'The pack does not say, and the Hub did not answer'}>
            {m.size_pending ? 'asking the Hub…' : 'size unknown'}
          </span>
        ) : (
          formatBytes(m.bytes)
        )}
        {m.fit && <FitHint fit={m.fit} />}
      </td>
      <td className="num">
        <button
          className="btn btn-small btn-primary"
          disabled={!canWrite || busy || running !== undefined}
          title={canWrite ? (running ? 'Downloading' : `Download ${m.file} from the Hugging Face Hub`) : ORGANIZER_ONLY}
          aria-label={`Download ${m.name}`}
          onClick={() => void download()}
        >
          {running ? 'Downloading…' : 'Download'}
        </button>
      </td>
    </tr>
  );
}

export function AvailableModels({
  models,
  hubUrl,
  canWrite,
}: {
  models: AvailableModel[];
  hubUrl: string;
  canWrite: boolean;
}) {
  const downloads = useModels((s) => s.downloads);
  const runningFor = (m: AvailableModel) =>
    Object.values(downloads).find(
      (d) => d.repo === m.repo && d.file === m.file && (d.state === 'starting' || d.state === 'downloading'),
    );
  return (
    <section className="card stack" aria-labelledby="available-title">
      <div className="row models-card-head">
        <h2 id="available-title">Available</h2>
        <span className="muted">from {hubUrl}</span>
      </div>
      {models.length === 0 ? (
        <EmptyState title="Every model the challenge packs name is here">
          Download any other GGUF file from the Hub below.
        </EmptyState>
      ) : (
        <table className="table" data-testid="available-models">
          <thead>
            <tr>
              <th>Model</th>
              <th>Pack</th>
              <th>On the Hub</th>
              <th className="num">Size</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {models.map((m) => (
              <AvailableRow key={`${m.repo}/${m.file}`} model={m} running={runningFor(m)} canWrite={canWrite} />
            ))}
          </tbody>
        </table>
      )}
      <CustomPullForm canWrite={canWrite} />
    </section>
  );
}
