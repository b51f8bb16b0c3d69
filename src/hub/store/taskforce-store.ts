// Taskforces, the agents' artifact workspaces: a README its creator owns, and notes (stamped, or named .md files).
import type { Db } from './database';
import { runList, type ListPage, type ListParams, type ListSpec } from '../list-query';

export interface TaskforceRow {
  name: string;
  creator: string;
  via: string;
  readme_frontmatter: string;
  readme_body: string;
  created_at: number;
  updated_at: number;
  note_count: number;
  /** Stamped notes: records only, no file of their own under central/taskforces/<name>/. */
  stamped_count: number;
  last_activity: number | null;
}

export interface TaskforceNoteRow {
  seq: number;
  taskforce: string;
  filename: string;
  agent: string;
  ts: number;
  type: string;
  via: string;
  /** 1: a named .md file copied from scratch (its bytes are in the taskforce's folder); 0: a stamped note. */
  named: number;
  source_sha256: string | null;
  frontmatter: string;
  body: string;
}

const SELECT = `
  SELECT t.*,
    (SELECT COUNT(*) FROM taskforce_notes n WHERE n.taskforce = t.name) AS note_count,
    (SELECT COUNT(*) FROM taskforce_notes n WHERE n.taskforce = t.name AND n.named = 0) AS stamped_count,
    (SELECT MAX(ts) FROM taskforce_notes n WHERE n.taskforce = t.name AND n.named = 0) AS last_activity
  FROM taskforces t`;

const NOTES: ListSpec = {
  from: 'taskforce_notes',
  key: 'filename',
  ts: 'ts',
  columns: { agent: 'agent', type: 'type', via: 'via' },
  search: ['body', 'filename'],
};

export class TaskforceStore {
  constructor(private readonly db: Db) {}

  get(name: string): TaskforceRow | undefined {
    return this.db.prepare(`${SELECT} WHERE t.name = ?`).get(name) as TaskforceRow | undefined;
  }

  exists(name: string): boolean {
    return this.db.prepare('SELECT 1 FROM taskforces WHERE name = ?').get(name) !== undefined;
  }

  insert(row: Omit<TaskforceRow, 'note_count' | 'stamped_count' | 'last_activity' | 'updated_at'>): void {
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
    const pattern = q === undefined ? undefined : `%${q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
    const rows = (
      pattern
        ? this.db
            .prepare(`${SELECT} WHERE t.name LIKE ? ESCAPE '\\' OR t.readme_body LIKE ? ESCAPE '\\'`)
            .all(pattern, pattern)
        : this.db.prepare(SELECT).all()
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

  /** Adds a note, or (a named file promoted again, the public update path) replaces the one under its name. */
  putNote(row: Omit<TaskforceNoteRow, 'seq'>): void {
    this.db
      .prepare(
        `INSERT INTO taskforce_notes (taskforce, filename, agent, ts, type, via, named, source_sha256, frontmatter, body)
         VALUES (@taskforce, @filename, @agent, @ts, @type, @via, @named, @source_sha256, @frontmatter, @body)
         ON CONFLICT (taskforce, filename) DO UPDATE SET agent = excluded.agent, ts = excluded.ts, type = excluded.type,
           via = excluded.via, source_sha256 = excluded.source_sha256, frontmatter = excluded.frontmatter,
           body = excluded.body`,
      )
      .run(row);
  }

  note(taskforce: string, filename: string): TaskforceNoteRow | undefined {
    return this.db
      .prepare('SELECT * FROM taskforce_notes WHERE taskforce = ? AND filename = ?')
      .get(taskforce, filename) as TaskforceNoteRow | undefined;
  }

  /** A stamped note promoted from these exact bytes before (the public collab's dedup is per destination folder). */
  noteOfSource(taskforce: string, sha256: string): string | undefined {
    return (
      this.db
        .prepare('SELECT filename FROM taskforce_notes WHERE taskforce = ? AND named = 0 AND source_sha256 = ?')
        .get(taskforce, sha256) as { filename: string } | undefined
    )?.filename;
  }

  notes(taskforce: string, params: ListParams): ListPage<TaskforceNoteRow> {
    return runList<TaskforceNoteRow>(this.db, { ...NOTES, where: { sql: 'taskforce = ?', args: [taskforce] } }, params);
  }

  /** The stamped notes, for the file listing (named notes are listed from the folder). */
  stampedNotes(taskforce: string): TaskforceNoteRow[] {
    return this.db
      .prepare('SELECT * FROM taskforce_notes WHERE taskforce = ? AND named = 0 ORDER BY filename')
      .all(taskforce) as TaskforceNoteRow[];
  }

  /** Everyone who wrote a note, for the contributor list. */
  noteAuthors(taskforce: string): string[] {
    return (
      this.db
        .prepare('SELECT DISTINCT agent FROM taskforce_notes WHERE taskforce = ? ORDER BY agent')
        .all(taskforce) as Array<{ agent: string }>
    ).map((r) => r.agent);
  }
}
