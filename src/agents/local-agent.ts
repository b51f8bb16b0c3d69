// A local agent's loop: observe (digest, inbox, its jobs), think (one chat completion with tools), act (the call).
import type { ChannelsDigest } from '../shared/channels-api';
import type { ChallengeInfo, JobInfo } from '../shared/challenge';
import { leverById } from '../shared/levers';
import { DEMO_TEXT_MARK, type TraceToolCall } from '../shared/swarm';
import { AgentMemory } from './agent-memory';
import { observation, systemPrompt } from './agent-prompt';
import type { HubClient } from '../shared/hub-client';
import type { ChatClient } from './inference/chat-client';
import type { ChatCompletionRequest } from './inference/openai-types';
import {
  agentTools,
  describeConfig,
  runTool,
  SCRATCH_MODEL,
  type AgentTool,
  type KnownNames,
  type ToolOutcome,
} from './tools/agent-tools';
import type { WorkerInit, WorkerToSupervisor } from './worker-protocol';

/** The worker's init message (less its type) plus the clients and the way back to the supervisor. */
export interface LocalAgentOptions extends Omit<WorkerInit, 'type'> {
  hub: HubClient;
  chat: ChatClient;
  report(message: WorkerToSupervisor): void;
}

export type StopReason = 'max_steps' | 'budget' | 'stopped';

const DAY_MS = 24 * 3600_000;

/** What the agent knows of itself this step, beside the digest: its jobs, its scratch models, its direction. */
interface Own {
  self: string;
  jobs: JobInfo[];
  scratchModels: string[];
  direction: string;
}

const isOpen = (j: JobInfo) => j.state === 'queued' || j.state === 'running';

/**
 * What the agent can name this step: channels, the messages and results it has just been shown, the public
 * collabs followed with the few public records the digest showed it (citable in refs like its own hub's), the agents
 * whose folders it may read, its own jobs, and its scratch models. A small model then picks among real names only.
 */
function knownNames(d: ChannelsDigest, own: Own): KnownNames {
  const unique = (xs: string[]) => [...new Set(xs)];
  const pub = d.public ?? [];
  const publicResults = pub.flatMap((p) => [
    ...p.leaderboard.map((r) => r.filename).filter((f): f is string => typeof f === 'string'),
    ...p.recent_results.map((r) => r.filename),
  ]);
  const publicMessages = pub.flatMap((p) => p.recent_messages.map((m) => m.filename));
  const lever = leverById(own.direction);
  return {
    channels: d.channels.channels.map((c) => c.name),
    messages: unique([
      ...unique([...(d.inbox?.items ?? []), ...d.recent_messages].map((m) => m.filename)).slice(0, 8),
      ...publicMessages.slice(0, 2),
    ]),
    results: unique([
      ...unique([...d.leaderboard.map((r) => r.filename), ...d.recent_results.map((r) => r.filename)]).slice(0, 6),
      ...unique(publicResults).slice(0, 4),
    ]),
    publicCollabs: pub.map((p) => p.origin),
    agents: unique([own.self, ...d.agents.newest]).slice(0, 8),
    jobs: own.jobs.slice(0, 6).map((j) => j.id),
    finishedJobs: own.jobs
      .filter((j) => j.result)
      .slice(0, 4)
      .map((j) => j.id),
    scratchModels: own.scratchModels,
    ...(lever ? { levers: [lever.id] } : {}),
  };
}

/**
 * A completion cap per step: room for the longest call the tools allow (a 4,000-character file at one token per
 * character on a byte-level vocabulary), still bounded so a step never runs away; the host caps it by the context.
 */
const MAX_TOKENS = 4608;
/** Tries at each opening move (a first post, a first job) before the agent chooses freely. */
const OPENING_TRIES = 3;
/** Free steps after a run of failed submissions before the agent is led back to queueing its next job. */
const FREE_STEPS_AFTER_MISSES = 5;
/** The longest the `wait` tool holds an agent on its own job, and how often it looks. */
const WAIT_FOR_JOB_MS = 60_000;
const WAIT_POLL_MS = 2000;
/** The agent's own refusal of a job past its swarm budget (a code beside the hub's). */
const SWARM_BUDGET = 'SWARM_BUDGET';
/**
 * Refusals a corrected call cannot cure (budgets, quotas, a hub without jobs or challenge): no retry of the same
 * tool.
 */
const NOT_CORRECTABLE: ReadonlySet<string> = new Set([
  'RATE_LIMITED',
  'QUOTA_EXCEEDED',
  'SCRATCH_QUOTA_EXCEEDED',
  'JOBS_DISABLED',
  'NO_CHALLENGE',
  SWARM_BUDGET,
]);
/** The hub's quota refusals of a job: no submission is forced until they say a slot is free again. */
const JOB_QUOTA = new Set(['QUOTA_EXCEEDED', 'RATE_LIMITED']);
/** How long forced submissions pause after a quota refusal that says no time. */
const QUOTA_PAUSE_MS = 3600_000;

