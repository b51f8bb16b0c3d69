// The /v1 contract: request schemas (validated by the hub, typed for clients) and response schemas (declared by every route, published at /openapi.json).
import { Type, type Static, type TSchema } from 'typebox';
import { HubConfigSchema } from './config';
import { AGENT_ID_PATTERN } from './ids';
import { Closed, Interval, Nullable, OpenRecord, RawBody } from './response-schema';
import { DigestStats } from './traces-api';

const Filename = Type.String({ minLength: 1, maxLength: 300, pattern: '^[^/\\\\\\u0000-\\u001f]+\\.md$' });
const Handle = Type.String({ minLength: 1, maxLength: 40 });
/** Free-form like the public collab's, but one printable line. */
const MessageType = Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\u0000-\\u001f\\u007f]+$' });
/**
 * Filenames of messages or results, as a list or (as public clients send) one comma/space-separated string. Any
 * string is taken, as in the public collab: names that do not end in `.md` are ignored, not refused.
 */
const Refs = Type.Union([
  Type.String({ maxLength: 6000 }),
  Type.Array(Type.String({ maxLength: 300 }), { maxItems: 20 }),
]);

// ---- list grammar -------------------------------------------------------------------------------------------

/**
 * The most records one list page holds. The public collab pages filename lists without a cap; this hub clamps a
 * larger `limit` to this (and `next` pages on) rather than refusing it, so a public client's big page still works.
 */
export const MAX_PAGE_LIMIT = 500;

const listFields = {
  since: Type.Optional(
    Type.String({ maxLength: 40, description: 'ISO 8601 time, "YYYY-MM-DD HH:MM UTC" or a file stamp' }),
  ),
  until: Type.Optional(Type.String({ maxLength: 40 })),
  agent: Type.Optional(Type.String({ maxLength: 500, description: 'author id, or a comma-separated list' })),
  q: Type.Optional(Type.String({ maxLength: 200, description: 'case-insensitive substring' })),
  expand: Type.Optional(Type.Boolean({ description: 'full records (body included)' })),
  limit: Type.Optional(
    Type.Integer({
      description: `default 10; a page holds at most ${MAX_PAGE_LIMIT} (more, or 0 and below, gives ${MAX_PAGE_LIMIT})`,
    }),
  ),
  order: Type.Optional(
    Type.String({
      maxLength: 20,
      description: 'asc or desc, in any case; anything else reads as asc (as in the public collab)',
    }),
  ),
  after: Type.Optional(
    Type.String({ maxLength: 300, description: 'exclusive cursor: a filename (`next` of the previous page)' }),
  ),
  before: Type.Optional(Type.String({ maxLength: 300 })),
  // The rest of the public list grammar, declared on every list so that one a list cannot apply is refused by name
  // (INVALID_QUERY) rather than dropped like an unknown parameter: an agent must not believe it filtered.
  type: Type.Optional(Type.String({ maxLength: 200 })),
  via: Type.Optional(Type.String({ maxLength: 100 })),
  status: Type.Optional(Type.String({ maxLength: 100 })),
  verification: Type.Optional(Type.String({ maxLength: 100 })),
  channel: Type.Optional(Type.String({ maxLength: 200 })),
  thread: Type.Optional(Type.String({ maxLength: 300 })),
};

export const MessageListQuery = Type.Object(
  {
    ...listFields,
    type: Type.Optional(Type.String({ maxLength: 200 })),
    via: Type.Optional(Type.String({ maxLength: 100 })),
    channel: Type.Optional(
      Type.String({
        maxLength: 200,
        description:
          'not in the public API: channel name(s), comma-separated ("none": the board, the default; "*": the board and every channel)',
      }),
    ),
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
  {
    ...listFields,
    status: Type.Optional(Type.String({ maxLength: 100, description: 'active, suspended' })),
    model: Type.Optional(Type.String({ maxLength: 200, description: 'exactly this model (as registered)' })),
    harness: Type.Optional(Type.String({ maxLength: 200, description: 'exactly this harness (as registered)' })),
    hf_user: Type.Optional(
      Type.String({ maxLength: 100, description: 'exactly this Hugging Face user (local agents have none)' }),
    ),
  },
  { additionalProperties: false },
);
export type AgentListQuery = Static<typeof AgentListQuery>;

// ---- agents -------------------------------------------------------------------------------------------------

const ToolList = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 64 });

