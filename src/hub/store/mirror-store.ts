// The public collabs this hub mirrors, in the record: the MirrorRecord seam the mirror service keeps its copy in, apart from the hub's own records.
import type { MirrorCollabRow, MirrorKind, MirrorRecord, MirrorRecordRow } from '../../shared/mirror-api';
import { HubError } from '../hub-error';
import type { Db } from './database';

interface StoredCollab extends Omit<MirrorCollabRow, 'cursors' | 'leaderboard'> {
  cursors: string;
  leaderboard: string | null;
  evicted: number;
}

interface StoredRecord {
  kind: MirrorKind;
  filename: string;
  frontmatter: string;
  body: string;
  verification: string | null;
  bytes: number;
}

const fromCollab = (row: StoredCollab): MirrorCollabRow => ({
  collab: row.collab,
  api_url: row.api_url,
  title: row.title,
  central: row.central,
  docs: row.docs,
  score_field: row.score_field,
  score_order: row.score_order,
  followed_at: row.followed_at,
  cursors: JSON.parse(row.cursors) as MirrorCollabRow['cursors'],
  caught_up_at: row.caught_up_at,
  checked_at: row.checked_at,
  error: row.error,
  leaderboard: row.leaderboard === null ? null : (JSON.parse(row.leaderboard) as Record<string, unknown>),
  readme: row.readme,
  budget_bytes: row.budget_bytes,
});

const fromRecord = (row: StoredRecord): MirrorRecordRow => ({
  kind: row.kind,
  filename: row.filename,
  frontmatter: JSON.parse(row.frontmatter) as Record<string, unknown>,
  body: row.body,
  verification: row.verification,
});

/**
 * The mirror writes here directly, not through the hub's group-committed write path (as the outbox does): a page of
 * upstream records and its cursor are one transaction of their own, and nothing here is the hub's news.
 */
export class MirrorStore implements MirrorRecord {
  private readonly statements;
  /** Moves with every write: the digest's cached copy of the public block is rebuilt when it does. */
  version = 0;

  constructor(private readonly db: Db) {
    this.statements = {
      follow: db.prepare(
        `INSERT INTO mirror_collabs (collab, api_url, title, central, docs, score_field, score_order, followed_at,
                                     cursors, caught_up_at, checked_at, error, leaderboard, readme, budget_bytes)
         VALUES (@collab, @api_url, @title, @central, @docs, @score_field, @score_order, @followed_at,
                 @cursors, @caught_up_at, @checked_at, @error, @leaderboard, @readme, @budget_bytes)
         ON CONFLICT (collab) DO UPDATE SET api_url = excluded.api_url, title = excluded.title,
           central = excluded.central, docs = excluded.docs,
           score_field = excluded.score_field, score_order = excluded.score_order, budget_bytes = excluded.budget_bytes`,
      ),
      dropRecords: db.prepare('DELETE FROM mirror_records WHERE collab = ?'),
      dropCollab: db.prepare('DELETE FROM mirror_collabs WHERE collab = ?'),
      one: db.prepare('SELECT * FROM mirror_collabs WHERE collab = ?'),
      all: db.prepare('SELECT * FROM mirror_collabs ORDER BY followed_at, collab'),
      upsert: db.prepare(
        `INSERT INTO mirror_records (collab, kind, filename, frontmatter, body, verification, bytes, fetched_at)
         VALUES (@collab, @kind, @filename, @frontmatter, @body, @verification, @bytes, @fetched_at)
         ON CONFLICT (collab, kind, filename) DO UPDATE SET frontmatter = excluded.frontmatter,
           body = excluded.body, verification = excluded.verification, bytes = excluded.bytes,
           fetched_at = excluded.fetched_at`,
      ),
      cursors: db.prepare('SELECT cursors FROM mirror_collabs WHERE collab = ?'),
      setCursors: db.prepare('UPDATE mirror_collabs SET cursors = ? WHERE collab = ?'),
      verify: db.prepare(
        "UPDATE mirror_records SET verification = ? WHERE collab = ? AND kind = 'result' AND filename = ?",
      ),
      newest: db.prepare('SELECT * FROM mirror_records WHERE collab = ? AND kind = ? ORDER BY filename DESC LIMIT ?'),
      newestBefore: db.prepare(
        'SELECT * FROM mirror_records WHERE collab = ? AND kind = ? AND filename < ? ORDER BY filename DESC LIMIT ?',
      ),
      get: db.prepare('SELECT * FROM mirror_records WHERE collab = ? AND kind = ? AND filename = ?'),
      newestOnBoard: db.prepare(
        `SELECT * FROM mirror_records WHERE collab = ? AND kind = 'message'
           AND json_extract(frontmatter, '$.channel') IS NULL ORDER BY filename DESC LIMIT ?`,
      ),
      verdicts: db.prepare("SELECT filename, verification FROM mirror_records WHERE collab = ? AND kind = 'result'"),
      counts: db.prepare(
        'SELECT kind, COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS bytes FROM mirror_records WHERE collab = ? GROUP BY kind',
      ),
      oldestMessages: db.prepare(
        "SELECT filename, bytes FROM mirror_records WHERE collab = ? AND kind = 'message' ORDER BY filename LIMIT 500",
      ),
      dropMessage: db.prepare("DELETE FROM mirror_records WHERE collab = ? AND kind = 'message' AND filename = ?"),
      addEvicted: db.prepare('UPDATE mirror_collabs SET evicted = evicted + ? WHERE collab = ?'),
      evicted: db.prepare('SELECT evicted FROM mirror_collabs WHERE collab = ?'),
    };
  }

