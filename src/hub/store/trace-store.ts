// Shared session traces: one row per agent and session, its stamped manifest and the native logs copied to central.
import type { Db } from './database';

export interface TraceRow {
  agent: string;
  session_id: string;
  share: 'stats' | 'full';
  completeness: 'full' | 'partial';
  promoted_at: number;
  /** The stamped manifest's frontmatter, as JSON. */
  frontmatter: string;
  body: string;
  /** Central paths of the copied native logs, as a JSON array. */
  log_files: string;
}

export class TraceStore {
  private readonly one;
  private readonly every;
  private readonly upsertRow;

  constructor(db: Db) {
    this.one = db.prepare('SELECT * FROM traces WHERE agent = ? AND session_id = ?');
    this.every = db.prepare('SELECT * FROM traces ORDER BY promoted_at, agent, session_id');
    this.upsertRow = db.prepare(
      `INSERT INTO traces (agent, session_id, share, completeness, promoted_at, frontmatter, body, log_files)
       VALUES (@agent, @session_id, @share, @completeness, @promoted_at, @frontmatter, @body, @log_files)
       ON CONFLICT (agent, session_id) DO UPDATE SET
         share = excluded.share, completeness = excluded.completeness, promoted_at = excluded.promoted_at,
         frontmatter = excluded.frontmatter, body = excluded.body, log_files = excluded.log_files`,
    );
  }

  get(agent: string, session: string): TraceRow | undefined {
    return this.one.get(agent, session) as TraceRow | undefined;
  }

  /** Every shared session, oldest first: lists and the aggregate are computed over them, as the public read model does. */
  all(): TraceRow[] {
    return this.every.all() as TraceRow[];
  }

  upsert(row: TraceRow): void {
    this.upsertRow.run(row);
  }
}
