// The speed challenge's contract: challenge packs, benchmark jobs, and what a finished run reports.
import { Type, type Static } from 'typebox';
import { Closed, Nullable, OpenRecord } from './response-schema';
import type { Measure, RunConfig } from './run-config';

const Name = Type.String({ pattern: '^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$' });
const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });

/** Where a pack's model file comes from: the Hugging Face Hub, the generated demo models, or a file beside the pack. */
export const ModelSource = Type.Union([
  Type.Object(
    {
      hf: Type.Object(
        {
          repo: Type.String({
            pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$',
            description: 'owner/name of a model repository',
          }),
          file: Type.String({
            minLength: 1,
            maxLength: 500,
            description: 'path of the GGUF file inside the repository',
          }),
          revision: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 200,
              description: 'branch, tag or commit (default main); only a 40-hex commit pins the file to a commit',
            }),
          ),
          /** The sha256 a public record gives: the download is verified against it. */
          sha256: Type.Optional(Sha256),
          pin: Type.Optional(
            Type.Literal('first-download', {
              description:
                'no public record gives a sha256: the file is hashed at its first download here and held to that hash after (`models pull <name> --accept-new-hash` takes a new one on purpose)',
            }),
          ),
          bytes: Type.Optional(Type.Integer({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      generated: Type.String({
        pattern: '^demo/[a-z0-9._/-]+\\.gguf$',
        description: 'a file `collab-desk models make-demo` writes, e.g. demo/target.gguf',
      }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { path: Type.String({ minLength: 1, maxLength: 1000, description: 'a GGUF file, relative to the pack file' }) },
    { additionalProperties: false },
  ),
]);
export type ModelSource = Static<typeof ModelSource>;

export const PackModel = Type.Object(
  {
    role: Type.Union([Type.Literal('target'), Type.Literal('draft')]),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    source: ModelSource,
    architecture: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9][a-z0-9_.-]{0,63}$',
        description: 'the GGUF general.architecture the file must declare (e.g. gemma4), checked at install',
      }),
    ),
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
  {
    prompt: Type.String({ minLength: 1, maxLength: 20_000 }),
    reference: Type.String({ minLength: 1, maxLength: 100_000 }),
  },
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
    ppl_cap_ratio: Type.Number({
      minimum: 1,
      maximum: 10,
      default: 1.05,
      description: "PPL cap as a ratio to the baseline's PPL",
    }),
    tokens: Type.Integer({
      minimum: 1,
      maximum: 100_000,
      default: 128,
      description: 'new tokens per prompt, EOS ignored',
    }),
    warmup: Type.Integer({ minimum: 0, maximum: 100, default: 1 }),
    repeats: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 3,
      description:
        'paired repeats (plain, then speculative) at least; more while the interval is wider than noise_target',
    }),
    max_repeats: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 10,
      description: 'the cap on adaptive repeats: a result still wider then is published noisy',
    }),
    noise_target: Type.Number({
      exclusiveMinimum: 0,
      maximum: 1,
      default: 0.03,
      description: "the 95% interval's half-width a result must reach, as a fraction of its median",
    }),
    max_other_cpu: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0.1,
      description:
        'CPU share of the machine other processes may use during a measurement before it counts as disturbed',
    }),
    identity_required: Type.Boolean({
      default: true,
      description: 'a lossless claim must reproduce the plain model token for token',
    }),
    verify_tolerance: Type.Number({
      exclusiveMinimum: 0,
      maximum: 1,
      default: 0.05,
      description:
        'a re-run refutes a claim only when it is significantly slower than claimed by more than this fraction',
    }),
    probe_tokens: Type.Integer({
      minimum: 1,
      maximum: 64,
      default: 8,
      description: 'tokens generated to answer one probe question',
    }),
    job_timeout_s: Type.Integer({ minimum: 10, maximum: 86_400, default: 1800 }),
  },
  { additionalProperties: false },
);
export type PackGate = Static<typeof PackGate>;

/** A slot's values: words or phrases to pick one of, or every integer from `from` to `to`. */
export const SlotValues = Type.Union([
  Type.Array(Type.String({ maxLength: 2000, description: 'may be empty: a phrase left out' }), {
    minItems: 1,
    maxItems: 10_000,
  }),
  // Bounded: a draw picks one of to - from + 1 values exactly (and never spins on a range past 2^48).
  Type.Object(
    { from: Type.Integer({ minimum: -1e9, maximum: 1e9 }), to: Type.Integer({ minimum: -1e9, maximum: 1e9 }) },
    { additionalProperties: false },
  ),
]);
export type SlotValues = Static<typeof SlotValues>;

