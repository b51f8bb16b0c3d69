// The swarm's supervisor: spawns agents (registered on the hub, each with its own token), gives them inference, balances directions.
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { ggufFileProblem } from '../platform/gguf-file';
import { basename, dirname, isAbsolute, join } from 'node:path';
import {
  checkGrants,
  detectSandbox,
  findExecutable,
  isWithin,
  sandboxPolicy,
  type SandboxRequest,
  type SandboxSupport,
} from '../platform/sandbox';
import type { ChallengeInfo } from '../shared/challenge';
import type { RunConfig } from '../shared/run-config';
import { checkRunConfig } from '../shared/run-config-check';
import { leversOf } from '../shared/levers';
import { fileStamp } from '../shared/ids';
import { normalizeEndpoint } from '../shared/endpoint-url';
import {
  isSettled,
  ROLES,
  type EndpointModels,
  type EndpointModelsBody,
  type ProbeReport,
  SwarmError,
  type SpawnAgentsBody,
  type SwarmAction,
  type SwarmAgentState,
  type SwarmAgentStatus,
  type SwarmChange,
  type SwarmControl,
  type SwarmStatus,
  type TraceExport,
  type TraceQuery,
  type TraceStep,
} from '../shared/swarm';
import { agentEnvironment, hubSecretsFromEnv, Redactor } from './agent-env';
import { describeProbe, listModels, probeCapability, skippedProbe } from './capability-probe';
import { builtEntry } from './built-entry';
import { HubClient } from '../shared/hub-client';
import { HubClientError } from '../shared/hub-error';
import type { TraceShare } from '../shared/traces-api';
import type { InferenceHost, LeaseSource } from './inference/inference-host';
import { InferenceLifecycle, type InferenceSettings } from './inference-lifecycle';
import { isGeneratedModel } from './generated-model';
import { LeverBalancer } from './lever-balancer';
import { movableLevers } from './tools/agent-tools';
import { MemberRegistry } from './member-registry';
import { SwarmMember, type MemberHost, type MemberSpec, type RestartPolicy } from './swarm-member';
import { TraceLog, type TraceEntry } from './trace-log';
import type { WorkerToSupervisor } from './worker-protocol';

export interface SupervisorOptions {
  hubUrl: string;
  /** The hub's data folder: traces and the swarm's registry live in <data>/swarm, scratch folders in <data>/scratch. */
  dataDir: string;
  /** Registers the swarm's agents (and re-issues their tokens after a restart); stays in this process. */
  organizerToken: string;
  /** The GGUF chat model local agents think with, unless a spawn names another (a function: looked up at each spawn). */
  agentModel?: string | null | (() => string | null);
  inference?: InferenceSettings;
  /** Pause between a local agent's steps (default 1 s): room for the hub and the jobs on a small machine. */
  stepDelayMs?: number;
  restart?: Partial<RestartPolicy>;
  lease?: LeaseSource;
  /** Secrets the hub holds (the HF token as of now): redacted from agents' output, traces and status. */
  secrets?: () => Array<string | undefined>;
  /** The sandbox external agents run in (default: what this machine offers, tried once). */
  sandbox?: () => Promise<SandboxSupport>;
  /** How long each request of the capability probe waits for an answer (default 120 s: a server may load the model first). */
  probeTimeoutMs?: number;
}

const DEFAULT_RESTART: RestartPolicy = { baseMs: 1000, maxMs: 60_000, maxInARow: 8, healthyAfterMs: 60_000 };
const DEFAULT_JOBS_PER_DAY = 10;
const DEFAULT_PROBE_TIMEOUT_MS = 120_000;
const ENDPOINT_MODELS_TIMEOUT_MS = 10_000;
/** The name the probe's requests carry on the inference host (its tokens are counted apart from every agent's). */
const PROBE_AGENT = 'capability-probe';

/** A local agent that thinks with this machine's inference host (not on an endpoint the person runs). */
const onHost = (m: SwarmMember) => m.spec.kind === 'local' && !m.spec.endpoint;
/** The states whose wire name is not the word a person reads in a refusal. */
const STATE_WORD: Partial<Record<SwarmAgentState, string>> = { backoff: 'restarting', exhausted: 'out of budget' };