/**
 * When a quota refusal says a slot frees: the hub's QUOTA_EXCEEDED names the time ("the next slot frees at <ISO>"),
 * its RATE_LIMITED the wait ("retry after N s", its Retry-After); else an hour from now.
 */
export function quotaFreesAt(error: string, now = Date.now()): number {
  const at = /frees at (\d{4}-\d{2}-\d{2}T[\d:.]+Z)/.exec(error);
  if (at && Number.isFinite(Date.parse(at[1]!))) return Math.max(now, Date.parse(at[1]!));
  const after = /retry after (\d+) ?s\b/i.exec(error);
  if (after) return now + Number(after[1]) * 1000;
  return now + QUOTA_PAUSE_MS;
}

export class LocalAgent {
  private readonly memory = new AgentMemory();
  private steps: number;
  private tokensUsed: number;
  private direction: string;
  private paused = false;
  private stopped = false;
  private wake: (() => void) | null = null;
  private challenge: ChallengeInfo | null = null;
  private tools: AgentTool[] = [];
  private lastSeen: string | undefined;
  private hasJob = false;
  private jobTries = 0;
  private hasPosted = false;
  private postTries = 0;
  private failures = 0;
  /** Submissions that failed since the last one that worked, and the step of the last of them. */
  private jobMisses = 0;
  private lastMissStep = 0;
  /** Until when the hub's job quota is spent (its refusal said so): submit_job is not forced before then. */
  private submitPausedUntil = 0;
  /** The call that failed last step: the next prompt shows its error and the next step calls that tool again. */
  private retry: { tool: string; error: string } | null = null;