/** A question family: a prompt template whose `{{slot}}` placeholders are filled with one value each at random. */
export const PromptFamily = Type.Object(
  {
    id: Name,
    template: Type.String({ minLength: 1, maxLength: 20_000, description: 'the prompt, with {{slot}} placeholders' }),
    slots: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{0,31}$' }), SlotValues, { default: {} }),
  },
  { additionalProperties: false },
);
export type PromptFamily = Static<typeof PromptFamily>;

/**
 * How a pack's private (held-out) prompts are obtained at `challenge init`, since a pack file is public and so can
 * never hold them: drawn from `families` with a secret seed the hub keeps, or supplied by the organizer
 * (`challenge init <pack> --private-prompts <file>`, required when the pack has no families).
 */
export const PrivatePrompts = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    count: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, description: 'how many private prompts are drawn from the families' }),
    ),
    families: Type.Optional(Type.Array(PromptFamily, { minItems: 1, maxItems: 100 })),
    references: Type.Boolean({
      default: true,
      description:
        'the baseline also writes perplexity references for the private prompts at init (with calibration.tokens), so the PPL gate is measured on held-out text too',
    }),
  },
  { additionalProperties: false },
);
export type PrivatePrompts = Static<typeof PrivatePrompts>;

export const ChallengePack = Type.Object(
  {
    id: Name,
    title: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.String({ maxLength: 4000, default: '' }),
    goal: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 4000,
        description:
          "what agents work toward, shown as a hub's goal while the pack is installed (unless config.json sets one)",
      }),
    ),
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
        {
          prompts: Type.Array(Type.String({ minLength: 1, maxLength: 20_000 }), { minItems: 1 }),
          tokens: Type.Integer({ minimum: 1, maximum: 4096 }),
        },
        { additionalProperties: false },
      ),
    ),
    probe: Type.Array(ProbeItem, { default: [] }),
    gate: PackGate,
    /** Where the held-out prompts come from; the pack's `prompts` are all public. */
    private_prompts: Type.Optional(PrivatePrompts),
  },
  { additionalProperties: false },
);
export type ChallengePack = Static<typeof ChallengePack>;

/**
 * A pack as the hub uses it: model files found, references written, and (merged in by the hub) the private prompts
 * and their references from the held-out set. `challenge/pack.json` holds all of it but the held-out set.
 */
export interface InstalledPack extends ChallengePack {
  installed_at: string;
  /** Absolute paths of every model the pack names. */
  model_paths: Record<string, string>;
  /** The held-out set's file, relative to the pack.json folder (written by `challenge init`, read by the hub only). */
  private_set?: string;
}

/**
 * A pack's held-out set as `challenge init` stores it in the data folder's challenge area (file mode 0600): the private
 * prompts, the baseline's references on them, and for a drawn set the secret seed it was drawn with.
 */