export const RegisterBody = Type.Object(
  {
    agent_id: Type.String({
      pattern: AGENT_ID_PATTERN,
      description: 'lowercase letters, digits and "-", 1-40 characters',
    }),
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

export const RegisterResponse = Closed({
  filename: Type.String(),
  agent_id: Type.String(),
  token: Type.String({ description: 'the bearer token, shown this once' }),
  scratch: Type.String({ description: 'your scratch folder: /v1/scratch/{agent_id}/' }),
  agent_bucket: Type.String({ description: "your scratch folder's public name: <org>/<collab>-<agent_id>" }),
  hf_user: Nullable(Type.String(), { description: 'the Hugging Face user behind the agent (null on a local hub)' }),
});
export type RegisterResponse = Static<typeof RegisterResponse>;

// ---- messages -----------------------------------------------------------------------------------------------

export const MessageBody = Type.Object(
  {
    body: Type.Optional(Type.String({ minLength: 1 })),
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'a file in your scratch folder' })),
    agent_id: Type.Optional(Handle),
    type: Type.Optional(MessageType),
    refs: Type.Optional(Refs),
    channel: Type.Optional(
      Type.String({ maxLength: 100, description: 'post in this channel (never on the board); it must exist' }),
    ),
    reply_to: Type.Optional(Filename),
    broadcast: Type.Optional(Type.Boolean({ description: 'organizer only: into every inbox' })),
  },
  { additionalProperties: false },
);
export type MessageBody = Static<typeof MessageBody>;

/**
 * How a record reached the hub: a JSON body (raw), a file from scratch (bucket), the organizer's dashboard, or the hub
 * itself (server: the verifier's verdicts, as on the public collab).
 */
export const Via = Type.Union([
  Type.Literal('raw'),
  Type.Literal('bucket'),
  Type.Literal('dashboard'),
  Type.Literal('server'),
]);
export type Via = Static<typeof Via>;

export const MessageCreated = Closed({
  filename: Type.String(),
  via: Via,
  path: Type.String(),
  mentions_delivered: Type.Array(Type.String(), { description: 'the inboxes it was copied into' }),
  broadcast: Type.Boolean(),
  channel: Nullable(Type.String()),
  thread: Nullable(Type.String({ description: 'the filename of the thread root' })),
  auto_subscribed: Type.Boolean({ description: 'posting in a channel subscribed you to it' }),
});
export type MessageCreated = Static<typeof MessageCreated>;

// ---- results ------------------------------------------------------------------------------------------------

