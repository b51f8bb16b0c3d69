// The board: channels at the side, the channel's messages (virtualized, live) with a composer, and a thread pane (#/board/<message>).
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { RecordItem } from '@shared/api';
import { EmptyState, ErrorNotice } from '../../components/Notice';
import { routeHref, navigate } from '../../router';
import { useBoardChannels } from '../../stores/board-channels-store';
import { mainDraftKey, useBoardComposer } from '../../stores/board-composer-store';
import { useBoardMessages } from '../../stores/board-messages-store';
import { useBoardRefs } from '../../stores/board-refs-store';
import { useBoardThread } from '../../stores/board-thread-store';
import { useIsOrganizer, useSession } from '../../stores/session-store';
import { BoardHeader } from './BoardHeader';
import {
  ALL,
  authorOf,
  channelOf,
  concerns,
  GENERAL,
  isBroadcast,
  isFiltered,
  isNamedChannel,
  quoteText,
  threadOf,
  threadStats,
  timeOf,
  visibleRows,
  type BoardView,
} from '../../model/board-view';
import { ChannelList } from './ChannelList';
import { Composer } from './Composer';
import { MessageList, type MessageListHandle } from './MessageList';
import { MessageRow } from './MessageRow';
import { ThreadPane } from './ThreadPane';
import { useNow } from '../../components/Ago';
import './board.css';

/** Posts by one author this close together read as one block under one header. */
const FOLD_MS = 5 * 60_000;

function channelName(channel: string): string {
  return channel === ALL || channel === GENERAL ? 'General' : `#${channel}`;
}

function emptyText(view: BoardView, me: string): { title: string; body: string } {
  if (view.q !== '')
    return {
      title: `Nothing matches “${view.q}”`,
      body: view.mine
        ? 'The search looks only at your inbox while @me is on.'
        : 'The search looks at message text and file names in this channel.',
    };
  if (view.mine)
    return {
      title: 'Nothing for you here yet',
      body: `Mentions of @${me}, replies to your posts, refs to your work and broadcasts land here.`,
    };
  if (isNamedChannel(view.channel))
    return {
      title: `No messages in #${view.channel} yet`,
      body: 'Agents post here with "channel" set to this taskforce; so can you, below.',
    };
  return {
    title: 'The board is empty',
    body: 'Agents post here as they work; the first message will appear without a reload.',
  };
}

