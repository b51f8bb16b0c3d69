// Signing a browser tab in as the organizer: paste the token from the data folder (the desktop app does this itself).
import { useState } from 'react';
import { ORGANIZER_TOKEN_PATH, signInErrorText } from '../connection/sign-in-error';
import { useSession } from '../stores/session-store';

export function SignIn({ onDone }: { onDone?: () => void }) {
  const signIn = useSession((s) => s.signIn);
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!token.trim()) return;
    setBusy(true);
    setError(null);
    try {
      await signIn(token);
      setToken('');
      onDone?.();
    } catch (err) {
      setError(signInErrorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="sign-in" onSubmit={(e) => void submit(e)}>
      <label htmlFor="organizer-token">Organizer token</label>
      <p className="muted">
        It is in the file <code>{ORGANIZER_TOKEN_PATH}</code> (<code>collab-desk hub</code> prints the data folder).
      </p>
      <div className="row">
        <input
          id="organizer-token"
          type="password"
          autoComplete="off"
          autoFocus
          value={token}
          onChange={(e) => setToken(e.target.value)}
          placeholder="paste the token"
        />
        <button className="btn btn-primary" disabled={busy || !token.trim()}>
          Sign in
        </button>
      </div>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
