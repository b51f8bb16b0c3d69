// Board messages and inbox entries: stored once, copied into inboxes by reference, broadcasts merged at read time.
import type { Statement } from 'better-sqlite3';
import type { Db } from './database';
import { pageOrder, pageSize, runList, type ListPage, type ListParams, type ListSpec } from '../list-query';
import { parseTime } from '../time-filter';

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

/**
 * List-grammar filters that read a message's own columns: an inbox page with any of them is answered by the general
 * list query. Without them (what the digest and most inbox reads ask) the inbox is answered from indexes alone.
 */
const BOARD_FILTERS = [
  'agent',
  'type',
  'via',
  'status',
  'verification',
  'channel',
  'thread',
  'model',
  'harness',
  'hf_user',
  'q',
] as const satisfies readonly (keyof ListParams)[];

/** Stamp bounds (ms) and filename cursors, applied alike to every arm of a union. */
interface Bounds {
  since?: number;
  until?: number;
  after?: string;
  before?: string;
}

interface Query {
  sql: string;
  args: unknown[];
}

/** One index range of a stream: `FROM <table> WHERE <conditions>`, to select names from or to count. */
interface Arm {
  from: string;
  args: unknown[];
}

/**
 * `base` (a FROM ... WHERE clause) narrowed to the bounds; every table it is used on has `ts` and `filename`.
 * `inNameOrder` keeps the stamp bounds off indexes (`+ts`), so a newest-first page walks the names in order and stops
 * at its limit instead of sorting every copy since the stamp.
 */
function bounded(base: string, args: unknown[], bounds: Bounds, inNameOrder = false): Arm {
  const conds = [base];
  const all = [...args];
  const add = (cond: string, value: unknown) => {
    conds.push(cond);
    all.push(value);
  };
  const ts = inNameOrder ? '+ts' : 'ts';
  if (bounds.since !== undefined) add(`${ts} >= ?`, bounds.since);
  if (bounds.until !== undefined) add(`${ts} <= ?`, bounds.until);
  if (bounds.after !== undefined) add('filename > ?', bounds.after);
  if (bounds.before !== undefined) add('filename < ?', bounds.before);
  return { from: conds.join(' AND '), args: all };
}

/**
 * An inbox as two index ranges: the handle's copies (the inbox's primary key, or its (handle, ts) index under a
 * stamp bound) and the broadcasts (their partial index; under a stamp bound, the broadcasts' own rows). No other
 * message is read, so counting an inbox costs its size, not the board's.
 */
function inboxArms(handle: string, bounds: Bounds, inNameOrder = false): Arm[] {
  return [
    bounded('inbox WHERE handle = ?', [handle], bounds, inNameOrder),
    bounded('messages WHERE broadcast = 1', [], bounds, inNameOrder),
  ];
}

/** The /v1/updates stream as index ranges: the inbox's two, and each followed channel's (by messages_channel). */
function updatesArms(handle: string, channels: readonly string[], bounds: Bounds): Arm[] {
  return [
    ...inboxArms(handle, bounds),
    ...channels.map((channel) => bounded('messages WHERE channel = ?', [channel], bounds)),
  ];
}

/**
 * How many names the arms hold together. A broadcast is never copied into an inbox (it reaches every inbox at read
 * time), so an inbox's two arms are disjoint and their counts add up; a followed channel's message may also be an
 * inbox copy (a mention in it), so once channels join, the names are merged (UNION) and each is counted once.
 */
