// Taskforces, which are also the board's channels: a named group with a README its creator owns.
import type { Db } from './database';

export interface TaskforceRow {
  name: string;
  creator: string;
  via: string;
  readme_frontmatter: string;
  readme_body: string;
  created_at: number;
  updated_at: number;
  note_count: number;
  last_activity: number | null;
}

const SELECT = `
  SELECT t.*,
    (SELECT COUNT(*) FROM messages m WHERE m.channel = t.name) AS note_count,
    (SELECT MAX(ts) FROM messages m WHERE m.channel = t.name) AS last_activity
  FROM taskforces t`;

export class TaskforceStore {
  constructor(private readonly db: Db) {}

  get(name: string): TaskforceRow | undefined {
    return this.db.prepare(`${SELECT} WHERE t.name = ?`).get(name) as TaskforceRow | undefined;
  }

  exists(name: string): boolean {
    return this.db.prepare('SELECT 1 FROM taskforces WHERE name = ?').get(name) !== undefined;
  }

  insert(row: Omit<TaskforceRow, 'note_count' | 'last_activity' | 'updated_at'>): void {
    this.db
      .prepare(
        `INSERT INTO taskforces (name, creator, via, readme_frontmatter, readme_body, created_at, updated_at)
         VALUES (@name, @creator, @via, @readme_frontmatter, @readme_body, @created_at, @created_at)`,
      )
      .run(row);
  }

  updateReadme(name: string, via: string, frontmatter: string, body: string, now: number): void {
    this.db
      .prepare('UPDATE taskforces SET via = ?, readme_frontmatter = ?, readme_body = ?, updated_at = ? WHERE name = ?')
      .run(via, frontmatter, body, now, name);
  }

  /** Most recently active first (a note, or the creation), then by name. */
  list(q?: string): TaskforceRow[] {
    const rows = this.db
      .prepare(`${SELECT} ${q ? "WHERE t.name LIKE ? ESCAPE '\\' OR t.readme_body LIKE ? ESCAPE '\\'" : ''}`)
      .all(
        ...(q ? [`%${q.replace(/[\\%_]/g, (c) => '\\' + c)}%`, `%${q.replace(/[\\%_]/g, (c) => '\\' + c)}%`] : []),
      ) as TaskforceRow[];
    return rows.sort(
      (a, b) =>
        Math.max(b.last_activity ?? 0, b.created_at) - Math.max(a.last_activity ?? 0, a.created_at) ||
        a.name.localeCompare(b.name),
    );
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM taskforces').get() as { n: number }).n;
  }

  newest(limit: number): string[] {
    return (
      this.db.prepare('SELECT name FROM taskforces ORDER BY created_at DESC, name LIMIT ?').all(limit) as Array<{
        name: string;
      }>
    ).map((r) => r.name);
  }
}
