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

/**
 * Queue order: the pack's baseline first (it anchors the perplexity cap), then agents take turns: the agent served
 * longest ago (or never) goes next with its oldest job, whatever its kind, so a stream of one agent's verifications
 * or submissions never starves the others.
 */
export function queueOrder(queued: JobRow[], lastStarted: Map<string, number>): JobRow[] {
  const order = queued.filter((j) => j.kind === 'baseline').sort((a, b) => a.seq - b.seq);
  const waiting = new Map<string, JobRow[]>();
  for (const j of [...queued].sort((a, b) => a.seq - b.seq)) {
    if (j.kind === 'baseline') continue;
    const mine = waiting.get(j.agent);
    if (mine) mine.push(j);
    else waiting.set(j.agent, [j]);
  }
  const served = new Map(
    [...waiting.keys()].map((agent) => [agent, lastStarted.get(agent) ?? Number.NEGATIVE_INFINITY]),
  );
  // a turn taken here counts as served after every real start, so later turns go to the others first
  let servedAt = Math.max(0, ...lastStarted.values()) + 1;
  while (waiting.size > 0) {
    let next: string | null = null;
    for (const [agent, jobs] of waiting) {
      if (next === null) next = agent;
      const a = served.get(agent)!;
      const b = served.get(next)!;
      if (a < b || (a === b && jobs[0]!.seq < waiting.get(next)![0]!.seq)) next = agent;
    }
    const jobs = waiting.get(next!)!;
    order.push(jobs.shift()!);
    if (jobs.length === 0) waiting.delete(next!);
    served.set(next!, servedAt++);
  }
  return order;
}

export class JobStore {
  private readonly insertRow;
  private readonly byId;
  private readonly queuedRows;
  private readonly lastStarts;

  constructor(private readonly db: Db) {
    this.insertRow = db.prepare(
      `INSERT INTO jobs (id, agent, kind, pack, config, method, description, state, created_at, verifies)
       VALUES (@id, @agent, @kind, @pack, @config, @method, @description, 'queued', @created_at, @verifies)`,
    );
    this.byId = db.prepare('SELECT * FROM jobs WHERE id = ?');
    this.queuedRows = db.prepare("SELECT * FROM jobs WHERE state = 'queued' ORDER BY seq");
    this.lastStarts = db.prepare(
      "SELECT agent, MAX(started_at) AS at FROM jobs WHERE started_at IS NOT NULL AND kind != 'baseline' GROUP BY agent",
    );
  }

  insert(
    row: Pick<
      JobRow,
      'id' | 'agent' | 'kind' | 'pack' | 'config' | 'method' | 'description' | 'created_at' | 'verifies'
    >,
  ): void {
    this.insertRow.run(row);
  }

  get(id: string): JobRow | undefined {
    return this.byId.get(id) as JobRow | undefined;
  }

  /** Every queued job in the order the queue takes them. */
  queued(): JobRow[] {
    const starts = this.lastStarts.all() as Array<{ agent: string; at: number }>;
    return queueOrder(this.queuedRows.all() as JobRow[], new Map(starts.map((r) => [r.agent, r.at])));
  }

  next(): JobRow | undefined {
    return this.queued()[0];
  }

  /** Jobs ahead of this one in the order `next()` takes them (0: it runs next); pass `order` when asking for many. */
  queuePosition(job: JobRow, order: JobRow[] = this.queued()): number | null {
    if (job.state !== 'queued') return null;
    const at = order.findIndex((j) => j.id === job.id);
    return at < 0 ? null : at;
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

  countQueued(agent: string, kind?: JobKind): number {
    const sql = `SELECT COUNT(*) AS n FROM jobs WHERE agent = ? AND state = 'queued'${kind ? ' AND kind = ?' : ''}`;
    return (this.db.prepare(sql).get(...(kind ? [agent, kind] : [agent])) as { n: number }).n;
  }

  /** The pack's newest baseline job since it was installed at `since` (any state but cancelled), if any. */
  latestBaseline(pack: string, since: number): JobRow | undefined {
    return this.db
      .prepare(
        "SELECT * FROM jobs WHERE pack = ? AND kind = 'baseline' AND state != 'cancelled' AND created_at >= ? ORDER BY seq DESC LIMIT 1",
      )
      .get(pack, since) as JobRow | undefined;
  }

  /** Queued and running jobs of one agent (to cancel them when it is suspended). */
  unfinished(agent: string): JobRow[] {
    return this.db
      .prepare("SELECT * FROM jobs WHERE agent = ? AND state IN ('queued', 'running') ORDER BY seq")
      .all(agent) as JobRow[];
  }

  /** The verification job already queued or run for a result, if any: a claim is re-run once. */
  verificationOf(filename: string): JobRow | undefined {
    return this.db
      .prepare(
        "SELECT * FROM jobs WHERE kind = 'verify' AND verifies = ? AND state != 'cancelled' ORDER BY seq DESC LIMIT 1",
      )
      .get(filename) as JobRow | undefined;
  }

  /** Marks a queued job running; false when it is no longer queued (cancelled meanwhile). */
  start(id: string, now: number): boolean {
    return (
      this.db
        .prepare("UPDATE jobs SET state = 'running', started_at = ? WHERE id = ? AND state = 'queued'")
        .run(now, id).changes === 1
    );
  }

  setProgress(id: string, progress: string): void {
    this.db.prepare("UPDATE jobs SET progress = ? WHERE id = ? AND state = 'running'").run(progress, id);
  }

  finish(
    id: string,
    state: Exclude<JobState, 'queued' | 'running'>,
    now: number,
    error: string | null,
    result: string | null,
  ): void {
    this.db
      .prepare('UPDATE jobs SET state = ?, finished_at = ?, error = ?, result = COALESCE(?, result) WHERE id = ?')
      .run(state, now, error, result, id);
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
        : this.db
            .prepare('SELECT ts FROM quota_ledger WHERE agent = ? AND ts > ? AND refunded = 0 ORDER BY ts')
            .all(agent, since)
    ) as Array<{ ts: number }>;
    return rows.map((r) => r.ts);
  }
}
