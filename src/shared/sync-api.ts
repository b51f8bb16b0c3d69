// The sync contract: the organizer's /v1/sync routes (sign-in, connected collabs, agents on them, preview, publish,
// the outbox), and the seams between the hub and the sync service (SyncControl, OutboxRecord).
import { Type, type Static } from 'typebox';
import { Closed, Nullable, OpenRecord } from './response-schema';

// ---- sign-in -------------------------------------------------------------------------------------------------

/** A device-code sign-in under way: the person opens `verification_uri` and types `user_code`. */
export const DeviceLogin = Closed({
  user_code: Type.String(),
  verification_uri: Type.String(),
  verification_uri_complete: Nullable(Type.String()),
  expires_at: Type.String({ description: 'ISO time the code stops working' }),
});
export type DeviceLogin = Static<typeof DeviceLogin>;

/** A browser sign-in under way (OAuth code + PKCE on a loopback redirect): the person opens `authorize_url`. */
export const BrowserLogin = Closed({
  authorize_url: Type.String({
    description: "the Hub's authorize page (holds the PKCE challenge and state, no secret)",
  }),
  expires_at: Type.String({ description: 'ISO time the hub stops waiting for the browser' }),
});
export type BrowserLogin = Static<typeof BrowserLogin>;

export const SignedIn = Closed({
  user: Type.String({ description: 'the Hugging Face user name' }),
  orgs: Type.Array(Type.String()),
  source: Type.String({ description: 'where the token was found, in words (never the token)' }),
});
export type SignedIn = Static<typeof SignedIn>;

/**
 * POST /v1/sync/login: `{}` starts a device-code sign-in; `{token}` signs in with a pasted token (checked first);
 * `{browser: true}` starts a browser sign-in (the hub listens on loopback for the Hub's redirect).
 */
export const SyncLoginBody = Type.Object(
  {
    token: Type.Optional(Type.String({ minLength: 8, maxLength: 400 })),
    browser: Type.Optional(Type.Boolean({ description: 'sign in in the browser (OAuth code + PKCE, loopback)' })),
  },
  { additionalProperties: false },
);
export type SyncLoginBody = Static<typeof SyncLoginBody>;

export const SyncLoginResponse = Closed({
  signed_in: Nullable(SignedIn),
  device_login: Nullable(DeviceLogin),
  /** Present when `{browser: true}` started a browser sign-in. */
  browser_login: Type.Optional(Nullable(BrowserLogin)),
});
export type SyncLoginResponse = Static<typeof SyncLoginResponse>;

/** POST /v1/sync/logout: the token file this machine's sign-in wrote, if it removed one, and the logins it left alone. */
export const SyncLogoutResponse = Closed({
  removed: Nullable(Type.String({ description: 'where the removed login was, in words (never the token)' })),
  left: Type.Array(Type.String({ description: 'logins found elsewhere and left as they are, in words' })),
});
export type SyncLogoutResponse = Static<typeof SyncLogoutResponse>;

// ---- collabs and agents on them -------------------------------------------------------------------------------

/** A local name for an identity on a public collab: registered from this machine, its bucket `{org}/{slug}-{agent_id}`. */
export const CollabAgent = Closed({
  agent_id: Type.String(),
  bucket: Type.String({ description: 'org/name of its scratch bucket on the Hugging Face Hub' }),
  hf_user: Nullable(Type.String()),
  model: Type.String(),
  harness: Type.String(),
  registered_at: Type.String(),
});
export type CollabAgent = Static<typeof CollabAgent>;

export const SyncCollab = Closed({
  id: Type.String({ description: 'org/collab' }),
  title: Nullable(Type.String()),
  api_url: Type.String(),
  dashboard_url: Nullable(Type.String()),
  central_bucket: Type.String(),
  score_field: Type.String(),
  score_unit: Nullable(Type.String()),
  score_order: Type.Union([Type.Literal('asc'), Type.Literal('desc')]),
  required_result_fields: Nullable(Type.Array(Type.String())),
  limits: Nullable(OpenRecord),
  runs_jobs: Type.Boolean(),
  /**
   * The collab ranks only figures measured on its own hardware (it runs jobs): a figure measured here is published
   * as exploratory there, and says so.
   */
  fixed_hardware: Type.Boolean(),
  docs: Nullable(Type.String()),
  rules_url: Nullable(Type.String()),
  invite_url: Nullable(Type.String()),
  connected_at: Type.String(),
  agents: Type.Array(CollabAgent),
});
export type SyncCollab = Static<typeof SyncCollab>;

