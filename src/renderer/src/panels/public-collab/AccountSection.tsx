// The Hugging Face sign-in: who is signed in (orgs, where the token came from), a device-code sign-in, a pasted token, sign out.
import { useState } from 'react';
import type { SyncStatus } from '@shared/sync-api';
import { formatTime } from '../../format';
import { problemOf, type SyncProblem } from '../../stores/sync-problem';
import { pendingBrowserLogin, pendingDeviceLogin, useSync } from '../../stores/sync-store';
import { ProblemText } from './ProblemText';

function PasteTokenForm({ onDone }: { onDone: () => void }) {
  const signInWithToken = useSync((s) => s.signInWithToken);
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<SyncProblem | null>(null);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (token.trim() === '') return;
    setBusy(true);
    setProblem(null);
    try {
      await signInWithToken(token.trim());
      onDone();
    } catch (err) {
      setProblem(problemOf(err));
    } finally {
      // The token is never kept in the page once sent, whatever the answer.
      setToken('');
      setBusy(false);
    }
  };
  return (
    <form className="stack sync-token-form" onSubmit={(e) => void submit(e)}>
      <div className="row">
        <div className="field grow">
          <label htmlFor="sync-token">Hugging Face token</label>
          <input
            id="sync-token"
            type="password"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            placeholder="hf_…"
            autoComplete="off"
            spellCheck={false}
          />
        </div>
        <button className="btn btn-primary sync-align-end" disabled={busy || token.trim().length < 8}>
          {busy ? 'Checking…' : 'Sign in with token'}
        </button>
      </div>
      <p className="muted sync-small">
        A token with write access to the collab's organization. The hub checks it with the Hub and keeps it in the
        Hugging Face token file; it is never shown here again.
      </p>
      {problem && <ProblemText problem={problem} />}
    </form>
  );
}

function DeviceCode({ status }: { status: SyncStatus }) {
  const dismissed = useSync((s) => s.dismissedCode);
  const cancel = useSync((s) => s.cancelDeviceLogin);
  const login = pendingDeviceLogin({ status, dismissedCode: dismissed });
  if (!login) return null;
  const href = login.verification_uri_complete ?? login.verification_uri;
  return (
    <div className="sync-device stack" role="group" aria-label="Device sign-in">
      <p>
        Open{' '}
        <a href={href} target="_blank" rel="noreferrer noopener" data-testid="device-link">
          {login.verification_uri}
        </a>{' '}
        and enter this code:
      </p>
      <output className="sync-device-code mono" aria-label="Device code" data-testid="device-code">
        {login.user_code}
      </output>
      <div className="row">
        <span className="muted sync-small" role="status">
          Waiting for you to approve it… (the code works until {formatTime(login.expires_at)})
        </span>
        <button className="btn btn-small" onClick={cancel}>
          Cancel sign-in
        </button>
      </div>
    </div>
  );
}

/** A browser sign-in under way: the Hub's page is open in the browser (or one click away), the hub waits for it. */
function BrowserWaiting({ status }: { status: SyncStatus }) {
  const login = pendingBrowserLogin({ status });
  if (!login) return null;
  return (
    <div className="sync-device stack" role="group" aria-label="Browser sign-in">
      <span className="muted sync-small" role="status" data-testid="browser-waiting">
        Waiting for the browser… approve the sign-in on the Hugging Face page (until {formatTime(login.expires_at)}).
      </span>
      <p className="sync-small">
        No page opened?{' '}
        <a href={login.authorize_url} target="_blank" rel="noreferrer noopener" data-testid="browser-link">
          Open the sign-in page
        </a>
      </p>
    </div>
  );
}

export function AccountSection({ status }: { status: SyncStatus }) {
  const startDeviceLogin = useSync((s) => s.startDeviceLogin);
  const startBrowserLogin = useSync((s) => s.startBrowserLogin);
  const signOut = useSync((s) => s.signOut);
  const dismissed = useSync((s) => s.dismissedCode);
  const [pasting, setPasting] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<SyncProblem | null>(null);
  const [signedOut, setSignedOut] = useState<string | null>(null);
  const act = async (action: () => Promise<void>) => {
    setBusy(true);
    setProblem(null);
    setSignedOut(null);
    try {
      await action();
    } catch (err) {
      setProblem(problemOf(err));
    } finally {
      setBusy(false);
    }
  };
  const who = status.signed_in;
  const waiting =
    pendingDeviceLogin({ status, dismissedCode: dismissed }) !== null || pendingBrowserLogin({ status }) !== null;
  return (
    <section className="card stack" aria-labelledby="sync-account-title">
      <div className="row sync-card-head">
        <h2 id="sync-account-title">Hugging Face account</h2>
      </div>
      {who ? (
        <div className="row sync-signed-in" data-testid="hf-account">
          <div className="grow stack sync-tight">
            <span>
              Signed in as <strong data-testid="hf-user">{who.user}</strong>
            </span>
            <span className="muted sync-small">
              {who.orgs.length > 0 ? `Organizations: ${who.orgs.join(', ')}` : 'In no organization'} · token from{' '}
              {who.source}
            </span>
          </div>
          <button
            className="btn btn-small"
            disabled={busy}
            onClick={() =>
              void act(async () => {
                const { removed, left } = await signOut();
                // A login found elsewhere (HF_TOKEN, another tool's file) was not this page's to remove: say it stays.
                setSignedOut(
                  [
                    removed ? `Signed out: removed the login in ${removed}.` : 'Signed out.',
                    left.length > 0 ? `Left as they are: ${left.join('; ')}.` : '',
                  ]
                    .filter(Boolean)
                    .join(' '),
                );
              })
            }
          >
            Sign out
          </button>
        </div>
      ) : (
        <>
          <p className="muted">
            Not signed in. Publishing to a public collab writes to its organization's buckets as your Hugging Face user.
          </p>
          {!waiting && (
            <div className="row">
              <button className="btn btn-primary" disabled={busy} onClick={() => void act(startDeviceLogin)}>
                {busy ? 'Starting…' : 'Sign in with Hugging Face'}
              </button>
              <button
                className="btn"
                disabled={busy}
                onClick={() =>
                  void act(async () => {
                    // The Electron main process hands window.open of an outside page to the system browser.
                    const login = await startBrowserLogin();
                    window.open(login.authorize_url, '_blank', 'noopener,noreferrer');
                  })
                }
              >
                Sign in with the browser
              </button>
              <button className="btn" aria-expanded={pasting} onClick={() => setPasting((v) => !v)}>
                Paste a token
              </button>
            </div>
          )}
          <DeviceCode status={status} />
          <BrowserWaiting status={status} />
          {pasting && !waiting && <PasteTokenForm onDone={() => setPasting(false)} />}
        </>
      )}
      {status.sign_in_problem && (
        <p className="notice sync-warning" role="status" data-testid="sign-in-problem">
          {status.sign_in_problem}
        </p>
      )}
      {signedOut && (
        <p className="muted sync-small" role="status" data-testid="signed-out">
          {signedOut}
        </p>
      )}
      {problem && <ProblemText problem={problem} />}
    </section>
  );
}