export function BoardPanel({ rest }: { rest: string[] }) {
  const focus = rest[0]?.endsWith('.md') ? rest[0] : null;
  const me = useSession((s) => s.me?.handle ?? s.hub?.organizer ?? 'human');
  const canWrite = useIsOrganizer();
  const { view, messages, status, error, older, loadingOlder, olderError, replyCounts } = useBoardMessages(
    useShallow((s) => ({
      view: s.view,
      messages: s.messages,
      status: s.status,
      error: s.error,
      older: s.older,
      loadingOlder: s.loadingOlder,
      olderError: s.olderError,
      replyCounts: s.replyCounts,
    })),
  );
  const thread = useBoardThread((s) => s.thread);
  const now = useNow();
  const list = useRef<MessageListHandle>(null);
  const [missing, setMissing] = useState<string | null>(null);
  // A routed name that is a followed public collab's record: it lives on the collab, not on this board.
  const [publicName, setPublicName] = useState<string | null>(null);
  const publicRecord = useBoardRefs((s) => (publicName ? s.publicRefs[publicName] : undefined));

  // Started on mount (the handle `me` is kept current by the next effect).
  const firstMe = useRef(me);
  useEffect(() => {
    useBoardChannels.getState().start();
    useBoardThread.getState().start();
    useBoardMessages.getState().start(firstMe.current);
  }, []);
  useEffect(() => useBoardMessages.getState().setMe(me), [me]);

  // The name in the route while the board shows it; null once the person has moved on (an answer for it is then dropped).
  const routedFocus = useRef<string | null>(focus);
  useEffect(() => {
    routedFocus.current = focus;
    return () => {
      routedFocus.current = null;
    };
  }, [focus]);
  // Opening the route's name (and retrying it after a failure) ends the same way: a thread, the leaderboard, or "no such name".
  const openFocus = useCallback((name: string) => {
    setMissing(null);
    setPublicName(null);
    void useBoardThread
      .getState()
      .openThread(name)
      .then((kind) => {
        if (routedFocus.current !== name) return;
        // A result's name reached the board (an old link, a ref): it lives on the leaderboard.
        if (kind === 'result') {
          history.replaceState(null, '', routeHref('leaderboard', name));
          window.dispatchEvent(new HashChangeEvent('hashchange'));
        } else if (kind === 'missing') {
          setMissing(name);
        } else if (kind === 'public') {
          setPublicName(name);
        }
      });
  }, []);
  useEffect(() => {
    if (focus) {
      openFocus(focus);
      return;
    }
    setMissing(null);
    setPublicName(null);
    useBoardThread.getState().closeThread();
  }, [focus, openFocus]);

  const filtered = isFiltered(view);
  const rows = useMemo(() => visibleRows(messages, view), [messages, view]);
  const stats = useMemo(() => (filtered ? null : threadStats(messages)), [messages, filtered]);
  const mainFocus = focus && rows.some((r) => r.filename === focus) ? focus : (thread?.root ?? null);

  const onReply = useCallback((m: RecordItem) => navigate('board', m.filename), []);
  const onQuote = useCallback(
    (m: RecordItem) => useBoardComposer.getState().quote('main', quoteText(m, useBoardMessages.getState().me)),
    [],
  );
  const onChannel = useCallback((channel: string) => useBoardMessages.getState().setView({ channel }), []);
  const onRowsShown = useCallback((shown: RecordItem[]) => {
    // A search or @me list has gaps, so thread sizes come from the hub, for the rows on screen only.
    if (!isFiltered(useBoardMessages.getState().view)) return;
    for (const m of shown) if (threadOf(m) === null) useBoardMessages.getState().requestReplyCount(m.filename);
  }, []);
  const loadOlder = useCallback(() => void useBoardMessages.getState().loadOlder(), []);

  const renderRow = useCallback(
    (m: RecordItem, index: number) => {
      const previous = index > 0 ? rows[index - 1] : undefined;
      const compact =
        previous !== undefined &&
        !isBroadcast(m) &&
        !(filtered && threadOf(m) !== null) &&
        authorOf(previous) === authorOf(m) &&
        channelOf(previous) === channelOf(m) &&
        timeOf(m) - timeOf(previous) < FOLD_MS;
      const stat = stats?.get(m.filename);
      return (
        <MessageRow
          message={m}
          compact={compact}
          showChannel={view.channel === ALL}
          replyCount={filtered ? replyCounts[m.filename] : (stat?.count ?? 0)}
          lastReply={stat?.last}
          showThreadLink={filtered}
          highlighted={m.filename === mainFocus}
          mentionsMe={concerns(m, me)}
          now={now}
          canWrite={canWrite}
          onReply={onReply}
          onQuote={onQuote}
          onChannel={onChannel}
        />
      );
    },
    [rows, stats, filtered, view.channel, replyCounts, mainFocus, me, now, canWrite, onReply, onQuote, onChannel],
  );

  const top = loadingOlder ? (
    <span className="muted">Loading older messages…</span>
  ) : olderError ? (
    <span className="error-text">
      {olderError}{' '}
      <button type="button" className="btn btn-small" onClick={loadOlder}>
        Retry
      </button>
    </span>
  ) : older === null ? (
    <span className="muted" data-testid="board-start">
      {filtered
        ? 'No earlier matches.'
        : `This is the beginning of ${view.channel === ALL ? 'the board' : channelName(view.channel)}.`}
    </span>
  ) : (
    <span className="muted">Scroll up for older messages</span>
  );

  const empty = emptyText(view, me);
  const listKey = `${view.channel}|${view.q}|${view.mine}`;
  return (
    <section
      className={thread ? 'panel board with-thread' : 'panel board'}
      data-testid="board"
      // Escape closes the thread from anywhere on the board, unless a list or a search box used it first.
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !e.defaultPrevented && thread) navigate('board');
      }}
    >
      <ChannelList />
      <div className="board-main">
        <BoardHeader />
        {missing && (
          <div className="notice notice-error" role="alert">
            <span>There is no message or result “{missing}” on this hub.</span>
            <button type="button" className="btn btn-small" onClick={() => navigate('board')}>
              Dismiss
            </button>
          </div>
        )}
        {publicName && publicRecord && (
          <div className="notice" role="status" data-testid="public-ref">
            <span>
              “{publicName}” is a record of the public collab {publicRecord.origin} (read-only), not of this hub.
            </span>
            <a className="btn btn-small" href={publicRecord.url} target="_blank" rel="noreferrer noopener">
              Open it on the collab
            </a>
            <button type="button" className="btn btn-small" onClick={() => navigate('board')}>
              Dismiss
            </button>
          </div>
        )}
        <div className="board-body-area">
          {status === 'failed' && (
            <ErrorNotice
              error={error ?? 'the board could not be read'}
              onRetry={() => void useBoardMessages.getState().reload()}
            />
          )}
          {(status === 'loading' || status === 'idle') && (
            <div className="board-state muted" data-testid="board-loading">
              Loading messages…
            </div>
          )}
          {status === 'ready' && rows.length === 0 && <EmptyState title={empty.title}>{empty.body}</EmptyState>}
          {status === 'ready' && rows.length > 0 && (
            <MessageList
              key={listKey}
              ref={list}
              rows={rows}
              renderRow={renderRow}
              top={top}
              onNearTop={loadOlder}
              onRowsShown={onRowsShown}
              focus={mainFocus}
              label="Messages"
              testId="board-list"
            />
          )}
        </div>
        <Composer
          key={mainDraftKey(view.channel)}
          draftKey={mainDraftKey(view.channel)}
          target="main"
          destination={isNamedChannel(view.channel) ? `#${view.channel}` : 'General'}
          channel={isNamedChannel(view.channel) ? view.channel : undefined}
          allowBroadcast
          placeholder={`Message ${channelName(view.channel)}… (@ to mention)`}
          onSent={() => list.current?.scrollToEnd()}
        />
      </div>
      {thread && <ThreadPane onClose={() => navigate('board')} onRetry={openFocus} onChannel={onChannel} />}
    </section>
  );
}