/**
 * The swarm's one owner: the hub reaches it only as SwarmControl. It composes the member registry (who is in the
 * swarm), the inference host's lifecycle (what the local agents think with) and the lever balancer (where they
 * look), and holds what they share: the secrets to redact, the traces, the organizer's hub client.
 */
export class Supervisor implements SwarmControl {
  private readonly members: MemberRegistry;
  private readonly listeners = new Set<(change: SwarmChange) => void>();
  private readonly redactor = new Redactor();
  private readonly traces: TraceLog;
  private readonly balancer = new LeverBalancer();
  private readonly swarmDir: string;
  private readonly restart: RestartPolicy;
  private readonly inference: InferenceLifecycle;
  private challengeCache: { at: number; value: ChallengeInfo | null } | null = null;
  private closed = false;
  private readonly organizer: HubClient;
  private readonly memberHost: MemberHost;
  /** The probe of each inference host started: its model does not change while it runs, so one probe serves. */
  private readonly hostProbes = new WeakMap<InferenceHost, ProbeReport>();
  private unfollowLease: () => void = () => {};

  constructor(private readonly o: SupervisorOptions) {
    this.swarmDir = join(o.dataDir, 'swarm');
    mkdirSync(join(this.swarmDir, 'prompts'), { recursive: true });
    this.members = new MemberRegistry(join(this.swarmDir, 'agents.json'));
    this.traces = new TraceLog(join(this.swarmDir, 'traces'), this.redactor);
    this.restart = { ...DEFAULT_RESTART, ...o.restart };
    this.redactor.add(o.organizerToken);
    for (const s of [...hubSecretsFromEnv(), ...(o.secrets?.() ?? [])]) this.redactor.add(s);
    this.organizer = new HubClient({ url: o.hubUrl, token: o.organizerToken });
    this.memberHost = this.createMemberHost();
    this.inference = new InferenceLifecycle({
      settings: o.inference,
      lease: o.lease,
      restartDelayMs: this.restart.baseMs,
      redactor: this.redactor,
      emit: (change) => {
        this.emit(change);
        // The GPU taken or given back changes what thinking agents wait for.
        if (change.type === 'swarm.inference') for (const m of this.members.all()) m.gpuChanged();
      },
    });
    // Registered after the lifecycle's listener (listeners hear a change in the order they came), so the holder it
    // records is the one gpuChanged tells the workers about.
    if (o.lease) this.unfollowLease = o.lease.onChange((holder) => this.drainEndpointAgents(holder));
    // Tried once up front, so the spawn form can say before anyone asks whether external agents will be sandboxed.
    void this.sandbox().catch(() => undefined);
  }

  private sandboxSupport: SandboxSupport | null = null;

  private async sandbox(): Promise<SandboxSupport> {
    this.sandboxSupport = await (this.o.sandbox ?? (() => detectSandbox()))();
    return this.sandboxSupport;
  }

  // ---- SwarmControl ----------------------------------------------------------------------------------------------

  status(): SwarmStatus {
    return {
      agents: this.members.all().map((m) => ({ ...m.status })),
      inference: this.inference.status,
      paused_for_job: this.inference.pausedForJob,
      levers: this.balancer.counts(),
      sandbox: this.sandboxSupport && { kind: this.sandboxSupport.kind, reason: this.sandboxSupport.reason },
    };
  }

