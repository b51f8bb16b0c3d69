// One swarm member's process: starts it (a local agent worker or an external command), pauses, stops, restarts it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type {
  AgentRole,
  ProbeReport,
  SandboxPolicy,
  SwarmAgentBudget,
  SwarmAgentKind,
  SwarmAgentStatus,
} from '../shared/swarm';
import { sandboxedCommand, sandboxedProcesses, type SandboxRequest, type SandboxSupport } from '../platform/sandbox';
import { isLocalEndpoint } from '../shared/endpoint-url';
import { asNodeChild } from './agent-env';
import type { TraceEntry } from './trace-log';
import type { SupervisorToWorker, WorkerToSupervisor } from './worker-protocol';

export interface MemberSpec {
  agentId: string;
  kind: SwarmAgentKind;
  role: AgentRole;
  direction: string;
  model: string;
  /** External agents: the command line, already templated. */
  command: string | null;
  budget: SwarmAgentBudget;
  maxSteps: number | null;
  /** Local agents: the model is a generated random-weight one (its free text is marked, its jobs named by config). */
  demoModel?: boolean;
  /**
   * Local agents thinking on the person's own OpenAI-compatible server (model is its name there). The key lives only
   * here, in the hub's memory: agents do not outlive the hub process, so nothing would gain from writing it down.
   */
  endpoint?: { url: string; key: string } | null;
  /** The capability probe run before it joined. */
  probe?: ProbeReport | null;
  /** External agents: the sandbox it runs in (policy kind 'none' when the organizer accepted running it bare). */
  sandbox: { support: SandboxSupport; policy: SandboxPolicy; request: SandboxRequest } | null;
}

/** What a member needs from the supervisor for each launch: where things are and how to tell the world. */
export interface MemberHost {
  workerEntry(): string;
  /** The environment of a launch (hub URL, own token, the inference endpoint, the prompt file); null = cannot start. */
  environment(member: SwarmMember): Promise<Record<string, string>>;
  scratchFolder(agentId: string): string;
  prompt(member: SwarmMember): Promise<string>;
  trace(member: SwarmMember, entry: TraceEntry): void;
  /** Takes every known secret out of text an agent produced (its output, its errors) before anyone sees it. */
  redact(text: string): string;
  /** The benchmark job holding the GPU now (the inference host is paused for it), or null. */
  gpuHolder(): string | null;
  changed(member: SwarmMember): void;
  stepTaken(member: SwarmMember, message: Extract<WorkerToSupervisor, { type: 'step' }>): void;
  stepDelayMs: number;
  restart: RestartPolicy;
}

export interface RestartPolicy {
  baseMs: number;
  maxMs: number;
  /** Crashes in a row before the member is marked failed. */
  maxInARow: number;
  /** A run this long counts as healthy: the next crash starts the backoff over. */
  healthyAfterMs: number;
}

const STOP_GRACE_MS = 5000;

export class SwarmMember {
  readonly status: SwarmAgentStatus;
  session: string;
  private child: ChildProcess | null = null;
  private stopRequested = false;
  private finished: 'max_steps' | 'budget' | null = null;
  private crashesInARow = 0;
  private startedAt = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private exited: Promise<void> = Promise.resolve();
  private stderrTail: string[] = [];
  /** What the worker last said it does; the status may say more (waiting for the GPU, see shownAction). */
  private workerAction: { action: string | null; progress: string | null } = { action: null, progress: null };
  /** Jobs this member submitted: when one of them holds the GPU, the agent waits for its own job. */
  private readonly ownJobs = new Set<string>();
  /** What this worker was last told of the GPU (an endpoint on this machine): held or not, and which taking. */
  private gpuTold = { held: false, hold: 0 };
  /** Whether the worker runs no completion on the GPU while it is held (it said so, or it is new or gone). */
  private drained = true;
  private drainWaiters: Array<() => void> = [];

  constructor(
    readonly spec: MemberSpec,
    private readonly host: MemberHost,
    readonly token: string,
    session: string,
  ) {
    this.session = session;
    this.status = {
      agent_id: spec.agentId,
      kind: spec.kind,
      role: spec.role,
      direction: spec.direction,
      state: 'stopped',
      action: null,
      since: null,
      progress: null,
      steps: 0,
      tokens_used: 0,
      jobs_submitted: 0,
      restarts: 0,
      budget: spec.budget,
      last_message: null,
      error: null,
      model: spec.model,
      endpoint: spec.endpoint?.url ?? null,
      probe: spec.probe ?? null,
      command: spec.command,
      started_at: null,
      pid: null,
      sandbox: spec.sandbox?.policy ?? null,
    };
  }

