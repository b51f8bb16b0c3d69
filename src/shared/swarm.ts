// The swarm's contract: agent status, spawn requests, trace steps, the inference host's figures, and the seam the hub calls.
import { Type, type Static } from 'typebox';
import { CodedError } from './errors';
import { AGENT_ID_PATTERN } from './ids';
import { Closed, Nullable } from './response-schema';
import { TracePosted, TraceShare } from './traces-api';

/** A local agent thinks with the inference host; an external one is any agent command line the supervisor spawns. */
export const SwarmAgentKind = Type.Union([Type.Literal('local'), Type.Literal('external')]);
export type SwarmAgentKind = Static<typeof SwarmAgentKind>;

/**
 * starting -> running <-> paused; stopped by the person; crashed (waiting in backoff before a restart);
 * exhausted when its token budget is spent (not restarted); failed when restarts gave up.
 */
export const SwarmAgentState = Type.Union([
  Type.Literal('starting'),
  Type.Literal('running'),
  Type.Literal('paused'),
  Type.Literal('stopping'),
  Type.Literal('stopped'),
  Type.Literal('backoff'),
  Type.Literal('exhausted'),
  Type.Literal('failed'),
]);
export type SwarmAgentState = Static<typeof SwarmAgentState>;

/** States an agent's process has ended in for good (no restart pending): it writes nothing more and may be removed. */
export const SETTLED_AGENT_STATES: ReadonlySet<SwarmAgentState> = new Set(['stopped', 'exhausted', 'failed']);
export const isSettled = (state: SwarmAgentState): boolean => SETTLED_AGENT_STATES.has(state);

export const ROLES = ['explorer', 'tuner', 'skeptic', 'scout'] as const;
export type AgentRole = (typeof ROLES)[number];

export const SwarmAgentBudget = Closed({
  tokens: Nullable(Type.Integer(), {
    description: "prompt + completion tokens over the agent's life; null = no limit",
  }),
  jobs_per_day: Type.Number({
    description: "benchmark jobs per rolling 24 hours (the hub's own quota still applies on top)",
  }),
});
export type SwarmAgentBudget = Static<typeof SwarmAgentBudget>;

/** How an external agent is confined: bubblewrap (Linux), sandbox-exec (macOS), or none (the organizer accepted the risk). */
export const SandboxKind = Type.Union([Type.Literal('bubblewrap'), Type.Literal('sandbox-exec')]);
export type SandboxKind = Static<typeof SandboxKind>;

/** What a sandboxed agent can read, write and reach, as its card shows it. */
export const SandboxPolicy = Closed({
  kind: Type.Union([SandboxKind, Type.Literal('none')]),
  read: Type.Array(Type.String(), {
    description: "readable beyond its own folder (the system read-only, its prompt, the organizer's grants)",
  }),
  write: Type.Array(Type.String(), {
    description: "writable: its scratch folder, the organizer's write grants, a private /tmp",
  }),
  hidden: Type.Array(Type.String(), {
    description:
      'replaced by empty private folders: the data folder (but its own), home folders, /tmp; masked token files',
  }),
  masked: Type.Array(Type.String(), {
    description: 'of those, the files masked empty (Hugging Face token files a granted folder would otherwise show)',
  }),
  processes: Type.String(),
  network: Type.String(),
});
export type SandboxPolicy = Static<typeof SandboxPolicy>;

/** One check of the capability probe: what was tried, whether it worked, and in words what happened. */
export const ProbeCheck = Closed({
  name: Type.String({ description: 'what was checked: "model listed", "tool call", "after a tool result"' }),
  ok: Type.Boolean(),
  detail: Type.String({ description: 'what happened, or what failed and how to fix it' }),
});
export type ProbeCheck = Static<typeof ProbeCheck>;

/**
 * The capability probe's report: a short tool-call exercise through the agent's own chat client and tool-call
 * parsing, run before an agent joins. A failed probe refuses the spawn unless it was forced (skip_probe).
 */
export const ProbeReport = Closed({
  passed: Type.Boolean(),
  skipped: Type.Boolean({ description: 'not run: the spawn was forced past it (skip_probe)' }),
  summary: Type.String({
    description: 'one line for the card: "probe passed 3/3", "probe failed 1/3", "probe skipped"',
  }),
  checks: Type.Array(ProbeCheck),
  at: Type.String({ description: 'when it ran (ISO time)' }),
});
export type ProbeReport = Static<typeof ProbeReport>;

