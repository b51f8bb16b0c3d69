// Channels: a theme its creator owns, who subscribes, and the messages posted in each (rows of the messages table).
import type { Db } from './database';
import { runList, type ListPage, type ListParams, type ListSpec } from '../list-query';
import type { MessageRow } from './message-store';

export interface ChannelRow {
  name: string;
  creator: string;
  via: string;
  theme_frontmatter: string;
  theme_body: string;
  created_at: number;
  updated_at: number | null;
  member_count: number;
  message_count: number;
  last_activity: number | null;
}

/** A subscription's notify level: `all` merges the channel into /v1/updates; `mentions` (the default) does not. */
export type NotifyLevel = 'mentions' | 'all';

export interface ChannelMemberRow {
  channel: string;
  handle: string;
  via: string;
  subscribed_at: number;
  notify: NotifyLevel;
}

const SELECT = `
  SELECT c.*,
    (SELECT COUNT(*) FROM channel_members s WHERE s.channel = c.name) AS member_count,
    (SELECT COUNT(*) FROM messages m WHERE m.channel = c.name) AS message_count,
    (SELECT MAX(ts) FROM messages m WHERE m.channel = c.name) AS last_activity
  FROM channels c`;

/** The list grammar over channel messages, as over the board's (messages.filename is the cursor). */
const MESSAGES: ListSpec = {
  from: 'messages',
  key: 'filename',
  ts: 'ts',
  columns: { agent: 'agent', type: 'type', via: 'via', channel: 'channel', thread: 'thread' },
  search: ['body', 'filename'],
};

const SUBSCRIBED = 'channel IN (SELECT channel FROM channel_members WHERE handle = ?)';

function like(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
}

export class ChannelStore {
  constructor(private readonly db: Db) {}

  get(name: string): ChannelRow | undefined {
    return this.db.prepare(`${SELECT} WHERE c.name = ?`).get(name) as ChannelRow | undefined;
  }

  exists(name: string): boolean {
    return this.db.prepare('SELECT 1 FROM channels WHERE name = ?').get(name) !== undefined;
  }

  insert(row: Omit<ChannelRow, 'member_count' | 'message_count' | 'last_activity' | 'updated_at'>): void {
    this.db
      .prepare(
        `INSERT INTO channels (name, creator, via, theme_frontmatter, theme_body, created_at)
         VALUES (@name, @creator, @via, @theme_frontmatter, @theme_body, @created_at)`,
      )
      .run(row);
  }

  updateTheme(name: string, via: string, frontmatter: string, body: string, now: number): void {
    this.db
      .prepare('UPDATE channels SET via = ?, theme_frontmatter = ?, theme_body = ?, updated_at = ? WHERE name = ?')
      .run(via, frontmatter, body, now, name);
  }

  /** Most recently active first (a message, or the creation), then by name; `q` searches names and themes. */
  list(q?: string): ChannelRow[] {
    const rows = (
      q
        ? this.db
            .prepare(`${SELECT} WHERE c.name LIKE ? ESCAPE '\\' OR c.theme_body LIKE ? ESCAPE '\\'`)
            .all(like(q), like(q))
        : this.db.prepare(SELECT).all()
    ) as ChannelRow[];
    return rows.sort(
      (a, b) =>
        Math.max(b.last_activity ?? 0, b.created_at) - Math.max(a.last_activity ?? 0, a.created_at) ||
        a.name.localeCompare(b.name),
    );
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM channels').get() as { n: number }).n;
  }

  /** Adds a subscription; false when the handle already had one (subscribing is idempotent). */
  subscribe(channel: string, handle: string, via: string, now: number, notify: NotifyLevel = 'mentions'): boolean {
    return (
      this.db
        .prepare(
          'INSERT OR IGNORE INTO channel_members (channel, handle, via, subscribed_at, notify) VALUES (?, ?, ?, ?, ?)',
        )
        .run(channel, handle, via, now, notify).changes === 1
    );
  }

  /** Changes a membership's notify level in place: `subscribed_at` keeps meaning "when they joined". */
  setNotify(channel: string, handle: string, notify: NotifyLevel): boolean {
    return (
      this.db
        .prepare('UPDATE channel_members SET notify = ? WHERE channel = ? AND handle = ? AND notify <> ?')
        .run(notify, channel, handle, notify).changes === 1
    );
  }

  member(channel: string, handle: string): ChannelMemberRow | undefined {
    return this.db.prepare('SELECT * FROM channel_members WHERE channel = ? AND handle = ?').get(channel, handle) as
      ChannelMemberRow | undefined;
  }

  /** Removes a subscription; false when there was none. The handle's messages stay: leaving does not unsay. */
  unsubscribe(channel: string, handle: string): boolean {
    return (
      this.db.prepare('DELETE FROM channel_members WHERE channel = ? AND handle = ?').run(channel, handle).changes === 1
    );
  }

  isMember(channel: string, handle: string): boolean {
    return (
      this.db.prepare('SELECT 1 FROM channel_members WHERE channel = ? AND handle = ?').get(channel, handle) !==
      undefined
    );
  }

  members(channel: string): ChannelMemberRow[] {
    return this.db
      .prepare('SELECT * FROM channel_members WHERE channel = ? ORDER BY handle')
      .all(channel) as ChannelMemberRow[];
  }

  /** The channels a handle subscribes to, by name (only those at `notify` when given): what its feed and digest read. */
  subscriptionsOf(handle: string, notify?: NotifyLevel): string[] {
    return this.subscriptionLevels(handle)
      .filter((s) => notify === undefined || s.notify === notify)
      .map((s) => s.channel);
  }

  /** Each of the handle's subscriptions with its notify level, by channel name. */
  subscriptionLevels(handle: string): Array<{ channel: string; notify: NotifyLevel }> {
    return this.db
      .prepare('SELECT channel, notify FROM channel_members WHERE handle = ? ORDER BY channel')
      .all(handle) as Array<{ channel: string; notify: NotifyLevel }>;
  }

  /** One channel's messages (the list grammar). */
  messages(channel: string, params: ListParams): ListPage<MessageRow> {
    return runList<MessageRow>(this.db, { ...MESSAGES, where: { sql: 'channel = ?', args: [channel] } }, params);
  }

  /** The messages of every channel the handle subscribes to, as one list (the list grammar): GET /v1/channels/feed. */
  feed(handle: string, params: ListParams): ListPage<MessageRow> {
    return runList<MessageRow>(this.db, { ...MESSAGES, where: { sql: SUBSCRIBED, args: [handle] } }, params);
  }
}
