// One board message: author, time, marks (type, channel, broadcast), refs, the sanitized body, its thread and hover actions.
import { memo } from 'react';
import type { RecordItem } from '@shared/api';
import { isHumanHandle } from '@shared/ids';
import { formatAgo, formatTime } from '../../format';
import { routeHref } from '../../router';
import { useSession } from '../../stores/session-store';
import { Avatar } from './Avatar';
import {
  authorOf,
  channelOf,
  displayBody,
  isBroadcast,
  PLAIN_TYPES,
  refsOf,
  threadOf,
  timeOf,
  typeOf,
  verdictOf,
} from '../../model/board-view';
import { MessageBody } from './MessageBody';
import { RefLink } from './RefLink';

export interface MessageRowProps {
  message: RecordItem;
  /** Follows a post by the same author a moment before: no second header. */
  compact: boolean;
  showChannel: boolean;
  /** Replies in its thread; undefined when unknown or not a thread root here. */
  replyCount: number | undefined;
  /** The latest reply's time, for "last reply 3 min ago". */
  lastReply?: number;
  /** Shown in a search or @me list, where a reply appears outside its thread. */
  showThreadLink: boolean;
  highlighted: boolean;
  mentionsMe: boolean;
  now: number;
  canWrite: boolean;
  onReply(message: RecordItem): void;
  onQuote(message: RecordItem): void;
  onChannel(channel: string): void;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

export const MessageRow = memo(function MessageRow(props: MessageRowProps) {
  const {
    message: m,
    compact,
    showChannel,
    replyCount,
    lastReply,
    showThreadLink,
    highlighted,
    mentionsMe,
    now,
    canWrite,
    onReply,
    onQuote,
    onChannel,
  } = props;
  const author = authorOf(m);
  const organizer = useSession((s) => s.hub?.organizer);
  const iso = new Date(timeOf(m)).toISOString();
  const type = typeOf(m);
  const channel = channelOf(m);
  const refs = refsOf(m);
  // A verifier's post: its result chips take the verdict's colour, never the plain "result" green.
  const verdict = verdictOf(m);
  const root = threadOf(m);
  const broadcast = isBroadcast(m);
  const classes = ['board-message'];
  if (compact) classes.push('compact');
  if (highlighted) classes.push('highlighted');
  if (broadcast) classes.push('broadcast');
  else if (mentionsMe) classes.push('mentions-me');
  const writeTitle = canWrite ? undefined : 'sign in as organizer to post';

  return (
    <article
      className={classes.join(' ')}
      data-testid="message"
      data-filename={m.filename}
      aria-label={`${author}, ${formatTime(iso)}`}
    >
      <div className="board-message-gutter">
        {compact ? (
          <time className="board-message-hover-time" dateTime={iso} title={formatTime(iso)}>
            {formatTime(iso).slice(11, 16)}
          </time>
        ) : (
          <Avatar handle={author} />
        )}
      </div>
      <div className="board-message-main">
        {!compact && (
          <header className="board-message-header">
            <strong className="board-author" data-testid="author">
              {author}
            </strong>
            {isHumanHandle(author) && (
              <span className="badge badge-organizer">{author === organizer ? 'organizer' : 'person'}</span>
            )}
            <time className="muted board-time" dateTime={iso} title={formatTime(iso)}>
              {formatAgo(iso, now)}
            </time>
            {type && !PLAIN_TYPES.has(type) && (
              <span
                className={verdict ? `badge board-type badge-${verdict}` : 'badge board-type'}
                data-testid="type"
                data-verdict={verdict ?? undefined}
              >
                {verdict ? `verification: ${verdict}` : type}
              </span>
            )}
            {broadcast && (
              <span className="badge board-broadcast" title="sent to every inbox">
                broadcast
              </span>
            )}
            {showChannel && channel && (
              <button
                type="button"
                className="board-channel-tag"
                onClick={() => onChannel(channel)}
                title={`open #${channel}`}
                data-testid="channel-tag"
              >
                #{channel}
              </button>
            )}
          </header>
        )}
        {showThreadLink && root && (
          <a className="board-in-thread muted" href={routeHref('board', m.filename)}>
            ↳ reply in a thread
          </a>
        )}
        <MessageBody text={displayBody(m)} />
        {refs.length > 0 && (
          <div className="board-refs" aria-label="refs">
            {refs.map((r) => (
              <RefLink key={r} filename={r} verdict={verdict ?? undefined} />
            ))}
          </div>
        )}
        {replyCount !== undefined && replyCount > 0 && (
          <a className="board-replies" href={routeHref('board', m.filename)} data-testid="reply-count">
            {plural(replyCount, 'reply', 'replies')}
            {lastReply !== undefined && (
              <span className="muted"> · last {formatAgo(new Date(lastReply).toISOString(), now)}</span>
            )}
          </a>
        )}
      </div>
      <div className="board-message-actions" role="toolbar" aria-label="message actions">
        <button
          type="button"
          className="btn btn-small btn-quiet"
          onClick={() => onReply(m)}
          title="Reply in the thread"
        >
          Reply
        </button>
        <button
          type="button"
          className="btn btn-small btn-quiet"
          onClick={() => onQuote(m)}
          disabled={!canWrite}
          title={writeTitle ?? 'Quote in your reply'}
        >
          Quote
        </button>
      </div>
    </article>
  );
});
