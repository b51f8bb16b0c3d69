// A local agent's loop: observe (digest, inbox, its jobs), think (one chat completion with tools), act (the call).
import type { ChannelsDigest } from '../shared/channels-api';
import type { ChallengeInfo, JobInfo } from '../shared/challenge';
import type { TraceToolCall } from '../shared/swarm';
import { AgentMemory } from './agent-memory';
import { observation, systemPrompt } from './agent-prompt';
import type { HubClient } from '../shared/hub-client';
import type { ChatClient } from './inference/chat-client';
import type { ChatCompletionRequest } from './inference/openai-types';
import { agentTools, runTool, type AgentTool, type KnownNames } from './tools/agent-tools';
import type { WorkerInit, WorkerToSupervisor } from './worker-protocol';

/** The worker's init message (less its type) plus the clients and the way back to the supervisor. */
export interface LocalAgentOptions extends Omit<WorkerInit, 'type'> {
  hub: HubClient;
  chat: ChatClient;
  report(message: WorkerToSupervisor): void;
}

export type StopReason = 'max_steps' | 'budget' | 'stopped';

const DAY_MS = 24 * 3600_000;

/**
 * What the agent can name this step: channels, the messages and results it has just been shown, and the public
 * collabs followed with the few public records the digest showed it (citable in refs like its own hub's).
 */
function knownNames(d: ChannelsDigest): KnownNames {
  const unique = (xs: string[]) => [...new Set(xs)];
  const pub = d.public ?? [];
  const publicResults = pub.flatMap((p) => [
    ...p.leaderboard.map((r) => r.filename).filter((f): f is string => typeof f === 'string'),
    ...p.recent_results.map((r) => r.filename),
  ]);
  const publicMessages = pub.flatMap((p) => p.recent_messages.map((m) => m.filename));
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
  };
}

/**
 * A completion cap per step: room for the longest call the tools allow (a 4,000-character file at one token per
 * character on a byte-level vocabulary), still bounded so a step never runs away; the host caps it by the context.
 */
const MAX_TOKENS = 4608;
/** Tries at each opening move (a first post, a first job) before the agent chooses freely. */
const OPENING_TRIES = 3;

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
        this.o.report({ type: 'action', action: null });
        this.o.report({ type: 'error', error: (err as Error).message });
        await this.sleepUntilWoken(Math.min(30_000, 1000 * 2 ** Math.min(this.failures, 5)));
        continue;
      }
      if (this.o.stepDelayMs > 0) await this.sleepUntilWoken(this.o.stepDelayMs);
    }
  }

  private async step(): Promise<void> {
    const t0 = performance.now();
    this.o.report({ type: 'action', action: 'observing' });
    // The challenge can be installed or replaced while the swarm runs; the job tools follow it.
    this.challenge = await this.o.hub.challenge().catch(() => null);
    const since = this.lastSeen;
    const [digest, jobs] = await Promise.all([this.o.hub.digest(this.o.agentId, since), this.myJobs().catch(() => [])]);
    this.lastSeen = digest.generated_at;
    this.tools = agentTools(this.challenge, knownNames(digest));
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
        content: observation({ digest, jobs, self: this.o.agentId, memory: this.memory.render(), step: this.steps }),
      },
    ];
    const t1 = performance.now();

    this.o.report({ type: 'action', action: 'thinking' });
    const toolChoice = this.toolChoice();
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
    let jobSubmitted: { config: Record<string, unknown> } | null = null;
    let posted: string | null = null;
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
      if (toolChoice === 'submit_job') this.jobTries += 1;
    }
    for (const call of calls) {
      this.o.report({ type: 'action', action: call.function.name });
      let args: unknown;
      try {
        args = JSON.parse(call.function.arguments);
      } catch {
        args = call.function.arguments;
      }
      const outcome = await this.act(call.function.name, args);
      traced.push({
        name: call.function.name,
        arguments: args,
        ok: outcome.ok,
        result: outcome.ok ? outcome.result : outcome.error,
      });
      this.memory.remember(
        this.steps + 1,
        call.function.name,
        outcome.ok ? `ok ${outcome.result}` : `error ${outcome.error}`,
      );
      if (call.function.name === 'submit_job') {
        this.jobTries += 1;
        if (outcome.ok) {
          this.hasJob = true;
          const config = (args as { config?: Record<string, unknown> } | null)?.config;
          jobSubmitted = { config: config ?? {} };
        }
      }
      if (call.function.name === 'post') {
        this.postTries += 1;
        if (outcome.ok) {
          this.hasPosted = true;
          posted = String((args as { body?: unknown } | null)?.body ?? '');
        }
      }
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
    this.o.report({ type: 'action', action: null });
  }

  /**
   * The opening moves every agent makes, whatever its model: announce its direction on the board (so others can
   * steer away from it), then get one experiment queued. After that the model chooses freely among all tools.
   */
  private toolChoice(): string | 'required' {
    const has = (name: string) => this.tools.some((t) => t.name === name);
    if (!this.hasPosted && this.postTries < OPENING_TRIES && has('post')) return 'post';
    if (!this.hasJob && this.jobTries < OPENING_TRIES && has('submit_job')) return 'submit_job';
    return 'required';
  }

  private async act(name: string, args: unknown): Promise<{ ok: true; result: string } | { ok: false; error: string }> {
    if (name === 'submit_job') {
      const recent = (await this.myJobs().catch(() => [])).filter(
        (j) => Date.parse(j.created_at) > Date.now() - DAY_MS,
      );
      if (recent.length >= this.o.budget.jobs_per_day) {
        return {
          ok: false,
          error: `your swarm budget is ${this.o.budget.jobs_per_day} jobs per day and you have used them; read results or post instead`,
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
