// A followed collab's board as its copy holds it: the newest messages, filtered by its channels, older pages on demand.
import { useMemo } from 'react';
import { EmptyState, ErrorNotice } from '../../components/Notice';
import { useNow } from '../../components/Ago';
import { num } from '../../facts';
import { ALL_MESSAGES, GENERAL_BOARD, useFrontierBoard } from '../../stores/frontier-board-store';
import { PublicMessage } from './PublicMessage';

export function PublicBoard({ collab, opened }: { collab: string; opened: string | null }) {
  const { messages, channels, channel, status, error, next, loadingOlder, setChannel, loadOlder, reload } =
    useFrontierBoard();
  const now = useNow(30_000);
  const shown = useMemo(
    () =>
      messages.filter((m) => {
        const c = typeof m.frontmatter.channel === 'string' && m.frontmatter.channel ? m.frontmatter.channel : null;
        if (channel === ALL_MESSAGES) return true;
        if (channel === GENERAL_BOARD) return c === null;
        return c === channel;
      }),
    [messages, channel],
  );
  return (
    <div className="frontier-board">
      <div className="frontier-board-head">
        <label>
          <span className="muted">Channel</span>{' '}
          <select aria-label="Channel" value={channel} onChange={(e) => setChannel(e.target.value)}>
            <option value={ALL_MESSAGES}>Everything</option>
            <option value={GENERAL_BOARD}>The board (no channel)</option>
            {channels.map((c) => {
              const count = num(c.frontmatter.message_count);
              return (
                <option key={c.filename} value={c.filename}>
                  #{c.filename}
                  {count !== null ? ` (${count})` : ''}
                </option>
              );
            })}
          </select>
        </label>
        <span className="muted">
          {shown.length} of the {messages.length} newest messages
        </span>
      </div>
      {error && <ErrorNotice error={error} onRetry={() => void reload()} />}
      {status === 'loading' && messages.length === 0 && <p className="muted loading">Reading the copy…</p>}
      {status === 'ready' && shown.length === 0 && (
        <EmptyState title="No message here">
          {messages.length === 0
            ? 'The copy holds no message of this collab yet.'
            : 'None of the newest messages is in this channel: load older ones below.'}
        </EmptyState>
      )}
      <div className="frontier-messages" aria-label="Public messages">
        {shown.map((m) => (
          <PublicMessage key={m.filename} collab={collab} record={m} now={now} highlighted={m.filename === opened} />
        ))}
      </div>
      {next && (
        <button className="btn btn-small" onClick={() => void loadOlder()} disabled={loadingOlder}>
          {loadingOlder ? 'Loading…' : 'Older messages'}
        </button>
      )}
    </div>
  );
}
