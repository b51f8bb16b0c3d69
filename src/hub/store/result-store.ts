// Published results and their verdict history; the effective verdict is the organizer's latest, else the verifier's.
import type { Db } from './database';
import { runList, type ListPage, type ListParams, type ListSpec } from '../list-query';

export type Verdict = 'pending' | 'valid' | 'invalid' | 'unverified';
export type VerdictAuthority = 'organizer' | 'verifier';

export interface VerdictRecord {
  verdict: Verdict;
  by: string;
  authority: VerdictAuthority;
  note: string;
  ts: number;
}

export interface ResultRow {
  seq: number;
  filename: string;
  agent: string;
  ts: number;
  via: string;
  source_sha256: string;
  score: number;
  /** The score's 95% interval, when the result reports one (`<score_field>_ci: [low, high]`). */
  score_low: number | null;
  score_high: number | null;
  guardrail: number | null;
  status: string;
  method: string;
  description: string;
  frontmatter: string;
  body: string;
  verification: Verdict;
  verified_by: string | null;
  verified_at: number | null;
  verdict_note: string | null;
  /** The paired speedup and its interval, and the plain target's score from the same run (hub jobs only). */
  speedup: number | null;
  speedup_low: number | null;
  speedup_high: number | null;
  plain_score: number | null;
  /** The hardware class it was measured on, when known. */
  hardware: string | null;
  /** clean, noisy or disturbed (hub jobs only; null: not judged). */
  measurement: 'clean' | 'noisy' | 'disturbed' | null;
}

/** What a new result row says; the verdict columns start empty (pending, or unverified for a result no job measured). */
export type NewResult = Omit<
  ResultRow,
  | 'seq'
  | 'verification'
  | 'verified_by'
  | 'verified_at'
  | 'verdict_note'
  | 'speedup'
  | 'speedup_low'
  | 'speedup_high'
  | 'plain_score'
  | 'hardware'
  | 'measurement'
> &
  Partial<
    Pick<
      ResultRow,
      'verification' | 'speedup' | 'speedup_low' | 'speedup_high' | 'plain_score' | 'hardware' | 'measurement'
    >
  >;

/** The columns a ranking needs: reading bodies and frontmatter for every result would dominate its cost. */
const RANK_COLUMNS =
  'filename, agent, ts, score, score_low, score_high, guardrail, method, description, verification, speedup, speedup_low, speedup_high, plain_score, hardware, measurement';
export type RankRow = Pick<
  ResultRow,
  | 'filename'
  | 'agent'
  | 'ts'
  | 'score'
  | 'score_low'
  | 'score_high'
  | 'guardrail'
  | 'method'
  | 'description'
  | 'verification'
  | 'speedup'
  | 'speedup_low'
  | 'speedup_high'
  | 'plain_score'
  | 'hardware'
  | 'measurement'
>;

const LIST: ListSpec = {
  from: 'results',
  key: 'filename',
  ts: 'ts',
  columns: { agent: 'agent', via: 'via', status: 'status', verification: 'verification' },
  search: ['body', 'method', 'description', 'filename'],
};

export class ResultStore {
  private readonly insertRow;
  private readonly byName;
  private readonly bySha;

  constructor(private readonly db: Db) {
    this.insertRow = db.prepare(
      `INSERT INTO results (filename, agent, ts, via, source_sha256, score, score_low, score_high, guardrail, status, method, description, frontmatter, body,
                            verification, speedup, speedup_low, speedup_high, plain_score, hardware, measurement)
       VALUES (@filename, @agent, @ts, @via, @source_sha256, @score, @score_low, @score_high, @guardrail, @status, @method, @description, @frontmatter, @body,
               @verification, @speedup, @speedup_low, @speedup_high, @plain_score, @hardware, @measurement)`,
    );
    this.byName = db.prepare('SELECT * FROM results WHERE filename = ?');
    this.bySha = db.prepare('SELECT filename FROM results WHERE source_sha256 = ?');
  }

  get(filename: string): ResultRow | undefined {
    return this.byName.get(filename) as ResultRow | undefined;
  }

  filenameOfSource(sha256: string): string | undefined {
    return (this.bySha.get(sha256) as { filename: string } | undefined)?.filename;
  }

  insert(row: NewResult): void {
    this.insertRow.run({
      verification: 'pending',
      speedup: null,
      speedup_low: null,
      speedup_high: null,
      plain_score: null,
      hardware: null,
      measurement: null,
      ...row,
    });
  }

  /**
   * Records a verdict. A verifier's verdict never overrides one an organizer gave: people have the last word.
   * Returns whether the effective verdict changed.
   */
  setVerdict(
    filename: string,
    verdict: Verdict,
    by: string,
    authority: VerdictAuthority,
    note: string,
    now: number,
  ): boolean {
    this.db
      .prepare('INSERT INTO verdicts (filename, verdict, by, authority, note, ts) VALUES (?, ?, ?, ?, ?, ?)')
      .run(filename, verdict, by, authority, note, now);
    if (authority === 'verifier') {
      const human = this.db
        .prepare("SELECT 1 FROM verdicts WHERE filename = ? AND authority = 'organizer' LIMIT 1")
        .get(filename);
      if (human) return false;
    }
    this.db
      .prepare(
        'UPDATE results SET verification = ?, verified_by = ?, verified_at = ?, verdict_note = ? WHERE filename = ?',
      )
      .run(verdict, by, now, note, filename);
    return true;
  }

  verdictHistory(filename: string): VerdictRecord[] {
    return this.db
      .prepare('SELECT verdict, by, authority, note, ts FROM verdicts WHERE filename = ? ORDER BY id')
      .all(filename) as VerdictRecord[];
  }

  list(params: ListParams): ListPage<ResultRow> {
    return runList<ResultRow>(this.db, LIST, params);
  }

  recent(limit: number, sinceMs?: number): ResultRow[] {
    return this.db
      .prepare(`SELECT * FROM results ${sinceMs !== undefined ? 'WHERE ts >= ?' : ''} ORDER BY filename DESC LIMIT ?`)
      .all(...(sinceMs !== undefined ? [sinceMs, limit] : [limit])) as ResultRow[];
  }

  /** Every agent-run result, best score first, the earlier stamp first on a tie (then the agent id). */
  rankable(order: 'asc' | 'desc'): RankRow[] {
    return this.db
      .prepare(
        `SELECT ${RANK_COLUMNS} FROM results WHERE status = 'agent-run' ORDER BY score ${order === 'desc' ? 'DESC' : 'ASC'}, ts ASC, agent ASC`,
      )
      .all() as RankRow[];
  }

  /** The newest result with this status whose frontmatter names the pack (the pack's baseline row). */
  latestOfPack(status: string, pack: string): ResultRow | undefined {
    return this.db
      .prepare(
        "SELECT * FROM results WHERE status = ? AND json_extract(frontmatter, '$.pack') = ? ORDER BY seq DESC LIMIT 1",
      )
      .get(status, pack) as ResultRow | undefined;
  }

  /** The hardware class of the newest result that names one. */
  latestHardware(): string | null {
    return (
      (
        this.db.prepare('SELECT hardware FROM results WHERE hardware IS NOT NULL ORDER BY seq DESC LIMIT 1').get() as
          { hardware: string } | undefined
      )?.hardware ?? null
    );
  }

  countByStatus(status: string): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM results WHERE status = ?').get(status) as { n: number }).n;
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM results').get() as { n: number }).n;
  }

  countBy(agent: string): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM results WHERE agent = ?').get(agent) as { n: number }).n;
  }
}
