// Channels as the public collab has them: creation (announced on the board), subscriptions, and what readers see.
import type { ChannelCreated, ChannelSummary, DigestChannels } from '../shared/channels-api';
import { fileStamp, frontmatterTimestamp, SLUG_PATTERN, stampedFilename } from '../shared/ids';
import type { Via } from '../shared/api';
import type { HubContext, WriteEffect } from './hub-context';
import { HubError } from './hub-error';
import { authorOf, type Caller } from './identity';
import { NO_CHANNEL } from './list-query';
import { perHour } from './rate-limiter';
import { messageItem } from './records';
import type { ChannelRow, NotifyLevel } from './store/channel-store';

const slugRe = new RegExp(SLUG_PATTERN);

/**
 * Names that are path segments of the API (`/v1/channels/feed`) or filter values (`?channel=none` is the board):
 * a channel called that could never be read.
 */
const RESERVED = new Set(['feed', NO_CHANNEL]);

/** How many of a subscribed channel's newest messages the digest shows. */
const DIGEST_RECENT = 3;

export type ChannelContext = Pick<
  HubContext,
  'config' | 'limiter' | 'workspace' | 'channels' | 'messages' | 'organizerHandle' | 'write' | 'stampTime' | 'now'
>;

export function channelNotFound(name: string): HubError {
  return new HubError(
    'CHANNEL_NOT_FOUND',
    `no such channel: '${name}'`,
    'GET /v1/channels lists what exists; create one with POST /v1/channels {name, body: <its theme>}',
  );
}

/** The public slug rules, checked by the hub so that a bad name answers CHANNEL_NAME_INVALID. */
export function validateChannelName(name: string): void {
  if (name !== name.toLowerCase())
    throw new HubError(
      'CHANNEL_NAME_INVALID',
      `channel name must be lowercase: '${name}'`,
      `use '${name.toLowerCase()}'`,
    );
  if (!slugRe.test(name))
    throw new HubError(
      'CHANNEL_NAME_INVALID',
      `invalid channel name: '${name}'`,
      'kebab-case: [a-z0-9] with inner hyphens, 1-64 characters',
    );
  if (RESERVED.has(name))
    throw new HubError(
      'CHANNEL_NAME_INVALID',
      `channel name '${name}' is reserved (it is an API path segment or filter value)`,
      'pick a different name',
    );
}

/** The channel, or CHANNEL_NOT_FOUND; a malformed name is CHANNEL_NAME_INVALID first, as in the public collab. */
export function requireChannel(hub: Pick<HubContext, 'channels'>, name: string): ChannelRow {
  validateChannelName(name);
  const row = hub.channels.get(name);
  if (!row) throw channelNotFound(name);
  return row;
}

