// A followed collab's header: its name, whether its copy is live or how old it is (and why), what the copy holds against its budget, the organizer's refresh and unfollow.
import type { MirroredCollab } from '@shared/mirror-api';
import { Ago } from '../../components/Ago';
import { formatBytes } from '../../format';
import { freshnessOf } from '../../model/frontier';
import { useMirror } from '../../stores/mirror-store';
import { OutLink } from '../public-collab/ProblemText';
import { UnfollowButton } from './UnfollowButton';

function Freshness({ collab }: { collab: MirroredCollab }) {
  const f = freshnessOf(collab);
  if (f.kind === 'first-read')
    return (
      <p className="frontier-fresh" data-testid="frontier-freshness" data-state="first-read">
        <span className="badge badge-pending">reading</span> Reading it for the first time…
      </p>
    );
  if (f.kind === 'live')
    return (
      <p className="frontier-fresh" data-testid="frontier-freshness" data-state="live">
        <span className="badge badge-valid">live</span> Caught up <Ago iso={f.caughtUpAt} />
      </p>
    );
  return (
    <p className="frontier-fresh" data-testid="frontier-freshness" data-state="offline" role="status">
      <span className="badge badge-invalid">offline</span>{' '}
      {f.caughtUpAt ? (
        <>
          showing the copy from <Ago iso={f.caughtUpAt} />
        </>
      ) : (
        'nothing read from it yet'
      )}
      {f.problem && <span className="frontier-problem">: {f.problem}</span>}
    </p>
  );
}

export function CollabHeader({ collab, canWrite }: { collab: MirroredCollab; canWrite: boolean }) {
  const refresh = useMirror((s) => s.refresh);
  const busy = useMirror((s) => s.busy[collab.id]);
  const actionError = useMirror((s) => s.actionErrors[collab.id]);
  const { counts } = collab;
  const full = collab.budget_bytes > 0 ? Math.min(1, collab.bytes / collab.budget_bytes) : 0;
  return (
    <div className="card frontier-collab" data-testid="frontier-collab" data-collab={collab.id}>
      <div className="frontier-collab-head">
        <div>
          <h2>{collab.title ?? collab.id}</h2>
          <p className="muted mono">
            {collab.id} · <OutLink href={collab.api_url}>{collab.api_url}</OutLink>
          </p>
        </div>
        {canWrite && (
          <div className="frontier-actions">
            <button
              className="btn btn-small"
              onClick={() => void refresh(collab.id)}
              disabled={busy !== undefined}
              title="Read the collab now"
            >
              {busy === 'refresh' ? 'Refreshing…' : 'Refresh'}
            </button>
            <UnfollowButton id={collab.id} />
          </div>
        )}
      </div>
      <Freshness collab={collab} />
      <p className="muted frontier-counts" data-testid="frontier-counts">
        {counts.message.toLocaleString('en-US')} messages · {counts.result.toLocaleString('en-US')} results ·{' '}
        {counts.agent.toLocaleString('en-US')} agents · {counts.channel.toLocaleString('en-US')} channels
      </p>
      <div className="frontier-budget-line">
        <span className="muted" data-testid="frontier-size">
          {formatBytes(collab.bytes)} of {formatBytes(collab.budget_bytes)} budget
          {collab.evicted > 0 && ` · ${collab.evicted.toLocaleString('en-US')} oldest messages dropped to fit`}
        </span>
        <meter min={0} max={1} value={full} aria-label="Copy size against its budget" />
      </div>
      {actionError && (
        <p className="error-text" role="alert">
          {actionError}
        </p>
      )}
    </div>
  );
}
