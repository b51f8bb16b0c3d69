// The speed challenge's contract: challenge packs, benchmark jobs, and what a finished run reports.
import { Type, type Static } from 'typebox';
import type { Measure, RunConfig } from './run-config';

const Name = Type.String({ pattern: '^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$' });
const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });

/** Where a pack's model file comes from: the Hugging Face Hub, the generated demo models, or a file beside the pack. */
export const ModelSource = Type.Union([
  Type.Object(
    {
      hf: Type.Object(
        {
          repo: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$', description: 'owner/name of a model repository' }),
          file: Type.String({ minLength: 1, maxLength: 500, description: 'path of the GGUF file inside the repository' }),
          revision: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'branch, tag or commit (default main)' })),
          sha256: Type.Optional(Sha256),
          bytes: Type.Optional(Type.Integer({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { generated: Type.String({ pattern: '^demo/[a-z0-9._/-]+\\.gguf$', description: 'a file `collab-desk models make-demo` writes, e.g. demo/target.gguf' }) },
    { additionalProperties: false },
  ),
  Type.Object({ path: Type.String({ minLength: 1, maxLength: 1000, description: 'a GGUF file, relative to the pack file' }) }, { additionalProperties: false }),
]);
export type ModelSource = Static<typeof ModelSource>;

export const PackModel = Type.Object(
  {
    role: Type.Union([Type.Literal('target'), Type.Literal('draft')]),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    source: ModelSource,
  },
  { additionalProperties: false },
);
export type PackModel = Static<typeof PackModel>;

export const PackPrompt = Type.Object(
  {
    id: Name,
    /** Private prompts are held out: the hub never returns their text to an agent. */
    split: Type.Union([Type.Literal('public'), Type.Literal('private')]),
    text: Type.String({ minLength: 1, maxLength: 20_000 }),
  },
  { additionalProperties: false },
);
export type PackPrompt = Static<typeof PackPrompt>;

export const PackReference = Type.Object(
  { prompt: Type.String({ minLength: 1, maxLength: 20_000 }), reference: Type.String({ minLength: 1, maxLength: 100_000 }) },
  { additionalProperties: false },
);
export type PackReference = Static<typeof PackReference>;

/** One multiple-choice question of the accuracy probe, scored by exact match of the answer letter. */
export const ProbeItem = Type.Object(
  {
    id: Name,
    question: Type.String({ minLength: 1, maxLength: 10_000 }),
    choices: Type.Array(Type.String({ minLength: 1, maxLength: 2000 }), { minItems: 2, maxItems: 10 }),
    answer: Type.String({ pattern: '^[A-J]$' }),
  },
  { additionalProperties: false },
);
export type ProbeItem = Static<typeof ProbeItem>;

export const PackGate = Type.Object(
  {
    ppl_cap_ratio: Type.Number({ minimum: 1, maximum: 10, default: 1.05, description: "PPL cap as a ratio to the baseline's PPL" }),
    tokens: Type.Integer({ minimum: 1, maximum: 100_000, default: 128, description: 'new tokens per prompt, EOS ignored' }),
    warmup: Type.Integer({ minimum: 0, maximum: 100, default: 1 }),
    repeats: Type.Integer({ minimum: 1, maximum: 100, default: 3 }),
    identity_required: Type.Boolean({ default: true, description: 'a lossless claim must reproduce the plain model token for token' }),
    verify_tolerance: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.05, description: 'a re-run on the private prompts must land within this fraction of the claimed TPS' }),
    probe_tokens: Type.Integer({ minimum: 1, maximum: 64, default: 8, description: 'tokens generated to answer one probe question' }),
    job_timeout_s: Type.Integer({ minimum: 10, maximum: 86_400, default: 1800 }),
  },
  { additionalProperties: false },
);
export type PackGate = Static<typeof PackGate>;

export const ChallengePack = Type.Object(
  {
    id: Name,
    title: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.String({ maxLength: 4000, default: '' }),
    models: Type.Record(Name, PackModel),
    /** The plain configuration every speedup is measured against: this target, no speculation. */
    baseline: Type.Object({ target: Name }, { additionalProperties: false }),
    /** Settings a job may not override but needs (context size...), applied under every submitted config. */
    defaults: Type.Record(Type.String(), Type.Unknown(), { default: {} }),
    prompts: Type.Array(PackPrompt, { minItems: 2 }),
    /** Reference completions for perplexity; with `calibration`, the baseline writes them at `challenge init`. */
    references: Type.Array(PackReference, { default: [] }),
    calibration: Type.Optional(
      Type.Object(
        { prompts: Type.Array(Type.String({ minLength: 1, maxLength: 20_000 }), { minItems: 1 }), tokens: Type.Integer({ minimum: 1, maximum: 4096 }) },
        { additionalProperties: false },
      ),
    ),
    probe: Type.Array(ProbeItem, { default: [] }),
    gate: PackGate,
  },
  { additionalProperties: false },
);
export type ChallengePack = Static<typeof ChallengePack>;

/** A pack as `challenge init` leaves it in the data folder: model files found, references written. */
export interface InstalledPack extends ChallengePack {
  installed_at: string;
  /** Absolute paths of every model the pack names. */
  model_paths: Record<string, string>;
}

// ---- jobs -----------------------------------------------------------------------------------------------------

/** What an agent may know of a pack: everything but the private prompts' text and the probe's answers. */
export interface PublicPack {
  id: string;
  title: string;
  description: string;
  models: Record<string, { role: 'target' | 'draft'; description: string }>;
  baseline: { target: string };
  defaults: Record<string, unknown>;
  prompts: { public: Array<{ id: string; text: string }>; private_count: number };
  references: number;
  probe_questions: number;
  gate: InstalledPack['gate'];
  installed_at: string;
}

/** GET /v1/challenge: the public pack, its baseline result, the PPL cap, and a job an agent can submit as it is. */
export interface ChallengeInfo extends PublicPack {
  baseline_result: { filename: string; tps: number; ppl: number | null } | null;
  ppl_cap: number | null;
  example_job: { config: Record<string, unknown>; method: string; description: string };
}

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];
/** bench: a submitted config; baseline: the pack's plain config; verify: a re-run of a claimed best on the private prompts. */
export type JobKind = 'bench' | 'baseline' | 'verify';