  async spawn(body: SpawnAgentsBody): Promise<SwarmAgentStatus[]> {
    if (this.closed) throw new SwarmError('SWARM_CONFLICT', 'the swarm is shutting down', 'start the hub again');
    const kind = body.kind ?? (body.command ? 'external' : 'local');
    const count = body.count ?? 1;
    if (kind === 'external' && !body.command)
      throw new SwarmError(
        'INVALID_BODY',
        'an external agent needs a command',
        'pass command, e.g. "my-agent --prompt-file {prompt_file}"; {prompt_file}, {hub} and {agent} are filled in',
      );
    if (kind === 'local' && body.command)
      throw new SwarmError(
        'INVALID_BODY',
        'command is for external agents',
        'pass kind "external" with a command, or leave command out for local agents',
      );
    const endpoint = this.endpointOf(body, kind);
    // Refused up front, before a model is loaded for an agent that will not run.
    if (kind === 'external') checkProgram(body.command!);
    const confine = kind === 'external' ? await this.confinement(body) : null;
    // The hub's secrets as of now (a token signed in since the start included): redacted from what agents print.
    for (const secret of this.o.secrets?.() ?? []) this.redactor.add(secret);
    if (endpoint) this.redactor.add(endpoint.key);
    const model = kind === 'local' && !endpoint ? this.localModel(body.model) : null;
    if (model) await this.inference.ensure(model);
    else if (kind === 'external' && this.defaultModelOrNull())
      await this.inference.ensure(this.defaultModelOrNull()!).catch(() => null);

    // A generated model's agents mark their text as its own; directions go only to levers the pack lets jobs move.
    const demoModel = model ? await isGeneratedModel(model) : false;
    const probe = kind === 'local' ? await this.probe(body, endpoint, model) : null;
    const challenge = await this.challenge();
    this.balancer.movable = challenge ? movableLevers(challenge) : null;
    const spawned: SwarmAgentStatus[] = [];
    const registered = this.members.registeredIds();
    for (let i = 0; i < count; i++) {
      const agentId = await this.members.freeId(
        body.name ?? (kind === 'local' ? 'local' : 'external'),
        registered,
        (id) => this.existsOnHub(id),
      );
      const directions = this.members.all().map((m) => m.status.direction);
      const spec: MemberSpec = {
        agentId,
        kind,
        role: body.role ?? ROLES[this.members.size % ROLES.length]!,
        direction: body.direction ?? this.balancer.freshDirection(directions),
        model: endpoint ? endpoint.model : model ? basename(model) : 'external',
        command: null,
        budget: { tokens: body.budget_tokens ?? null, jobs_per_day: body.jobs_per_day ?? DEFAULT_JOBS_PER_DAY },
        maxSteps: body.max_steps ?? null,
        sandbox: null,
        ...(demoModel ? { demoModel } : {}),
        ...(endpoint ? { endpoint: { url: endpoint.url, key: endpoint.key } } : {}),
        probe,
      };
      if (kind === 'external') {
        spec.command = templateCommand(body.command!, {
          prompt_file: this.promptFile(agentId),
          hub: this.o.hubUrl,
          agent: agentId,
        });
        spec.sandbox = confine!(agentId, spec.command);
      }
      const token = await this.register(spec, registered.includes(agentId));
      registered.push(agentId);
      this.members.saveRegisteredIds(registered);
      this.redactor.add(token);
      const member = new SwarmMember(spec, this.memberHost, token, fileStamp(Date.now()));
      this.members.add(member);
      await member.start();
      spawned.push({ ...member.status });
    }
    return spawned;
  }

  async endpointModels(body: EndpointModelsBody): Promise<EndpointModels> {
    const normalized = normalizeEndpoint(body.endpoint);
    if ('problem' in normalized)
      throw new SwarmError('INVALID_BODY', normalized.problem, 'pass the base URL of an OpenAI-compatible server');
    // A server may echo the key it refused: the answer never carries it back.
    const redactor = new Redactor();
    redactor.add(body.api_key);
    const listed = await listModels({
      url: normalized.url,
      key: body.api_key ?? '',
      model: '',
      // Short: the form asks while the person types.
      timeoutMs: Math.min(this.o.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS, ENDPOINT_MODELS_TIMEOUT_MS),
    });
    if ('problem' in listed)
      return { endpoint: normalized.url, models: null, problem: redactor.redact(this.redactor.redact(listed.problem)) };
    return {
      endpoint: normalized.url,
      models: listed.models,
      problem: listed.models === null ? `the server lists no models (GET /models: ${listed.why})` : null,
    };
  }

