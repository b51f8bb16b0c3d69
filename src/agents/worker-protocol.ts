// The messages between the supervisor and a local agent's worker process (Node IPC, both directions).
import type { AgentRole, TraceStep } from '../shared/swarm';

/** Everything a worker needs that is not a secret-bearing env var (hub URL, token and the inference key travel in env). */
export interface WorkerInit {
  type: 'init';
  agentId: string;
  role: AgentRole;
  direction: string;
  model: string;
  /** Steps already taken in earlier runs of this agent (a restart goes on counting). */
  steps: number;
  tokensUsed: number;
  budget: { tokens: number | null; jobs_per_day: number };
  maxSteps: number | null;
  /** Pause between steps, so a swarm on a small machine leaves room for the hub and the jobs. */
  stepDelayMs: number;
  seed: number;
  /**
   * It thinks with a generated random-weight model: its free text is marked as the demo model's, and its jobs are
   * named from their configs (absent from an older supervisor: false).
   */
  demoModel?: boolean;
  /**
   * It thinks on the person's own OpenAI-compatible server instead of the inference host. The key travels here, over
   * the IPC channel, never in the environment (which other processes of the user can read in /proc).
   */
  endpoint?: { url: string; key: string };
  /** A benchmark holds this machine's GPU now: an endpoint on this machine waits before its first completion. */
  gpuHeld?: boolean;
}

export type SupervisorToWorker =
  | WorkerInit
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'direction'; direction: string; reason: string }
  /**
   * A benchmark took or gave back the GPU (sent to agents thinking on an endpoint on this machine). hold numbers each
   * taking: the worker's gpu-drained names the one it answers, so a late answer to an earlier one is not taken for it.
   */
  | { type: 'gpu'; held: boolean; hold: number };

export type WorkerToSupervisor =
  /** What it does now; progress says how far, where it knows (its step of max_steps, its job's prompts). */
  | { type: 'action'; action: string | null; progress?: string | null }
  | {
      type: 'step';
      step: Omit<TraceStep, 'agent' | 'session' | 'seq' | 'at'>;
      /** id: the job the hub queued, so the supervisor knows the agent's own job when it holds the GPU. */
      jobSubmitted: { config: Record<string, unknown>; id?: string } | null;
      posted: string | null;
    }
  | { type: 'paused' }
  /** A step that could not finish (hub or inference unreachable); the agent waits and tries again. */
  | { type: 'error'; error: string }
  | { type: 'done'; reason: 'max_steps' | 'budget' | 'stopped' }
  /**
   * While the GPU is held (taking `hold`), no completion of the worker runs on it any more: the ones running finished or
   * were interrupted after their grace (sent at once when none ran). The benchmark waits for this before it measures.
   * interrupted: how many ran past their grace (each is asked again once the GPU is given back).
   */
  | { type: 'gpu-drained'; hold: number; interrupted: number };