function countOf(arms: Arm[], disjoint: boolean): Query {
  const args = arms.flatMap((a) => a.args);
  if (disjoint) return { sql: `SELECT ${arms.map((a) => `(SELECT COUNT(*) FROM ${a.from})`).join(' + ')} AS n`, args };
  return {
    sql: `SELECT COUNT(*) AS n FROM (${arms.map((a) => `SELECT filename FROM ${a.from}`).join(' UNION ')})`,
    args,
  };
}

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
  /** The few SQL shapes the indexed inbox and updates queries take, each prepared once. */
  private readonly statements = new Map<string, Statement<unknown[]>>();

  constructor(private readonly db: Db) {
    this.insertRow = db.prepare(
      `INSERT INTO messages (filename, agent, ts, type, via, channel, reply_to, thread, broadcast, source_sha256, frontmatter, body)
       VALUES (@filename, @agent, @ts, @type, @via, @channel, @reply_to, @thread, @broadcast, @source_sha256, @frontmatter, @body)`,
    );
    this.insertInbox = db.prepare('INSERT OR IGNORE INTO inbox (handle, filename, reason, ts) VALUES (?, ?, ?, ?)');
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

  /** Copies the message into the handle's inbox; the copy carries the message's stamp, so inbox bounds need no lookup. */
  deliver(handle: string, message: Pick<MessageRow, 'filename' | 'ts'>, reason: InboxReason): void {
    this.insertInbox.run(handle, message.filename, reason, message.ts);
  }

  /** The handles a message was copied to (by the inbox_filename index). */
  recipientsOf(filename: string): string[] {
    return this.recipients.all(filename) as string[];
  }

  /** Whether the message was copied into the handle's inbox (a primary-key lookup: the long-poll asks per waiter). */
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
    // Any filter given, even an empty one (which the general query refuses in words), goes the general way.
    if (!BOARD_FILTERS.some((f) => params[f] !== undefined)) return this.inboxByIndex(handle, params);
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
    return this.count(
      countOf(updatesArms(handle, channels, after === undefined ? {} : { after }), channels.length === 0),
    );
  }

  /** The newest filename of that stream (null when it is empty): each arm's last index entry, the largest of them. */
  newestUpdate(handle: string, channels: readonly string[]): string | null {
    const arms = updatesArms(handle, channels, {});
    const sql = `SELECT MAX(newest) AS newest FROM (${arms.map((a) => `SELECT MAX(filename) AS newest FROM ${a.from}`).join(' UNION ALL ')})`;
    return (this.statement(sql).get(...arms.flatMap((a) => a.args)) as { newest: string | null }).newest;
  }

  /**
   * The inbox under stamp bounds, cursors and paging only, from indexes: the two arms' counts added, and a page
   * taken as each arm's first `limit + 1` names (in page order) merged, so no more than that many messages are read.
   * The same page and counts as the general list query (the inbox tests compare them).
   */
  private inboxByIndex(handle: string, params: ListParams): ListPage<MessageRow> {
    const stamps: Bounds = {};
    if (params.since !== undefined) stamps.since = parseTime(params.since, 'since');
    if (params.until !== undefined) stamps.until = parseTime(params.until, 'until');
    const count = this.count(countOf(inboxArms(handle, {}), true));
    const matched =
      stamps.since === undefined && stamps.until === undefined
        ? count
        : this.count(countOf(inboxArms(handle, stamps), true));
    const cursors: Bounds = { ...stamps };
    if (params.after !== undefined) cursors.after = params.after;
    if (params.before !== undefined) cursors.before = params.before;
    const dir = pageOrder(params.order, 'desc') === 'desc' ? 'DESC' : 'ASC';
    const limit = pageSize(params);
    const take = limit === null ? -1 : limit + 1;
    // Newest first (the digest's page), the copies' names are walked down from the newest; oldest first from a
    // stamp, the (handle, ts) index finds where to start.
    const arms = inboxArms(handle, cursors, dir === 'DESC');
    const sql =
      `SELECT * FROM messages WHERE filename IN (` +
      arms
        .map((a) => `SELECT filename FROM (SELECT filename FROM ${a.from} ORDER BY filename ${dir} LIMIT ?)`)
        // IN reads its list as a set: UNION ALL, as a name in both arms needs no merge (nor the sort a merge takes).
        .join(' UNION ALL ') +
      `) ORDER BY filename ${dir} LIMIT ?`;
    const rows = this.statement(sql).all(...arms.flatMap((a) => [...a.args, take]), take) as MessageRow[];
    const more = limit !== null && rows.length > limit;
    if (more) rows.pop();
    return { count, matched, rows, next: more ? rows.at(-1)!.filename : null };
  }

  private count(query: Query): number {
    return (this.statement(query.sql).get(...query.args) as { n: number }).n;
  }

  private statement(sql: string): Statement<unknown[]> {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      // One shape per number of followed channels, and a handful more: the cap only guards a pathological record.
      if (this.statements.size > 500) this.statements.clear();
      this.statements.set(sql, (stmt = this.db.prepare<unknown[]>(sql)));
    }
    return stmt;
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
