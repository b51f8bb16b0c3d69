// The audit log: one row per write (who, what, when), written in the same transaction as the write itself.
import type { Db } from './database';

export interface AuditRow {
  id: number;
  ts: number;
  actor: string;
  action: string;
  target: string;
  detail: string;
}

export class AuditLog {
  private readonly insert;
  private readonly since;

  constructor(private readonly db: Db) {
    this.insert = db.prepare('INSERT INTO audit (ts, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)');
    this.since = db.prepare('SELECT * FROM audit WHERE id > ? ORDER BY id LIMIT ?');
  }

  /** Returns the row id, which doubles as the event id on the live stream. */
  record(ts: number, actor: string, action: string, target: string, detail: string): number {
    return Number(this.insert.run(ts, actor, action, target, detail).lastInsertRowid);
  }

  after(id: number, limit: number): AuditRow[] {
    return this.since.all(id, limit) as AuditRow[];
  }

  page(after: number, limit: number, actor?: string): AuditRow[] {
    return (
      actor === undefined
        ? this.db.prepare('SELECT * FROM audit WHERE id > ? ORDER BY id LIMIT ?').all(after, limit)
        : this.db.prepare('SELECT * FROM audit WHERE id > ? AND actor = ? ORDER BY id LIMIT ?').all(after, actor, limit)
    ) as AuditRow[];
  }
}
