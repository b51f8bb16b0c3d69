// The swarm's contract: agent status, spawn requests, trace steps, the inference host's figures, and the seam the hub calls.
import { Type, type Static } from 'typebox';
import { AGENT_ID_PATTERN } from './ids';

/** A local agent thinks with the inference host; an external one is any agent command line the supervisor spawns. */
export type SwarmAgentKind = 'local' | 'external';

/**
 * starting -> running <-> paused; stopped by the person; crashed (waiting in backoff before a restart);
 * exhausted when its token budget is spent (not restarted); failed when restarts gave up.
 */
export type SwarmAgentState = 'starting' | 'running' | 'paused' | 'stopping' | 'stopped' | 'backoff' | 'exhausted' | 'failed';

export const ROLES = ['explorer', 'tuner', 'skeptic', 'scout'] as const;
export type AgentRole = (typeof ROLES)[number];

export interface SwarmAgentBudget {
  /** Prompt + completion tokens over the agent's life; null = no limit. */
  tokens: number | null;
  /** Benchmark jobs per rolling 24 hours (the hub's own quota still applies on top). */
  jobs_per_day: number;
}

/** How an external agent is confined: bubblewrap (Linux), sandbox-exec (macOS), or none (the organizer accepted the risk). */
export type SandboxKind = 'bubblewrap' | 'sandbox-exec';

/** What a sandboxed agent can read, write and reach, as its card shows it. */
export interface SandboxPolicy {
  kind: SandboxKind | 'none';
  /** Readable beyond its own folder (the system read-only, its prompt, the organizer's grants). */
  read: string[];
  /** Writable: its scratch folder, the organizer's write grants, a private /tmp. */
  write: string[];
  /** Replaced by empty private folders: the data folder (but its own), home folders, /tmp; masked token files. */
  hidden: string[];
  /** Of those, the files masked empty (Hugging Face token files a granted folder would otherwise show). */
  masked: string[];
  processes: string;
  network: string;
}

export interface SwarmAgentStatus {
  agent_id: string;
  kind: SwarmAgentKind;
  role: AgentRole;
  /** The lever of the challenge this agent starts from (see levers.ts); reassigned when too many agents crowd one. */
  direction: string;
  state: SwarmAgentState;
  /** What it is doing now: "thinking", "submit_job", "waiting for the GPU", ... */
  action: string | null;
  steps: number;
  tokens_used: number;
  jobs_submitted: number;
  restarts: number;
  budget: SwarmAgentBudget;
  /** The last thing it posted on the board, or the last line of an external agent's output. */
  last_message: string | null;
  /** Why it stopped, crashed or failed. */
  error: string | null;
  model: string;
  /** The external command line (templated), for external agents. */
  command: string | null;
  started_at: string | null;
  pid: number | null;
  /** External agents: the sandbox it runs in (null for local agents, which have no shell). */
  sandbox: SandboxPolicy | null;
}

export type InferenceState = 'loading' | 'ready' | 'paused' | 'stopped' | 'failed';

export interface InferenceAgentFigures {
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  /** Completion tokens per second of generation time, over the agent's requests. */
  tps: number | null;
}

export interface InferenceStatus {
  state: InferenceState;
  model: string;
  backend: string;
  gpu: string | null;
  sequences: number;
  busy: number;
  queued: number;
  /** The OpenAI-compatible base URL (…/v1); the key is never part of a status. */
  url: string | null;
  rss_bytes: number | null;
  vram_bytes: number | null;
  per_agent: Record<string, InferenceAgentFigures>;
  error: string | null;
}

export interface SwarmStatus {
  agents: SwarmAgentStatus[];
  inference: InferenceStatus | null;
  /** The benchmark job holding the GPU, while inference waits for it. */
  paused_for_job: string | null;
  /** Agents per lever, from their latest jobs: what the supervisor balances. */
  levers: Record<string, number>;
  /** The sandbox external agents get on this machine (null kind: none can start, and why); null until it was tried. */
  sandbox: { kind: SandboxKind | null; reason: string | null } | null;
}

