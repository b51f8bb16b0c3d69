// The personal digest's inbox and unread counts come from index ranges (no scan of the board) and count what they did.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/hub/store/database';
import { MessageStore } from '../../src/hub/store/message-store';
import { MIGRATIONS } from '../../src/hub/store/migrations';
import { withHub } from '../helpers/with-hub';

const hub = withHub();
const tokens: Record<string, string> = {};
const token = (agent: string): string => tokens[agent]!;
/** Every SQL text the hub's record prepared while serving a digest: the queries the digest really runs. */
const prepared: string[] = [];
let recording = false;
const posted: string[] = [];

const post = async (token: string, body: Record<string, unknown>): Promise<string> => {
  const res = await hub.call('POST', '/v1/messages', { token, body });
  if (res.status !== 201) throw new Error(`post: ${res.status} ${res.text}`);
  posted.push(res.body.filename);
  return res.body.filename as string;
};

/**
 * What an inbox held before inbox copies carried their stamp, as one query over the board: the copies plus every
 * broadcast, optionally from a stamp on. The digest must count and list exactly this.
 */
function referenceInbox(db: Database, handle: string, sinceMs?: number): string[] {
  return db
    .prepare(
      `SELECT filename FROM messages
         WHERE filename IN (SELECT filename FROM messages WHERE broadcast = 1 UNION SELECT filename FROM inbox WHERE handle = ?)
         ${sinceMs === undefined ? '' : 'AND ts >= ?'} ORDER BY filename DESC`,
    )
    .pluck()
    .all(...(sinceMs === undefined ? [handle] : [handle, sinceMs])) as string[];
}

/** The /v1/updates stream as it was counted before: inbox, broadcasts and the channels followed at level `all`. */
function referenceUpdates(db: Database, handle: string, channels: string[], after?: string): string[] {
  const inChannels = channels.length
    ? ` UNION SELECT filename FROM messages WHERE channel IN (${channels.map(() => '?')})`
    : '';
  return db
    .prepare(
      `SELECT filename FROM messages
       WHERE filename IN (SELECT filename FROM messages WHERE broadcast = 1 UNION SELECT filename FROM inbox WHERE handle = ?${inChannels})
       ${after === undefined ? '' : 'AND filename > ?'} ORDER BY filename DESC`,
    )
    .pluck()
    .all(handle, ...channels, ...(after === undefined ? [] : [after])) as string[];
}

/** GET /v1/digest (the hub runs in this process, so what it prepares meanwhile is the digest's). */
async function digest(query: string) {
  recording = true;
  try {
    return await hub.call('GET', `/v1/digest?${query}`);
  } finally {
    recording = false;
  }
}

/** The plan lines SQLite gives for `sql` (any bound values do: a plan does not depend on them). */
function planOf(db: Database, sql: string): string[] {
  const params = (sql.match(/\?/g) ?? []).map(() => 1);
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail);
}

beforeAll(async () => {
  const db = hub.running.hub.db;
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    if (recording) prepared.push(sql);
    return prepare(sql);
  }) as typeof db.prepare;

  for (const agent of ['ana', 'bo', 'cy', 'dee']) tokens[agent] = await hub.register(agent);
  await hub.call('POST', '/v1/channels', { token: token('ana'), body: { name: 'depth', body: 'Draft depth.' } });
  // cy follows the channel at level `all`: its whole traffic joins cy's /v1/updates stream.
  await hub.call('PUT', '/v1/scratch/cy/marker.md', { token: token('cy'), raw: 'following' });
  const sub = await hub.call('POST', '/v1/channels/depth/subscribe', {
    token: token('cy'),
    body: { source: 'marker.md', notify: 'all' },
  });
  expect(sub.body).toMatchObject({ subscribed: true, notify: 'all' });

  // Enough of each kind that a digest page (10) holds only the newest: mentions, replies, refs, self-mentions,
  // broadcasts (which mention someone too), and channel posts that mention a follower of the channel.
  for (let i = 0; i < 6; i++) {
    const asked = await post(token('ana'), { body: `round ${i}: @bo can you rerun K=${i}? @ana keeps a note` });
    await post(token('bo'), { body: `rerun ${i} done`, reply_to: asked });
    await post(token('cy'), { body: `building on ana's round ${i}`, refs: [asked] });
    await post(token('dee'), { body: `@cy @dee in depth, round ${i}`, channel: 'depth' });
    if (i % 2 === 0) await post(hub.organizerToken, { body: `rule ${i}: @bo medians of 5`, broadcast: true });
  }
}, 60_000);