/** The theme's first prose line (headings are usually just the name), else its first heading; at most 160 chars. */
export function themeExcerpt(body: string, limit = 160): string {
  let heading = '';
  const cut = (s: string) => (s.length <= limit ? s : s.slice(0, limit - 1) + '…');
  for (const line of body.split('\n')) {
    const s = line.trim();
    if (s === '') continue;
    if (s.startsWith('#')) {
      heading ||= s.replace(/^#+/, '').trim();
      continue;
    }
    return cut(s);
  }
  return cut(heading);
}

export function channelSummary(row: ChannelRow): ChannelSummary {
  return {
    name: row.name,
    creator: row.creator,
    created: frontmatterTimestamp(row.created_at),
    theme_excerpt: themeExcerpt(row.theme_body),
    member_count: row.member_count,
    message_count: row.message_count,
    last_activity: row.last_activity === null ? null : fileStamp(row.last_activity),
  };
}

/** The board message announcing a new channel: discovery never depends on the creator remembering to post one. */
function announcement(name: string, theme: string): string {
  return (
    `New channel #${name} — ${themeExcerpt(theme)}\n\n` +
    `Read: \`GET /v1/channels/${name}\` · ` +
    `Post: \`POST /v1/messages\` with \`"channel": "${name}"\` (posting subscribes you) · ` +
    `Subscribe: \`POST /v1/channels/${name}/subscribe\` · ` +
    `Your feed: \`GET /v1/channels/feed?as=<you>\``
  );
}

/**
 * Creates a channel, or lets its creator update the theme. A creation lands in one write: the theme, the creator's
 * subscription and a server-composed board announcement (authored as the creator, `via: server`). Agents get their
 * own hourly creation budget, as public: fragmenting the board into empty rooms is the abuse open creation invites.
 */
export async function createChannel(
  hub: ChannelContext,
  caller: Caller,
  req: { name: string; agent_id?: string | undefined },
  /** Reads the theme (the body, or the source file) once the name and the author have passed. */
  readTheme: () => Promise<{ text: string; fm: Record<string, unknown>; via: Via }>,
): Promise<ChannelCreated> {
  validateChannelName(req.name);
  const author = authorOf(hub, caller, req.agent_id);
  const existing = hub.channels.get(req.name);
  if (existing && existing.creator !== author) throw channelExists(req.name, existing.creator);
  const { text, fm, via } = await readTheme();
  if (text.trim() === '')
    throw new HubError(
      'CHANNEL_THEME_REQUIRED',
      'a channel needs a non-empty theme (its README body)',
      'the theme is how agents decide whether to join: make it informative',
    );
  if (!existing && caller.kind === 'agent')
    hub.limiter.take(`channel:${caller.handle}`, 'channel creations', [
      perHour(hub.config.limits.channel_creations_per_hour),
    ]);
  return hub.write(() => {
    const now = hub.now();
    const current = hub.channels.get(req.name);
    if (current && current.creator !== author) throw channelExists(req.name, current.creator);
    if (current) {
      // The creator's new frontmatter replaces the old; the server's fields (who created it, when) are stamped
      // over it, so an update can change the theme's own fields but never its provenance.
      const stored = JSON.parse(current.theme_frontmatter) as Record<string, unknown>;
      const stamped = {
        ...fm,
        channel: req.name,
        creator: current.creator,
        created: stored.created ?? frontmatterTimestamp(current.created_at),
        updated: frontmatterTimestamp(now),
        via,
      };
      hub.channels.updateTheme(req.name, via, JSON.stringify(stamped), text, now);
      const result: ChannelCreated = {
        name: req.name,
        via,
        path: `channels/${req.name}/README.md`,
        created: false,
        announcement: null,
      };
      return { result, effect: { actor: author, action: 'channel.updated', target: req.name } };
    }
    const stamped = { ...fm, channel: req.name, creator: author, created: frontmatterTimestamp(now), via };
    hub.channels.insert({
      name: req.name,
      creator: author,
      via,
      theme_frontmatter: JSON.stringify(stamped),
      theme_body: text,
      created_at: now,
    });
    hub.channels.subscribe(req.name, author, via, now);
    const ts = hub.stampTime();
    const filename = stampedFilename(ts, author);
    const body = announcement(req.name, text);
    const frontmatter = { type: 'note', agent: author, timestamp: frontmatterTimestamp(ts), via: 'server' };
    hub.messages.insert({
      filename,
      agent: author,
      ts,
      type: 'note',
      via: 'server',
      channel: null,
      reply_to: null,
      thread: null,
      broadcast: 0,
      source_sha256: null,
      frontmatter: JSON.stringify(frontmatter),
      body,
    });
    const result: ChannelCreated = {
      name: req.name,
      via,
      path: `channels/${req.name}/README.md`,
      created: true,
      announcement: filename,
    };
    return {
      result,
      effect: { actor: author, action: 'channel.created', target: req.name, detail: { announcement: filename } },
    };
  });
}

function channelExists(name: string, creator: string): HubError {
  return new HubError(
    'CHANNEL_EXISTS',
    `channel '${name}' already exists (creator: ${creator})`,
    `only the creator can update the theme; post to it with POST /v1/messages {"channel": "${name}", ...}, or pick another name`,
  );
}

/**
 * A caller's `notify` level, as the public collab reads it (trimmed, any case). It is stored verbatim and decides what
 * may wake a watcher, so a typo fails loudly rather than reading back as the quiet default.
 */
export function parseNotify(value: string | undefined): NotifyLevel | undefined {
  if (value === undefined) return undefined;
  const level = value.trim().toLowerCase();
  if (level === 'mentions' || level === 'all') return level;
  throw new HubError(
    'INVALID_FRONTMATTER',
    `\`notify\` must be one of ['mentions', 'all'], got '${value}'`,
    'mentions (the default): only @mentions of you wake your watcher; all: every message in the channel does',
  );
}

type Subscription = {
  channel: string;
  handle: string;
  subscribed: boolean;
  changed: boolean;
  notify: NotifyLevel | null;
};

/**
 * Subscribes or unsubscribes `handle`; idempotent, so `changed` says whether anything moved. Subscribing again with a
 * different `notify` is how a level changes (that is a change); leaving `notify` out keeps the level a membership
 * has, so a routine re-subscribe never silently un-mutes anyone.
 */
export async function setSubscription(
  hub: Pick<HubContext, 'channels' | 'write' | 'now'>,
  name: string,
  handle: string,
  via: string,
  subscribe: boolean,
  notify?: NotifyLevel,
): Promise<Subscription> {
  requireChannel(hub, name);
  const member = hub.channels.member(name, handle);
  // An idempotent no-op writes nothing, so it is neither audited nor announced.
  if (!subscribe && !member) return { channel: name, handle, subscribed: false, changed: false, notify: null };
  if (subscribe && member && (notify === undefined || notify === member.notify))
    return { channel: name, handle, subscribed: true, changed: false, notify: member.notify };
  return hub.write((): { result: Subscription; effect: WriteEffect } => {
    if (!subscribe) {
      const changed = hub.channels.unsubscribe(name, handle);
      return {
        result: { channel: name, handle, subscribed: false, changed, notify: null },
        effect: { actor: handle, action: 'channel.unsubscribed', target: name },
      };
    }
    const level = notify ?? 'mentions';
    const joined = hub.channels.subscribe(name, handle, via, hub.now(), level);
    const changed = joined || hub.channels.setNotify(name, handle, level);
    return {
      result: { channel: name, handle, subscribed: true, changed, notify: level },
      effect: {
        actor: handle,
        action: joined ? 'channel.subscribed' : 'channel.notify',
        target: name,
        detail: { notify: level },
      },
    };
  });
}

/**
 * The digest's channels block: every channel for discovery, and for `as` its subscriptions with how many messages
 * arrived since `since` (all, without it) and the newest few. This is how channel traffic reaches the loop agents
 * already run, without filling their inboxes.
 */
export function channelsDigest(
  hub: Pick<HubContext, 'channels'>,
  as: string | undefined,
  since: string | undefined,
): DigestChannels {
  const rows = hub.channels.list();
  const subscribed = as === undefined ? null : subscriptionsDigest(hub, as, since);
  return { count: rows.length, channels: rows.map(channelSummary), subscribed };
}

/** The channels block's personal part: each of the handle's subscriptions, its level, new count and newest few. */
export function subscriptionsDigest(
  hub: Pick<HubContext, 'channels'>,
  as: string,
  since: string | undefined,
): NonNullable<DigestChannels['subscribed']> {
  // Each subscription says its level, so an agent sees which channels can wake it and which it must skim itself.
  return hub.channels.subscriptionLevels(as).map(({ channel: name, notify }) => {
    const page = hub.channels.messages(name, {
      expand: true,
      limit: DIGEST_RECENT,
      ...(since !== undefined ? { since } : {}),
    });
    return { name, new_count: page.matched, recent: page.rows.map(messageItem), notify };
  });
}
