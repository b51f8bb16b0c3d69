// The hub's record over a data folder: it opens the stores and owns the one write path; it is the HubContext domain modules get.
import { mkdirSync } from 'node:fs';
import type { JobProgress } from '../shared/challenge';
import type { HubConfig } from '../shared/config';
import { dataLayout, type DataLayout } from '../platform/data-folder';
import { lockDataFolder } from './data-folder-lock';
import { ChallengeState } from './challenge';
import { EventStream, type HubEvent } from './event-stream';
import type { HubContext, WriteEffect } from './hub-context';
import { HubError } from './hub-error';
import { loadHubConfig } from './hub-config';
import { acceptsTokenlessWrites } from './identity';
import { RateLimiter } from './rate-limiter';
import { recordEvent, type JobPresenter } from './records';
import { AgentStore } from './store/agent-store';
import { AuditLog, type AuditRow } from './store/audit-log';
import { GpuLease } from './jobs/gpu-lease';
import { jobInfo } from './jobs/job-info';
import { openDatabase, type Db } from './store/database';
import { JobStore } from './store/job-store';
import { MirrorStore } from './store/mirror-store';
import { OutboxStore } from './store/outbox-store';
import { MessageStore } from './store/message-store';
import { ResultStore } from './store/result-store';
import { TaskforceStore } from './store/taskforce-store';
import { TraceStore } from './store/trace-store';
import { ChannelStore } from './store/channel-store';
import { ensureOrganizerToken, hashToken } from './tokens';
import { Workspace } from './workspace';

export interface HubInit {
  dataDir: string;
  config?: Partial<HubConfig>;
  clock?: () => number;
  /**
   * The job queue's live progress, on a hub that runs jobs: job events then carry the job as GET /v1/jobs/<id> shows
   * it. Without it (a board-only hub) they carry the audit facts alone.
   */
  jobProgress?: ReadonlyMap<string, JobProgress>;
  /**
   * The address the hub is served on (default 127.0.0.1, as startHub's): who can reach it decides whether writes
   * without a token are accepted (see acceptsTokenlessWrites).
   */
  host?: string;
}