  /**
   * How external agents of this spawn are confined: the machine's sandbox with the organizer's grants, or (only where
   * none can start, and only when the organizer accepted it for these agents) no sandbox at all. Refuses up front what
   * could only fail later: a missing sandbox, a bad grant, a program the sandbox would hide.
   */
  private async confinement(
    body: SpawnAgentsBody,
  ): Promise<(agentId: string, command: string) => NonNullable<MemberSpec['sandbox']>> {
    const support = await this.sandbox();
    if (!support.kind && !body.accept_unsandboxed) {
      throw new SwarmError(
        'SANDBOX_UNAVAILABLE',
        `no sandbox can run external agents on this machine: ${support.reason}`,
        "install it and spawn again; or accept the risk for this agent (accept_unsandboxed: true, --accept-unsandboxed, or the spawn form's checkbox): it then runs as your own user and can read the organizer token, the held-out prompts and every file you can",
      );
    }
    let read: string[];
    let write: string[];
    try {
      read = checkGrants(body.sandbox?.read ?? [], this.o.dataDir, 'read');
      write = checkGrants(body.sandbox?.write ?? [], this.o.dataDir, 'write');
    } catch (err) {
      throw new SwarmError(
        'INVALID_BODY',
        (err as Error).message,
        'sandbox.read and sandbox.write take absolute paths of existing folders outside the data folder',
      );
    }
    return (agentId, command) => {
      const scratch = join(this.o.dataDir, 'scratch', agentId);
      const request: SandboxRequest = {
        scratch,
        dataDir: this.o.dataDir,
        inputs: [this.promptFile(agentId)],
        read,
        write,
      };
      const policy = sandboxPolicy(support.kind ?? 'none', request);
      if (policy.kind !== 'none') {
        // A CLI installed under the home folder (npm -g with a prefix there, pipx, ~/.local/bin) is hidden in the
        // sandbox, also when a link to it sits in /usr/local/bin: where the program really is decides.
        const program = programOf(command);
        const found = program ? findExecutable(program) : null;
        const path = found && realpathSync(found);
        const hiddenBy = path && policy.hidden.find((h) => isWithin(path, h));
        if (path && hiddenBy && ![...read, ...write].some((g) => isWithin(path, g))) {
          throw new SwarmError(
            'INVALID_BODY',
            `the agent's program ${path} lies in ${hiddenBy}, which the sandbox hides`,
            `grant it: sandbox.read ["${dirname(path)}"] (and the folders its settings live in)`,
          );
        }
      }
      mkdirSync(scratch, { recursive: true });
      mkdirSync(join(this.swarmDir, 'prompts'), { recursive: true });
      return { support, policy, request };
    };
  }

  async act(agentId: string | null, action: SwarmAction): Promise<SwarmStatus> {
    const targets = agentId === null ? this.members.all() : [this.members.get(agentId)];
    if (action === 'remove') {
      const hasLocal = () => this.members.all().some(onHost);
      const hadLocal = hasLocal();
      this.remove(agentId, targets);
      // With no local agent left nothing thinks with the inference host: its GPU memory goes back, as on a stop.
      if (hadLocal && !hasLocal()) await this.inference.stop();
      return this.status();
    }
    if (action === 'start' && targets.some(onHost))
      await this.inference.ensure(this.inference.model ?? this.localModel(undefined));
    await Promise.all(
      targets.map(async (m) => {
        if (action === 'pause') m.pause();
        else if (action === 'resume') m.resume();
        else if (action === 'stop') await m.stop();
        else if (!m.running) {
          m.session = fileStamp(Date.now());
          await m.start();
        }
      }),
    );
    // Stopping the whole swarm gives the GPU memory back; the next start loads the model again.
    if (agentId === null && action === 'stop') await this.inference.stop();
    return this.status();
  }

  /**
   * Takes settled members off the swarm (one: refused while its process lives; the whole swarm: every settled one).
   * The id stays this swarm's (agents.json), so a later spawn takes it back, and its board posts and traces stay.
   */
  private remove(agentId: string | null, targets: SwarmMember[]): void {
    const settled = (m: SwarmMember) => !m.running && isSettled(m.status.state);
    if (agentId !== null && !settled(targets[0]!))
      throw new SwarmError(
        'SWARM_CONFLICT',
        `${agentId} is ${STATE_WORD[targets[0]!.status.state] ?? targets[0]!.status.state}; only a stopped, failed or budget-spent agent can be removed`,
        `stop it first (POST /v1/swarm/agents/${agentId}/stop, or \`collab-desk agents stop ${agentId}\`), then remove it`,
      );
    for (const m of targets.filter(settled)) {
      this.members.remove(m.spec.agentId);
      this.balancer.forget(m.spec.agentId);
      this.emit({ type: 'agent.removed', agent_id: m.spec.agentId });
    }
  }

