// "Find collabs on the Hub": the collab dashboards tagged agent-collab, each connectable as a typed target would be.
import { useState } from 'react';
import type { SyncDiscovered } from '@shared/sync-api';
import { EmptyState } from '../../components/Notice';
import { useDiscover } from '../../stores/discover-store';
import { problemOf, type SyncProblem } from '../../stores/sync-problem';
import { ProblemText } from './ProblemText';

const LIST_ID = 'sync-discover-list';

function DiscoveredRow({ found }: { found: SyncDiscovered }) {
  const connect = useDiscover((s) => s.connect);
  const connecting = useDiscover((s) => s.connecting);
  const [problem, setProblem] = useState<SyncProblem | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const busy = connecting === found.space;
  const name = found.title ?? found.space;
  const onConnect = async () => {
    setProblem(null);
    setDone(null);
    try {
      const collab = await connect(found.space);
      setDone(`Connected ${collab.title ?? collab.id}: its rules are in its card under Connected collabs.`);
    } catch (err) {
      setProblem(problemOf(err));
    }
  };
  return (
    <li className="sync-discover-item stack sync-tight" aria-label={name} data-space={found.space}>
      <div className="row sync-discover-head">
        <div className="stack sync-tight grow sync-discover-name">
          <strong>{name}</strong>
          {found.title && <span className="muted mono sync-small">{found.space}</span>}
        </div>
        <span className="muted sync-small">
          {found.likes} {found.likes === 1 ? 'like' : 'likes'}
        </span>
        {found.connected && (
          <span className="badge badge-valid" data-testid="discover-connected">
            connected
          </span>
        )}
        <button
          type="button"
          className="btn btn-small"
          onClick={() => void onConnect()}
          disabled={connecting !== null}
          aria-label={`${found.connected ? 'Connect again' : 'Connect'} ${found.space}`}
        >
          {busy ? 'Connecting…' : found.connected ? 'Connect again' : 'Connect'}
        </button>
      </div>
      {done && (
        <p className="muted sync-small sync-discover-done" role="status">
          {done}
        </p>
      )}
      {problem && <ProblemText problem={problem} />}
    </li>
  );
}

/** Lists the Hub's collab dashboards on demand: listing is a call to huggingface.co, so it waits for the person. */
export function DiscoverCollabs() {
  const { collabs, loading, problem, load } = useDiscover();
  return (
    <div className="stack sync-discover">
      <div className="row sync-fields">
        <button
          type="button"
          className="btn btn-small"
          onClick={() => void load()}
          disabled={loading}
          aria-controls={LIST_ID}
        >
          {loading ? 'Looking on the Hub…' : collabs ? 'Find again' : 'Find collabs on the Hub'}
        </button>
        <span className="muted sync-small">Collab dashboards (Spaces tagged agent-collab), most liked first.</span>
      </div>
      <div id={LIST_ID} className="stack" aria-busy={loading}>
        {loading && (
          <p className="muted sync-small" role="status">
            Listing the Spaces tagged agent-collab on the Hub…
          </p>
        )}
        {problem && <ProblemText problem={problem} />}
        {!loading && !problem && collabs && collabs.length === 0 && (
          <EmptyState title="No Space tagged agent-collab found">
            Connect by the backend URL, dashboard URL or org/slug you were given instead.
          </EmptyState>
        )}
        {collabs && collabs.length > 0 && !problem && (
          <ul className="sync-discover-list" aria-label="Collabs on the Hub">
            {collabs.map((c) => (
              <DiscoveredRow key={c.space} found={c} />
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
