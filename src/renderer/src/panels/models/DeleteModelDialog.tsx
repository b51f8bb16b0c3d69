// Asks before a model is deleted: how much it frees and, for a model in use, exactly what stops working.
import { useEffect, useRef, useState } from 'react';
import type { InstalledModel } from '@shared/models';
import { errorText } from '../../connection/hub-api';
import { formatBytes } from '../../format';
import { useModels } from '../../stores/models-store';

export function DeleteModelDialog({
  model,
  onClose,
}: {
  model: InstalledModel;
  onClose: (freed: number | null) => void;
}) {
  const remove = useModels((s) => s.remove);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const keepRef = useRef<HTMLButtonElement>(null);
  // The safe choice has the focus: Enter on an open dialog keeps the model.
  useEffect(() => keepRef.current?.focus(), []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !busy) onClose(null);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [busy, onClose]);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      onClose(await remove(model.id, model.used_by.length > 0));
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return (
    <div className="dialog-backdrop" onClick={() => !busy && onClose(null)}>
      <div
        className="dialog card stack"
        role="dialog"
        aria-modal="true"
        aria-labelledby="delete-model-title"
        onClick={(e) => e.stopPropagation()}
      >
        <h2 id="delete-model-title">Delete {model.name}?</h2>
        <p>
          This frees <strong>{formatBytes(model.bytes)}</strong>.{' '}
          <span className="muted mono models-path">{model.path}</span>
        </p>
        {model.delete_warning ? (
          <div className="notice models-warn" role="note" data-testid="delete-warning">
            <span>
              <strong>It is in use.</strong> {model.delete_warning}
            </span>
          </div>
        ) : (
          <p className="muted">
            Nothing on this hub uses it. {model.repo ? 'You can download it again from the Hub.' : ''}
          </p>
        )}
        {error && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
        <div className="row dialog-actions">
          <button ref={keepRef} className="btn" disabled={busy} onClick={() => onClose(null)}>
            Keep it
          </button>
          <button className="btn btn-danger" disabled={busy} onClick={() => void confirm()}>
            {busy ? 'Deleting…' : model.used_by.length > 0 ? 'Delete anyway' : 'Delete'}
          </button>
        </div>
      </div>
    </div>
  );
}