  follow(row: MirrorCollabRow): void {
    this.writable();
    this.statements.follow.run({
      ...row,
      cursors: JSON.stringify(row.cursors),
      leaderboard: row.leaderboard === null ? null : JSON.stringify(row.leaderboard),
    });
  }

  unfollow(collab: string): boolean {
    this.writable();
    return this.db.transaction(() => {
      this.statements.dropRecords.run(collab);
      return this.statements.dropCollab.run(collab).changes > 0;
    })();
  }

  collab(collab: string): MirrorCollabRow | null {
    const row = this.statements.one.get(collab) as StoredCollab | undefined;
    return row ? fromCollab(row) : null;
  }

  collabs(): MirrorCollabRow[] {
    return (this.statements.all.all() as StoredCollab[]).map(fromCollab);
  }

  storePage(
    collab: string,
    kind: MirrorKind,
    rows: MirrorRecordRow[],
    cursor: { list: string; filename: string } | null,
    now: number,
  ): void {
    this.writable();
    this.db.transaction(() => {
      const stored = this.statements.cursors.get(collab) as { cursors: string } | undefined;
      // Unfollowed while the page was on its way: nothing of it is kept.
      if (!stored) return;
      for (const r of rows) {
        const frontmatter = JSON.stringify(r.frontmatter);
        this.statements.upsert.run({
          collab,
          kind,
          filename: r.filename,
          frontmatter,
          body: r.body,
          verification: r.verification,
          bytes: Buffer.byteLength(frontmatter) + Buffer.byteLength(r.body) + Buffer.byteLength(r.filename),
          fetched_at: now,
        });
      }
      if (cursor !== null) {
        const cursors = JSON.parse(stored.cursors) as Record<string, string>;
        cursors[cursor.list] = cursor.filename;
        this.statements.setCursors.run(JSON.stringify(cursors), collab);
      }
    })();
  }

  setVerification(collab: string, changes: { filename: string; verification: string | null }[]): void {
    if (changes.length === 0) return;
    this.writable();
    this.db.transaction(() => {
      for (const c of changes) this.statements.verify.run(c.verification, collab, c.filename);
    })();
  }

  markPass(
    collab: string,
    patch: Partial<Pick<MirrorCollabRow, 'caught_up_at' | 'checked_at' | 'error' | 'leaderboard' | 'readme'>>,
  ): void {
    this.writable();
    const sets: string[] = [];
    const values: Record<string, unknown> = { collab };
    for (const key of ['caught_up_at', 'checked_at', 'error', 'leaderboard', 'readme'] as const) {
      if (!(key in patch)) continue;
      const value = patch[key];
      sets.push(`${key} = @${key}`);
      values[key] = key === 'leaderboard' && value !== null && value !== undefined ? JSON.stringify(value) : value;
    }
    if (sets.length === 0) return;
    this.db.prepare(`UPDATE mirror_collabs SET ${sets.join(', ')} WHERE collab = @collab`).run(values);
  }

  /** The newest messages of the collab's board (not of its channels). */
  board(collab: string, limit: number): MirrorRecordRow[] {
    return (this.statements.newestOnBoard.all(collab, limit) as StoredRecord[]).map(fromRecord);
  }

  list(collab: string, kind: MirrorKind, limit: number, before?: string): MirrorRecordRow[] {
    const rows =
      before === undefined
        ? this.statements.newest.all(collab, kind, limit)
        : this.statements.newestBefore.all(collab, kind, before, limit);
    return (rows as StoredRecord[]).map(fromRecord);
  }

  get(collab: string, kind: MirrorKind, filename: string): MirrorRecordRow | null {
    const row = this.statements.get.get(collab, kind, filename) as StoredRecord | undefined;
    return row ? fromRecord(row) : null;
  }

  verdicts(collab: string): Map<string, string | null> {
    const rows = this.statements.verdicts.all(collab) as { filename: string; verification: string | null }[];
    return new Map(rows.map((r) => [r.filename, r.verification]));
  }

  counts(collab: string): Record<MirrorKind, number> & { bytes: number } {
    const out = { message: 0, result: 0, agent: 0, channel: 0, bytes: 0 };
    for (const r of this.statements.counts.all(collab) as { kind: MirrorKind; n: number; bytes: number }[]) {
      out[r.kind] = r.n;
      out.bytes += r.bytes;
    }
    return out;
  }

  evict(collab: string, budget: number): number {
    this.writable();
    let total = this.counts(collab).bytes;
    let dropped = 0;
    while (total > budget) {
      const oldest = this.statements.oldestMessages.all(collab) as { filename: string; bytes: number }[];
      if (oldest.length === 0) break;
      // One transaction per batch: a large eviction never holds the record for long.
      const before = dropped;
      this.db.transaction(() => {
        for (const m of oldest) {
          if (total <= budget) break;
          this.statements.dropMessage.run(collab, m.filename);
          total -= m.bytes;
          dropped += 1;
        }
        this.statements.addEvicted.run(dropped - before, collab);
      })();
    }
    return dropped;
  }

  evicted(collab: string): number {
    return (this.statements.evicted.get(collab) as { evicted: number } | undefined)?.evicted ?? 0;
  }

  private writable(): void {
    this.version += 1;
    if (!this.db.open)
      throw new HubError('SHUTTING_DOWN', 'the hub is shutting down; the mirror was not changed', 'retry in a moment');
    if (this.db.inTransaction) throw new Error('a mirror write must not run inside another transaction');
  }
}