  async trace(agentId: string, query: TraceQuery): Promise<{ steps: TraceStep[]; next: number | null }> {
    this.members.get(agentId);
    return this.traces.read(agentId, query.after ?? 0, query.limit ?? 100);
  }

  async exportTrace(agentId: string, share: TraceShare = 'stats'): Promise<TraceExport> {
    const member = this.members.get(agentId);
    const bundle = this.traces.bundle(agentId, {
      harness:
        member.spec.kind === 'local' ? 'collab-desk-local' : `external:${member.spec.command?.split(/\s+/)[0] ?? ''}`,
      model: member.spec.model,
    });
    if (!bundle) throw new SwarmError('NOT_FOUND', `${agentId} has no trace yet`, 'start it and let it take a step');
    const client = new HubClient({ url: this.o.hubUrl, token: member.token });
    const dir = `traces/${bundle.session}`;
    await client.writeScratch(agentId, `${dir}/manifest.md`, bundle.manifest);
    await client.writeScratch(agentId, `${dir}/${bundle.logFile}`, bundle.log);
    // Promoted like any agent's session: through POST /v1/traces as the agent, so the swarm's traces obey the same
    // manifest rules, secret checks and consent tiers (stats unless the organizer asks for full).
    const shared = await client.shareTrace({ source: `${dir}/`, share });
    return {
      path: `${dir}/`,
      session_id: bundle.session,
      steps: bundle.steps,
      files: [`${dir}/manifest.md`, `${dir}/${bundle.logFile}`],
      shared,
    };
  }

