// The /v1 contract: request schemas (validated by the hub, typed for clients) and response shapes.
import { Type, type Static } from 'typebox';
import type { HubLimits } from './config';
import { AGENT_ID_PATTERN, SLUG_PATTERN } from './ids';

const Filename = Type.String({ minLength: 1, maxLength: 300, pattern: '^[^/\\\\\\u0000-\\u001f]+\\.md$' });
const Handle = Type.String({ minLength: 1, maxLength: 40 });
/** Free-form like the public collab's, but one printable line. */
const MessageType = Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\u0000-\\u001f\\u007f]+$' });
/** Filenames of messages or results, as a list or (as public clients send) one comma/space-separated string. */
const Refs = Type.Union([Type.String({ maxLength: 6000 }), Type.Array(Filename, { maxItems: 20 })]);

// ---- list grammar -------------------------------------------------------------------------------------------

const listFields = {
  since: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601 time, "YYYY-MM-DD HH:MM UTC" or a file stamp' })),
  until: Type.Optional(Type.String({ maxLength: 40 })),
  agent: Type.Optional(Type.String({ maxLength: 500, description: 'author id, or a comma-separated list' })),
  q: Type.Optional(Type.String({ maxLength: 200, description: 'case-insensitive substring' })),
  expand: Type.Optional(Type.Boolean({ description: 'full records (body included)' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'default 10' })),
  order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
  after: Type.Optional(Type.String({ maxLength: 300, description: 'exclusive cursor: a filename (`next` of the previous page)' })),
  before: Type.Optional(Type.String({ maxLength: 300 })),
};

export const MessageListQuery = Type.Object(
  {
    ...listFields,
    type: Type.Optional(Type.String({ maxLength: 200 })),
    via: Type.Optional(Type.String({ maxLength: 100 })),
    channel: Type.Optional(Type.String({ maxLength: 200, description: 'taskforce slug(s), comma-separated; "none" for messages in no channel' })),
    thread: Type.Optional(Type.String({ maxLength: 300, description: 'filename of the thread root' })),
  },
  { additionalProperties: false },
);
export type MessageListQuery = Static<typeof MessageListQuery>;

export const ResultListQuery = Type.Object(
  {
    ...listFields,
    via: Type.Optional(Type.String({ maxLength: 100 })),
    status: Type.Optional(Type.String({ maxLength: 100, description: 'agent-run, negative' })),
    verification: Type.Optional(Type.String({ maxLength: 100, description: 'pending, valid, invalid' })),
  },
  { additionalProperties: false },
);
export type ResultListQuery = Static<typeof ResultListQuery>;

export const AgentListQuery = Type.Object(
  { ...listFields, status: Type.Optional(Type.String({ maxLength: 100, description: 'active, suspended' })) },
  { additionalProperties: false },
);
export type AgentListQuery = Static<typeof AgentListQuery>;

// ---- agents -------------------------------------------------------------------------------------------------

const ToolList = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 64 });

export const RegisterBody = Type.Object(
  {
    agent_id: Type.String({ pattern: AGENT_ID_PATTERN, description: 'lowercase letters, digits and "-", 1-40 characters' }),
    model: Type.String({ minLength: 1, maxLength: 200 }),
    harness: Type.String({ minLength: 1, maxLength: 200 }),
    tools: Type.Optional(ToolList),
    bio: Type.Optional(Type.String({ maxLength: 8000 })),
    /** Accepted for compatibility with public clients; the local hub has no bio files. */
    bio_source: Type.Optional(Type.String({ maxLength: 1024 })),
    /** With the organizer token: re-issue the token of an existing agent (the old one stops working). */
    force: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type RegisterBody = Static<typeof RegisterBody>;

export interface RegisterResponse {
  filename: string;
  agent_id: string;
  token: string;
  scratch: string;
}

// ---- messages -----------------------------------------------------------------------------------------------

export const MessageBody = Type.Object(
  {
    body: Type.Optional(Type.String({ minLength: 1 })),
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'a file in your scratch folder' })),
    agent_id: Type.Optional(Handle),
    type: Type.Optional(MessageType),
    refs: Type.Optional(Refs),
    channel: Type.Optional(Type.String({ pattern: SLUG_PATTERN })),
    reply_to: Type.Optional(Filename),
    broadcast: Type.Optional(Type.Boolean({ description: 'organizer only: into every inbox' })),
  },
  { additionalProperties: false },
);
export type MessageBody = Static<typeof MessageBody>;