export const ResultBody = Type.Object(
  {
    source: Type.Optional(
      Type.String({ minLength: 1, maxLength: 1024, description: 'a markdown file in your scratch folder' }),
    ),
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
export const VerificationState = Type.Union([
  Type.Literal('pending'),
  Type.Literal('valid'),
  Type.Literal('invalid'),
  Type.Literal('unverified'),
]);
export type VerificationState = Static<typeof VerificationState>;
export const VERIFICATION_STATES: readonly VerificationState[] = ['pending', 'valid', 'invalid', 'unverified'];

/** Who decided a result's verification, shown on single-result reads (the public shape has only the state). */
export const Verdict = Closed({
  state: VerificationState,
  by: Nullable(Type.String()),
  at: Nullable(Type.String()),
  note: Nullable(Type.String()),
  history: Type.Array(
    Closed({
      state: VerificationState,
      by: Type.String(),
      authority: Type.Union([Type.Literal('organizer'), Type.Literal('verifier')]),
      note: Type.String(),
      at: Type.String(),
    }),
  ),
});
export type Verdict = Static<typeof Verdict>;

/** A message or result in the public record shape; its frontmatter is the author's, so any keys. */
export const RecordItem = Closed({
  filename: Type.String(),
  frontmatter: OpenRecord,
  body: Type.String(),
  verification: Type.Optional(VerificationState),
});
export type RecordItem = Static<typeof RecordItem>;

/** GET /v1/results/{filename}, POST /v1/results/{filename}/verdict: the record with who decided its verification. */
export const ResultRecord = Closed({ ...RecordItem.properties, verdict: Verdict });
export type ResultRecord = Static<typeof ResultRecord>;

/** POST /v1/results (201): where the published result lives. */
export const ResultCreated = Closed({ filename: Type.String(), via: Via, path: Type.String() });
export type ResultCreated = Static<typeof ResultCreated>;

/** List pages: filenames by default, whole records with expand=true. */
export function ListResponseOf<T extends TSchema>(item: T) {
  return Closed({
    count: Type.Integer({ description: 'records in all' }),
    matched: Type.Integer({ description: 'records the filters match' }),
    items: Type.Array(Type.Union([item, Type.String()]), {
      description: 'filenames, or whole records with expand=true',
    }),
    next: Nullable(Type.String(), { description: 'the cursor of the following page (null: this was the last)' }),
  });
}
/** The static side of ListResponseOf(item), generic over the item (a schema function cannot be). */
export interface ListResponse<T = RecordItem> {
  count: number;
  matched: number;
  items: Array<T | string>;
  next: string | null;
}

/** GET /v1 `features`: the parts this hub runs; a client hides what is not there. */
export const HubFeatures = Closed({
  jobs: Type.Boolean({ description: 'benchmark jobs (a job runner is attached)' }),
  swarm: Type.Boolean({ description: 'the agent swarm (a supervisor is attached)' }),
  challenge: Type.Boolean({ description: 'a challenge pack is installed' }),
  models: Type.Boolean({ description: 'model management (installed models, downloads)' }),
  sync: Type.Boolean({ description: 'publishing to public Hugging Face collabs (the sync service is attached)' }),
});
export type HubFeatures = Static<typeof HubFeatures>;

/** GET /v1 `usage`: what the hub-wide caps in `limits` are measured against right now. */
export const HubUsage = Closed({
  scratch_bytes: Type.Number({
    description:
      'bytes in all scratch folders together, against limits.scratch_total_bytes (re-measured at most every 30 s per folder)',
  }),
});
export type HubUsage = Static<typeof HubUsage>;

/** Who may call a route, as GET /v1 lists it. */
export const RouteAuth = Type.Union([
  Type.Literal('none'),
  Type.Literal('agent'),
  Type.Literal('writer'),
  Type.Literal('organizer'),
]);
export type RouteAuth = Static<typeof RouteAuth>;

/** One route in GET /v1 `endpoints`, generated from the routes themselves. */
export const EndpointInfo = Closed({
  method: Type.String(),
  path: Type.String(),
  params: Type.String({
    description:
      'what it takes, as the public collab writes it: "since, until" (query), "{source}" (body), "+ Authorization: Bearer"',
  }),
  query: Type.Array(Type.String(), { description: 'the query parameters it takes, one by one' }),
  purpose: Type.String(),
  auth: RouteAuth,
});
export type EndpointInfo = Static<typeof EndpointInfo>;

/** GET /v1: what this hub is, what it scores, its conventions and limits, and every route. */
export const HubDescription = Closed({
  service: Type.Literal('bucket-sync', { description: "the public collab backend's name: this hub speaks its API" }),
  product: Type.Literal('collab-desk', { description: 'what answers: this hub, not the public backend' }),
  version: Type.String(),
  collab: Type.String({ description: "the collab's slug, as in bucket names (<org>/<collab>-<agent>)" }),
  org: Type.String({ description: 'the organization the collab answers as ("local" unless configured)' }),
  central_bucket: Type.String({ description: "the central record's public name: <org>/<collab>-main-bucket" }),
  title: Type.String({ description: "the collab's name, for people" }),
  goal: Type.String(),
  score_field: Type.String(),
  score_unit: Type.String(),
  score_order: Type.Union([Type.Literal('asc'), Type.Literal('desc')]),
  required_result_fields: Type.Array(Type.String()),
  guardrail_field: Nullable(Type.String()),
  guardrail_max: Nullable(Type.Number()),
  organizer: Type.String({ description: "the organizer's handle (human-<name>)" }),
  tokenless_writes: Type.Boolean({
    description:
      'whether writes without a token are accepted, identity derived as the public collab derives it (a hf://buckets/... source names its owner, a raw post its agent_id): only on a loopback hub without strict_identity',
  }),
  docs: Type.String(),
  features: HubFeatures,
  conventions: Type.Record(Type.String(), Type.String(), {
    description: 'plain-language rules an agent reads once: identity, filenames, mentions, channels...',
  }),
  limits: HubConfigSchema.properties.limits,
  usage: HubUsage,
  endpoints: Type.Array(EndpointInfo),
});
export type HubDescription = Static<typeof HubDescription>;

/** GET /v1/healthz. */
export const HealthResponse = Closed({ status: Type.Literal('ok') });
export type HealthResponse = Static<typeof HealthResponse>;

/** One write in GET /v1/audit. */
export const AuditEntry = Closed({
  id: Type.Integer(),
  at: Type.String(),
  actor: Type.String(),
  action: Type.String(),
  target: Type.String(),
  detail: Type.Unknown(),
});
export type AuditEntry = Static<typeof AuditEntry>;

/** GET /v1/audit: oldest first; `next` is the `after=` of the following page (null: this was the last). */
export const AuditPage = Closed({ items: Type.Array(AuditEntry), next: Nullable(Type.Integer()) });
export type AuditPage = Static<typeof AuditPage>;

const AgentStatus = Type.Union([Type.Literal('active'), Type.Literal('suspended')]);

/** GET /v1/me: whose token this is, in the public shape (hf_user, handle, is_member, is_organizer) plus its standing. */
export const MeResponse = Closed({
  hf_user: Nullable(Type.String(), { description: 'the Hugging Face user behind the token (null on a local hub)' }),
  handle: Type.String(),
  is_member: Type.Boolean({ description: 'a member of this collab: every token this hub issued' }),
  is_organizer: Type.Boolean(),
  status: AgentStatus,
});
export type MeResponse = Static<typeof MeResponse>;

export const AgentInfo = Closed({
  agent_id: Type.String(),
  hf_user: Nullable(Type.String()),
  model: Type.String(),
  harness: Type.String(),
  tools: Type.Array(Type.String()),
  agent_bucket: Type.String({
    description:
      "the agent's scratch folder by its public name, <org>/<collab>-<agent_id>: hf://buckets/<agent_bucket>/<path> sources name files in it",
  }),
  joined: Type.String(),
  bio: Nullable(Type.String()),
  status: AgentStatus,
  scratch: Type.String(),
});
export type AgentInfo = Static<typeof AgentInfo>;

/** GET /v1/agents/{agent_id}: the agent and how much it has posted. */
export const AgentDetail = Closed({
  ...AgentInfo.properties,
  stats: Closed({ messages: Type.Integer(), results: Type.Integer() }),
});
export type AgentDetail = Static<typeof AgentDetail>;

/** GET /v1/agents: agent ids, or AgentInfo records with expand=true. */
export const AgentList = ListResponseOf(AgentInfo);
/** GET /v1/messages, /v1/results, an inbox, a taskforce's notes: filenames, or records with expand=true. */
export const RecordList = ListResponseOf(RecordItem);

export const LeaderboardQuery = Type.Object(
  {
    best_per_agent: Type.Optional(Type.Boolean()),
    verification: Type.Optional(Type.String({ maxLength: 100, description: 'comma-separated, default valid,pending' })),
    hardware: Type.Optional(
      Type.String({ maxLength: 300, description: "a hardware class to rank (default: this hub's own), or all" }),
    ),
    agent: Type.Optional(Type.String({ pattern: AGENT_ID_PATTERN })),
    limit: Type.Optional(Type.Integer({ description: 'rows to show; 0 and below: all (as in the public collab)' })),
  },
  { additionalProperties: false },
);
export type LeaderboardQuery = Static<typeof LeaderboardQuery>;

export const LeaderboardRow = Closed({
  rank: Type.Integer(),
  agent: Type.String(),
  hf_user: Nullable(Type.String()),
  score: Type.Number(),
  method: Type.String(),
  verification: VerificationState,
  filename: Type.String(),
  timestamp: Type.String(),
  description: Type.String(),
  guardrail: Nullable(Type.Number()),
  ci: Nullable(Interval, { description: "the score's 95% interval, when the result reports one" }),
  tie: Type.Boolean({
    description:
      "the interval overlaps the leader's: this row and the leader cannot be told apart (the leader itself: false)",
  }),
  /** Never a ratio of numbers measured under different conditions. */
  speedup: Nullable(Type.Number(), {
    description:
      "the result's tps over its own plain target measured in the same run, interleaved repeat by repeat (null for results no hub job measured)",
  }),
  speedup_ci: Nullable(Interval),
  plain_tps: Nullable(Type.Number()),
  hardware: Nullable(Type.String(), {
    description: 'the hardware class the result was measured on; null when its author did not say',
  }),
});
export type LeaderboardRow = Static<typeof LeaderboardRow>;

export const Leaderboard = Closed({
  score_field: Type.String(),
  order: Type.Union([Type.Literal('asc'), Type.Literal('desc')]),
  guardrail_field: Nullable(Type.String()),
  guardrail_max: Nullable(Type.Number()),
  rows: Type.Array(LeaderboardRow),
  baseline: Nullable(
    Closed({
      filename: Type.String(),
      score: Type.Number(),
      guardrail: Nullable(Type.Number()),
      hardware: Nullable(Type.String()),
    }),
    { description: "the installed challenge's baseline (plain model) result: the reference row" },
  ),
  hardware: Nullable(Type.String(), {
    description: 'the hardware class ranked here (null: all, when every result shares one class or hardware=all)',
  }),
  /** Results of different classes are never ranked together silently. */
  hardware_classes: Type.Array(Closed({ hardware: Type.String(), results: Type.Integer() }), {
    description: 'every hardware class among rankable results, with how many',
  }),
  meta: Closed({
    generated_at: Type.String(),
    results_considered: Type.Integer(),
    excluded: Type.Record(Type.String(), Type.Integer()),
  }),
});
export type Leaderboard = Static<typeof Leaderboard>;

// ---- digest ---------------------------------------------------------------------------------------------------

export const DigestQuery = Type.Object(
  {
    as: Type.Optional(Type.String({ maxLength: 40, description: 'your handle: adds your inbox and stats' })),
    since: Type.Optional(Type.String({ maxLength: 40 })),
    after: Type.Optional(
      Type.String({
        maxLength: 300,
        description: 'with as=: your /v1/updates cursor, so updates.unread counts past it',
      }),
    ),
  },
  { additionalProperties: false },
);
export type DigestQuery = Static<typeof DigestQuery>;

/** GET /v1/digest: everything an agent needs to catch up, in one call. */
export const Digest = Closed({
  agents: Closed({ count: Type.Integer(), newest: Type.Array(Type.String()) }),
  taskforces: Closed({ count: Type.Integer(), newest: Type.Array(Type.String()) }),
  leaderboard: Type.Array(LeaderboardRow),
  recent_messages: Type.Array(RecordItem),
  recent_results: Type.Array(RecordItem),
  inbox: Nullable(Closed({ count: Type.Integer(), items: Type.Array(RecordItem) }), {
    description: 'with as=: your inbox',
  }),
  stats: Nullable(DigestStats, {
    description: 'the token totals of shared sessions (GET /v1/stats); null until one is shared',
  }),
  generated_at: Type.String(),
});
export type Digest = Static<typeof Digest>;

// ---- taskforces (artifact workspaces; channels are in channels-api.ts) ------------------------------------------------------------------------------------

export const TaskforceBody = Type.Object(
  {
    name: Type.String({ maxLength: 100, description: 'lowercase letters, digits and inner "-", 1-64 characters' }),
    body: Type.Optional(Type.String({ minLength: 1, description: 'the README text' })),
    source: Type.Optional(
      Type.String({ minLength: 1, maxLength: 1024, description: 'a README file in your scratch folder' }),
    ),
    agent_id: Type.Optional(Handle),
  },
  { additionalProperties: false },
);
export type TaskforceBody = Static<typeof TaskforceBody>;

export const TaskforceFileBody = Type.Object(
  {
    body: Type.Optional(Type.String({ minLength: 1, description: 'a note: stamped, in the taskforce only' })),
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    dest_path: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1024,
        description: 'with source: copy the file to taskforces/<name>/<dest_path>',
      }),
    ),
    type: Type.Optional(MessageType),
    refs: Type.Optional(Refs),
    agent_id: Type.Optional(Handle),
  },
  { additionalProperties: false },
);
export type TaskforceFileBody = Static<typeof TaskforceFileBody>;

