// The sync outbox in the record: the OutboxRecord seam the sync service keeps its queue in, one row per publish.
import type { OutboxError, OutboxRecord, OutboxRow, OutboxState, OutboxStep } from '../../shared/sync-api';
import { HubError } from '../hub-error';
import type { Db } from './database';

/** A row as SQLite holds it: the steps and the error as JSON text. */
interface StoredRow extends Omit<OutboxRow, 'steps' | 'error'> {
  steps: string;
  error: string | null;
}

const toStored = (row: OutboxRow): StoredRow => ({
  ...row,
  steps: JSON.stringify(row.steps),
  error: row.error === null ? null : JSON.stringify(row.error),
});

const fromStored = (row: StoredRow): OutboxRow => ({
  id: row.id,
  collab: row.collab,
  agent: row.agent,
  result: row.result,
  state: row.state,
  plan: row.plan,
  steps: JSON.parse(row.steps) as OutboxStep[],
  attempts: row.attempts,
  next_attempt_at: row.next_attempt_at,
  error: row.error === null ? null : (JSON.parse(row.error) as OutboxError),
  public_filename: row.public_filename,
  public_url: row.public_url,
  bytes: row.bytes,
  created_at: row.created_at,
  updated_at: row.updated_at,
});

/**
 * The sync service writes here directly, not through the hub's group-committed write path: its calls are synchronous
 * and it must know a row is on disk before it sends anything. Each statement is its own transaction, and the record
 * runs synchronous=FULL, so a write is fsynced before the call returns. Outbox changes are not audited: they are
 * the sync service's progress, announced by its own onChange (the hub forwards them as `sync.outbox`).
 */
export class OutboxStore implements OutboxRecord {
  private readonly insertRow;
  private readonly updateRow;
  private readonly byId;
  private readonly newest;
  private readonly unfinishedRows;
  private readonly byState;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.insertRow = db.prepare(
      `INSERT INTO sync_outbox (id, collab, agent, result, state, plan, steps, attempts, next_attempt_at, error,
                                public_filename, public_url, bytes, created_at, updated_at)
       VALUES (@id, @collab, @agent, @result, @state, @plan, @steps, @attempts, @next_attempt_at, @error,
               @public_filename, @public_url, @bytes, @created_at, @updated_at)`,
    );
    this.updateRow = db.prepare(
      `UPDATE sync_outbox SET collab = @collab, agent = @agent, result = @result, state = @state, plan = @plan,
         steps = @steps, attempts = @attempts, next_attempt_at = @next_attempt_at, error = @error,
         public_filename = @public_filename, public_url = @public_url, bytes = @bytes, updated_at = @updated_at
       WHERE id = @id`,
    );
    this.byId = db.prepare('SELECT * FROM sync_outbox WHERE id = ?');
    // rowid breaks ties between items created in the same millisecond: insertion order.
    this.newest = db.prepare('SELECT * FROM sync_outbox ORDER BY created_at DESC, rowid DESC LIMIT ?');
    this.unfinishedRows = db.prepare(
      "SELECT * FROM sync_outbox WHERE state IN ('queued', 'sending') ORDER BY created_at, rowid",
    );
    this.byState = db.prepare('SELECT state, COUNT(*) AS n FROM sync_outbox GROUP BY state');
  }

  counts(): Record<OutboxState, number> {
    const counts: Record<OutboxState, number> = { queued: 0, sending: 0, sent: 0, failed: 0, cancelled: 0 };
    for (const { state, n } of this.byState.all() as { state: OutboxState; n: number }[]) counts[state] = n;
    return counts;
  }

  insert(row: OutboxRow): void {
    this.writable();
    this.insertRow.run(toStored(row));
  }

  /** Merges `patch` into the stored row; `updated_at` is the clock's now unless the patch sets it. */
  update(id: string, patch: Partial<Omit<OutboxRow, 'id' | 'created_at'>>): void {
    this.writable();
    const current = this.get(id);
    if (!current)
      throw new HubError(
        'OUTBOX_ITEM_NOT_FOUND',
        `no outbox item ${id}`,
        'GET /v1/sync/outbox lists the items this hub holds',
      );
    // Only the row's own fields: a stray key in a patch never reaches the statement.
    const merged: OutboxRow = { ...current };
    for (const key of Object.keys(patch) as Array<keyof typeof patch>) {
      if (patch[key] !== undefined) (merged as unknown as Record<string, unknown>)[key] = patch[key];
    }
    merged.id = id;
    merged.created_at = current.created_at;
    merged.updated_at = patch.updated_at ?? this.now();
    this.updateRow.run(toStored(merged));
  }

  get(id: string): OutboxRow | null {
    const row = this.byId.get(id) as StoredRow | undefined;
    return row ? fromStored(row) : null;
  }

  list(limit: number): OutboxRow[] {
    return (this.newest.all(Math.max(0, Math.floor(limit))) as StoredRow[]).map(fromStored);
  }

  unfinished(): OutboxRow[] {
    return (this.unfinishedRows.all() as StoredRow[]).map(fromStored);
  }

  /**
   * A write inside someone's open transaction would not be on disk when it returns, which the sync service counts
   * on; a closed record cannot take it at all.
   */
  private writable(): void {
    if (!this.db.open)
      throw new HubError('SHUTTING_DOWN', 'the hub is shutting down; the outbox was not changed', 'retry in a moment');
    if (this.db.inTransaction) throw new Error('an outbox write must not run inside another transaction');
  }
}