  onChange(listener: (change: SwarmChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unfollowLease();
    this.inference.retire();
    await Promise.all(this.members.all().map((m) => m.stop()));
    await this.inference.stop();
  }

  // ---- members ---------------------------------------------------------------------------------------------------

  /**
   * A benchmark took the GPU: agents on a server on this machine share it, so the benchmark waits (as it waits for the
   * inference host) until their completions have finished or been interrupted after their grace. Agents on a server
   * elsewhere are not waited for, nor the host's own agents (the host drains itself: followLease).
   */
  private drainEndpointAgents(holder: { job: string } | null): Promise<void> | void {
    if (!holder) return;
    const sharing = this.members.all().filter((m) => m.onLocalEndpoint && m.running);
    if (sharing.length === 0) return;
    // gpuChanged tells a worker only a change, so this is a no-op after the lifecycle's listener told it; it makes sure
    // the drain waited for is that of a worker that has been told the GPU is held.
    for (const m of sharing) m.gpuChanged();
    return Promise.all(sharing.map((m) => m.gpuDrained())).then(() => undefined);
  }

  private createMemberHost(): MemberHost {
    return {
      workerEntry: () => builtEntry('agent-worker'),
      environment: async (member) => {
        const given: Record<string, string> = {
          COLLAB_DESK_HUB: this.o.hubUrl,
          COLLAB_DESK_AGENT: member.spec.agentId,
          COLLAB_DESK_TOKEN: member.token,
        };
        // An agent on the person's own server gets its endpoint over IPC (SwarmMember.start), no host at all.
        const host = member.spec.endpoint
          ? null
          : member.spec.kind === 'local'
            ? await this.inference.ensure(this.inference.model ?? this.localModel(undefined))
            : this.inference.running;
        if (host) {
          given.OPENAI_BASE_URL = host.url;
          // Its own key: it names the agent to the host and opens chat, never /control (the supervisor's alone).
          given.OPENAI_API_KEY = host.agentKey(member.spec.agentId);
          this.redactor.add(given.OPENAI_API_KEY);
        }
        if (member.spec.kind === 'external') {
          await this.writePrompt(member);
          given.COLLAB_DESK_PROMPT_FILE = this.promptFile(member.spec.agentId);
          if (member.spec.sandbox?.policy.kind === 'sandbox-exec') {
            // Seatbelt has no private /tmp: its temporary files stay in its own folder.
            given.TMPDIR = join(member.spec.sandbox.request.scratch, '.tmp');
            mkdirSync(given.TMPDIR, { recursive: true });
          }
        }
        return agentEnvironment(given);
      },
      scratchFolder: (agentId) => join(this.o.dataDir, 'scratch', agentId),
      prompt: async (member) => readFileSync(this.promptFile(member.spec.agentId), 'utf8'),
      trace: (member, entry) => this.appendTrace(member, entry),
      redact: (text) => this.redactor.redact(text),
      gpuHolder: () => this.inference.pausedForJob,
      changed: (member) => this.emit({ type: 'agent.status', agent: { ...member.status } }),
      stepTaken: (member, message) => void this.onStep(member, message),
      stepDelayMs: this.o.stepDelayMs ?? 1000,
      restart: this.restart,
    };
  }

  private appendTrace(member: SwarmMember, entry: TraceEntry): void {
    try {
      this.traces.append(member.spec.agentId, member.session, entry);
    } catch {
      // A full disk must not take the swarm down; the status still shows what happens.
    }
  }

  private async onStep(member: SwarmMember, message: Extract<WorkerToSupervisor, { type: 'step' }>): Promise<void> {
    this.appendTrace(member, message.step);
    if (!message.jobSubmitted) return;
    const challenge = await this.challenge();
    if (!challenge) return;
    this.balancer.movable = movableLevers(challenge);
    const baseline = checkRunConfig({ ...challenge.defaults, target: challenge.baseline.target }).config ?? {};
    const config =
      checkRunConfig({ ...challenge.defaults, ...message.jobSubmitted.config }).config ??
      (message.jobSubmitted.config as Partial<RunConfig>);
    const directions = new Map(
      this.members
        .all()
        .filter((m) => m.running)
        .map((m) => [m.spec.agentId, m.status.direction]),
    );
    const move = this.balancer.record(member.spec.agentId, leversOf(config, baseline), directions);
    if (move) member.setDirection(move.to, move.reason);
  }

  /** Whether another agent on the hub holds this id (any answer but 404 is an error to report, not a free id). */
  private existsOnHub(agentId: string): Promise<boolean> {
    return this.organizer.agent(agentId).then(
      () => true,
      (err: unknown) => (err instanceof HubClientError && err.status === 404 ? false : Promise.reject(err)),
    );
  }

  private async register(spec: MemberSpec, ours: boolean): Promise<string> {
    const body = {
      agent_id: spec.agentId,
      model: spec.model,
      harness: spec.kind === 'local' ? 'collab-desk-local' : 'collab-desk-external',
      bio: `${spec.role} agent of the local swarm; starting direction: ${spec.direction}.`,
      ...(ours ? { force: true } : {}),
    };
    const answer = await this.organizer.register(body);
    return answer.token;
  }

  private promptFile(agentId: string): string {
    return join(this.swarmDir, 'prompts', `${agentId}.md`);
  }

  /** The onboarding README, prefaced with who this agent is: what an external agent is given as its task. */
  private async writePrompt(member: SwarmMember): Promise<void> {
    const readme = await fetch(`${this.o.hubUrl}/README.md`).then(
      (r) => (r.ok ? r.text() : ''),
      () => '',
    );
    const preface = [
      `You are ${member.spec.agentId}, a ${member.spec.role} agent in this hub's swarm; your starting direction is ${member.spec.direction}.`,
      'You are already registered: your bearer token is in the environment variable COLLAB_DESK_TOKEN and the hub URL in COLLAB_DESK_HUB.',
      this.inference.running
        ? "An OpenAI-compatible endpoint on this machine's GPU is at $OPENAI_BASE_URL (key in $OPENAI_API_KEY)."
        : '',
      'Your working folder is your scratch folder on the hub. Read the README below and join in.',
      '',
    ].filter((l, i, all) => l !== '' || i === all.length - 1);
    writeFileSync(this.promptFile(member.spec.agentId), `${preface.join('\n')}\n${readme}`);
  }

  // ---- the model local agents think with ---------------------------------------------------------------------------

  private configuredModel(): string | null {
    return typeof this.o.agentModel === 'function' ? this.o.agentModel() : (this.o.agentModel ?? null);
  }

  private defaultModelOrNull(): string | null {
    return this.inference.model ?? this.configuredModel();
  }

  private localModel(requested: string | undefined): string {
    const model = requested ?? this.configuredModel() ?? this.inference.model;
    if (!model)
      throw new SwarmError(
        'INVALID_BODY',
        'no model for local agents',
        'pass model (a GGUF chat model on this machine), or start the hub with --agent-model PATH; `collab-desk demo` uses the demo target',
      );
    const problem = ggufFileProblem(model, 'chat');
    if (problem)
      throw new SwarmError(
        'INVALID_BODY',
        problem.message,
        "pass the path of a GGUF chat model on this machine: the dashboard's Models panel lists the installed ones",
      );
    const served = this.inference.model;
    if (served && served !== model && this.members.all().some((m) => m.running && onHost(m))) {
      throw new SwarmError(
        'SWARM_CONFLICT',
        `the inference host serves ${basename(served)}; one model is loaded at a time`,
        'stop the local agents first (POST /v1/swarm/stop), or leave model out',
      );
    }
    return model;
  }

  /**
   * The person's own server a spawn names, checked: only for local agents, with the model's name there, at a base
   * URL that is http(s) (normalized to …/v1). null: the agents think on this machine's inference host.
   */
  private endpointOf(
    body: SpawnAgentsBody,
    kind: 'local' | 'external',
  ): { url: string; model: string; key: string } | null {
    if (body.endpoint === undefined) {
      if (body.api_key !== undefined)
        throw new SwarmError('INVALID_BODY', 'api_key is for an endpoint', "pass endpoint (the server's URL) with it");
      return null;
    }
    if (kind !== 'local')
      throw new SwarmError(
        'INVALID_BODY',
        'endpoint is for local agents (the loop of this app, thinking on your server)',
        'leave out kind "external" and command; an external agent CLI finds its own model',
      );
    const normalized = normalizeEndpoint(body.endpoint);
    if ('problem' in normalized)
      throw new SwarmError('INVALID_BODY', normalized.problem, 'pass the base URL of an OpenAI-compatible server');
    if (!body.model)
      throw new SwarmError(
        'INVALID_BODY',
        `an agent on ${normalized.url} needs the model's name on that server`,
        `pass model (--model NAME), e.g. qwen3:8b; GET ${normalized.url}/models lists them`,
      );
    return { url: normalized.url, model: body.model, key: body.api_key ?? '' };
  }

  /**
   * The capability probe before local agents join: on the person's server each spawn (it may have changed since),
   * on the inference host once per start of it. A failure refuses the spawn with the report, unless forced.
   */
  private async probe(
    body: SpawnAgentsBody,
    endpoint: { url: string; model: string; key: string } | null,
    model: string | null,
  ): Promise<ProbeReport | null> {
    if (body.skip_probe) return skippedProbe();
    const timeoutMs = this.o.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
    let report: ProbeReport;
    if (endpoint) {
      report = await probeCapability({ ...endpoint, agent: PROBE_AGENT, listModels: true, timeoutMs });
      // What the server said goes on the card: a server that echoes the key it got does not put it there.
      report = {
        ...report,
        checks: report.checks.map((c) => ({ ...c, detail: this.redactor.redact(c.detail) })),
      };
    } else {
      const host = this.inference.running;
      // While a benchmark holds the GPU the host answers nothing until it ends: the probe waits for another spawn.
      if (!host || !model || this.inference.pausedForJob) return null;
      const known = this.hostProbes.get(host);
      if (known) return known;
      report = await probeCapability({
        url: host.url,
        key: host.agentKey(PROBE_AGENT),
        model: basename(model),
        agent: PROBE_AGENT,
        listModels: false,
        timeoutMs,
      });
      if (report.passed) this.hostProbes.set(host, report);
    }
    if (!report.passed) {
      // A model loaded only for agents that will not join would hold the GPU's memory for nobody.
      if (!endpoint && !this.members.all().some((m) => m.running && (onHost(m) || m.spec.kind === 'external')))
        await this.inference.stop();
      const where = endpoint ? `${endpoint.url} · ${endpoint.model}` : `this machine's ${basename(model!)}`;
      throw new SwarmError(
        'PROBE_FAILED',
        this.redactor.redact(`the capability probe failed on ${where} (${report.summary}):\n${describeProbe(report)}`),
        'fix what the failed check says and start again, or force it with --skip-probe (skip_probe: true; the agents may then fail their tool calls)',
      );
    }
    return report;
  }

  private emit(change: SwarmChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch {
        // One listener's failure never stops the swarm.
      }
    }
  }

