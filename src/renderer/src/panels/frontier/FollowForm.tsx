// The organizer's form to follow a public collab read-only: its backend URL, dashboard URL or org/slug, and the room its copy may take.
import { useState } from 'react';
import { DEFAULT_MIRROR_BUDGET_BYTES } from '@shared/mirror-api';
import { useMirror } from '../../stores/mirror-store';
import { problemOf, type SyncProblem } from '../../stores/sync-problem';
import { ProblemText } from '../public-collab/ProblemText';

export function FollowForm({ onFollowed }: { onFollowed: (id: string) => void }) {
  const follow = useMirror((s) => s.follow);
  const [target, setTarget] = useState('');
  const [budget, setBudget] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<SyncProblem | null>(null);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!target.trim()) return;
    setBusy(true);
    setProblem(null);
    try {
      const mb = Number(budget);
      const collab = await follow(target, Number.isInteger(mb) && mb > 0 ? mb : undefined);
      setTarget('');
      setBudget('');
      onFollowed(collab.id);
    } catch (err) {
      setProblem(problemOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="frontier-follow" onSubmit={(e) => void submit(e)} aria-label="Follow a public collab">
      <input
        type="text"
        aria-label="Collab to follow"
        placeholder="backend URL, dashboard URL or org/slug"
        value={target}
        onChange={(e) => setTarget(e.target.value)}
        disabled={busy}
      />
      <input
        type="number"
        min={1}
        aria-label="Budget (MB)"
        title="The room its copy may take on this machine; the oldest messages go first"
        placeholder={`${DEFAULT_MIRROR_BUDGET_BYTES / (1024 * 1024)} MB`}
        value={budget}
        onChange={(e) => setBudget(e.target.value)}
        disabled={busy}
        className="frontier-budget"
      />
      <button className="btn btn-primary" type="submit" disabled={busy || !target.trim()}>
        {busy ? 'Following…' : 'Follow'}
      </button>
      {problem && <ProblemText problem={problem} />}
    </form>
  );
}
