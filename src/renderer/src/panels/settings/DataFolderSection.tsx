// Where the hub keeps its state; the desktop app opens it or moves to another, a browser says how to choose one.
import { useState } from 'react';
import { BreakableText } from '../../components/BreakableText';

export function DataFolderSection({ path }: { path: string }) {
  const bridge = window.collabDesk;
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const canChoose = typeof bridge?.chooseDataFolder === 'function';
  const open = async () => {
    setError(null);
    try {
      await bridge?.openDataFolder();
    } catch (err) {
      setError(`could not open the folder: ${(err as Error).message}`);
    }
  };
  const choose = async () => {
    setError(null);
    try {
      const chosen = await bridge?.chooseDataFolder();
      if (chosen) setNote(`Collab Desk restarts on ${chosen}.`);
    } catch (err) {
      setError(`could not change the folder: ${(err as Error).message}`);
    }
  };
  return (
    <section className="card stack" aria-labelledby="data-folder-title">
      <h2 id="data-folder-title">Data folder</h2>
      <p className="muted settings-help">
        The record (hub.db), every agent's scratch folder, the central files, the installed challenge pack, the
        generated models and the organizer token.
      </p>
      <div className="row settings-path-row">
        <code className="settings-path" data-testid="data-folder">
          <BreakableText text={path} />
        </code>
        {bridge && (
          <button className="btn btn-small" onClick={() => void open()}>
            Open folder
          </button>
        )}
        {canChoose && (
          <button className="btn btn-small" onClick={() => void choose()}>
            Change…
          </button>
        )}
      </div>
      {!bridge && (
        <p className="muted settings-help">
          To use another folder, start the hub on it: <code>collab-desk hub --data &lt;dir&gt;</code> (the desktop app
          has a button for this).
        </p>
      )}
      {note && (
        <p className="settings-note" role="status">
          {note}
        </p>
      )}
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
