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

export class MessageStore {
  private readonly insertRow;
  private readonly insertInbox;
  private readonly byName;

  constructor(private readonly db: Db) {
    this.insertRow = db.prepare(
      `INSERT INTO messages (filename, agent, ts, type, via, channel, reply_to, thread, broadcast, source_sha256, frontmatter, body)
       VALUES (@filename, @agent, @ts, @type, @via, @channel, @reply_to, @thread, @broadcast, @source_sha256, @frontmatter, @body)`,
    );
    this.insertInbox = db.prepare('INSERT OR IGNORE INTO inbox (handle, filename, reason) VALUES (?, ?, ?)');
    this.byName = db.prepare('SELECT * FROM messages WHERE filename = ?');
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

  list(params: ListParams): ListPage<MessageRow> {
    return runList<MessageRow>(this.db, LIST, params);
  }

  /** An inbox: messages copied to the handle plus every broadcast. */
  inbox(handle: string, params: ListParams): ListPage<MessageRow> {
    return runList<MessageRow>(
      this.db,
      {
        ...LIST,
        where: { sql: '(broadcast = 1 OR filename IN (SELECT filename FROM inbox WHERE handle = ?))', args: [handle] },
      },
      params,
    );
  }

  recent(limit: number, sinceMs?: number): MessageRow[] {
    return this.db
      .prepare(`SELECT * FROM messages ${sinceMs !== undefined ? 'WHERE ts >= ?' : ''} ORDER BY filename DESC LIMIT ?`)
      .all(...(sinceMs !== undefined ? [sinceMs, limit] : [limit])) as MessageRow[];
  }

  /** Distinct authors who posted in a channel, for a taskforce's contributor list. */
  channelAuthors(channel: string): string[] {
    return (
      this.db.prepare('SELECT DISTINCT agent FROM messages WHERE channel = ? ORDER BY agent').all(channel) as Array<{
        agent: string;
      }>
    ).map((r) => r.agent);
  }

  countBy(agent: string): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM messages WHERE agent = ?').get(agent) as { n: number }).n;
  }
}
