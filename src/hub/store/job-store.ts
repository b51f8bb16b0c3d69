// Benchmark jobs and the quota ledger in the record: queue order, state changes, durable per-window counts.
import type { JobKind, JobState } from '../../shared/challenge';
import type { Db } from './database';

export interface JobRow {
  seq: number;
  id: string;
  agent: string;
  kind: JobKind;
  pack: string;
  config: string;
  method: string;
  description: string;
  state: JobState;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  progress: string | null;
  error: string | null;
  result: string | null;
  verifies: string | null;
}

export interface JobFilter {
  states?: JobState[];
  agent?: string;
  kind?: JobKind;
  limit?: number;
}

/** Queue order: the pack's baseline first (every speedup is measured against it), then verifications, then submissions. */
const KIND_RANK = "CASE kind WHEN 'baseline' THEN 0 WHEN 'verify' THEN 1 ELSE 2 END";
const kindRank = (kind: JobKind) => (kind === 'baseline' ? 0 : kind === 'verify' ? 1 : 2);

export class JobStore {
  private readonly insertRow;
  private readonly byId;
  private readonly nextQueued;
  private readonly aheadOf;

  constructor(private readonly db: Db) {
    this.insertRow = db.prepare(
      `INSERT INTO jobs (id, agent, kind, pack, config, method, description, state, created_at, verifies)
       VALUES (@id, @agent, @kind, @pack, @config, @method, @description, 'queued', @created_at, @verifies)`,
    );
    this.byId = db.prepare('SELECT * FROM jobs WHERE id = ?');
    this.nextQueued = db.prepare(`SELECT * FROM jobs WHERE state = 'queued' ORDER BY ${KIND_RANK}, seq LIMIT 1`);
    this.aheadOf = db.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE state = 'queued' AND (${KIND_RANK} < @rank OR (${KIND_RANK} = @rank AND seq < @seq))`);
  }

  insert(row: Pick<JobRow, 'id' | 'agent' | 'kind' | 'pack' | 'config' | 'method' | 'description' | 'created_at' | 'verifies'>): void {
    this.insertRow.run(row);
  }

  get(id: string): JobRow | undefined {
    return this.byId.get(id) as JobRow | undefined;
  }

  next(): JobRow | undefined {
    return this.nextQueued.get() as JobRow | undefined;
  }

  /** Jobs ahead of this one in the order `next()` takes them (0: it runs next). */
  queuePosition(job: JobRow): number | null {
    if (job.state !== 'queued') return null;
    const ahead = this.aheadOf.get({ rank: kindRank(job.kind), seq: job.seq }) as { n: number };
    return ahead.n;
  }

  list(filter: JobFilter): JobRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.states?.length) {
      where.push(`state IN (${filter.states.map(() => '?').join(', ')})`);
      args.push(...filter.states);
    }
    if (filter.agent) {
      where.push('agent = ?');
      args.push(filter.agent);
    }
    if (filter.kind) {
      where.push('kind = ?');
      args.push(filter.kind);
    }
    return this.db
      .prepare(`SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`)
      .all(...args, filter.limit ?? 100) as JobRow[];
  }

  countQueued(agent: string): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE agent = ? AND state = 'queued'").get(agent) as { n: number }).n;
  }

  /** Whether the pack has a baseline run (queued, running, done or failed) since it was installed at `since`. */
  hasBaselineSince(pack: string, since: number): boolean {
    return this.db.prepare("SELECT 1 FROM jobs WHERE pack = ? AND kind = 'baseline' AND state != 'cancelled' AND created_at >= ? LIMIT 1").get(pack, since) !== undefined;
  }

  /** The verification job already queued or run for a result, if any: a claim is re-run once. */
  verificationOf(filename: string): JobRow | undefined {
    return this.db.prepare("SELECT * FROM jobs WHERE kind = 'verify' AND verifies = ? AND state != 'cancelled' ORDER BY seq DESC LIMIT 1").get(filename) as JobRow | undefined;
  }

  /** Marks a queued job running; false when it is no longer queued (cancelled meanwhile). */
  start(id: string, now: number): boolean {
    return this.db.prepare("UPDATE jobs SET state = 'running', started_at = ? WHERE id = ? AND state = 'queued'").run(now, id).changes === 1;
  }

  setProgress(id: string, progress: string): void {
    this.db.prepare("UPDATE jobs SET progress = ? WHERE id = ? AND state = 'running'").run(progress, id);
  }

  finish(id: string, state: Exclude<JobState, 'queued' | 'running'>, now: number, error: string | null, result: string | null): void {
    this.db.prepare('UPDATE jobs SET state = ?, finished_at = ?, error = ?, result = COALESCE(?, result) WHERE id = ?').run(state, now, error, result, id);
  }

  /** Jobs a previous hub process left running: they cannot be finishing any more. */
  running(): JobRow[] {
    return this.db.prepare("SELECT * FROM jobs WHERE state = 'running'").all() as JobRow[];
  }

  // ---- quota ledger ----

  charge(agent: string, job: string, ts: number): void {
    this.db.prepare('INSERT INTO quota_ledger (agent, job, ts) VALUES (?, ?, ?)').run(agent, job, ts);
  }

  refund(job: string): void {
    this.db.prepare('UPDATE quota_ledger SET refunded = 1 WHERE job = ?').run(job);
  }

  /** Charges since `since` (ms), oldest first, for one agent or (agent null) for everyone. */
  charges(agent: string | null, since: number): number[] {
    const rows = (
      agent === null
        ? this.db.prepare('SELECT ts FROM quota_ledger WHERE ts > ? AND refunded = 0 ORDER BY ts').all(since)
        : this.db.prepare('SELECT ts FROM quota_ledger WHERE agent = ? AND ts > ? AND refunded = 0 ORDER BY ts').all(agent, since)
    ) as Array<{ ts: number }>;
    return rows.map((r) => r.ts);
  }
}