export const SwarmAgentStatus = Closed({
  agent_id: Type.String(),
  kind: SwarmAgentKind,
  role: Type.Enum(ROLES),
  direction: Type.String({
    description:
      'the lever of the challenge this agent starts from (see levers.ts); reassigned when too many agents crowd one',
  }),
  state: SwarmAgentState,
  action: Nullable(Type.String(), {
    description:
      'what it is doing now: "thinking", "submit_job", "waiting for the GPU", "waiting for job <id> (running)", ...',
  }),
  since: Nullable(Type.String(), { description: 'when the current action began (ISO time); null with no action' }),
  progress: Nullable(Type.String(), {
    description: 'how far the current action is, where known: "step 4 of 10", "job-… 3/8 prompts", …',
  }),
  steps: Type.Integer(),
  tokens_used: Type.Integer(),
  jobs_submitted: Type.Integer(),
  restarts: Type.Integer(),
  budget: SwarmAgentBudget,
  last_message: Nullable(Type.String(), {
    description: "the last thing it posted on the board, or the last line of an external agent's output",
  }),
  error: Nullable(Type.String(), { description: 'why it stopped, crashed or failed' }),
  model: Type.String(),
  endpoint: Type.Optional(
    Nullable(Type.String(), {
      description:
        "local agents thinking on the person's own OpenAI-compatible server: its base URL (…/v1; never a key); null on this machine's inference host",
    }),
  ),
  probe: Type.Optional(
    Nullable(ProbeReport, { description: 'the capability probe run before it joined (null: none ran)' }),
  ),
  command: Nullable(Type.String(), { description: 'the external command line (templated), for external agents' }),
  started_at: Nullable(Type.String()),
  pid: Nullable(Type.Integer()),
  sandbox: Nullable(SandboxPolicy, {
    description: 'external agents: the sandbox it runs in (null for local agents, which have no shell)',
  }),
});
export type SwarmAgentStatus = Static<typeof SwarmAgentStatus>;

/**
 * The mark on free text a generated (random-weight) model wrote: its posts, notes and result descriptions are noise
 * that reads like words, so the board and the dashboard show them as the demo model's, never as a finding.
 */
export const DEMO_TEXT_MARK = '[demo model text]';

/** Text with the demo model's mark split off: `demo` says whether it had it. */
export function demoText(text: string): { demo: boolean; text: string } {
  return text.startsWith(DEMO_TEXT_MARK)
    ? { demo: true, text: text.slice(DEMO_TEXT_MARK.length).trimStart() }
    : { demo: false, text };
}

export const InferenceState = Type.Union([
  Type.Literal('loading'),
  Type.Literal('ready'),
  Type.Literal('paused'),
  Type.Literal('stopped'),
  Type.Literal('failed'),
]);
export type InferenceState = Static<typeof InferenceState>;

export const InferenceAgentFigures = Closed({
  requests: Type.Integer(),
  prompt_tokens: Type.Integer(),
  completion_tokens: Type.Integer(),
  tps: Nullable(Type.Number(), {
    description: "completion tokens per second of generation time, over the agent's requests",
  }),
});
export type InferenceAgentFigures = Static<typeof InferenceAgentFigures>;

export const InferenceStatus = Closed({
  state: InferenceState,
  model: Type.String(),
  backend: Type.String(),
  engine: Type.Optional(
    Type.Union([Type.Literal('llama-server'), Type.Literal('node-llama-cpp')], {
      description:
        "what decodes: llama-server's slots, or node-llama-cpp's context (where llama-server cannot be built)",
    }),
  ),
  engine_note: Type.Optional(
    Type.String({
      description: 'why node-llama-cpp decodes although llama-server was asked for (building, or not buildable)',
    }),
  ),
  gpu: Nullable(Type.String()),
  sequences: Type.Integer(),
  busy: Type.Integer(),
  queued: Type.Integer(),
  url: Nullable(Type.String(), {
    description: 'the OpenAI-compatible base URL (…/v1); the key is never part of a status',
  }),
  rss_bytes: Nullable(Type.Number(), { description: "the host's resident memory, llama-server's included" }),
  vram_bytes: Nullable(Type.Number()),
  per_agent: Type.Record(Type.String(), InferenceAgentFigures),
  error: Nullable(Type.String()),
});
export type InferenceStatus = Static<typeof InferenceStatus>;

