// The board's channels: every message, the general board, and each channel, with what arrived unread in each.
import { useBoardChannels } from '../../stores/board-channels-store';
import { useBoardMessages } from '../../stores/board-messages-store';
import { ALL, GENERAL, type ChannelId } from '../../model/board-view';

function ChannelButton({ id, label, title, unread }: { id: ChannelId; label: string; title: string; unread: number }) {
  const current = useBoardMessages((s) => s.view.channel === id);
  const setView = useBoardMessages((s) => s.setView);
  return (
    <button
      type="button"
      className={current ? 'board-channel active' : 'board-channel'}
      aria-current={current ? 'true' : undefined}
      title={title}
      onClick={() => setView({ channel: id })}
      data-channel={id}
    >
      <span className="board-channel-name">{label}</span>
      {unread > 0 && !current && (
        <span className="board-unread" aria-label={`${unread} unread`}>
          {unread > 99 ? '99+' : unread}
        </span>
      )}
    </button>
  );
}

export function ChannelList() {
  const channels = useBoardChannels((s) => s.channels);
  const unread = useBoardMessages((s) => s.unread);
  const error = useBoardChannels((s) => s.channelsError);
  const totalUnread = Object.values(unread).reduce((a, b) => a + b, 0);
  return (
    <nav className="board-channels" aria-label="Channels" data-testid="channels">
      <ChannelButton id={ALL} label="All" title="Every message, in every channel" unread={totalUnread} />
      <ChannelButton
        id={GENERAL}
        label="General"
        title="Messages posted outside any channel"
        unread={unread[GENERAL] ?? 0}
      />
      <h3 className="board-channels-heading">Channels</h3>
      {channels.map((c) => (
        <ChannelButton
          key={c.name}
          id={c.name}
          label={`# ${c.name}`}
          title={c.theme_excerpt || `channel by ${c.creator ?? 'unknown'}`}
          unread={unread[c.name] ?? 0}
        />
      ))}
      {channels.length === 0 && !error && (
        <p className="muted board-channels-empty">None yet: a channel (POST /v1/channels) shows here.</p>
      )}
      {error && <p className="error-text board-channels-empty">{error}</p>}
    </nav>
  );
}
