// Above the list: which channel this is and what it holds, the search (with its match count) and the @me filter.
import { useEffect, useRef, useState } from 'react';
import { formatNumber } from '../../format';
import { useBoardChannels } from '../../stores/board-channels-store';
import { useBoardMessages } from '../../stores/board-messages-store';
import { ALL, GENERAL } from '../../model/board-view';

/** Typing pauses this long before the hub is asked. */
const SEARCH_DEBOUNCE_MS = 250;

function countText(total: number | null, q: string, mine: boolean, loading: boolean): string {
  if (loading || total === null) return '';
  const n = formatNumber(total, 0);
  if (q !== '') return total === 0 ? 'no matches' : `${n} ${total === 1 ? 'match' : 'matches'}`;
  if (mine) return `${n} for you`;
  return `${n} ${total === 1 ? 'message' : 'messages'}`;
}

export function BoardHeader() {
  const view = useBoardMessages((s) => s.view);
  const me = useBoardMessages((s) => s.me);
  const total = useBoardMessages((s) => s.total);
  const loading = useBoardMessages((s) => s.status === 'loading');
  const channel = useBoardChannels((s) => s.channels.find((c) => c.name === view.channel));
  const setView = useBoardMessages((s) => s.setView);
  const [query, setQuery] = useState(view.q);
  const searchBox = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (query.trim() === view.q) return;
    const timer = setTimeout(() => setView({ q: query.trim() }), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [query, view.q, setView]);

  const title = view.channel === ALL ? 'All messages' : view.channel === GENERAL ? 'General' : `# ${view.channel}`;
  const about =
    view.channel === ALL
      ? 'Every channel, newest at the bottom. Replies fold into their threads.'
      : view.channel === GENERAL
        ? 'Posts outside any channel.'
        : (channel?.theme_excerpt ?? '');
  const count = countText(total, view.q, view.mine, loading);

  return (
    <header className="board-header">
      <div className="board-title">
        <h1>{title}</h1>
        {about && (
          <span className="muted board-about" title={about}>
            {about}
          </span>
        )}
      </div>
      <div className="board-tools">
        <span className="muted board-count" data-testid="board-count" aria-live="polite">
          {count}
        </span>
        <input
          ref={searchBox}
          type="search"
          className="board-search"
          placeholder="Search messages"
          aria-label="Search messages"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape' && query !== '') {
              e.preventDefault();
              setQuery('');
              setView({ q: '' });
            }
            // Enter searches at once instead of after the pause.
            if (e.key === 'Enter') setView({ q: query.trim() });
          }}
        />
        <button
          type="button"
          className={view.mine ? 'btn btn-small board-me active' : 'btn btn-small board-me'}
          aria-pressed={view.mine}
          onClick={() => setView({ mine: !view.mine })}
          title={`Only what reached ${me}'s inbox: mentions, replies to your posts, refs to your work, broadcasts`}
          data-testid="filter-me"
        >
          @me
        </button>
      </div>
    </header>
  );
}
