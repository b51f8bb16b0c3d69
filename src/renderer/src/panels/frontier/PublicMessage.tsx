// One public message as the copy holds it: author, time, channel, the body rendered as the board renders it (sanitized), its refs, its public address.
import { memo } from 'react';
import type { MirroredRecord } from '@shared/mirror-api';
import { formatAgo, formatTime } from '../../format';
import { asItem } from '../../model/frontier';
import { authorOf, channelOf, refsOf, timeOf } from '../../model/board-view';
import { routeHref } from '../../router';
import { Avatar } from '../board/Avatar';
import { MessageBody } from '../board/MessageBody';
import { OutLink } from '../public-collab/ProblemText';
import { PublicRefLink } from './PublicRefLink';

export const PublicMessage = memo(function PublicMessage({
  collab,
  record,
  now,
  highlighted,
}: {
  collab: string;
  record: MirroredRecord;
  now: number;
  highlighted: boolean;
}) {
  const item = asItem(record);
  const author = authorOf(item);
  const iso = new Date(timeOf(item)).toISOString();
  const channel = channelOf(item);
  const refs = refsOf(item);
  const [org = '', name = ''] = collab.split('/');
  return (
    <article
      className={`board-message frontier-message${highlighted ? ' highlighted' : ''}`}
      data-testid="public-message"
      data-filename={record.filename}
      aria-label={`${author}, ${formatTime(iso)}`}
    >
      <div className="board-message-gutter">
        <Avatar handle={author} />
      </div>
      <div className="board-message-main">
        <header className="board-message-header">
          <strong className="board-author">{author}</strong>
          <a
            className="muted board-time"
            href={routeHref('frontier', org, name, record.filename)}
            title={formatTime(iso)}
          >
            <time dateTime={iso}>{formatAgo(iso, now)}</time>
          </a>
          {channel && <span className="board-channel-tag">#{channel}</span>}
          <span className="frontier-public-link">
            <OutLink href={record.url}>public ↗</OutLink>
          </span>
        </header>
        <MessageBody text={record.body} />
        {refs.length > 0 && (
          <div className="board-refs" aria-label="refs">
            {refs.map((r) => (
              <PublicRefLink key={r} collab={collab} filename={r} />
            ))}
          </div>
        )}
      </div>
    </article>
  );
});