/** POST /v1/sync/collabs. */
export const ConnectBody = Type.Object(
  { target: Type.String({ minLength: 1, maxLength: 500, description: 'backend URL, dashboard URL, or org/slug' }) },
  { additionalProperties: false },
);
export type ConnectBody = Static<typeof ConnectBody>;

/** A collab's dashboard Space found on the Hub (tagged agent-collab): POST /v1/sync/collabs connects its dashboard_url. */
export const SyncDiscovered = Closed({
  space: Type.String({ description: 'owner/name of the dashboard Space' }),
  title: Nullable(Type.String({ description: "the Space card's title" })),
  likes: Type.Integer(),
  dashboard_url: Type.String({ description: 'the Space host: the target to connect it by' }),
  updated_at: Type.String(),
  connected: Type.Boolean({ description: 'whether a collab connected here came from this dashboard' }),
  collab: Nullable(Type.String({ description: 'that connected collab (org/collab), when connected' })),
});
export type SyncDiscovered = Static<typeof SyncDiscovered>;

/** GET /v1/sync/discover: most liked first; private and org Spaces too when signed in. */
export const SyncDiscoverList = Closed({ collabs: Type.Array(SyncDiscovered) });
export type SyncDiscoverList = Static<typeof SyncDiscoverList>;

/** POST /v1/sync/agents: register an identity on a connected collab (creating its bucket where the server does not). */
export const CollabRegisterBody = Type.Object(
  {
    collab: Type.String({ minLength: 1, maxLength: 200 }),
    agent_id: Type.String({
      pattern: '^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$',
      description: 'lowercase letters, digits and "-", 1-40 characters, not ending in "-" (as the public collab takes)',
    }),
    model: Type.String({ minLength: 1, maxLength: 200 }),
    harness: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type CollabRegisterBody = Static<typeof CollabRegisterBody>;

// ---- publishing ----------------------------------------------------------------------------------------------

/**
 * POST /v1/sync/preview, and POST /v1/sync/publish with the preview's digest. Exactly one of `result` (a local
 * result) and `job` (a collab job launched with `collab-desk sync run`, published from its summary.json).
 */
export const PublishBody = Type.Object(
  {
    result: Type.Optional(Type.String({ minLength: 1, maxLength: 300, description: 'the local result filename' })),
    job: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 300,
        description: "a completed collab job's id, or its run prefix runs/...: publish the collab's own measurement",
      }),
    ),
    collab: Type.String({ minLength: 1, maxLength: 200, description: 'a connected collab (org/collab)' }),
    agent: Type.String({ minLength: 1, maxLength: 40, description: 'an agent registered on it from this machine' }),
    bundle: Type.Optional(Type.Boolean({ description: 'send the run bundle through artifacts:sync (default true)' })),
    message: Type.Optional(Type.String({ minLength: 1, maxLength: 4000, description: 'a board post to send with it' })),
    trace: Type.Optional(
      Type.Union([Type.Literal('stats'), Type.Literal('full')], {
        description:
          "share the agent's session trace with the result through /v1/traces: stats (token and tool-call counts) or full (+ the native log)",
      }),
    ),
    trace_session: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description:
          "which of the agent's shared sessions (GET /v1/traces?agent=); default: the one whose result_ref names the result",
      }),
    ),
    digest: Type.Optional(
      Type.String({ pattern: '^[0-9a-f]{64}$', description: "publish: the preview's digest (what was shown is sent)" }),
    ),
  },
  { additionalProperties: false },
);
export type PublishBody = Static<typeof PublishBody>;

