// What the hub's domain modules need from it: the record's stores, the one write path, the clock, events and config.
import type { HubConfig } from '../shared/config';
import type { DataLayout } from '../platform/data-folder';
import type { ChallengeState } from './challenge';
import type { EventStream, HubEvent } from './event-stream';
import type { GpuLease } from './jobs/gpu-lease';
import type { RateLimiter } from './rate-limiter';
import type { AgentStore } from './store/agent-store';
import type { AuditLog, AuditRow } from './store/audit-log';
import type { ChannelStore } from './store/channel-store';
import type { JobStore } from './store/job-store';
import type { MessageStore } from './store/message-store';
import type { ResultStore } from './store/result-store';
import type { TaskforceStore } from './store/taskforce-store';
import type { TraceStore } from './store/trace-store';
import type { MirrorStore } from './store/mirror-store';
import type { Workspace } from './workspace';

/** What a write did, for the audit log and the event it announces. */
export interface WriteEffect {
  actor: string;
  action: string;
  target: string;
  detail?: Record<string, unknown>;
}

/** The tables of the record. Reads go to them directly; changes only inside `write`. */
export interface HubStores {
  readonly agents: AgentStore;
  readonly messages: MessageStore;
  readonly results: ResultStore;
  readonly taskforces: TaskforceStore;
  readonly channels: ChannelStore;
  readonly jobs: JobStore;
  readonly traces: TraceStore;
  readonly audit: AuditLog;
  /** Copies of the public collabs this hub follows (read-only; written by the mirror service). */
  readonly mirrorRecord: MirrorStore;
}

/**
 * The single writer. Every change to the record runs inside `write`, so it is audited, committed durably before it
 * is acknowledged, and announced once; domain modules never touch the database themselves.
 */
export interface WritePath {
  write<T>(apply: () => { result: T; effect: WriteEffect }): Promise<T>;
  /** An audit entry (and its event) for a change that lives in files, not in the record. */
  note(effect: WriteEffect): Promise<void>;
  /** A stamp time for a new record: strictly after the last one, so stamped filenames sort in write order. */
  stampTime(): number;
}

/** The organizer as the record knows it: who writes as `human-*`, and the hash its token is checked against. */
export interface OrganizerIdentity {
  readonly organizerHandle: string;
  readonly organizerTokenHash: string;
}

/** Counters that move with the record, so read models can cache against them. */
export interface RecordVersions {
  /** Bumped by every write. */
  readonly version: number;
  /** Bumped only by writes that can change a ranking (results and verdicts). */
  readonly resultsVersion: number;
}

/** Everything a domain module may need; each module names the narrower part it uses where it can. */
export interface HubContext extends HubStores, WritePath, OrganizerIdentity, RecordVersions {
  readonly config: HubConfig;
  readonly layout: DataLayout;
  /** The clock every stamp, quota window and verdict time is read from (tests pass their own). */
  readonly now: () => number;
  readonly events: EventStream;
  readonly workspace: Workspace;
  readonly challenge: ChallengeState;
  readonly limiter: RateLimiter;
  readonly lease: GpuLease;
  /**
   * Whether writes without a token are accepted, identity derived as the public collab derives it: only on a hub
   * served on loopback without `strict_identity` (see identity.ts).
   */
  readonly tokenlessWrites: boolean;
  /** The event a committed write announced, as a reconnecting reader is sent it again. */
  eventOf(row: AuditRow): HubEvent;
}
