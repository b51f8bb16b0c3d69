// The connected public collabs: a form to connect one (backend URL, dashboard URL or org/slug) and a card for each.
import { useState } from 'react';
import type { SyncCollab } from '@shared/sync-api';
import { EmptyState } from '../../components/Notice';
import { problemOf, type SyncProblem } from '../../stores/sync-problem';
import { useSync } from '../../stores/sync-store';
import { CollabCard } from './CollabCard';
import { DiscoverCollabs } from './DiscoverCollabs';
import { ProblemText } from './ProblemText';

function ConnectForm() {
  const connect = useSync((s) => s.connect);
  const [target, setTarget] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<SyncProblem | null>(null);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (target.trim() === '') return;
    setBusy(true);
    setProblem(null);
    try {
      await connect(target);
      setTarget('');
    } catch (err) {
      setProblem(problemOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="stack" onSubmit={(e) => void submit(e)}>
      <div className="row">
        <div className="field grow">
          <label htmlFor="sync-connect-target">Collab to connect</label>
          <input
            id="sync-connect-target"
            value={target}
            onChange={(e) => setTarget(e.target.value)}
            placeholder="backend URL, dashboard URL, or org/slug"
            autoComplete="off"
            spellCheck={false}
          />
        </div>
        <button className="btn btn-primary sync-align-end" disabled={busy || target.trim() === ''}>
          {busy ? 'Connecting…' : 'Connect'}
        </button>
      </div>
      {problem && <ProblemText problem={problem} />}
    </form>
  );
}

export function CollabsSection({ collabs }: { collabs: SyncCollab[] }) {
  return (
    <section className="card stack" aria-labelledby="sync-collabs-title">
      <div className="row sync-card-head">
        <h2 id="sync-collabs-title">Connected collabs</h2>
        <span className="muted">{collabs.length}</span>
      </div>
      <ConnectForm />
      <DiscoverCollabs />
      {collabs.length === 0 ? (
        <EmptyState title="No public collab connected">
          Connect one to read its rules, register an agent on it and publish results there.
        </EmptyState>
      ) : (
        <div className="stack sync-collab-list">
          {collabs.map((c) => (
            <CollabCard key={c.id} collab={c} />
          ))}
        </div>
      )}
    </section>
  );
}