export const PreviewFile = Closed({
  path: Type.String({ description: 'the path in the agent bucket' }),
  bytes: Type.Integer(),
  sha256: Type.String(),
  text: Nullable(Type.String({ description: 'the content, for text files up to 64 KiB' })),
});
export type PreviewFile = Static<typeof PreviewFile>;

export const PlannedCall = Closed({
  method: Type.String(),
  path: Type.String(),
  body: OpenRecord,
});
export type PlannedCall = Static<typeof PlannedCall>;

/** Exactly what leaves the machine when this is published, and what stays. */
export const PublishPreview = Closed({
  digest: Type.String({ description: 'sha256 of the plan: publish sends it back, and nothing else is sent' }),
  collab: Type.String(),
  agent: Type.String(),
  bucket: Type.String(),
  result: Type.String({ description: 'the local result' }),
  status: Type.String({
    description: 'the status the public result carries (exploratory where the collab fixes its hardware)',
  }),
  notice: Nullable(Type.String({ description: 'why it is exploratory there, in words' })),
  files: Type.Array(PreviewFile),
  calls: Type.Array(PlannedCall),
  withheld: Type.Array(Type.String({ description: 'what stays on this machine, and why' })),
  bytes: Type.Integer(),
});
export type PublishPreview = Static<typeof PublishPreview>;

// ---- the outbox ----------------------------------------------------------------------------------------------

export const OutboxState = Type.Union([
  Type.Literal('queued'),
  Type.Literal('sending'),
  Type.Literal('sent'),
  Type.Literal('failed'),
  Type.Literal('cancelled'),
]);
export type OutboxState = Static<typeof OutboxState>;

export const OutboxStepName = Type.Union([
  Type.Literal('upload'),
  Type.Literal('promote'),
  Type.Literal('artifacts'),
  Type.Literal('trace'),
  Type.Literal('message'),
]);
export type OutboxStepName = Static<typeof OutboxStepName>;

export const OutboxStep = Closed({
  step: OutboxStepName,
  done: Type.Boolean(),
  detail: Nullable(Type.String({ description: 'what the collab answered (a filename, a folder)' })),
});
export type OutboxStep = Static<typeof OutboxStep>;

export const OutboxError = Closed({
  code: Type.String(),
  message: Type.String(),
  next: Type.String({ description: 'what to do about it' }),
});
export type OutboxError = Static<typeof OutboxError>;

export const OutboxItem = Closed({
  id: Type.String(),
  collab: Type.String(),
  agent: Type.String(),
  result: Type.String(),
  state: OutboxState,
  steps: Type.Array(OutboxStep),
  attempts: Type.Integer(),
  next_attempt_at: Nullable(
    Type.String({ description: 'when a queued item is tried again (after a 429 or an error)' }),
  ),
  error: Nullable(OutboxError),
  public_filename: Nullable(Type.String()),
  public_url: Nullable(Type.String()),
  bytes: Type.Integer(),
  created_at: Type.String(),
  updated_at: Type.String(),
});
export type OutboxItem = Static<typeof OutboxItem>;

export const OutboxList = Closed({ items: Type.Array(OutboxItem) });
export type OutboxList = Static<typeof OutboxList>;

/** GET /v1/sync/outbox: the newest items first. */
export const OutboxQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'how many items (default 50)' })) },
  { additionalProperties: false },
);
export type OutboxQuery = Static<typeof OutboxQuery>;

export const SyncStatus = Closed({
  signed_in: Nullable(SignedIn),
  /** Why the login found could not be used (revoked, unreachable Hub), when it could not. */
  sign_in_problem: Nullable(Type.String()),
  device_login: Nullable(DeviceLogin),
  /** A browser sign-in the hub is waiting on (absent from hubs without it). */
  browser_login: Type.Optional(Nullable(BrowserLogin)),
  collabs: Type.Array(SyncCollab),
  outbox: Closed({
    queued: Type.Integer(),
    sending: Type.Integer(),
    sent: Type.Integer(),
    failed: Type.Integer(),
    cancelled: Type.Integer(),
  }),
});
export type SyncStatus = Static<typeof SyncStatus>;