  constructor(private readonly o: LocalAgentOptions) {
    this.steps = o.steps;
    this.tokensUsed = o.tokensUsed;
    this.direction = o.direction;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wake?.();
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  setDirection(direction: string, reason: string): void {
    this.direction = direction;
    this.memory.note = reason;
  }

  async run(): Promise<StopReason> {
    this.hasJob = (await this.myJobs().catch(() => [])).length > 0;
    this.hasPosted = await this.o.hub.messages({ agent: this.o.agentId, limit: 1 }).then(
      (p) => p.matched > 0,
      () => false,
    );
    for (;;) {
      if (this.stopped) return 'stopped';
      if (this.o.maxSteps !== null && this.steps >= this.o.maxSteps) return 'max_steps';
      if (this.o.budget.tokens !== null && this.tokensUsed >= this.o.budget.tokens) return 'budget';
      if (this.paused) {
        this.o.report({ type: 'paused' });
        await this.sleepUntilWoken();
        continue;
      }
      try {
        await this.step();
        this.failures = 0;
      } catch (err) {
        // The hub restarting or the inference host reloading is weather, not a reason to die: wait and go on.
        this.failures += 1;
        this.report(null);
        this.o.report({ type: 'error', error: (err as Error).message });
        await this.sleepUntilWoken(Math.min(30_000, 1000 * 2 ** Math.min(this.failures, 5)));
        continue;
      }
      if (this.o.stepDelayMs > 0) await this.sleepUntilWoken(this.o.stepDelayMs);
    }
  }

  private async step(): Promise<void> {
    const t0 = performance.now();
    this.report('observing');
    // The challenge can be installed or replaced while the swarm runs; the job tools follow it.
    this.challenge = await this.o.hub.challenge().catch(() => null);
    const since = this.lastSeen;
    const [digest, jobs, scratchModels] = await Promise.all([
      this.o.hub.digest(this.o.agentId, since),
      this.myJobs().catch(() => []),
      this.scratchModels(),
    ]);
    this.lastSeen = digest.generated_at;
    this.tools = agentTools(
      this.challenge,
      knownNames(digest, { self: this.o.agentId, jobs, scratchModels, direction: this.direction }),
    );
    const retry = this.retry;
    this.retry = null;
    const messages = [
      {
        role: 'system' as const,
        content: systemPrompt({
          agentId: this.o.agentId,
          role: this.o.role,
          direction: this.direction,
          challenge: this.challenge,
        }),
      },
      {
        role: 'user' as const,
        content: observation({
          digest,
          jobs,
          self: this.o.agentId,
          memory: this.memory.render(),
          step: this.steps,
          ...(retry ? { failed: retry } : {}),
        }),
      },
    ];
    const t1 = performance.now();

    this.report('thinking', `step ${this.steps + 1}${this.o.maxSteps !== null ? ` of ${this.o.maxSteps}` : ''}`);
    const toolChoice = this.toolChoice(jobs, retry);
    const request: ChatCompletionRequest = {
      model: this.o.model,
      messages,
      tools: this.tools.map((t) => ({
        type: 'function',
        function: { name: t.name, description: t.description, parameters: t.parameters },
      })),
      tool_choice: toolChoice === 'required' ? 'required' : { type: 'function', function: { name: toolChoice } },
      max_tokens: MAX_TOKENS,
      temperature: 0.8,
      seed: this.o.seed + this.steps,
    };
    const completion = await this.o.chat.complete(request);
    const t2 = performance.now();
    const usage = completion.usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
    this.tokensUsed += usage.total_tokens;
    const message = completion.choices[0]?.message;
    const calls = message?.tool_calls ?? [];

    const traced: TraceToolCall[] = [];
    let jobSubmitted: { config: Record<string, unknown>; id?: string } | null = null;
    let posted: string | null = null;
    let waitFor: JobInfo | null = null;
    if (calls.length === 0) {
      const cut = completion.choices[0]?.finish_reason === 'length';
      this.memory.remember(
        this.steps + 1,
        'no tool',
        cut
          ? 'your call was cut off at the length limit: keep arguments shorter'
          : 'answered with text instead of a tool call',
      );
      // A forced opening move that was cut off counts as a try, so the playbook moves on after a few.
      if (toolChoice === 'post') this.postTries += 1;
      if (toolChoice === 'submit_job') this.missedJob();
    }
    for (const call of calls) {
      this.report(call.function.name);
      let written: unknown;
      try {
        written = JSON.parse(call.function.arguments);
      } catch {
        written = call.function.arguments;
      }
      const args = this.o.demoModel ? this.inDemoWords(call.function.name, written) : written;
      const outcome = await this.act(call.function.name, args);
      // The trace keeps what the model wrote; what the tool got beside it, where the agent rewrote it.
      traced.push({
        name: call.function.name,
        arguments: written,
        ...(JSON.stringify(args) !== JSON.stringify(written) ? { sent_arguments: args } : {}),
        ok: outcome.ok,
        result: outcome.ok ? outcome.result : outcome.error,
      });
      this.memory.remember(
        this.steps + 1,
        call.function.name,
        outcome.ok ? `ok ${outcome.result}` : `error ${outcome.error}`,
      );
      // Once: a retry that fails too is left in memory, and the model chooses freely next.
      if (!outcome.ok && !(outcome.code && NOT_CORRECTABLE.has(outcome.code)) && retry?.tool !== call.function.name)
        this.retry = { tool: call.function.name, error: outcome.error };
      if (call.function.name === 'submit_job') {
        if (outcome.ok) {
          this.hasJob = true;
          this.jobMisses = 0;
          const config = (args as { config?: Record<string, unknown> } | null)?.config;
          const id = (outcome.value as { id?: unknown } | undefined)?.id;
          jobSubmitted = { config: config ?? {}, ...(typeof id === 'string' ? { id } : {}) };
        } else {
          this.missedJob();
          if (outcome.code && JOB_QUOTA.has(outcome.code)) this.submitPausedUntil = quotaFreesAt(outcome.error);
        }
      }
      if (call.function.name === 'post') {
        this.postTries += 1;
        if (outcome.ok) {
          this.hasPosted = true;
          posted = String((args as { body?: unknown } | null)?.body ?? '');
        }
      }
      if (call.function.name === 'wait' && outcome.ok) waitFor = jobs.find(isOpen) ?? null;
    }
    const t3 = performance.now();
    this.steps += 1;
    this.o.report({
      type: 'step',
      step: {
        kind: 'step',
        prompt: messages,
        completion:
          message?.content ??
          JSON.stringify(calls.map((c) => ({ name: c.function.name, arguments: c.function.arguments }))),
        tool_calls: traced,
        timings: { observe_ms: Math.round(t1 - t0), think_ms: Math.round(t2 - t1), act_ms: Math.round(t3 - t2) },
        tokens: { prompt: usage.prompt_tokens, completion: usage.completion_tokens },
      },
      jobSubmitted,
      posted,
    });
    if (waitFor) await this.waitForJob(waitFor);
    this.report(null);
  }

  private report(action: string | null, progress: string | null = null): void {
    this.o.report({ type: 'action', action, progress });
  }

  private missedJob(): void {
    this.jobTries += 1;
    this.jobMisses += 1;
    this.lastMissStep = this.steps;
  }

  /**
   * The agent asked to wait while a job of its own is queued or running: it does, until the job ends (or a minute
   * passes, or it is paused or stopped), and its card says which job and how far it is.
   */
  private async waitForJob(job: JobInfo): Promise<void> {
    const until = Date.now() + WAIT_FOR_JOB_MS;
    let current = job;
    while (isOpen(current) && !this.stopped && !this.paused && Date.now() < until) {
      const p = current.progress;
      this.report(
        `waiting for job ${current.id} (${current.state})`,
        current.state === 'queued'
          ? current.queue_position
            ? `position ${current.queue_position} in the queue`
            : null
          : p
            ? `${p.phase} ${p.done}/${p.total}`
            : null,
      );
      await this.sleepUntilWoken(WAIT_POLL_MS);
      current = await this.o.hub.job(current.id).catch(() => current);
    }
  }

  /**
   * A generated model's words are noise: its free text goes out marked as the demo model's (cut to the field's
   * bound), and its jobs and results are named from their configs instead of from its text.
   */
  private inDemoWords(name: string, args: unknown): unknown {
    if (args === null || typeof args !== 'object' || Array.isArray(args)) return args;
    const a = { ...(args as Record<string, unknown>) };
    const tool = this.tools.find((t) => t.name === name);
    const mark = (field: string) => {
      const text = a[field];
      if (typeof text !== 'string' || text.trim() === '' || text.startsWith(DEMO_TEXT_MARK)) return;
      const bound = tool?.parameters.properties[field];
      const max = bound && 'maxLength' in bound ? bound.maxLength : Infinity;
      a[field] = `${DEMO_TEXT_MARK} ${text}`.slice(0, max);
    };
    switch (name) {
      case 'post':
        mark('body');
        break;
      case 'join_channel':
        mark('note');
        break;
      case 'create_channel':
        mark('theme');
        break;
      case 'write_file':
        mark('content');
        break;
      case 'submit_job': {
        const config = a.config;
        if (config && typeof config === 'object') {
          a.method = '';
          a.description =
            `Settings chosen by the demo model (random weights; its own words are left out): ${describeConfig(config as Record<string, unknown>, this.challenge?.defaults ?? {}, true)}.`.slice(
              0,
              500,
            );
        }
        break;
      }
      case 'publish_result':
        a.method = '';
        mark('description');
        mark('details');
        break;
    }
    return a;
  }

  /**
   * The opening moves every agent makes, whatever its model: announce its direction on the board (so others can
   * steer away from it), then get one experiment queued. After that it keeps one experiment in flight: with no job
   * queued or running and budget left it queues the next (after a few misses, only every few steps). A call that
   * failed is made again, its error in the prompt, once. Otherwise the model chooses freely among all tools.
   */
  private toolChoice(jobs: JobInfo[], retry: { tool: string } | null): string | 'required' {
    const has = (name: string) => this.tools.some((t) => t.name === name);
    if (retry && has(retry.tool)) return retry.tool;
    if (!this.hasPosted && this.postTries < OPENING_TRIES && has('post')) return 'post';
    // The hub's quota is spent: the model may still choose to try, but no submission is forced until a slot frees.
    const canSubmit = has('submit_job') && Date.now() >= this.submitPausedUntil;
    if (!this.hasJob && this.jobTries < OPENING_TRIES && canSubmit) return 'submit_job';
    const recent = jobs.filter((j) => Date.parse(j.created_at) > Date.now() - DAY_MS).length;
    const settled = this.jobMisses < OPENING_TRIES || this.steps - this.lastMissStep >= FREE_STEPS_AFTER_MISSES;
    if (this.hasJob && canSubmit && !jobs.some(isOpen) && recent < this.o.budget.jobs_per_day && settled) {
      if (this.jobMisses >= OPENING_TRIES) this.jobMisses = 0;
      return 'submit_job';
    }
    return 'required';
  }

  /** GGUF files in the agent's own scratch folder, as submit_job names them (scratch:<path>). */
  private async scratchModels(): Promise<string[]> {
    try {
      const listing = await this.o.hub.listScratch(this.o.agentId, '', true);
      return listing.entries
        .filter((e) => e.type === 'file' && e.path.toLowerCase().endsWith('.gguf'))
        .slice(0, 4)
        .map((e) => `${SCRATCH_MODEL}${e.path}`);
    } catch {
      return [];
    }
  }

  private async act(name: string, args: unknown): Promise<ToolOutcome> {
    if (name === 'submit_job') {
      const recent = (await this.myJobs().catch(() => [])).filter(
        (j) => Date.parse(j.created_at) > Date.now() - DAY_MS,
      );
      if (recent.length >= this.o.budget.jobs_per_day) {
        return {
          ok: false,
          error: `your swarm budget is ${this.o.budget.jobs_per_day} jobs per day and you have used them; read results or post instead`,
          code: SWARM_BUDGET,
        };
      }
    }
    return runTool(this.tools, name, args, { hub: this.o.hub, agentId: this.o.agentId });
  }

  private async myJobs(): Promise<JobInfo[]> {
    return (await this.o.hub.jobs({ agent: this.o.agentId, limit: 20 })).items;
  }

  private sleepUntilWoken(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        if (timer) clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = ms === undefined ? null : setTimeout(done, ms);
      this.wake = done;
    });
  }
}
