// One loaded configuration driven command by command: the native runner's process or node-llama-cpp in this process.

/** What a runner reports, one JSON object per line (native) or per call (node-llama-cpp). */
export type RunnerEvent = { event: string } & Record<string, unknown>;

/** One measured generation, as both engines report it (`run` events). */
export interface RunRecord {
  prompt: number;
  repeat: number;
  /** plain: the target alone, one token per step; spec: the configuration's speculative loop. */
  pass: 'plain' | 'spec';
  n_prompt: number;
  prefill_s: number;
  decode_s: number;
  /** Of decode_s: time spent drafting, and decoding verify batches on the target. */
  draft_s: number;
  verify_s: number;
  n_generated: number;
  n_steps: number;
  n_drafted: number;
  n_accepted: number;
  /** Drafts that reached position i, and how many of those were accepted. */
  drafted_at: number[];
  accepted_at: number[];
  tokens: number[];
  /** The generated text, only when the job asked for texts (probe, calibration). */
  text?: string;
}

/** The commands a session takes; each resolves with the events it produced. */
export type RunnerCommand =
  | { cmd: 'warmup'; speculative: boolean }
  | { cmd: 'pass'; speculative: boolean; repeat: number }
  | { cmd: 'references' };

/** What a session is told once, before it loads the models. */
export interface RunnerJob {
  prompts: string[];
  n_predict: number;
  references?: Array<{ prompt: string; reference: string }>;
  /** Each `run` event also carries its generated text (for scoring); off for measured runs of private prompts. */
  texts?: boolean;
}

export interface RunnerSession {
  /** The `ready` event: llama.cpp's build, devices, the loaded model. */
  readonly ready: RunnerEvent;
  /** The process doing the work (its CPU time is the measurement's, not a disturbance). */
  readonly pid: number;
  run(command: RunnerCommand): Promise<RunnerEvent[]>;
  /** Ends the session (models freed); safe to call after a failure. */
  close(): Promise<void>;
}