export const SwarmStatus = Closed({
  agents: Type.Array(SwarmAgentStatus),
  inference: Nullable(InferenceStatus),
  paused_for_job: Nullable(Type.String(), {
    description: 'the benchmark job holding the GPU, while inference waits for it',
  }),
  levers: Type.Record(Type.String(), Type.Integer(), {
    description: 'agents per lever, from their latest jobs: what the supervisor balances',
  }),
  sandbox: Nullable(Closed({ kind: Nullable(SandboxKind), reason: Nullable(Type.String()) }), {
    description:
      'the sandbox external agents get on this machine (null kind: none can start, and why); null until it was tried',
  }),
});
export type SwarmStatus = Static<typeof SwarmStatus>;

export const SpawnAgentsBody = Type.Object(
  {
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 32, default: 1 })),
    kind: Type.Optional(Type.Union([Type.Literal('local'), Type.Literal('external')])),
    /** External agents: the command line; {prompt_file}, {hub}, {agent} are filled in. */
    command: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
    /**
     * Local agents: the GGUF chat model the inference host loads (default: the hub's agent model); with endpoint, the
     * model's name on that server (e.g. qwen3:8b).
     */
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    /**
     * Local agents: think on this OpenAI-compatible server the person runs (Ollama, LM Studio, llama-server, Jan):
     * its base URL, http or https, with or without /v1. The inference host is not started for them.
     */
    endpoint: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    /** With endpoint: its API key, if it wants one. A secret: kept in the hub's memory only, never in a status or log. */
    api_key: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    /** Start the agents without the capability probe (forced: the card says the probe was skipped). */
    skip_probe: Type.Optional(Type.Boolean()),
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
          read: Type.Optional(
            Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), {
              maxItems: 32,
              description: 'folders or files it may read: where its CLI and its own settings live',
            }),
          ),
          write: Type.Optional(
            Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), {
              maxItems: 32,
              description: 'folders it may write',
            }),
          ),
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

/** POST /v1/swarm/endpoint-models: which models a server the person runs offers (the spawn form's suggestions). */
export const EndpointModelsBody = Type.Object(
  {
    endpoint: Type.String({ minLength: 1, maxLength: 2000 }),
    api_key: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
  },
  { additionalProperties: false },
);
export type EndpointModelsBody = Static<typeof EndpointModelsBody>;

export const EndpointModels = Closed({
  endpoint: Type.String({ description: 'the base URL as agents would call it (normalized to …/v1)' }),
  models: Nullable(Type.Array(Type.String()), {
    description: 'the model names GET {endpoint}/models lists; null when it could not tell (see problem)',
  }),
  problem: Nullable(Type.String(), { description: 'why no list came: unreachable, a refused key, no /models route' }),
});
export type EndpointModels = Static<typeof EndpointModels>;

/** POST /v1/swarm/agents (201): the agents just started. */
export const SpawnedAgents = Closed({ agents: Type.Array(SwarmAgentStatus) });
export type SpawnedAgents = Static<typeof SpawnedAgents>;

/** remove: takes a settled agent (stopped, failed, budget spent) off the swarm; its id, posts and traces stay on the hub. */
export const SWARM_ACTIONS = ['pause', 'resume', 'stop', 'start', 'remove'] as const;
export type SwarmAction = (typeof SWARM_ACTIONS)[number];

export const TraceToolCall = Closed({
  name: Type.String(),
  arguments: Type.Unknown({ description: 'the arguments as the model wrote them' }),
  sent_arguments: Type.Optional(
    Type.Unknown({
      description:
        "the arguments as the tool got them, where the agent rewrote the model's (a demo model's text marked, its job named from its config)",
    }),
  ),
  ok: Type.Boolean(),
  result: Type.String({ description: "the tool's answer as the agent saw it (truncated), or its error" }),
});
export type TraceToolCall = Static<typeof TraceToolCall>;

