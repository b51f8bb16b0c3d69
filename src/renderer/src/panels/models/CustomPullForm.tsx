// Download any GGUF file: a repo and a file on the Hub (and a revision if wanted); a refusal keeps what was typed.
import { useState } from 'react';
import type { HubClientError } from '@shared/hub-error';
import type { PullModelBody } from '@shared/models';
import { errorText } from '../../connection/hub-api';
import { useModels } from '../../stores/models-store';
import { ChangedOnHubNotice, isChangedOnHub } from './ChangedOnHubNotice';

export function CustomPullForm({ canWrite }: { canWrite: boolean }) {
  const pull = useModels((s) => s.pull);
  const [repo, setRepo] = useState('');
  const [file, setFile] = useState('');
  const [revision, setRevision] = useState('');
  const [error, setError] = useState<string | null>(null);
  /** A pack's file refused as changed on the Hub, with the pull to send again if the change is accepted. */
  const [changed, setChanged] = useState<{ refusal: HubClientError; body: PullModelBody } | null>(null);
  const [busy, setBusy] = useState(false);
  const ready = repo.trim() !== '' && file.trim() !== '';
  const clear = () => {
    setRepo('');
    setFile('');
    setRevision('');
  };
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!ready || !canWrite) return;
    setBusy(true);
    setError(null);
    setChanged(null);
    const body = { repo: repo.trim(), file: file.trim(), ...(revision.trim() ? { revision: revision.trim() } : {}) };
    try {
      await pull(body);
      clear();
    } catch (err) {
      if (isChangedOnHub(err)) setChanged({ refusal: err, body });
      else setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="custom-pull stack" onSubmit={(e) => void submit(e)} aria-labelledby="custom-pull-title">
      <h3 id="custom-pull-title">Another model from the Hub</h3>
      <div className="row custom-pull-fields">
        <div className="field grow">
          <label htmlFor="pull-repo">Repository</label>
          <input
            id="pull-repo"
            value={repo}
            onChange={(e) => setRepo(e.target.value)}
            placeholder="owner/name, e.g. unsloth/gemma-4-E4B-it-GGUF"
            autoComplete="off"
            spellCheck={false}
          />
        </div>
        <div className="field grow">
          <label htmlFor="pull-file">File</label>
          <input
            id="pull-file"
            value={file}
            onChange={(e) => setFile(e.target.value)}
            placeholder="model-Q4_K_M.gguf"
            autoComplete="off"
            spellCheck={false}
          />
        </div>
        <div className="field custom-pull-revision">
          <label htmlFor="pull-revision">Revision</label>
          <input
            id="pull-revision"
            value={revision}
            onChange={(e) => setRevision(e.target.value)}
            placeholder="main"
            autoComplete="off"
            spellCheck={false}
          />
        </div>
        <button
          className="btn btn-primary"
          disabled={!canWrite || busy || !ready}
          title={canWrite ? 'Download it into the Hugging Face cache' : 'sign in as organizer to download models'}
        >
          {busy ? 'Starting…' : 'Download'}
        </button>
      </div>
      {error && (
        <p className="error-text" role="alert" data-testid="pull-error">
          {error}
        </p>
      )}
      {changed && (
        <ChangedOnHubNotice
          body={changed.body}
          refusal={changed.refusal}
          canWrite={canWrite}
          onAccepted={() => {
            setChanged(null);
            clear();
          }}
        />
      )}
    </form>
  );
}