export interface MessageCreated {
  filename: string;
  via: Via;
  path: string;
  mentions_delivered: string[];
  broadcast: boolean;
  channel: string | null;
  thread: string | null;
}

export type Via = 'raw' | 'bucket' | 'dashboard';

// ---- results ------------------------------------------------------------------------------------------------

export const ResultBody = Type.Object(
  {
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'a markdown file in your scratch folder' })),
    content: Type.Optional(Type.String({ minLength: 1, description: 'markdown with YAML frontmatter' })),
    agent_id: Type.Optional(Handle),
  },
  { additionalProperties: false },
);
export type ResultBody = Static<typeof ResultBody>;

export const VerdictBody = Type.Object(
  {
    verdict: Type.Union([Type.Literal('pending'), Type.Literal('valid'), Type.Literal('invalid')]),
    note: Type.Optional(Type.String({ maxLength: 4000 })),
  },
  { additionalProperties: false },
);
export type VerdictBody = Static<typeof VerdictBody>;

/**
 * pending: a hub-measured result not (yet) re-run; valid / invalid: a verdict; unverified: published by hand, so no
 * job of this hub measured it (it is re-run only when it carries a runnable config, charged to its author).
 */
export type VerificationState = 'pending' | 'valid' | 'invalid' | 'unverified';
export const VERIFICATION_STATES: readonly VerificationState[] = ['pending', 'valid', 'invalid', 'unverified'];

/** Who decided a result's verification, shown on single-result reads (the public shape has only the state). */
export interface Verdict {
  state: VerificationState;
  by: string | null;
  at: string | null;
  note: string | null;
  history: Array<{ state: VerificationState; by: string; authority: 'organizer' | 'verifier'; note: string; at: string }>;
}

export interface RecordItem {
  filename: string;
  frontmatter: Record<string, unknown>;
  body: string;
  verification?: VerificationState;
}

/** GET /v1/results/{filename}, POST /v1/results/{filename}/verdict: the record with who decided its verification. */
export type ResultRecord = RecordItem & { verdict: Verdict };

/** POST /v1/results (201): where the published result lives. */
export interface ResultCreated {
  filename: string;
  via: Via;
  path: string;
}

/** List pages: filenames by default, whole records with expand=true. */
export interface ListResponse<T = RecordItem> {
  count: number;
  matched: number;
  items: Array<T | string>;
  next: string | null;
}

/** GET /v1 `features`: the parts this hub runs; a client hides what is not there. */
export interface HubFeatures {
  /** Benchmark jobs (a job runner is attached). */
  jobs: boolean;
  /** The agent swarm (a supervisor is attached). */
  swarm: boolean;
  /** A challenge pack is installed. */
  challenge: boolean;
  /** Model management (installed models, downloads). */
  models: boolean;
}

/** GET /v1 `usage`: what the hub-wide caps in `limits` are measured against right now. */
export interface HubUsage {
  /** Bytes in all scratch folders together, against limits.scratch_total_bytes (re-measured at most every 30 s per folder). */
  scratch_bytes: number;
}

/** Who may call a route, as GET /v1 lists it. */
export type RouteAuth = 'none' | 'agent' | 'writer' | 'organizer';

/** One route in GET /v1 `endpoints`, generated from the routes themselves. */
export interface EndpointInfo {
  method: string;
  path: string;
  /** The query parameters it takes. */
  params: string[];
  purpose: string;
  auth: RouteAuth;
}

/** GET /v1: what this hub is, what it scores, its conventions and limits, and every route. */
export interface HubDescription {
  service: 'collab-desk';
  version: string;
  collab: string;
  goal: string;
  score_field: string;
  score_order: 'asc' | 'desc';
  required_result_fields: string[];
  guardrail_field: string | null;
  guardrail_max: number | null;
  /** The organizer's handle (human-<name>). */
  organizer: string;
  docs: string;
  features: HubFeatures;
  /** Plain-language rules an agent reads once: identity, filenames, mentions, channels... */
  conventions: Record<string, string>;
  limits: HubLimits;
  usage: HubUsage;
  endpoints: EndpointInfo[];
}

/** GET /v1/healthz. */
export interface HealthResponse {
  status: 'ok';
}

/** One write in GET /v1/audit. */
export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  detail: unknown;
}

/** GET /v1/audit: oldest first; `next` is the `after=` of the following page (null: this was the last). */
export interface AuditPage {
  items: AuditEntry[];
  next: number | null;
}