// ---- the seams -----------------------------------------------------------------------------------------------

/** What the hub hands the sync service to publish: a result of its record and its run bundle, already checked for held-out prompts. */
export interface PublishMaterial {
  result: {
    filename: string;
    agent: string;
    score: number;
    status: string;
    hardware: string | null;
    measurement: string | null;
    verification: string;
    frontmatter: Record<string, unknown>;
    body: string;
    ts: number;
  };
  /** Files of the run bundle (config.json, output.json, provenance.json, log.txt), relative names. */
  bundle: { path: string; content: string }[];
  /** What the hub kept back, in words ("the private split's figures", "the job's working files"). */
  withheld: string[];
  /**
   * Measured by a job on the collab's own hardware (its summary.json): not exploratory, and artifacts:sync copies
   * the job's run folder, already in the agent's bucket, instead of an uploaded bundle.
   */
  measured_by_collab?: {
    job_id: string;
    run_prefix: string;
    job_url: string | null;
    /**
     * Set when the job ran with the collab's harness on the user's own Hugging Face Jobs (hf-jobs.ts), not on the
     * collab's hardware: the collab did not measure it, so it is published as exploratory, saying where it ran.
     */
    own_hf_job?: { flavor: string; hardware: string };
  };
  /**
   * The agent's session trace to share with it (POST /v1/traces), already checked like the result: the manifest's
   * own fields (the hub's stamps taken off: the public collab stamps its own) and, for `full`, the native log.
   */
  trace?: {
    session_id: string;
    share: 'stats' | 'full';
    frontmatter: Record<string, unknown>;
    body: string;
    log: { name: string; content: string } | null;
  };
}

/** One row of the outbox in the record: the sync service's state, which only the hub's store writes to disk. */
export interface OutboxRow {
  id: string;
  collab: string;
  agent: string;
  result: string;
  state: OutboxState;
  /** The plan: files (in the outbox folder) and calls, as JSON; written before the first attempt. */
  plan: string;
  steps: OutboxStep[];
  attempts: number;
  next_attempt_at: number | null;
  error: OutboxError | null;
  public_filename: string | null;
  public_url: string | null;
  bytes: number;
  created_at: number;
  updated_at: number;
}

/** The outbox's durable rows; the hub's record implements it (every write committed before it returns). */
export interface OutboxRecord {
  insert(row: OutboxRow): void;
  update(id: string, patch: Partial<Omit<OutboxRow, 'id' | 'created_at'>>): void;
  get(id: string): OutboxRow | null;
  /** Newest first. */
  list(limit: number): OutboxRow[];
  /** Items still to do (queued or sending), oldest first: what a restarted hub resumes. */
  unfinished(): OutboxRow[];
  /** How many items are in each state (counted by the record, not by reading the rows). */
  counts(): Record<OutboxState, number>;
}

/** The sync service as the hub's routes call it. Refusals are CodedErrors (SyncError carries its code and next step). */
export interface SyncControl {
  status(): Promise<SyncStatus>;
  login(body: SyncLoginBody): Promise<SyncLoginResponse>;
  logout(): Promise<{ removed: string | null; left: string[] }>;
  connect(target: string): Promise<SyncCollab>;
  /** The collab dashboards on the Hub (Spaces tagged agent-collab), read with the signed-in token when there is one. */
  discover(): Promise<SyncDiscoverList>;
  register(body: CollabRegisterBody): Promise<CollabAgent>;
  /** `material` is null for a body with `job`: the service builds it from the job's summary.json. */
  preview(material: PublishMaterial | null, body: PublishBody): Promise<PublishPreview>;
  /** Queues it (the row committed before this returns) and starts sending; refuses when `digest` is not the preview's. */
  publish(material: PublishMaterial | null, body: PublishBody): Promise<OutboxItem>;
  outbox(limit?: number): OutboxItem[];
  retry(id: string): OutboxItem;
  cancel(id: string): OutboxItem;
  /** Hears every change of an outbox item (the hub's event stream forwards them to the dashboard). */
  onChange(listener: (item: OutboxItem) => void): () => void;
  close(): Promise<void>;
}
