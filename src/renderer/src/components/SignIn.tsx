// Signing a browser tab in as the organizer: paste the token from the data folder (the desktop app does this itself).
import { useState } from 'react';
import { errorText } from '../connection/hub-api';
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
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="sign-in" onSubmit={(e) => void submit(e)}>
      <label htmlFor="organizer-token">Organizer token</label>
      <p className="muted">
        It is in the file <code>organizer-token</code> in the hub's data folder (<code>collab-desk hub</code> prints
        where).
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
