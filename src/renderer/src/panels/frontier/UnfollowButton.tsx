// Unfollow, asked first in place: the copy of the collab is dropped from this machine (the collab itself is untouched).
import { useState } from 'react';
import { useMirror } from '../../stores/mirror-store';

export function UnfollowButton({ id }: { id: string }) {
  const unfollow = useMirror((s) => s.unfollow);
  const busy = useMirror((s) => s.busy[id] === 'unfollow');
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button className="btn btn-small btn-danger" onClick={() => setAsking(true)} disabled={busy}>
        Unfollow
      </button>
    );
  return (
    <span className="frontier-confirm" role="group" aria-label={`Unfollow ${id}?`}>
      <span>Unfollow {id} and drop its copy here?</span>
      <button className="btn btn-small" onClick={() => setAsking(false)} disabled={busy} autoFocus>
        Keep it
      </button>
      <button
        className="btn btn-small btn-danger"
        disabled={busy}
        onClick={() => {
          void unfollow(id).finally(() => setAsking(false));
        }}
      >
        {busy ? 'Unfollowing…' : 'Unfollow and drop'}
      </button>
    </span>
  );
}