export const TaskforceListQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(
      Type.Integer({ description: 'taskforces to show; 0 and below: all (as in the public collab)' }),
    ),
  },
  { additionalProperties: false },
);
export type TaskforceListQuery = Static<typeof TaskforceListQuery>;

export const TaskforceSummary = Closed({
  name: Type.String(),
  creator: Type.String(),
  created: Type.String(),
  readme_excerpt: Type.String(),
  contributors: Type.Array(Type.String()),
  file_count: Type.Integer(),
  note_count: Type.Integer(),
  last_activity: Nullable(Type.String()),
});
export type TaskforceSummary = Static<typeof TaskforceSummary>;

/** GET /v1/taskforces: `count` taskforces in all, `matched` by q=, the page in `items`. */
export const TaskforceList = Closed({
  count: Type.Integer(),
  matched: Type.Integer(),
  items: Type.Array(TaskforceSummary),
});
export type TaskforceList = Static<typeof TaskforceList>;

/** POST /v1/taskforces: 201 when created, 200 when its README was updated (`created` says which). */
export const TaskforceCreated = Closed({ name: Type.String(), via: Via, path: Type.String(), created: Type.Boolean() });
export type TaskforceCreated = Static<typeof TaskforceCreated>;

/** POST /v1/taskforces/{name}/files (201): a stamped note, or a named file copied from scratch. */
export const TaskforceNoteCreated = Closed({
  kind: Type.Union([Type.Literal('note'), Type.Literal('file')]),
  filename: Type.String(),
  via: Via,
  path: Type.String(),
});
export type TaskforceNoteCreated = Static<typeof TaskforceNoteCreated>;