  get running(): boolean {
    return this.child !== null;
  }

  async start(): Promise<void> {
    if (this.child) return;
    this.stopRequested = false;
    this.finished = null;
    this.clearRestart();
    this.workerAction = { action: null, progress: null };
    this.set({ state: 'starting', error: null, action: null });
    let env: Record<string, string>;
    try {
      env = await this.host.environment(this);
    } catch (err) {
      this.set({ state: 'failed', error: (err as Error).message });
      return;
    }
    this.startedAt = Date.now();
    this.stderrTail = [];
    let child: ChildProcess;
    if (this.spec.kind === 'local') {
      child = spawn(process.execPath, [this.host.workerEntry()], {
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        env: asNodeChild(env),
      });
    } else {
      // Its own process group (so pause and stop reach everything it starts), inside its sandbox.
      const { support, policy, request } = this.spec.sandbox!;
      const { file, args } = sandboxedCommand(support, policy, request, this.spec.command!);
      child = spawn(file, args, {
        cwd: this.host.scratchFolder(this.spec.agentId),
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
      });
    }
    this.child = child;
    // A new worker runs nothing yet; it is told whether the GPU is held in its init.
    this.gpuTold = {
      held: this.spec.endpoint ? this.sharesGpu() && this.host.gpuHolder() !== null : false,
      hold: this.gpuTold.hold,
    };
    this.setDrained(true);
    this.exited = new Promise((resolve) => child.once('close', () => resolve()));
    child.once('error', (err) => {
      this.host.trace(this, { kind: 'event', text: `could not start: ${err.message}` });
    });
    this.capture(child);
    child.once('close', (code, signal) => this.onExit(child, code, signal));
    if (this.spec.kind === 'local') {
      child.on('message', (m) => this.onWorkerMessage(m as WorkerToSupervisor));
      this.send({
        type: 'init',
        agentId: this.spec.agentId,
        role: this.spec.role,
        direction: this.status.direction,
        model: this.spec.model,
        steps: this.status.steps,
        tokensUsed: this.status.tokens_used,
        budget: this.spec.budget,
        maxSteps: this.spec.maxSteps,
        stepDelayMs: this.host.stepDelayMs,
        seed: hashSeed(this.spec.agentId) + this.status.restarts * 7919,
        demoModel: this.spec.demoModel ?? false,
        ...(this.spec.endpoint ? { endpoint: { url: this.spec.endpoint.url, key: this.spec.endpoint.key } } : {}),
        ...(this.gpuTold.held ? { gpuHeld: true } : {}),
      });
    } else {
      // The prompt goes on stdin too: many agent CLIs read their task there.
      const prompt = await this.host.prompt(this);
      child.stdin?.on('error', () => {});
      child.stdin?.end(prompt);
    }
    this.set({ state: 'running', started_at: new Date(this.startedAt).toISOString(), pid: child.pid ?? null });
    this.host.trace(this, {
      kind: 'event',
      text: `started (pid ${child.pid})${this.status.restarts ? `, restart ${this.status.restarts}` : ''}`,
    });
  }

  pause(): void {
    if (!this.child || this.status.state === 'paused') return;
    if (this.spec.kind === 'local') this.send({ type: 'pause' });
    else this.signalGroup('SIGSTOP');
    this.set({ state: 'paused' });
    this.host.trace(this, { kind: 'event', text: 'paused' });
  }

  resume(): void {
    if (!this.child || this.status.state !== 'paused') return;
    if (this.spec.kind === 'local') this.send({ type: 'resume' });
    else this.signalGroup('SIGCONT');
    this.set({ state: 'running' });
    this.host.trace(this, { kind: 'event', text: 'resumed' });
  }

