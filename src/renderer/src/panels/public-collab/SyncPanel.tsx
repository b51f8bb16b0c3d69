// The Public collab panel: the Hugging Face account, connected collabs and their agents, publishing a result, the outbox.
import { useEffect } from 'react';
import { EmptyState } from '../../components/Notice';
import { useOutbox } from '../../stores/outbox-store';
import { usePublish } from '../../stores/publish-store';
import { useIsOrganizer } from '../../stores/session-store';
import { SYNC_DISABLED } from '../../stores/sync-problem';
import { useSync } from '../../stores/sync-store';
import { AccountSection } from './AccountSection';
import { CollabsSection } from './CollabsSection';
import { OutboxSection } from './OutboxSection';
import { ProblemText } from './ProblemText';
import { PublishSection } from './PublishSection';
import './public-collab.css';

/** `#/sync/<result filename>` opens the panel with that result chosen to publish. */
export function SyncPanel({ rest }: { rest: string[] }) {
  const canWrite = useIsOrganizer();
  const { status, problem, loading, load, follow } = useSync();
  const loadOutbox = useOutbox((s) => s.load);
  const followOutbox = useOutbox((s) => s.follow);
  const preselect = rest[0];
  useEffect(() => {
    if (preselect) usePublish.getState().setDraft({ result: preselect });
  }, [preselect]);
  useEffect(() => {
    // Every sync route is the organizer's: a read-only page would only be refused.
    if (!canWrite) return;
    const unfollow = follow();
    const unfollowOutbox = followOutbox();
    void load();
    void loadOutbox();
    return () => {
      unfollow();
      unfollowOutbox();
    };
  }, [canWrite, follow, followOutbox, load, loadOutbox]);

  const disabled = problem?.code === SYNC_DISABLED;
  return (
    <section className="panel sync-panel">
      <header className="panel-header">
        <div>
          <h1>Public collab</h1>
          <p className="muted sync-summary">
            Publish results from this machine to a public collab on Hugging Face, and see what was sent.
          </p>
        </div>
        {canWrite && !disabled && (
          <div className="panel-actions">
            <button className="btn btn-small" onClick={() => void load()} disabled={loading}>
              {loading ? 'Refreshing…' : 'Refresh'}
            </button>
          </div>
        )}
      </header>
      {!canWrite ? (
        <EmptyState title="The organizer's panel">
          Sign in as the organizer (top right) to connect public collabs and publish to them.
        </EmptyState>
      ) : disabled ? (
        <p className="notice sync-note" role="status" data-testid="sync-disabled">
          This hub runs without the sync service, so it cannot publish to a public collab. The desktop app runs it; with
          the CLI, start the hub with sync attached.
        </p>
      ) : (
        <>
          {problem && <ProblemText problem={problem} />}
          {!status && !problem && <div className="empty-state">Reading the sync status…</div>}
          {status && (
            <>
              <AccountSection status={status} />
              <CollabsSection collabs={status.collabs} />
              <PublishSection status={status} />
              <OutboxSection />
            </>
          )}
        </>
      )}
    </section>
  );
}