/** One line of an agent's trace: a step of a local agent, or a chunk of an external agent's output. */
export const TraceStep = Closed({
  agent: Type.String(),
  session: Type.String(),
  seq: Type.Integer(),
  at: Type.String(),
  kind: Type.Union([Type.Literal('step'), Type.Literal('output'), Type.Literal('event')]),
  prompt: Type.Optional(
    Type.Array(Closed({ role: Type.String(), content: Type.String() }), {
      description: 'step: the messages sent to the model',
    }),
  ),
  completion: Type.Optional(Type.String()),
  tool_calls: Type.Optional(Type.Array(TraceToolCall)),
  text: Type.Optional(
    Type.String({
      description:
        'output: a line from stdout or stderr; event: what the supervisor did (restart, pause, new direction)',
    }),
  ),
  stream: Type.Optional(Type.Union([Type.Literal('stdout'), Type.Literal('stderr')])),
  timings: Type.Optional(Closed({ observe_ms: Type.Number(), think_ms: Type.Number(), act_ms: Type.Number() })),
  tokens: Type.Optional(Closed({ prompt: Type.Integer(), completion: Type.Integer() })),
});
export type TraceStep = Static<typeof TraceStep>;

export const TraceQuery = Type.Object(
  {
    after: Type.Optional(Type.Integer({ minimum: 0, description: 'steps after this seq' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);
export type TraceQuery = Static<typeof TraceQuery>;

/** GET /v1/swarm/agents/{agent}/trace: a page of steps; `next` is the after= of the following page (null: no more yet). */
export const TracePage = Closed({ steps: Type.Array(TraceStep), next: Nullable(Type.Integer()) });
export type TracePage = Static<typeof TracePage>;

/** POST /v1/swarm/agents/{agent}/trace/export (201). */
export const TraceExport = Closed({
  path: Type.String({
    description:
      'the scratch folder path of the bundle: traces/<session>/ (manifest.md + the native log), the public layout',
  }),
  session_id: Type.String(),
  steps: Type.Integer(),
  files: Type.Array(Type.String()),
  /** The bundle shared as the agent through POST /v1/traces: in the trace library and GET /v1/stats from now on. */
  shared: TracePosted,
});
export type TraceExport = Static<typeof TraceExport>;

/** POST /v1/swarm/agents/{agent}/trace/export: how much of the session is shared (stats unless asked). */
export const TraceExportQuery = Type.Object({ share: Type.Optional(TraceShare) }, { additionalProperties: false });
export type TraceExportQuery = Static<typeof TraceExportQuery>;

/**
 * The seam between the hub (routes, events) and the supervisor (src/agents), so the hub never imports agents.
 * Every method throws a SwarmError-shaped error ({code, message, hint}) on bad input.
 */
export interface SwarmControl {
  status(): SwarmStatus;
  spawn(body: SpawnAgentsBody): Promise<SwarmAgentStatus[]>;
  /** The models a server the person runs lists (GET {endpoint}/models), for the spawn form to offer. */
  endpointModels?(body: EndpointModelsBody): Promise<EndpointModels>;
  /** One agent (agentId) or the whole swarm (null). */
  act(agentId: string | null, action: SwarmAction): Promise<SwarmStatus>;
  trace(agentId: string, query: TraceQuery): Promise<TracePage>;
  /** Writes the agent's latest session into its scratch folder as a public trace bundle and shares it as the agent. */
  exportTrace(agentId: string, share?: TraceShare): Promise<TraceExport>;
  /** Status changes, for the event stream (agent.status / agent.removed / swarm.inference). */
  onChange(listener: (change: SwarmChange) => void): () => void;
  /** Stops every agent and the inference host; the hub calls it first when it closes. */
  close(): Promise<void>;
}

export type SwarmChange =
  | { type: 'agent.status'; agent: SwarmAgentStatus }
  | { type: 'agent.removed'; agent_id: string }
  | { type: 'swarm.inference'; inference: InferenceStatus | null; paused_for_job: string | null };

/** A refusal of the swarm (unknown agent, bad spawn, a conflict, no sandbox), answered by the hub with its code. */
export class SwarmError extends CodedError<
  'NOT_FOUND' | 'INVALID_BODY' | 'SWARM_CONFLICT' | 'SANDBOX_UNAVAILABLE' | 'PROBE_FAILED'
> {}