interface PendingWrite {
  apply: () => { result: unknown; effect: WriteEffect };
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class Hub implements HubContext {
  readonly layout: DataLayout;
  readonly config: HubConfig;
  readonly db: Db;
  readonly agents: AgentStore;
  readonly messages: MessageStore;
  readonly results: ResultStore;
  readonly taskforces: TaskforceStore;
  readonly channels: ChannelStore;
  readonly audit: AuditLog;
  readonly jobs: JobStore;
  readonly traces: TraceStore;
  /**
   * The sync outbox (the OutboxRecord seam): the composition root hands it to the sync service, which writes it
   * directly, each write committed before it returns, outside the audited write path (see OutboxStore).
   */
  readonly outboxRecord: OutboxStore;
  /** The public collabs this hub mirrors (the MirrorRecord seam), written by the mirror service directly. */
  readonly mirrorRecord: MirrorStore;
  readonly challenge: ChallengeState;
  readonly lease = new GpuLease();
  readonly workspace: Workspace;
  readonly events = new EventStream();
  readonly limiter: RateLimiter;
  readonly organizerTokenHash: string;
  readonly tokenlessWrites: boolean;
  readonly now: () => number;
  /** Bumped by every write; read models cache against it. */
  version = 0;
  /** Bumped only by writes that can change a ranking (results and verdicts), so message traffic keeps it cached. */
  resultsVersion = 0;
  private lastStamp = 0;
  private readonly releaseLock: () => void;
  private readonly presentJob: JobPresenter | null;

  constructor(init: HubInit) {
    this.now = init.clock ?? Date.now;
    const progress = init.jobProgress;
    this.presentJob = progress ? (row) => jobInfo(this.jobs, progress, row) : null;
    this.layout = dataLayout(init.dataDir);
    mkdirSync(this.layout.root, { recursive: true });
    this.releaseLock = lockDataFolder(this.layout.root);
    try {
      this.config = loadHubConfig(this.layout.config, init.config);
      this.organizerTokenHash = hashToken(ensureOrganizerToken(this.layout.organizerToken));
      this.db = openDatabase(this.layout.database);
    } catch (err) {
      this.releaseLock();
      throw err;
    }
    this.agents = new AgentStore(this.db);
    this.messages = new MessageStore(this.db);
    this.results = new ResultStore(this.db);
    this.taskforces = new TaskforceStore(this.db);
    this.channels = new ChannelStore(this.db);
    this.audit = new AuditLog(this.db);
    this.jobs = new JobStore(this.db);
    this.traces = new TraceStore(this.db);
    this.outboxRecord = new OutboxStore(this.db, this.now);
    this.mirrorRecord = new MirrorStore(this.db);
    this.challenge = new ChallengeState(this.layout.challengePack);
    this.workspace = new Workspace(this.layout.scratch, this.layout.central);
    this.limiter = new RateLimiter(this.now);
    this.tokenlessWrites = acceptsTokenlessWrites(this.config, init.host ?? '127.0.0.1');
    const newest = this.db
      .prepare(
        'SELECT MAX(ts) AS ts FROM (SELECT MAX(ts) AS ts FROM messages UNION ALL SELECT MAX(ts) FROM results UNION ALL SELECT MAX(created_at) FROM jobs)',
      )
      .get() as { ts: number | null };
    this.lastStamp = newest.ts ?? 0;
  }

  /** The event a committed write announces (and a reconnecting reader is sent again). */
  eventOf(row: AuditRow): HubEvent {
    return recordEvent(this, row, this.presentJob);
  }

  get organizerHandle(): string {
    return `human-${this.config.organizer}`;
  }

  /**
   * A stamp time for a new record: never earlier than the last one, so stamped filenames sort in write order
   * even when the wall clock steps back, and two writes in one millisecond get distinct names.
   */
  stampTime(): number {
    const t = Math.max(this.now(), this.lastStamp + 1);
    this.lastStamp = t;
    return t;
  }

  /**
   * The one write path. Writes queue up and commit together (group commit): each runs in its own savepoint,
   * so one refused write never undoes another, and the batch commits in one transaction with
   * synchronous=FULL. A write is acknowledged (its promise resolves) only after that commit, and only then
   * does its event go out and do read caches move on.
   */
  write<T>(apply: () => { result: T; effect: WriteEffect }): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ apply, resolve: resolve as (value: unknown) => void, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** An audit entry (and its event) for a change that lives in files, not in the record. */
  async note(effect: WriteEffect): Promise<void> {
    await this.write(() => ({ result: null, effect }));
  }

  private readonly pending: PendingWrite[] = [];
  private flushScheduled = false;

  private readonly applyOne = (apply: PendingWrite['apply']): { result: unknown; row: AuditRow } => {
    const { result, effect } = apply();
    const ts = this.now();
    const detail = JSON.stringify(effect.detail ?? {});
    const id = this.audit.record(ts, effect.actor, effect.action, effect.target, detail);
    return { result, row: { id, ts, actor: effect.actor, action: effect.action, target: effect.target, detail } };
  };

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending.splice(0);
    if (!this.db.open) {
      for (const w of batch)
        w.reject(new HubError('SHUTTING_DOWN', 'the hub is shutting down; nothing was written', 'retry in a moment'));
      return;
    }
    const savepoint = this.db.transaction(this.applyOne);
    const outcomes: Array<{ ok: true; result: unknown; row: AuditRow } | { ok: false; error: unknown }> = [];
    try {
      this.db.transaction(() => {
        for (const w of batch) {
          try {
            outcomes.push({ ok: true, ...savepoint(w.apply) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      })();
    } catch (error) {
      for (const w of batch) w.reject(error);
      return;
    }
    if (outcomes.some((o) => o.ok)) this.version++;
    if (outcomes.some((o) => o.ok && o.row.action.startsWith('result.'))) this.resultsVersion++;
    batch.forEach((w, i) => {
      const o = outcomes[i]!;
      if (o.ok) {
        this.events.publish(this.eventOf(o.row));
        w.resolve(o.result);
      } else {
        w.reject(o.error);
      }
    });
  }

  close(): void {
    if (this.pending.length > 0 && this.db.open) this.flush();
    this.events.close();
    if (this.db.open) {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.close();
    }
    this.releaseLock();
  }
}