export const HeldOutSet = Type.Object(
  {
    pack: Name,
    source: Type.Union([Type.Literal('generated'), Type.Literal('organizer')]),
    drawn_at: Type.String({ minLength: 1, maxLength: 100 }),
    /** Hex of the random bytes the set was drawn with (generated sets): with the pack, it re-derives the set. */
    seed: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
    prompts: Type.Array(
      Type.Object(
        { id: Name, text: Type.String({ minLength: 1, maxLength: 20_000 }) },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
    references: Type.Array(PackReference, { default: [] }),
  },
  { additionalProperties: false },
);
export type HeldOutSet = Static<typeof HeldOutSet>;

// ---- jobs -----------------------------------------------------------------------------------------------------

/** What an agent may know of a pack: everything but the private prompts' text and the probe's answers. */
export const PublicPack = Closed({
  id: Type.String(),
  title: Type.String(),
  description: Type.String(),
  models: Type.Record(
    Type.String(),
    Closed({ role: Type.Union([Type.Literal('target'), Type.Literal('draft')]), description: Type.String() }),
  ),
  baseline: Closed({ target: Type.String() }),
  defaults: OpenRecord,
  prompts: Closed({
    public: Type.Array(Closed({ id: Type.String(), text: Type.String() })),
    private_count: Type.Integer(),
  }),
  references: Type.Integer(),
  probe_questions: Type.Integer(),
  gate: PackGate,
  installed_at: Type.String(),
});
export type PublicPack = Static<typeof PublicPack>;

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export const JobState = Type.Enum(JOB_STATES);
export type JobState = (typeof JOB_STATES)[number];
/** bench: a submitted config; baseline: the pack's plain config; verify: a re-run of a claimed best on the private prompts. */
export const JobKind = Type.Union([Type.Literal('bench'), Type.Literal('baseline'), Type.Literal('verify')]);
export type JobKind = Static<typeof JobKind>;

/**
 * How far a measurement can be trusted: `clean`; `noisy` (its interval stayed wider than the pack's noise target, or
 * reached zero); `disturbed` (other processes used the machine while it ran). Only clean results are ranked.
 */
export const MEASUREMENT_QUALITIES = ['clean', 'noisy', 'disturbed'] as const;
export const MeasurementQuality = Type.Enum(MEASUREMENT_QUALITIES);
export type MeasurementQuality = (typeof MEASUREMENT_QUALITIES)[number];

/** What else the machine was doing around a measurement: the facts a reader needs to trust (or not) its figures. */
export const MachineState = Closed({
  cores: Type.Integer(),
  load_before: Type.Number({ description: '1-minute load average just before the measurement' }),
  load_after: Type.Number({ description: '1-minute load average just after it' }),
  other_cpu_before: Nullable(Type.Number(), {
    description:
      "share of the machine's CPU time (0..1 of all cores) used by other processes in the second before it started; null where the platform does not say",
  }),
  other_cpu_during: Nullable(Type.Number(), { description: 'the same, on average while it ran' }),
  other_cpu_peak: Nullable(Type.Number(), { description: 'the same, in its worst second' }),
  gpu: Nullable(
    Closed({
      name: Type.String(),
      utilization_before: Nullable(Type.Number()),
      memory_used_mib: Nullable(Type.Number()),
      memory_total_mib: Nullable(Type.Number()),
      other_processes: Nullable(Type.Number()),
    }),
    { description: 'the GPU the run used, where one did (nvidia-smi)' },
  ),
  inference: Type.Optional(
    Nullable(Closed({ paused: Type.Boolean(), drain_ms: Type.Number(), note: Type.String() }), {
      description:
        "the agents' inference on this machine: paused and drained before the measurement started (hub jobs only)",
    }),
  ),
});
export type MachineState = Static<typeof MachineState>;

/** The pack's baseline as GET /v1/challenge reports it: its figures and the conditions it was measured under. */
export const BaselineInfo = Closed({
  filename: Type.String(),
  tps: Type.Number(),
  ppl: Nullable(Type.Number()),
  measured_at: Type.String(),
  job: Nullable(Type.String()),
  hardware: Nullable(Type.String()),
  measurement: Nullable(MeasurementQuality),
  machine: Nullable(MachineState),
});
export type BaselineInfo = Static<typeof BaselineInfo>;

/** GET /v1/challenge: the public pack, its baseline result, the PPL cap, and a job an agent can submit as it is. */
export const ChallengeInfo = Closed({
  ...PublicPack.properties,
  baseline_result: Nullable(BaselineInfo),
  baseline_job: Nullable(
    Closed({
      id: Type.String(),
      state: JobState,
      error: Nullable(Type.String()),
      created_at: Type.String(),
      finished_at: Nullable(Type.String()),
    }),
    {
      description:
        'the newest baseline job (queued, running, or how the last one ended); the organizer re-measures with POST /v1/challenge/baseline',
    },
  ),
  ppl_cap: Nullable(Type.Number()),
  example_job: Closed({ config: OpenRecord, method: Type.String(), description: Type.String() }),
});
export type ChallengeInfo = Static<typeof ChallengeInfo>;

export const JobBody = Type.Object(
  {
    config: Type.Record(Type.String(), Type.Unknown(), {
      description:
        'a run configuration; target and draft name models of the pack, or scratch:<path> for a GGUF file in your scratch folder',
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

export const JobProgress = Closed({
  phase: Type.String(),
  done: Type.Number(),
  total: Type.Number(),
  tps: Type.Optional(Type.Number()),
});
export type JobProgress = Static<typeof JobProgress>;

export const JobInfo = Closed({
  id: Type.String(),
  agent: Type.String(),
  kind: JobKind,
  state: JobState,
  pack: Type.String(),
  config: Nullable(OpenRecord, {
    description: 'null for a verification of a result published without a runnable config (nothing is re-run then)',
  }),
  method: Type.String(),
  description: Type.String(),
  created_at: Type.String(),
  started_at: Nullable(Type.String()),
  finished_at: Nullable(Type.String()),
  queue_position: Nullable(Type.Integer()),
  progress: Nullable(JobProgress),
  error: Nullable(Type.String()),
  result: Nullable(Type.String(), {
    description: 'the result this job published (bench, baseline); null for a verify job, whose claim is in `verifies`',
  }),
  verifies: Nullable(Type.String()),
  log: Type.String(),
});
export type JobInfo = Static<typeof JobInfo>;

/** The job holding the GPU lease, and since when. */
export const JobLease = Closed({ job: Type.String(), since: Type.String() });
export type JobLease = Static<typeof JobLease>;

/** GET /v1/jobs: newest first, with the job holding the GPU now. */
export const JobList = Closed({ count: Type.Integer(), items: Type.Array(JobInfo), lease: Nullable(JobLease) });
export type JobList = Static<typeof JobList>;

/** GET /v1/jobs/quota. */
export const QuotaInfo = Closed({
  agent: Type.String(),
  used: Type.Integer(),
  limit: Type.Number(),
  window_hours: Type.Number(),
  next_slot_at: Nullable(Type.String()),
});
export type QuotaInfo = Static<typeof QuotaInfo>;

// ---- measurements ------------------------------------------------------------------------------------------------

/**
 * Where the time of speculative decoding went, in units of one plain decode step of the same target measured in the
 * same run: what makes speculation pay (a GPU, where a verify batch costs about one step) or not (a CPU).
 */
export interface SpeculationCosts {
  /** Seconds of one plain decode step (1 / plain tok/s). */
  plain_step_s: number;
  /** One verify batch (the last token plus the drafted ones) on the target, in plain decode steps. */
  verify_step_cost: number;
  /** One drafted token, in plain decode steps. */
  draft_token_cost: number;
  /** Tokens drafted, and tokens produced, per verify step. */
  drafted_per_step: number;
  tokens_per_step: number;
  acceptance: number | null;
}

/** A configuration's TPS and its plain target's, measured interleaved in one run, per repeat and summarized. */
export interface PairedFigures {
  tps: number;
  tps_ci: [number, number];
  tps_per_repeat: number[];
  /** The plain target in the same run (null for a plain config: it is its own plain target). */
  plain_tps: number | null;
  plain_tps_ci: [number, number] | null;
  plain_tps_per_repeat: number[];
  /** tps / plain_tps of each repeat's pair: median and 95% interval; exactly 1 for a plain config. */
  speedup: number;
  speedup_ci: [number, number];
  speedup_per_repeat: number[];
}

/** One prompt split's figures (all prompts, or the public or private ones). */
export interface SplitFigures extends PairedFigures {
  prompts: number;
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

/**
 * The figures every measured run reports, from the engine (`BenchResult`) and through the job seam alike. The plain
 * target (the same settings, speculation off) is measured in the same process, interleaved repeat by repeat with the
 * configuration, so `speedup` never divides numbers measured under different conditions.
 */
export interface RunFigures extends PairedFigures {
  tps_stdev: number;
  /** Repeats measured: at least the asked-for minimum, more while the interval was wider than the noise target. */
  repeats: number;
  ppl: number | null;
  ppl_tokens: number;
  acceptance: number | null;
  acceptance_per_position: number[];
  mean_accepted_per_step: number | null;
  tokens_per_step: number;
  identical: boolean | null;
  divergence_rate: number | null;
  costs: SpeculationCosts | null;
  backend: string;
  engine: string;
  /** The hardware class: the GPU, or the CPU model and its core count, and the backend ("NVIDIA H200 (cuda)"). */
  hardware: string;
  machine: MachineState;
}

/** What a finished job's run reports; only aggregates for private prompts (their text and outputs stay in the hub). */
export interface JobRunOutput extends RunFigures {
  /** Each split's figures; null when the run had no prompt of that split. */
  splits: { public: SplitFigures | null; private: SplitFigures | null };
  probe: { correct: number; total: number; accuracy: number } | null;
  provenance: Record<string, unknown>;
}

export interface JobRunHooks {
  signal: AbortSignal;
  timeoutMs: number;
  /** Where the run may write its working files (they hold the held-out prompts): a folder no agent can read. */
  workDir?: string;
  onProgress: (progress: JobRunProgress) => void;
  onLog: (line: string) => void;
}

/** Runs one job's measurement. The hub owns queueing and the GPU lease; the bench engine implements this. */
export interface JobRunner {
  run(input: JobRunInput, hooks: JobRunHooks): Promise<JobRunOutput>;
}
