// The hub's state in one place: the record, the workspace, config, identity and the write path every route uses.
import { mkdirSync } from 'node:fs';
import type { HubConfig } from '../shared/config';
import { dataLayout, type DataLayout } from './data-folder';
import { EventStream, type HubEvent } from './event-stream';
import { loadHubConfig } from './hub-config';
import { RateLimiter } from './rate-limiter';
import { AgentStore } from './store/agent-store';
import { AuditLog, type AuditRow } from './store/audit-log';
import { openDatabase, type Db } from './store/database';
import { MessageStore } from './store/message-store';
import { ResultStore } from './store/result-store';
import { TaskforceStore } from './store/taskforce-store';
import { ensureOrganizerToken, hashToken } from './tokens';
import { Workspace } from './workspace';

export interface HubInit {
  dataDir: string;
  config?: Partial<HubConfig>;
  clock?: () => number;
}

export interface WriteEffect {
  actor: string;
  action: string;
  target: string;
  detail?: Record<string, unknown>;
}

export class Hub {
  readonly layout: DataLayout;
  readonly config: HubConfig;
  readonly db: Db;
  readonly agents: AgentStore;
  readonly messages: MessageStore;
  readonly results: ResultStore;
  readonly taskforces: TaskforceStore;
  readonly audit: AuditLog;
  readonly workspace: Workspace;
  readonly events = new EventStream();
  readonly limiter: RateLimiter;
  readonly organizerTokenHash: string;
  readonly now: () => number;
  /** Bumped by every write; read models cache against it. */
  version = 0;
  private lastStamp = 0;
  /** Turns an audit row into the event clients receive (set by the server, which knows the record shapes). */
  eventOf: (row: AuditRow) => HubEvent = (row) => ({ id: row.id, type: row.action, data: { actor: row.actor, target: row.target } });

  constructor(init: HubInit) {
    this.now = init.clock ?? Date.now;
    this.layout = dataLayout(init.dataDir);
    mkdirSync(this.layout.root, { recursive: true });
    this.config = loadHubConfig(this.layout.config, init.config);
    this.organizerTokenHash = hashToken(ensureOrganizerToken(this.layout.organizerToken));
    this.db = openDatabase(this.layout.database);
    this.agents = new AgentStore(this.db);
    this.messages = new MessageStore(this.db);
    this.results = new ResultStore(this.db);
    this.taskforces = new TaskforceStore(this.db);
    this.audit = new AuditLog(this.db);
    this.workspace = new Workspace(this.layout.scratch, this.layout.central);
    this.limiter = new RateLimiter(this.now);
    const newest = this.db.prepare('SELECT MAX(ts) AS ts FROM (SELECT MAX(ts) AS ts FROM messages UNION ALL SELECT MAX(ts) FROM results)').get() as { ts: number | null };
    this.lastStamp = newest.ts ?? 0;
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
   * The one write path: the change and its audit row commit together (synchronous=FULL, so an acknowledged
   * write is on disk), then the event goes out and read-model caches are invalidated.
   */
  write<T>(apply: () => { result: T; effect: WriteEffect }): T {
    const { result, row } = this.db.transaction(() => {
      const { result, effect } = apply();
      const ts = this.now();
      const detail = JSON.stringify(effect.detail ?? {});
      const id = this.audit.record(ts, effect.actor, effect.action, effect.target, detail);
      return { result, row: { id, ts, actor: effect.actor, action: effect.action, target: effect.target, detail } satisfies AuditRow };
    })();
    this.version++;
    this.events.publish(this.eventOf(row));
    return result;
  }

  close(): void {
    this.events.close();
    if (this.db.open) {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.close();
    }
  }
}