export const JobBody = Type.Object(
  {
    config: Type.Record(Type.String(), Type.Unknown(), {
      description: 'a run configuration; target and draft name models of the pack, or scratch:<path> for a GGUF file in your scratch folder',
    }),
    method: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    description: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    agent_id: Type.Optional(Type.String({ maxLength: 40 })),
  },
  { additionalProperties: false },
);
export type JobBody = Static<typeof JobBody>;

export const JobListQuery = Type.Object(
  {
    state: Type.Optional(Type.String({ maxLength: 100, description: 'comma-separated states' })),
    agent: Type.Optional(Type.String({ maxLength: 40 })),
    kind: Type.Optional(Type.Union([Type.Literal('bench'), Type.Literal('baseline'), Type.Literal('verify')])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  },
  { additionalProperties: false },
);
export type JobListQuery = Static<typeof JobListQuery>;

export interface JobProgress {
  phase: string;
  done: number;
  total: number;
  tps?: number;
}

export interface JobInfo {
  id: string;
  agent: string;
  kind: JobKind;
  state: JobState;
  pack: string;
  config: Record<string, unknown>;
  method: string;
  description: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  queue_position: number | null;
  progress: JobProgress | null;
  error: string | null;
  /** The result this job published (bench, baseline) or the result it verified (verify). */
  result: string | null;
  verifies: string | null;
  log: string;
}

export interface QuotaInfo {
  agent: string;
  used: number;
  limit: number;
  window_hours: number;
  next_slot_at: string | null;
}

// ---- the seam between the hub's job queue and the bench engine -----------------------------------------------

/** What the hub hands the bench engine for one job: resolved model paths, every prompt with its split. */
export interface JobRunInput {
  config: RunConfig;
  measure: Measure;
  prompts: Array<{ id: string; split: 'public' | 'private'; text: string }>;
  references: PackReference[];
  probe: ProbeItem[];
  probe_tokens: number;
}

export interface JobRunProgress {
  phase: string;
  done: number;
  total: number;
  tps?: number;
}

/** The figures every measured run reports, from the engine (`BenchResult`) and through the job seam alike. */
export interface RunFigures {
  tps: number;
  tps_ci: [number, number];
  tps_stdev: number;
  tps_per_repeat: number[];
  ppl: number | null;
  ppl_tokens: number;
  acceptance: number | null;
  acceptance_per_position: number[];
  mean_accepted_per_step: number | null;
  tokens_per_step: number;
  identical: boolean | null;
  divergence_rate: number | null;
  plain_tps: number | null;
  backend: string;
  engine: string;
}

/** What a finished job's run reports; only aggregates for private prompts (their text and outputs stay in the hub). */
export interface JobRunOutput extends RunFigures {
  /** TPS over each split; null when the run had no prompt of that split. */
  tps_public: number | null;
  tps_private: number | null;
  tps_public_per_repeat: number[];
  tps_private_per_repeat: number[];
  probe: { correct: number; total: number; accuracy: number } | null;
  provenance: Record<string, unknown>;
}

export interface JobRunHooks {
  signal: AbortSignal;
  timeoutMs: number;
  onProgress: (progress: JobRunProgress) => void;
  onLog: (line: string) => void;
}

/** Runs one job's measurement. The hub owns queueing and the GPU lease; the bench engine implements this. */
export interface JobRunner {
  run(input: JobRunInput, hooks: JobRunHooks): Promise<JobRunOutput>;
}