export const SpawnAgentsBody = Type.Object(
  {
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 32, default: 1 })),
    kind: Type.Optional(Type.Union([Type.Literal('local'), Type.Literal('external')])),
    /** External agents: the command line; {prompt_file}, {hub}, {agent} are filled in. */
    command: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
    /** Local agents: the GGUF chat model the inference host loads (default: the hub's agent model). */
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    /** Agent id prefix; ids are <prefix>-<n>. */
    name: Type.Optional(Type.String({ pattern: AGENT_ID_PATTERN, maxLength: 30 })),
    // Type.Enum, not a Union over .map(): a mapped array is not a tuple, and its static type would be lost.
    role: Type.Optional(Type.Enum(ROLES)),
    direction: Type.Optional(Type.String({ maxLength: 40 })),
    budget_tokens: Type.Optional(Type.Integer({ minimum: 1 })),
    jobs_per_day: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    /** Stop after this many steps (local agents): a bounded run. */
    max_steps: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    /** External agents: what the sandbox lets them see beyond their scratch folder (absolute paths outside the data folder). */
    sandbox: Type.Optional(
      Type.Object(
        {
          read: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), { maxItems: 32, description: 'folders or files it may read: where its CLI and its own settings live' })),
          write: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), { maxItems: 32, description: 'folders it may write' })),
        },
        { additionalProperties: false },
      ),
    ),
    /** External agents where no sandbox can start: run it anyway, as this user, with everything the user can read. */
    accept_unsandboxed: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type SpawnAgentsBody = Static<typeof SpawnAgentsBody>;

/** POST /v1/swarm/agents (201): the agents just started. */
export interface SpawnedAgents {
  agents: SwarmAgentStatus[];
}

export const SWARM_ACTIONS = ['pause', 'resume', 'stop', 'start'] as const;
export type SwarmAction = (typeof SWARM_ACTIONS)[number];

export interface TraceToolCall {
  name: string;
  arguments: unknown;
  ok: boolean;
  /** The tool's answer as the agent saw it (truncated), or its error. */
  result: string;
}

/** One line of an agent's trace: a step of a local agent, or a chunk of an external agent's output. */
export interface TraceStep {
  agent: string;
  session: string;
  seq: number;
  at: string;
  kind: 'step' | 'output' | 'event';
  /** step: the messages sent to the model. */
  prompt?: Array<{ role: string; content: string }>;
  completion?: string;
  tool_calls?: TraceToolCall[];
  /** output: a line from stdout or stderr; event: what the supervisor did (restart, pause, new direction). */
  text?: string;
  stream?: 'stdout' | 'stderr';
  timings?: { observe_ms: number; think_ms: number; act_ms: number };
  tokens?: { prompt: number; completion: number };
}

export const TraceQuery = Type.Object(
  {
    after: Type.Optional(Type.Integer({ minimum: 0, description: 'steps after this seq' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);
export type TraceQuery = Static<typeof TraceQuery>;

/** GET /v1/swarm/agents/{agent}/trace: a page of steps; `next` is the after= of the following page (null: no more yet). */
export interface TracePage {
  steps: TraceStep[];
  next: number | null;
}

/** POST /v1/swarm/agents/{agent}/trace/export (201). */
export interface TraceExport {
  /** The scratch folder path of the bundle: traces/<session>/ (manifest.md + the native log), the public layout. */
  path: string;
  session_id: string;
  steps: number;
  files: string[];
}

/**
 * The seam between the hub (routes, events) and the supervisor (src/agents), so the hub never imports agents.
 * Every method throws a SwarmError-shaped error ({code, message, hint}) on bad input.
 */
export interface SwarmControl {
  status(): SwarmStatus;
  spawn(body: SpawnAgentsBody): Promise<SwarmAgentStatus[]>;
  /** One agent (agentId) or the whole swarm (null). */
  act(agentId: string | null, action: SwarmAction): Promise<SwarmStatus>;
  trace(agentId: string, query: TraceQuery): Promise<TracePage>;
  exportTrace(agentId: string): Promise<TraceExport>;
  /** Status changes, for the event stream (agent.status / swarm.inference). */
  onChange(listener: (change: SwarmChange) => void): () => void;
  /** Stops every agent and the inference host; the hub calls it first when it closes. */
  close(): Promise<void>;
}

export type SwarmChange =
  | { type: 'agent.status'; agent: SwarmAgentStatus }
  | { type: 'swarm.inference'; inference: InferenceStatus | null; paused_for_job: string | null };

export class SwarmError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'INVALID_BODY' | 'SWARM_CONFLICT' | 'SANDBOX_UNAVAILABLE',
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}