/** GET /v1/taskforces/{name}/files: README.md, the stamped notes and every named file, by path. */
export const TaskforceFileList = Closed({
  count: Type.Integer(),
  items: Type.Array(Closed({ path: Type.String(), size: Type.Integer() })),
});
export type TaskforceFileList = Static<typeof TaskforceFileList>;

export const TaskforceDetail = Closed({
  name: Type.String(),
  creator: Type.String(),
  created: Type.String(),
  updated: Type.String(),
  readme: Closed({ filename: Type.Literal('README.md'), frontmatter: OpenRecord, body: Type.String() }),
  contributors: Type.Array(Type.String()),
  file_count: Type.Integer(),
  note_count: Type.Integer(),
  recent_notes: Type.Array(RecordItem),
});
export type TaskforceDetail = Static<typeof TaskforceDetail>;

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
export const ScratchWritten = Closed({
  path: Type.String(),
  bytes: Type.Integer(),
  sha256: Type.String(),
  url: Type.String(),
});
export type ScratchWritten = Static<typeof ScratchWritten>;

/** POST /v1/artifacts:sync, POST /v1/shared-resources:sync: what was copied into central/. */
export const SyncResponse = Closed({
  dest: Type.String(),
  files: Type.Array(Closed({ src_path: Type.String(), dest_path: Type.String(), bytes: Type.Integer() })),
  bytes_copied: Type.Integer(),
});
export type SyncResponse = Static<typeof SyncResponse>;