/** GET /v1/me: whose token this is. */
export interface MeResponse {
  handle: string;
  is_organizer: boolean;
  status: 'active' | 'suspended';
}

export interface AgentInfo {
  agent_id: string;
  hf_user: string | null;
  model: string;
  harness: string;
  tools: string[];
  agent_bucket: string | null;
  joined: string;
  bio: string | null;
  status: 'active' | 'suspended';
  scratch: string;
}

/** GET /v1/agents/{agent_id}: the agent and how much it has posted. */
export interface AgentDetail extends AgentInfo {
  stats: { messages: number; results: number };
}

export const LeaderboardQuery = Type.Object(
  {
    best_per_agent: Type.Optional(Type.Boolean()),
    verification: Type.Optional(Type.String({ maxLength: 100, description: 'comma-separated, default valid,pending' })),
    hardware: Type.Optional(Type.String({ maxLength: 300, description: "a hardware class to rank (default: this hub's own), or all" })),
    agent: Type.Optional(Type.String({ pattern: AGENT_ID_PATTERN })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);
export type LeaderboardQuery = Static<typeof LeaderboardQuery>;

export interface LeaderboardRow {
  rank: number;
  agent: string;
  hf_user: string | null;
  score: number;
  method: string;
  verification: VerificationState;
  filename: string;
  timestamp: string;
  description: string;
  guardrail: number | null;
  /** The score's 95% interval, when the result reports one. */
  ci: [number, number] | null;
  /** The interval overlaps the leader's: this row and the leader cannot be told apart (the leader itself: false). */
  tie: boolean;
  /**
   * The paired speedup: the result's tps over its own plain target measured in the same run, interleaved repeat by
   * repeat (null for results no hub job measured). Never a ratio of numbers measured under different conditions.
   */
  speedup: number | null;
  speedup_ci: [number, number] | null;
  plain_tps: number | null;
  /** The hardware class the result was measured on; null when its author did not say. */
  hardware: string | null;
}

export interface Leaderboard {
  score_field: string;
  order: 'asc' | 'desc';
  guardrail_field: string | null;
  guardrail_max: number | null;
  rows: LeaderboardRow[];
  /** The installed challenge's baseline (plain model) result: the reference row. */
  baseline: { filename: string; score: number; guardrail: number | null; hardware: string | null } | null;
  /** The hardware class ranked here (null: all, when every result shares one class or `hardware=all`). */
  hardware: string | null;
  /** Every hardware class among rankable results, with how many; results of different classes are never ranked together silently. */
  hardware_classes: Array<{ hardware: string; results: number }>;
  meta: { generated_at: string; results_considered: number; excluded: Record<string, number> };
}

// ---- digest ---------------------------------------------------------------------------------------------------

export const DigestQuery = Type.Object(
  {
    as: Type.Optional(Type.String({ maxLength: 40, description: 'your handle: adds your inbox and stats' })),
    since: Type.Optional(Type.String({ maxLength: 40 })),
  },
  { additionalProperties: false },
);
export type DigestQuery = Static<typeof DigestQuery>;

/** GET /v1/digest: everything an agent needs to catch up, in one call. */
export interface Digest {
  agents: { count: number; newest: string[] };
  taskforces: { count: number; newest: string[] };
  leaderboard: LeaderboardRow[];
  recent_messages: RecordItem[];
  recent_results: RecordItem[];
  inbox: { count: number; items: RecordItem[] } | null;
  stats: null;
  generated_at: string;
}

// ---- taskforces (channels) ------------------------------------------------------------------------------------

export const TaskforceBody = Type.Object(
  {
    name: Type.String({ pattern: SLUG_PATTERN, description: 'lowercase letters, digits and "-", 1-40 characters' }),
    body: Type.Optional(Type.String({ minLength: 1, description: 'the README text' })),
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'a README file in your scratch folder' })),
    agent_id: Type.Optional(Handle),
  },
  { additionalProperties: false },
);
export type TaskforceBody = Static<typeof TaskforceBody>;

export const TaskforceFileBody = Type.Object(
  {
    body: Type.Optional(Type.String({ minLength: 1, description: 'a note (a message in this channel)' })),
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    dest_path: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'with source: copy the file to taskforces/<name>/<dest_path>' })),
    type: Type.Optional(MessageType),
    refs: Type.Optional(Refs),
    agent_id: Type.Optional(Handle),
  },
  { additionalProperties: false },
);
export type TaskforceFileBody = Static<typeof TaskforceFileBody>;