  private async challenge(): Promise<ChallengeInfo | null> {
    if (this.challengeCache && Date.now() - this.challengeCache.at < 30_000) return this.challengeCache.value;
    const value = await this.organizer.challenge().catch(() => null);
    this.challengeCache = { at: Date.now(), value };
    return value;
  }
}

/** What the supervisor needs of a running hub (typed by shape: agents never import the hub). */
export interface HubBeside {
  url: string;
  organizerTokenPath: string;
  hub: { lease: LeaseSource; layout: { root: string } };
  attachSwarm(swarm: SwarmControl): void;
}

/** Runs a swarm beside a hub in this process: the organizer token from its file, the GPU lease followed. */
export function superviseBeside(
  running: HubBeside,
  options: Omit<SupervisorOptions, 'hubUrl' | 'dataDir' | 'organizerToken' | 'lease'>,
): Supervisor {
  const supervisor = new Supervisor({
    ...options,
    hubUrl: running.url,
    dataDir: running.hub.layout.root,
    organizerToken: readFileSync(running.organizerTokenPath, 'utf8').trim(),
    lease: running.hub.lease,
  });
  running.attachSwarm(supervisor);
  return supervisor;
}

/** Fills {prompt_file}, {hub} and {agent}, each quoted for the shell; tokens are never substituted, only in env. */
export function templateCommand(command: string, values: Record<'prompt_file' | 'hub' | 'agent', string>): string {
  return command.replace(
    /\{(prompt_file|hub|agent)\}/g,
    (_m, key: keyof typeof values) => `'${values[key].replace(/'/g, `'\\''`)}'`,
  );
}

/** Words a shell runs itself: a command line may begin with one (cd dir && agent ...) and has no program to find. */
const SHELL_WORDS = new Set(
  'cd exec export set unset source . eval command builtin time nice nohup env if for while case { ( ! true false test [ echo printf read ulimit umask trap wait'.split(
    ' ',
  ),
);

/**
 * An external command whose program is not on this machine would only restart and fail, over and over: refused here
 * with its name. A bare name is looked up on the hub's PATH, an absolute path checked; a relative path (resolved in
 * the agent's scratch folder) and shell syntax are left to the shell, whose exit 127 then fails the agent at once.
 */
function checkProgram(command: string): void {
  // Windows finds programs through PATHEXT (claude.cmd, node.exe) and drive paths: its shell says what is missing.
  if (process.platform === 'win32') return;
  const program = programOf(command);
  if (!program || SHELL_WORDS.has(program) || (program.includes('/') && !isAbsolute(program))) return;
  if (findExecutable(program)) return;
  throw new SwarmError(
    'INVALID_BODY',
    program.includes('/')
      ? `the agent's program ${program} does not exist or is not executable`
      : `the agent's program "${program}" is not on this machine (not found on the hub's PATH)`,
    program.includes('/')
      ? 'give the path of an executable file (chmod +x it if it is a script)'
      : `install it, or give its full path (which ${program}); the command runs in the agent's scratch folder`,
  );
}

/** The program a command line starts (its first word, unquoted); null when it begins with shell syntax. */
function programOf(command: string): string | null {
  const m = /^\s*(?:'([^']+)'|"([^"]+)"|([^\s;&|<>()$`'"]+))/.exec(command);
  const word = m?.[1] ?? m?.[2] ?? m?.[3];
  return word && !word.includes('=') ? word : null;
}