  /** Asks the process to stop after its current step; kills it when it does not within a few seconds. */
  async stop(): Promise<void> {
    this.clearRestart();
    this.stopRequested = true;
    const child = this.child;
    if (!child) {
      if (this.status.state === 'backoff') this.set({ state: 'stopped', action: null });
      return;
    }
    this.set({ state: 'stopping' });
    if (this.spec.kind === 'local') this.send({ type: 'stop' });
    else {
      this.signalGroup('SIGCONT');
      this.signalGroup('SIGTERM');
    }
    const timer = setTimeout(() => {
      if (this.spec.kind === 'local') child.kill('SIGKILL');
      else this.signalGroup('SIGKILL');
    }, STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  setDirection(direction: string, reason: string): void {
    this.set({ direction });
    if (this.spec.kind === 'local') this.send({ type: 'direction', direction, reason });
    this.host.trace(this, { kind: 'event', text: `new direction ${direction}: ${reason}` });
  }

  /**
   * The GPU was taken or given back: an agent thinking now waits for it (the inference host pauses while a benchmark
   * measures, and the completion it asked for waits), and its card says so at once.
   */
  gpuChanged(): void {
    // A server on another machine does not think on this machine's GPU: a benchmark does not hold it up. One on this
    // machine (Ollama, LM Studio... on loopback) does: its worker gives the GPU up, as the host would (nothing starts,
    // what runs gets a grace, then is interrupted and asked again once the GPU is free).
    if (this.spec.kind !== 'local' || !this.sharesGpu()) return;
    // Told once per change (the host's figures call this every few seconds); a new taking waits for a new drain.
    const held = this.host.gpuHolder() !== null;
    if (this.spec.endpoint && this.child && held !== this.gpuTold.held) {
      this.gpuTold = { held, hold: this.gpuTold.hold + (held ? 1 : 0) };
      this.setDrained(!held);
      this.send({ type: 'gpu', held, hold: this.gpuTold.hold });
    }
    if (this.status.state !== 'running' && this.status.state !== 'paused') return;
    // The host's figures refresh every few seconds with the same holder: only a change is news.
    const shown = this.shownAction();
    if (shown.action !== this.status.action || shown.progress !== this.status.progress) this.set(shown);
  }

  /** A local agent on the person's own server on this machine (loopback): the GPU lease waits for its drain. */
  get onLocalEndpoint(): boolean {
    return this.spec.kind === 'local' && !!this.spec.endpoint && this.sharesGpu();
  }

  /**
   * Resolves once its worker runs no completion on the GPU while a benchmark holds it (at once when it was not told
   * the GPU is held, or says so already): what was running finished, or was interrupted after its grace. Also when
   * the worker exits.
   */
  gpuDrained(): Promise<void> {
    if (this.drained || !this.child) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Whether it thinks on this machine's GPU: on the inference host, or on an endpoint on this machine. */
  private sharesGpu(): boolean {
    return !this.spec.endpoint || isLocalEndpoint(this.spec.endpoint.url);
  }

  private setDrained(drained: boolean): void {
    this.drained = drained;
    if (!drained) return;
    const waiting = this.drainWaiters;
    this.drainWaiters = [];
    for (const resume of waiting) resume();
  }

  /** What the card says the agent does: the worker's action, but thinking while a job holds the GPU is waiting. */
  private shownAction(): Pick<SwarmAgentStatus, 'action' | 'progress'> {
    const holder = this.sharesGpu() ? this.host.gpuHolder() : null;
    if (this.workerAction.action === 'thinking' && holder)
      return this.ownJobs.has(holder)
        ? { action: `waiting for job ${holder} (running)`, progress: 'its own job holds the GPU' }
        : { action: 'waiting for the GPU', progress: `job ${holder} holds it` };
    return this.workerAction;
  }

  private set(patch: Partial<SwarmAgentStatus>): void {
    // The status is public (GET /v1/swarm): an agent that prints its token must not publish it there.
    if (patch.last_message) patch.last_message = this.host.redact(patch.last_message);
    if (patch.error) patch.error = this.host.redact(patch.error);
    // A new action starts its clock ("waiting for the GPU · 2 m"); the same action goes on counting.
    if (patch.action !== undefined && patch.action !== this.status.action) {
      patch.since = patch.action === null ? null : new Date().toISOString();
      if (patch.progress === undefined) patch.progress = null;
    }
    Object.assign(this.status, patch);
    this.host.changed(this);
  }

  private send(message: SupervisorToWorker): void {
    if (this.child?.connected) this.child.send(message, () => {});
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (!pid) return;
    if (signal === 'SIGTERM' && this.spec.sandbox?.policy.kind === 'bubblewrap') {
      // To the agent's processes, not to bubblewrap's: the agent gets its chance to stop cleanly.
      const own = sandboxedProcesses(pid);
      for (const p of own) {
        try {
          process.kill(p, signal);
        } catch {
          // Already gone.
        }
      }
      if (own.length > 0) return;
    }
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  }

  private capture(child: ChildProcess): void {
    const lines = (stream: NodeJS.ReadableStream | null, name: 'stdout' | 'stderr') => {
      if (!stream) return;
      createInterface({ input: stream }).on('line', (line) => {
        if (name === 'stderr') {
          this.stderrTail.push(line);
          if (this.stderrTail.length > 20) this.stderrTail.shift();
        }
        // A local worker's stdout is quiet; its steps come over IPC. An external agent's output is its trace.
        this.host.trace(this, { kind: 'output', stream: name, text: line.slice(0, 8000) });
        if (this.spec.kind === 'external' && name === 'stdout' && line.trim())
          this.set({ last_message: line.trim().slice(0, 500) });
      });
    };
    lines(child.stdout, 'stdout');
    lines(child.stderr, 'stderr');
  }

  private onWorkerMessage(m: WorkerToSupervisor): void {
    switch (m.type) {
      case 'action':
        this.workerAction = { action: m.action, progress: m.progress ?? null };
        if (this.status.state === 'running' || this.status.state === 'paused') this.set(this.shownAction());
        return;
      case 'step':
        if (m.jobSubmitted?.id) this.ownJobs.add(m.jobSubmitted.id);
        this.status.steps += 1;
        this.status.tokens_used += (m.step.tokens?.prompt ?? 0) + (m.step.tokens?.completion ?? 0);
        if (m.jobSubmitted) this.status.jobs_submitted += 1;
        if (m.posted) this.status.last_message = this.host.redact(m.posted.slice(0, 500));
        this.host.stepTaken(this, m);
        this.host.changed(this);
        return;
      case 'error':
        this.host.trace(this, { kind: 'event', text: `step failed: ${m.error}` });
        this.set({ error: m.error });
        return;
      case 'paused':
        return;
      case 'gpu-drained':
        // An answer to an earlier taking (given back and taken again since) says nothing of this one.
        if (!this.gpuTold.held || m.hold !== this.gpuTold.hold) return;
        if (m.interrupted > 0) {
          const job = this.host.gpuHolder();
          const what = m.interrupted === 1 ? 'a completion' : `${m.interrupted} completions`;
          this.host.trace(this, {
            kind: 'event',
            text: `${what} interrupted${job ? ` for job ${job}` : ''}: it ran past its grace when the GPU was taken; asked again once it is free`,
          });
        }
        this.setDrained(true);
        return;
      case 'done':
        if (m.reason !== 'stopped') this.finished = m.reason;
        return;
    }
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = null;
    // Gone: it runs nothing on the GPU.
    this.gpuTold = { held: false, hold: this.gpuTold.hold };
    this.setDrained(true);
    const ranMs = Date.now() - this.startedAt;
    const how = signal ? `killed by ${signal}` : `exit code ${code}`;
    this.host.trace(this, { kind: 'event', text: `process ended (${how})` });
    if (this.stopRequested) {
      this.set({ state: 'stopped', action: null, pid: null });
      return;
    }
    if (this.finished === 'budget') {
      this.set({
        state: 'exhausted',
        action: null,
        pid: null,
        error: `token budget of ${this.spec.budget.tokens} used`,
      });
      return;
    }
    if (this.finished === 'max_steps' || (this.spec.kind === 'external' && code === 0)) {
      this.set({ state: 'stopped', action: null, pid: null, error: null });
      return;
    }
    const reason = `${how}${this.stderrTail.length ? `: ${this.stderrTail.slice(-3).join(' | ').slice(0, 400)}` : ''}`;
    // The shell's "command not found" (127) and "not executable" (126) right at the start: a restart cannot fix
    // either. After a healthy run the same codes come from inside the agent (a tool it called), so it restarts.
    if (this.spec.kind === 'external' && (code === 126 || code === 127) && ranMs < this.host.restart.healthyAfterMs) {
      this.set({
        state: 'failed',
        action: null,
        pid: null,
        error: `the command ${code === 127 ? 'was not found' : 'could not be executed'} (${reason}); fix the command and start the agent again`,
      });
      return;
    }
    // A crash: restart with exponential backoff; a healthy run in between forgives earlier crashes.
    if (ranMs >= this.host.restart.healthyAfterMs) this.crashesInARow = 0;
    this.crashesInARow += 1;
    if (this.crashesInARow > this.host.restart.maxInARow) {
      this.set({
        state: 'failed',
        action: null,
        pid: null,
        error: `crashed ${this.crashesInARow - 1} times in a row; last: ${reason}`,
      });
      return;
    }
    const delay = Math.min(this.host.restart.maxMs, this.host.restart.baseMs * 2 ** (this.crashesInARow - 1));
    this.set({
      state: 'backoff',
      action: `restarting in ${Math.round(delay / 100) / 10} s`,
      pid: null,
      error: reason,
      restarts: this.status.restarts + 1,
    });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      void this.start();
    }, delay);
  }

  private clearRestart(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
  }
}

/** A stable per-agent seed: agents sample differently from one another, and the same agent alike run after run. */
function hashSeed(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0) % 1_000_000;
}
