// Board messages and inbox entries: stored once, copied into inboxes by reference, broadcasts merged at read time.
import type { Db } from './database';
import { runList, type ListPage, type ListParams, type ListSpec } from '../list-query';

export interface MessageRow {
  seq: number;
  filename: string;
  agent: string;
  ts: number;
  type: string;
  via: string;
  channel: string | null;
  reply_to: string | null;
  thread: string | null;
  broadcast: number;
  source_sha256: string | null;
  frontmatter: string;
  body: string;
}

export type InboxReason = 'mention' | 'ref' | 'reply';

const COLUMNS = { agent: 'agent', type: 'type', via: 'via', channel: 'channel', thread: 'thread' } as const;

const LIST: ListSpec = { from: 'messages', key: 'filename', ts: 'ts', columns: COLUMNS, search: ['body', 'filename'] };

/**
 * Inbox and update streams are a union of indexed sets (broadcasts, inbox copies, channels), written as one IN over a
 * UNION so SQLite looks each name up by index; an OR of the three made every count a scan of the whole board (500
 * woken waiters re-counting 37k messages took seconds).
 */
const BROADCASTS = 'SELECT filename FROM messages WHERE broadcast = 1';

/** The handle's /v1/updates stream as a condition on messages: its inbox, every broadcast, and `channels`. */
function updatesWhere(handle: string, channels: readonly string[]): { sql: string; args: unknown[] } {
  const inChannels =
    channels.length > 0
      ? ` UNION SELECT filename FROM messages WHERE channel IN (${channels.map(() => '?').join(',')})`
      : '';
  return {
    sql: `filename IN (${BROADCASTS} UNION SELECT filename FROM inbox WHERE handle = ?${inChannels})`,
    args: [handle, ...channels],
  };
}

export class MessageStore {
  private readonly insertRow;
  private readonly insertInbox;
  private readonly byName;
  private readonly isDelivered;
  private readonly recipients;

  constructor(private readonly db: Db) {
    this.insertRow = db.prepare(
      `INSERT INTO messages (filename, agent, ts, type, via, channel, reply_to, thread, broadcast, source_sha256, frontmatter, body)
       VALUES (@filename, @agent, @ts, @type, @via, @channel, @reply_to, @thread, @broadcast, @source_sha256, @frontmatter, @body)`,
    );
    this.insertInbox = db.prepare('INSERT OR IGNORE INTO inbox (handle, filename, reason) VALUES (?, ?, ?)');
    this.byName = db.prepare('SELECT * FROM messages WHERE filename = ?');
    this.isDelivered = db.prepare('SELECT 1 FROM inbox WHERE handle = ? AND filename = ?');
    this.recipients = db.prepare('SELECT handle FROM inbox WHERE filename = ?').pluck();
  }

  get(filename: string): MessageRow | undefined {
    return this.byName.get(filename) as MessageRow | undefined;
  }

  filenameOfSource(sha256: string): string | undefined {
    return (
      this.db.prepare('SELECT filename FROM messages WHERE source_sha256 = ?').get(sha256) as
        { filename: string } | undefined
    )?.filename;
  }

  insert(row: Omit<MessageRow, 'seq'>): void {
    this.insertRow.run(row);
  }

  deliver(handle: string, filename: string, reason: InboxReason): void {
    this.insertInbox.run(handle, filename, reason);
  }

  /** Whether the message was copied into the handle's inbox (a primary-key lookup: the long-poll asks per waiter). */
  /** The handles a message was copied to (by the inbox_filename index). */
  recipientsOf(filename: string): string[] {
    return this.recipients.all(filename) as string[];
  }

  delivered(handle: string, filename: string): boolean {
    return this.isDelivered.get(handle, filename) !== undefined;
  }

  /**
   * A page of messages. Without `channel` it is the general board, as in the public collab (channel messages are
   * read through /v1/channels); `channel=` names channels ("none" the board), and "*" is every message. A thread
   * lives in one channel, so `thread=` alone lists it wherever it is.
   */
  list(params: ListParams): ListPage<MessageRow> {
    if (params.channel === '*') {
      const { channel: _every, ...rest } = params;
      return runList<MessageRow>(this.db, LIST, rest);
    }
    if (params.channel === undefined && params.thread === undefined)
      return runList<MessageRow>(this.db, { ...LIST, where: { sql: 'channel IS NULL', args: [] } }, params);
    return runList<MessageRow>(this.db, LIST, params);
  }

  /** An inbox: messages copied to the handle plus every broadcast. */
  inbox(handle: string, params: ListParams): ListPage<MessageRow> {
    return runList<MessageRow>(
      this.db,
      {
        ...LIST,
        where: { sql: `filename IN (${BROADCASTS} UNION SELECT filename FROM inbox WHERE handle = ?)`, args: [handle] },
      },
      params,
    );
  }

  /** What GET /v1/updates follows: the handle's inbox (broadcasts merged) plus every message of `channels`. */
  updates(handle: string, channels: readonly string[], params: ListParams): ListPage<MessageRow> {
    return runList<MessageRow>(this.db, { ...LIST, where: updatesWhere(handle, channels) }, params);
  }

  /** How many messages of that stream lie after the filename cursor (all of them without one): the digest's unread. */
  countUpdates(handle: string, channels: readonly string[], after: string | undefined): number {
    const where = updatesWhere(handle, channels);
    const sql = `SELECT COUNT(*) AS n FROM messages WHERE ${where.sql}${after === undefined ? '' : ' AND filename > ?'}`;
    const args = after === undefined ? where.args : [...where.args, after];
    return (this.db.prepare(sql).get(...args) as { n: number }).n;
  }

  /** The board's newest messages (channel messages reach their readers through the digest's channels block). */
  recent(limit: number, sinceMs?: number): MessageRow[] {
    return this.db
      .prepare(
        `SELECT * FROM messages WHERE channel IS NULL ${sinceMs !== undefined ? 'AND ts >= ?' : ''} ORDER BY filename DESC LIMIT ?`,
      )
      .all(...(sinceMs !== undefined ? [sinceMs, limit] : [limit])) as MessageRow[];
  }

  countBy(agent: string): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM messages WHERE agent = ?').get(agent) as { n: number }).n;
  }
}
