// The outbox: every publish with its state, steps, attempts and next try; the public file once sent; retry and cancel. Live.
import { useState } from 'react';
import type { OutboxItem, OutboxState } from '@shared/sync-api';
import { EmptyState } from '../../components/Notice';
import { formatAgo, formatBytes, formatTime } from '../../format';
import { useOutbox } from '../../stores/outbox-store';
import { problemOf, type SyncProblem } from '../../stores/sync-problem';
import { isWebUrl, ProblemText } from './ProblemText';

const STATE_BADGE: Record<OutboxState, string> = {
  queued: 'badge badge-pending',
  sending: 'badge badge-pending',
  sent: 'badge badge-valid',
  failed: 'badge badge-invalid',
  cancelled: 'badge badge-unknown',
};

const STEP_LABEL = {
  upload: 'upload',
  promote: 'promote',
  artifacts: 'run bundle',
  trace: 'session trace',
  message: 'board message',
} as const;

function OutboxRow({ item }: { item: OutboxItem }) {
  const { retry, cancel } = useOutbox.getState();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<SyncProblem | null>(null);
  const act = async (action: (id: string) => Promise<unknown>) => {
    setBusy(true);
    setProblem(null);
    try {
      await action(item.id);
    } catch (err) {
      setProblem(problemOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <li
      className="sync-outbox-item stack"
      aria-label={`${item.result} to ${item.collab}`}
      data-state={item.state}
      data-id={item.id}
    >
      <div className="row sync-card-head">
        <span className={STATE_BADGE[item.state]} data-testid="outbox-state">
          {item.state}
        </span>
        <span className="mono sync-small">{item.result}</span>
        <span className="muted sync-small">
          → {item.collab} as {item.agent} · {formatBytes(item.bytes)}
        </span>
        <span className="muted sync-small sync-push" title={formatTime(item.created_at)}>
          {formatAgo(item.created_at)}
        </span>
      </div>
      {item.state === 'sent' && item.public_filename && (
        <p className="sync-small">
          Published as{' '}
          {isWebUrl(item.public_url) ? (
            <a href={item.public_url} target="_blank" rel="noreferrer noopener" data-testid="public-link">
              {item.public_filename}
            </a>
          ) : (
            <span className="mono">{item.public_filename}</span>
          )}
        </p>
      )}
      {item.steps.length > 0 && (
        <ol className="sync-steps" aria-label="Steps">
          {item.steps.map((s) => (
            <li key={s.step} className={s.done ? 'done' : undefined}>
              <span aria-hidden>{s.done ? '✓' : '○'}</span> {STEP_LABEL[s.step] ?? s.step}
              {s.done ? '' : ' (to do)'}
              {s.detail && <span className="muted mono"> {s.detail}</span>}
            </li>
          ))}
        </ol>
      )}
      <div className="row muted sync-small">
        <span>
          {item.attempts} {item.attempts === 1 ? 'attempt' : 'attempts'}
        </span>
        {item.next_attempt_at && (item.state === 'queued' || item.state === 'failed') && (
          <span title={formatTime(item.next_attempt_at)}>· next try at {formatTime(item.next_attempt_at)}</span>
        )}
      </div>
      {item.state === 'failed' && item.error && (
        <p className="notice notice-error sync-small" data-testid="outbox-error">
          <span>
            {item.error.message} — {item.error.next}
          </span>
        </p>
      )}
      {(item.state === 'failed' || item.state === 'queued') && (
        <div className="row">
          {item.state === 'failed' && (
            <button className="btn btn-small" disabled={busy} onClick={() => void act(retry)}>
              Retry
            </button>
          )}
          <button className="btn btn-small btn-danger" disabled={busy} onClick={() => void act(cancel)}>
            Cancel
          </button>
        </div>
      )}
      {problem && <ProblemText problem={problem} />}
    </li>
  );
}

export function OutboxSection() {
  const { items, problem, loaded, load } = useOutbox();
  const counts = items.reduce<Partial<Record<OutboxState, number>>>(
    (acc, i) => ({ ...acc, [i.state]: (acc[i.state] ?? 0) + 1 }),
    {},
  );
  const summary = (Object.entries(counts) as [OutboxState, number][]).map(([k, n]) => `${n} ${k}`).join(' · ');
  return (
    <section className="card stack" aria-labelledby="sync-outbox-title">
      <div className="row sync-card-head">
        <h2 id="sync-outbox-title">Outbox</h2>
        <span className="muted sync-small">{summary}</span>
        <button className="btn btn-small sync-push" onClick={() => void load()}>
          Refresh outbox
        </button>
      </div>
      {problem && <ProblemText problem={problem} />}
      {loaded && items.length === 0 && !problem && (
        <EmptyState title="Nothing published yet">What you publish waits here until the collab has it.</EmptyState>
      )}
      {items.length > 0 && (
        <ol className="sync-outbox" aria-label="Outbox items">
          {items.map((item) => (
            <OutboxRow key={item.id} item={item} />
          ))}
        </ol>
      )}
    </section>
  );
}
