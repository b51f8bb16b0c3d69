// A pack's file refused because it changed on the Hub since its first download here: both hashes, and taking the new
// file on purpose (asked first, since accepting it means trusting whoever changed it).
import { useEffect, useRef, useState } from 'react';
import { HubClientError } from '@shared/hub-error';
import type { PullModelBody } from '@shared/models';
import { errorText } from '../../connection/hub-api';
import { useModels } from '../../stores/models-store';

/** The hub's refusal of a pack file whose Hub sha256 is not the one recorded at its first download here. */
export function isChangedOnHub(err: unknown): err is HubClientError {
  return err instanceof HubClientError && err.code === 'MODEL_CHANGED_ON_HUB';
}

/** The recorded sha256 and the Hub's, in the order the refusal names them (recorded first); null if it names fewer. */
function hashesOf(message: string): { recorded: string; now: string } | null {
  const found = message.match(/\b[0-9a-f]{64}\b/g);
  return found && found.length >= 2 ? { recorded: found[0]!, now: found[1]! } : null;
}

function AcceptNewHashDialog({
  body,
  refusal,
  onClose,
}: {
  body: PullModelBody;
  refusal: HubClientError;
  onClose: (accepted: boolean) => void;
}) {
  const pull = useModels((s) => s.pull);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const keepRef = useRef<HTMLButtonElement>(null);
  const hashes = hashesOf(refusal.message);
  // The safe choice has the focus: Enter on an open dialog keeps refusing the changed file.
  useEffect(() => keepRef.current?.focus(), []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !busy) onClose(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [busy, onClose]);

  const accept = async () => {
    setBusy(true);
    setError(null);
    try {
      await pull({ ...body, accept_new_hash: true });
      onClose(true);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return (
    <div className="dialog-backdrop" onClick={() => !busy && onClose(false)}>
      <div
        className="dialog card stack"
        role="dialog"
        aria-modal="true"
        aria-labelledby="accept-hash-title"
        onClick={(e) => e.stopPropagation()}
      >
        <h2 id="accept-hash-title">Accept the new {body.file}?</h2>
        <p>
          The file on the Hub changed since you first downloaded it. Accept it only if you trust the change (its
          publisher re-uploaded it, and you know why): its hash then replaces the one recorded here, and later downloads
          are held to the new one.
        </p>
        {hashes && (
          <dl className="hash-pair mono" data-testid="changed-hashes">
            <dt>recorded at first download</dt>
            <dd>{hashes.recorded}</dd>
            <dt>on the Hub now</dt>
            <dd>{hashes.now}</dd>
          </dl>
        )}
        {error && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
        <div className="row dialog-actions">
          <button type="button" ref={keepRef} className="btn" disabled={busy} onClick={() => onClose(false)}>
            Keep refusing it
          </button>
          <button type="button" className="btn btn-danger" disabled={busy} onClick={() => void accept()}>
            {busy ? 'Starting…' : 'Accept the new file'}
          </button>
        </div>
      </div>
    </div>
  );
}

/** The refusal in words (naming both hashes), with the action that takes the new file after a confirm. */
export function ChangedOnHubNotice({
  body,
  refusal,
  canWrite,
  onAccepted,
}: {
  /** The pull that was refused: sent again, with accept_new_hash, once confirmed. */
  body: PullModelBody;
  refusal: HubClientError;
  canWrite: boolean;
  onAccepted: () => void;
}) {
  const [asking, setAsking] = useState(false);
  return (
    <div className="notice models-warn stack changed-on-hub" role="alert" data-testid="changed-on-hub">
      <span>
        <strong>Changed on the Hub.</strong> {refusal.message}
      </span>
      <div className="row">
        {/* type="button": the notice may sit in the pull form, which a plain button would submit. */}
        <button
          type="button"
          className="btn btn-small"
          disabled={!canWrite}
          title={canWrite ? 'Take the Hub\u2019s new file, after a confirm' : 'sign in as organizer to download models'}
          onClick={() => setAsking(true)}
        >
          Accept the new file…
        </button>
      </div>
      {asking && (
        <AcceptNewHashDialog
          body={body}
          refusal={refusal}
          onClose={(accepted) => {
            setAsking(false);
            if (accepted) onAccepted();
          }}
        />
      )}
    </div>
  );
}