describe("the personal digest's inbox", () => {
  it('counts and lists what the board query counted: mentions, replies, refs, broadcasts, never your own posts', async () => {
    const db = hub.running.hub.db;
    const since = posted[Math.floor(posted.length / 2)]!.slice(0, 19); // a file stamp: YYYYMMDD-HHMMSS-mmm
    const sinceMs = Date.UTC(
      +since.slice(0, 4),
      +since.slice(4, 6) - 1,
      +since.slice(6, 8),
      +since.slice(9, 11),
      +since.slice(11, 13),
      +since.slice(13, 15),
      +since.slice(16, 19),
    );
    for (const handle of ['ana', 'bo', 'cy', 'dee', 'human-organizer']) {
      for (const bound of [undefined, since]) {
        const res = await digest(`as=${handle}${bound === undefined ? '' : `&since=${bound}`}`);
        expect(res.status).toBe(200);
        const expected = referenceInbox(db, handle, bound === undefined ? undefined : sinceMs);
        expect(res.body.inbox.count, `${handle} since ${bound}`).toBe(expected.length);
        expect(res.body.inbox.items.map((m: { filename: string }) => m.filename)).toEqual(expected.slice(0, 10));
      }
    }
    // What those counts are, as a reader of the digest sees them.
    const bo = (await digest('as=bo')).body;
    expect(bo.inbox.count).toBe(6 + 3); // six mentions; three broadcasts, each once though each mentions bo
    expect(bo.inbox.items.every((m: { frontmatter: { agent: string } }) => m.frontmatter.agent !== 'bo')).toBe(true);
    const ana = (await digest('as=ana')).body;
    expect(ana.inbox.count).toBe(6 + 6 + 3); // six replies, six refs to her posts, three broadcasts; not her own @ana
    const dee = (await digest('as=dee')).body;
    expect(dee.inbox.count).toBe(3); // only broadcasts: mentioning oneself copies nothing
  });

  it("counts the /v1/updates stream as before, a followed channel's mention of you once", async () => {
    const db = hub.running.hub.db;
    const middle = posted[Math.floor(posted.length / 2)]!;
    for (const [handle, channels] of [
      ['cy', ['depth']],
      ['bo', []],
      ['ana', []],
    ] as const) {
      for (const after of [undefined, middle]) {
        const res = await digest(`as=${handle}${after === undefined ? '' : `&after=${after}`}`);
        const expected = referenceUpdates(db, handle, [...channels], after);
        expect(res.body.updates.unread, `${handle} after ${after}`).toBe(expected.length);
        expect(res.body.updates.newest).toBe(referenceUpdates(db, handle, [...channels])[0]);
      }
    }
    // cy: six channel posts that also copied into cy's inbox (mentions), three broadcasts, and the channel's other
    // traffic (none here besides those six): each message once.
    expect((await digest('as=cy')).body.updates.unread).toBe(6 + 3);
  });

  it('pages GET /v1/inbox by cursor in either order exactly as the board query does', async () => {
    const db = hub.running.hub.db;
    const all = referenceInbox(db, 'ana');
    for (const order of ['desc', 'asc'] as const) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const key: string = order === 'desc' ? 'before' : 'after';
        const res: { body: { items: { filename: string }[]; next: string | null } } = await hub.call(
          'GET',
          `/v1/inbox/ana?expand=true&limit=4&order=${order}${cursor === null ? '' : `&${key}=${cursor}`}`,
        );
        expect(res.body).toMatchObject({ count: all.length, matched: all.length });
        seen.push(...res.body.items.map((m) => m.filename));
        cursor = res.body.next;
      } while (cursor !== null);
      expect(seen).toEqual(order === 'desc' ? all : [...all].reverse());
    }
    // A filter on the message itself still answers (by the general list query), and agrees.
    const byCy = await hub.call('GET', '/v1/inbox/ana?agent=cy&limit=50');
    expect(byCy.body.matched).toBe(6);
  });

  it('reads the inbox and the unread count from indexes: no query of the digest scans the board', async () => {
    // Each shape the digest takes: with and without a stamp bound and a cursor, with and without followed channels.
    for (const query of ['as=bo', 'as=bo&since=20200101-000000', 'as=cy&after=20200101-000000-000_x.md', 'as=cy'])
      expect((await digest(query)).status).toBe(200);
    const db = hub.running.hub.db;
    const digestQueries = [...new Set(prepared)].filter((sql) => /\binbox\b/.test(sql) && /^\s*SELECT/.test(sql));
    // The inbox page and counts, with and without a stamp bound, and the unread count and newest of /v1/updates.
    expect(digestQueries.some((sql) => sql.includes('COUNT(*) FROM inbox WHERE handle = ? AND ts >= ?'))).toBe(true);
    expect(digestQueries.some((sql) => sql.includes('MAX(filename)'))).toBe(true);
    expect(digestQueries.length).toBeGreaterThanOrEqual(5);
    for (const sql of digestQueries) {
      const plan = planOf(db, sql);
      const why = `${sql}\n${plan.join('\n')}`;
      const reads = plan.filter((line) => /^(SCAN|SEARCH) (messages|inbox)\b/.test(line));
      expect(reads.length, why).toBeGreaterThan(0);
      for (const line of reads) {
        if (line.startsWith('SCAN messages')) {
          // Messages are found by name or channel; the one walk allowed is of the broadcasts' own partial index.
          expect(line, why).toMatch(/INDEX messages_broadcast$/);
        } else if (line.startsWith('SEARCH messages')) {
          expect(line, why).toMatch(/USING (COVERING )?INDEX (\S+ \(|messages_broadcast$)/);
          // A count or a newest reads index ranges only: no message row is looked up per inbox copy.
          if (/COUNT\(|MAX\(/.test(sql)) expect(line, why).toMatch(/INDEX (messages_broadcast|messages_channel)\b/);
        } else {
          // The copies are read by their handle, never walked for every handle.
          expect(line, why).toMatch(/^SEARCH inbox USING (PRIMARY KEY|(COVERING )?INDEX \S+) \(handle=\?/);
        }
      }
      // A page (newest first, as the digest asks) stops at its limit: nothing is sorted, so no inbox is read whole.
      expect(plan, why).not.toContain('USE TEMP B-TREE FOR ORDER BY');
    }
  });
});

describe("the digest's channel list", () => {
  it("reads each channel's last activity from an index, not from every message of the channel", async () => {
    const res = await digest('');
    expect(res.body.channels.channels).toContainEqual(expect.objectContaining({ name: 'depth', message_count: 6 }));
    const db = hub.running.hub.db;
    const lastActivity = [...new Set(prepared)].filter((sql) => sql.includes('MAX(ts) FROM messages'));
    expect(lastActivity.length).toBeGreaterThan(0);
    for (const sql of lastActivity) {
      const plan = planOf(db, sql).filter((line) => /^(SCAN|SEARCH) m\b/.test(line));
      expect(plan.length, sql).toBeGreaterThan(0);
      for (const line of plan)
        expect(line, sql).toMatch(/^SEARCH m USING COVERING INDEX messages_channel_ts \(channel=\?\)$/);
    }
  });
});

describe('an upgraded record', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("gives the inbox copies of an older record their message's stamp, and counts them the same", () => {
    const dir = mkdtempSync(join(tmpdir(), 'collab-desk-inbox-'));
    dirs.push(dir);
    const file = join(dir, 'hub.db');
    const old = openDatabase(
      file,
      MIGRATIONS.filter((m) => m.version <= 9),
    );
    const message = old.prepare(
      `INSERT INTO messages (filename, agent, ts, type, via, broadcast, frontmatter, body)
       VALUES (?, ?, ?, 'agent', 'raw', ?, '{}', 'text')`,
    );
    const copy = old.prepare('INSERT INTO inbox (handle, filename, reason) VALUES (?, ?, ?)');
    for (let i = 0; i < 30; i++) {
      const filename = `20260301-1200${String(i).padStart(2, '0')}-000_ana.md`;
      message.run(filename, 'ana', Date.UTC(2026, 2, 1, 12, 0, i), i % 10 === 0 ? 1 : 0);
      if (i % 10 !== 0) copy.run(i % 2 ? 'bo' : 'cy', filename, 'mention');
    }
    const before = ['bo', 'cy'].map((h) => referenceInbox(old, h, Date.UTC(2026, 2, 1, 12, 0, 15)));
    old.close();

    const db = openDatabase(file);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)!.version);
    expect(
      db.prepare('SELECT COUNT(*) FROM inbox i JOIN messages m USING (filename) WHERE i.ts = m.ts').pluck().get(),
    ).toBe(27);
    const store = new MessageStore(db);
    for (const [i, handle] of ['bo', 'cy'].entries()) {
      const page = store.inbox(handle, { since: '20260301-120015', limit: 100 });
      expect(page.matched).toBe(before[i]!.length);
      expect(page.rows.map((r) => r.filename)).toEqual(before[i]);
    }
    db.close();
  });
});
