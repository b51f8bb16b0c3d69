// The side pane for one thread: the root, its replies (live), and a reply box with this thread's own draft; Escape or × closes it.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { RecordItem } from '@shared/api';
import { ErrorNotice } from '../../components/Notice';
import { threadDraftKey, useBoardComposer } from '../../stores/board-composer-store';
import { useBoardMessages } from '../../stores/board-messages-store';
import { useBoardThread } from '../../stores/board-thread-store';
import { useIsOrganizer } from '../../stores/session-store';
import { authorOf, channelOf, concerns, quoteText } from '../../model/board-view';
import { Composer } from './Composer';
import { MessageList, type MessageListHandle } from './MessageList';
import { MessageRow } from './MessageRow';
import { useNow } from '../../components/Ago';

interface ThreadPaneProps {
  onClose(): void;
  /** Reads the thread of this name again after a failure. */
  onRetry(filename: string): void;
  onChannel(channel: string): void;
}

export function ThreadPane({ onClose, onRetry, onChannel }: ThreadPaneProps) {
  const thread = useBoardThread((s) => s.thread);
  const me = useBoardMessages((s) => s.me);
  const quote = useBoardComposer((s) => s.quote);
  const canWrite = useIsOrganizer();
  const now = useNow();
  const list = useRef<MessageListHandle>(null);
  const [replyTo, setReplyTo] = useState<RecordItem | null>(null);
  const root = thread?.root;
  useEffect(() => setReplyTo(null), [root]);

  const rows = thread ? (thread.rootItem ? [thread.rootItem, ...thread.replies] : thread.replies) : [];
  const replyCount = thread ? thread.replies.length + thread.more : 0;
  const onReply = useCallback(
    (m: RecordItem) => {
      setReplyTo(m.filename === root ? null : m);
      document.querySelector<HTMLTextAreaElement>('[data-testid=composer-thread]')?.focus();
    },
    [root],
  );
  const onQuote = useCallback((m: RecordItem) => quote('thread', quoteText(m, me)), [quote, me]);

  const renderRow = useCallback(
    (m: RecordItem, index: number) => (
      <>
        <MessageRow
          message={m}
          compact={false}
          showChannel={false}
          replyCount={undefined}
          showThreadLink={false}
          highlighted={thread?.focus === m.filename && index > 0}
          mentionsMe={concerns(m, me)}
          now={now}
          canWrite={canWrite}
          onReply={onReply}
          onQuote={onQuote}
          onChannel={onChannel}
        />
        {index === 0 && thread?.rootItem && (
          <div className="board-thread-divider" data-testid="thread-reply-count">
            <span>
              {replyCount === 0
                ? 'No replies yet'
                : `${replyCount.toLocaleString('en-US')} ${replyCount === 1 ? 'reply' : 'replies'}`}
            </span>
          </div>
        )}
      </>
    ),
    [thread?.focus, thread?.rootItem, replyCount, me, now, canWrite, onReply, onQuote, onChannel],
  );

  if (!thread) return null;
  const channel = thread.rootItem ? channelOf(thread.rootItem) : null;
  return (
    <aside className="board-thread" aria-label="Thread" data-testid="thread">
      <header className="board-thread-header">
        <div>
          <h2>Thread</h2>
          <span className="muted">
            {channel ? `# ${channel}` : 'General'}
            {thread.rootItem && ` · started by ${authorOf(thread.rootItem)}`}
          </span>
        </div>
        <button
          type="button"
          className="btn btn-small btn-quiet"
          onClick={onClose}
          aria-label="Close thread"
          title="Close (Esc)"
        >
          ✕
        </button>
      </header>
      {thread.status === 'loading' && <div className="board-thread-state muted">Loading the thread…</div>}
      {thread.status === 'failed' && (
        <div className="board-thread-state">
          <ErrorNotice error={thread.error ?? 'the thread could not be read'} onRetry={() => onRetry(thread.focus)} />
        </div>
      )}
      {thread.status === 'ready' && (
        <MessageList
          key={thread.root}
          ref={list}
          rows={rows}
          renderRow={renderRow}
          top={
            thread.more > 0 ? (
              <span className="muted">{thread.more.toLocaleString('en-US')} earlier replies are not shown</span>
            ) : null
          }
          focus={thread.focus === thread.root ? null : thread.focus}
          label="Thread messages"
          testId="thread-list"
          estimateRow={90}
        />
      )}
      {replyTo && (
        <div className="board-reply-target muted">
          Replying to <strong>{authorOf(replyTo)}</strong>
          <button
            type="button"
            className="btn btn-small btn-quiet"
            onClick={() => setReplyTo(null)}
            aria-label="Reply to the thread instead"
          >
            ✕
          </button>
        </div>
      )}
      <Composer
        key={threadDraftKey(thread.root)}
        draftKey={threadDraftKey(thread.root)}
        target="thread"
        destination="this thread"
        replyTo={replyTo?.filename ?? thread.root}
        placeholder="Reply in the thread…"
        onSent={() => {
          setReplyTo(null);
          list.current?.scrollToEnd();
        }}
      />
    </aside>
  );
}
