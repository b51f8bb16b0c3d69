// How stored rows appear on the wire: the public record shape {filename, frontmatter, body, verification?}.
import type { AgentInfo, LeaderboardRow, ListResponse, RecordItem, Verdict } from '../shared/api';
import type { JobInfo } from '../shared/challenge';
import type { HubConfig } from '../shared/config';
import { frontmatterTimestamp } from '../shared/ids';
import { agentBucket } from './collab-names';
import type { HubEvent } from './event-stream';
import type { HubStores } from './hub-context';
import type { ListPage } from './list-query';
import type { AuditRow } from './store/audit-log';
import type { AgentRow } from './store/agent-store';
import type { JobRow } from './store/job-store';
import type { MessageRow } from './store/message-store';
import type { RankRow, ResultRow, VerdictRecord } from './store/result-store';

export function messageItem(row: MessageRow): RecordItem {
  return {
    filename: row.filename,
    frontmatter: JSON.parse(row.frontmatter) as Record<string, unknown>,
    body: row.body,
  };
}

export function resultItem(row: ResultRow): RecordItem {
  return {
    filename: row.filename,
    frontmatter: JSON.parse(row.frontmatter) as Record<string, unknown>,
    body: row.body,
    verification: row.verification,
  };
}

/** An agent as the public collab lists it (its bucket named from this hub's org and slug), plus its standing here. */
export function agentInfo(row: AgentRow, naming: Pick<HubConfig, 'org' | 'collab_slug' | 'title'>): AgentInfo {
  return {
    agent_id: row.agent_id,
    hf_user: null,
    model: row.model,
    harness: row.harness,
    tools: JSON.parse(row.tools) as string[],
    agent_bucket: agentBucket(naming, row.agent_id),
    joined: frontmatterTimestamp(row.registered_at),
    bio: row.bio === '' ? null : row.bio,
    status: row.status,
    scratch: `/v1/scratch/${row.agent_id}/`,
  };
}

/** A list page in the public shape: filenames unless `expand`, then whole records. */
export function listResponse<Row extends { filename: string }, T>(
  page: ListPage<Row>,
  expand: boolean | undefined,
  present: (row: Row) => T,
): ListResponse<T> {
  return {
    count: page.count,
    matched: page.matched,
    items: expand ? page.rows.map(present) : page.rows.map((r) => r.filename),
    next: page.next,
  };
}

export function verdictOf(row: ResultRow, history: VerdictRecord[]): Verdict {
  return {
    state: row.verification,
    by: row.verified_by,
    at: row.verified_at === null ? null : new Date(row.verified_at).toISOString(),
    note: row.verdict_note,
    history: history.map((h) => ({
      state: h.verdict,
      by: h.by,
      authority: h.authority,
      note: h.note,
      at: new Date(h.ts).toISOString(),
    })),
  };
}

export function leaderboardRow(row: RankRow, rank: number, tie = false): LeaderboardRow {
  return {
    rank,
    agent: row.agent,
    hf_user: null,
    score: row.score,
    method: row.method,
    verification: row.verification,
    filename: row.filename,
    timestamp: frontmatterTimestamp(row.ts),
    description: row.description,
    guardrail: row.guardrail,
    ci: row.score_low !== null && row.score_high !== null ? [row.score_low, row.score_high] : null,
    tie,
    speedup: row.speedup,
    speedup_ci: row.speedup_low !== null && row.speedup_high !== null ? [row.speedup_low, row.speedup_high] : null,
    plain_tps: row.plain_score,
    hardware: row.hardware,
  };
}

/**
 * Audit actions whose facts any tokenless GET already shows (the board, results, agents, taskforces, workspace files,
 * jobs, models). Every other row stays the organizer's, like the audit log it comes from: a re-issued token, saved
 * agent defaults, a skipped verification, and any action added later until it is listed here.
 */
const PUBLIC_ACTIONS: ReadonlySet<string> = new Set([
  'message.created',
  'result.created',
  'result.verdict',
  'agent.registered',
  'agent.suspended',
  'agent.reinstated',
  'taskforce.created',
  'taskforce.updated',
  'taskforce.file',
  'taskforce.note',
  'channel.created',
  'channel.updated',
  'channel.subscribed',
  'channel.unsubscribed',
  'scratch.written',
  'scratch.deleted',
  'artifact.synced',
  'shared_resource.synced',
  'trace.shared',
  'job.queued',
  'job.started',
  'job.succeeded',
  'job.failed',
  'job.cancelled',
  'model.installed',
  'model.failed',
  'model.cancelled',
  'model.deleted',
]);

/** How a job appears in its events: as the job queue shows it (a board-only hub has none, and shows no record). */
export type JobPresenter = (row: JobRow) => JobInfo;

/** What a live-stream client receives for a write: the audit facts plus the record as it is now. */
export function recordEvent(
  hub: Pick<HubStores, 'messages' | 'results' | 'jobs' | 'agents'> & { readonly config: HubConfig },
  row: AuditRow,
  presentJob: JobPresenter | null,
): HubEvent {
  const base = {
    actor: row.actor,
    target: row.target,
    at: new Date(row.ts).toISOString(),
    detail: JSON.parse(row.detail) as unknown,
  };
  let record: unknown;
  if (row.action.startsWith('message.')) {
    const m = hub.messages.get(row.target);
    record = m && messageItem(m);
  } else if (row.action.startsWith('result.')) {
    const r = hub.results.get(row.target);
    record = r && resultItem(r);
  } else if (row.action.startsWith('job.')) {
    const j = hub.jobs.get(row.target);
    record = j && presentJob?.(j);
  } else if (row.action.startsWith('agent.')) {
    const a = hub.agents.get(row.target);
    record = a && agentInfo(a, hub.config);
  }
  return {
    id: row.id,
    type: row.action,
    data: record === undefined ? base : { ...base, record },
    ...(PUBLIC_ACTIONS.has(row.action) ? {} : { organizerOnly: true }),
  };
}