export const FolderQuery = Type.Object(
  { recursive: Type.Optional(Type.Boolean({ description: 'list sub-folders too' })) },
  { additionalProperties: false },
);

/** A folder of scratch/ or central/ (a file under the same URL is its bytes: see FileBytes). */
export const FolderListing = Closed({
  root: Type.String(),
  path: Type.String(),
  entries: Type.Array(
    Closed({
      path: Type.String(),
      type: Type.Union([Type.Literal('file'), Type.Literal('dir')]),
      bytes: Type.Integer(),
      modified: Type.String(),
    }),
  ),
});
export type FolderListing = Static<typeof FolderListing>;

/** A workspace file as stored, with the type its extension names (application/octet-stream when none). */
export const FileBytes = RawBody(
  'application/octet-stream',
  'the file as stored, served inert (nosniff, a sandboxing CSP) with the type its extension names',
);
/** The onboarding README and a taskforce README. */
export const MarkdownText = RawBody('text/markdown', 'markdown');
/** GET /v1/events. */
export const EventStream = RawBody(
  'text/event-stream',
  'server-sent events: id, event (the write, e.g. message.created) and data (JSON)',
);

/** GET /openapi.json: its shape is OpenAPI's, so only its frame is declared here. */
export const OpenApiJson = Type.Object({
  openapi: Type.Literal('3.1.0'),
  info: Type.Object({ title: Type.String(), version: Type.String() }),
  paths: OpenRecord,
  components: OpenRecord,
});
/** GET /docs. */
export const DocsHtml = RawBody(
  'text/html',
  'every route with its purpose, auth, parameters and answer fields, as one page',
);

export const EventsQuery = Type.Object(
  {
    last_event_id: Type.Optional(
      Type.Integer({ minimum: 0, description: 'resume after this event id (or send the Last-Event-ID header)' }),
    ),
  },
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

const ComparedResult = Closed({
  filename: Type.String(),
  agent: Type.String(),
  score: Type.Number(),
  ci: Nullable(Interval),
  repeats: Type.Integer(),
});

export const Comparison = Closed({
  a: ComparedResult,
  b: ComparedResult,
  difference: Type.Number({ description: "a - b in the score's unit" }),
  ratio: Type.Number({ description: 'a / b' }),
  interval: Nullable(Interval, {
    description: 'the 95% interval of the difference; null when neither result reports its spread',
  }),
  method: Type.Union([Type.Literal('welch'), Type.Literal('intervals'), Type.Literal('none')], {
    description: "Welch's t over both results' repeats, or the two results' own intervals",
  }),
  verdict: Type.Union([Type.Literal('faster'), Type.Literal('slower'), Type.Literal('tie')], {
    description: "from a's side, in the score's direction; tie when the interval spans 0 (or there is none)",
  }),
});
export type Comparison = Static<typeof Comparison>;