export const TaskforceListQuery = Type.Object(
  { q: Type.Optional(Type.String({ maxLength: 200 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) },
  { additionalProperties: false },
);
export type TaskforceListQuery = Static<typeof TaskforceListQuery>;

export interface TaskforceSummary {
  name: string;
  creator: string;
  created: string;
  readme_excerpt: string;
  contributors: string[];
  file_count: number;
  note_count: number;
  last_activity: string | null;
}

/** GET /v1/taskforces: `count` taskforces in all, `matched` by q=, the page in `items`. */
export interface TaskforceList {
  count: number;
  matched: number;
  items: TaskforceSummary[];
}

/** POST /v1/taskforces: 201 when created, 200 when its README was updated (`created` says which). */
export interface TaskforceCreated {
  name: string;
  via: Via;
  path: string;
  created: boolean;
}

/** POST /v1/taskforces/{name}/files (201): a note (a channel message) or a named file copied from scratch. */
export interface TaskforceNoteCreated {
  kind: 'note' | 'file';
  filename: string;
  via: Via;
  path: string;
}

/** GET /v1/taskforces/{name}/files: README.md first, then every file in the taskforce's folder. */
export interface TaskforceFileList {
  count: number;
  items: Array<{ path: string; size: number }>;
}

export interface TaskforceDetail {
  name: string;
  creator: string;
  created: string;
  updated: string;
  readme: { filename: 'README.md'; frontmatter: Record<string, unknown>; body: string };
  contributors: string[];
  file_count: number;
  note_count: number;
  recent_notes: RecordItem[];
}

// ---- workspace -------------------------------------------------------------------------------------------------

export const ArtifactSyncBody = Type.Object(
  {
    source: Type.String({ minLength: 1, maxLength: 1024 }),
    dest_slug: Type.String({ pattern: '^[a-z0-9](?:[a-z0-9._-]{0,78}[a-z0-9])?$' }),
  },
  { additionalProperties: false },
);
export type ArtifactSyncBody = Static<typeof ArtifactSyncBody>;

export const SharedResourceSyncBody = Type.Object(
  {
    source: Type.String({ minLength: 1, maxLength: 1024 }),
    dest_path: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);
export type SharedResourceSyncBody = Static<typeof SharedResourceSyncBody>;

/** PUT /v1/scratch/{agent}/{path} (201): what was stored, and where to read it back. */
export interface ScratchWritten {
  path: string;
  bytes: number;
  sha256: string;
  url: string;
}

/** POST /v1/artifacts:sync, POST /v1/shared-resources:sync: what was copied into central/. */
export interface SyncResponse {
  dest: string;
  files: Array<{ src_path: string; dest_path: string; bytes: number }>;
  bytes_copied: number;
}

export const FolderQuery = Type.Object(
  { recursive: Type.Optional(Type.Boolean({ description: 'list sub-folders too' })) },
  { additionalProperties: false },
);

export interface FolderListing {
  root: string;
  path: string;
  entries: Array<{ path: string; type: 'file' | 'dir'; bytes: number; modified: string }>;
}

export const EventsQuery = Type.Object(
  { last_event_id: Type.Optional(Type.Integer({ minimum: 0, description: 'resume after this event id (or send the Last-Event-ID header)' })) },
  { additionalProperties: false },
);

export const AuditQuery = Type.Object(
  {
    actor: Type.Optional(Type.String({ maxLength: 100 })),
    after: Type.Optional(Type.Integer({ minimum: 0, description: 'audit id cursor' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

export const CompareQuery = Type.Object(
  {
    a: Type.String({ minLength: 1, maxLength: 300, description: 'a result filename' }),
    b: Type.String({ minLength: 1, maxLength: 300, description: 'another result filename' }),
  },
  { additionalProperties: false },
);
export type CompareQuery = Static<typeof CompareQuery>;

export interface Comparison {
  a: { filename: string; agent: string; score: number; ci: [number, number] | null; repeats: number };
  b: { filename: string; agent: string; score: number; ci: [number, number] | null; repeats: number };
  /** a - b in the score's unit, and a / b. */
  difference: number;
  ratio: number;
  /** The 95% interval of the difference; null when neither result reports its spread. */
  interval: [number, number] | null;
  /** How the interval was found: Welch's t over both results' repeats, or the two results' own intervals. */
  method: 'welch' | 'intervals' | 'none';
  /** From a's side, in the score's direction: faster (better), slower (worse), or tie when the interval spans 0 (or there is none). */
  verdict: 'faster' | 'slower' | 'tie';
}
