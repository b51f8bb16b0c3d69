// The agent's tools for the speed challenge: submit and follow benchmark jobs, read and publish results.
import type { ResultRecord } from '../../shared/api';
import { HubClientError } from '../../shared/hub-error';
import { renderMarkdown } from '../../shared/record-format';
import { JOB_STATES, type ChallengeInfo, type JobInfo, type JobState } from '../../shared/challenge';
import { LEVERS } from '../../shared/levers';
import { SPEC_TYPES, UNQUANTIZED_CACHE_TYPES, type RunConfig } from '../../shared/run-config';
import { checkRunConfig } from '../../shared/run-config-check';
import type { KnownNames } from './board-tools';
import { object, oneOfValues, str, type JsonObjectSchema, type JsonOneOfSchema, type JsonSchema } from './json-schema';
import { readPublicRecord } from './public-tools';
import {
  defineTool,
  excerpt,
  optional,
  recordSummary,
  records,
  ToolInputError,
  type AgentTool,
  type ToolContext,
} from './tool';

/** Draft depths worth comparing; an enum because the JSON grammar cannot bound an integer. */
export const DRAFT_N_MAX_CHOICES = [1, 2, 3, 4, 6, 8, 12, 16] as const;
/** KV cache types every backend runs: full precision and the common 8-bit one. */
export const CACHE_TYPE_CHOICES = ['f16', 'q8_0'] as const;
/*
 * The systems levers' choices, enums for the same reason: values llama.cpp runs on any model (a ubatch above the batch
 * is clamped to it, GPU layers beyond the model's count mean all of them, -1 all that fit).
 */
export const DRAFT_N_MIN_CHOICES = [0, 1, 2, 4] as const;
export const DRAFT_P_MIN_CHOICES = [0, 0.5, 0.7, 0.8, 0.9] as const;
export const BATCH_SIZE_CHOICES = [256, 512, 1024, 2048, 4096] as const;
export const UBATCH_SIZE_CHOICES = [64, 128, 256, 512, 1024] as const;
export const CTX_SIZE_CHOICES = [512, 1024, 2048, 4096, 8192, 16384] as const;
export const GPU_LAYERS_CHOICES = [-1, 0, 1, 2, 4, 8, 16, 32, 64] as const;
export const THREADS_CHOICES = [1, 2, 4, 8, 16] as const;
export const POLL_CHOICES = [0, 50, 100] as const;
/** Where a model of the agent's own scratch folder is named in a config: scratch:<path>. */
export const SCRATCH_MODEL = 'scratch:';
const NGRAM_TYPES = SPEC_TYPES.filter((t) => t.startsWith('ngram'));

const LIMIT = oneOfValues([5, 10, 20] as const, 'how many, newest first');
type Limit = 5 | 10 | 20;

/** A draft model that is an MTP / assistant drafter (the Gemma 4 assistant) runs with spec_type draft-mtp, not draft. */
export function isMtpDrafter(name: string, description: string): boolean {
  return /(^|[^a-z])(mtp|assistant)([^a-z]|$)/i.test(`${name} ${description}`);
}

/**
 * The settings besides the drafter that a job may choose. A setting the pack fixes (its defaults) is left out: the
 * pack applies it to every job so results compare. A quantized V cache needs flash attention (llama.cpp refuses
 * to create the context otherwise), so flash_attn off comes only with an f16 V cache (the draft's too).
 */
function knobVariants(defaults: Record<string, unknown>): Array<Record<string, JsonSchema>> {
  const free = (key: keyof RunConfig) => !(key in defaults);
  // The names say what these are (llama.cpp's flags); descriptions here would repeat in every branch of the schema.
  const cacheK: Record<string, JsonSchema> = free('cache_type_k')
    ? { cache_type_k: oneOfValues(CACHE_TYPE_CHOICES) }
    : {};
  const cacheV = oneOfValues(CACHE_TYPE_CHOICES);
  if (!free('flash_attn')) {
    const faOff = defaults.flash_attn === 'off';
    return [{ ...cacheK, ...(free('cache_type_v') && !faOff ? { cache_type_v: cacheV } : {}) }];
  }
  if (!free('cache_type_v')) {
    const quantizedV =
      typeof defaults.cache_type_v === 'string' && !UNQUANTIZED_CACHE_TYPES.includes(defaults.cache_type_v);
    return [{ flash_attn: oneOfValues(quantizedV ? ['auto', 'on'] : ['auto', 'on', 'off']), ...cacheK }];
  }
  return [
    { flash_attn: oneOfValues(['auto', 'on']), ...cacheK, cache_type_v: cacheV },
    {
      flash_attn: { const: 'off' },
      ...cacheK,
      cache_type_v: { const: 'f16', description: 'f16: a quantized V cache needs flash attention' },
    },
  ];
}

/** Whether a knob variant may run without flash attention: then a draft's V cache must stay f16 too. */
function mayRunWithoutFlashAttention(variant: Record<string, JsonSchema>, defaults: Record<string, unknown>): boolean {
  const fa = variant.flash_attn;
  if (fa === undefined) return defaults.flash_attn === 'off';
  return 'const' in fa ? fa.const === 'off' : 'enum' in fa && fa.enum.includes('off');
}

/**
 * The settings of the systems levers (batching, context, offload and threads, draft depth, the draft's KV cache), for
 * the levers asked for: a local agent's config names only its own direction's (a small model fills fewer fields, and
 * its jobs stay on its lever), an MCP client's all of them. What the pack fixes is left out, as above.
 */
function leverKnobs(
  levers: ReadonlySet<string>,
  defaults: Record<string, unknown>,
  kind: 'plain' | 'draft' | 'ngram',
  variant: Record<string, JsonSchema>,
): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  const put = (lever: string, key: keyof RunConfig, schema: JsonSchema) => {
    if (levers.has(lever) && !(key in defaults)) out[key] = schema;
  };
  put('batching', 'batch_size', oneOfValues(BATCH_SIZE_CHOICES));
  put('batching', 'ubatch_size', oneOfValues(UBATCH_SIZE_CHOICES));
  put('context', 'ctx_size', oneOfValues(CTX_SIZE_CHOICES));
  put('offload', 'gpu_layers', oneOfValues(GPU_LAYERS_CHOICES));
  put('offload', 'threads', oneOfValues(THREADS_CHOICES));
  put('offload', 'poll', oneOfValues(POLL_CHOICES));
  if (kind === 'draft') {
    put('draft-depth', 'draft_n_min', oneOfValues(DRAFT_N_MIN_CHOICES));
    put('draft-depth', 'draft_p_min', oneOfValues(DRAFT_P_MIN_CHOICES));
    put('kv-cache', 'draft_cache_type_k', oneOfValues(CACHE_TYPE_CHOICES));
    put(
      'kv-cache',
      'draft_cache_type_v',
      mayRunWithoutFlashAttention(variant, defaults)
        ? { const: 'f16', description: 'f16: a quantized V cache needs flash attention' }
        : oneOfValues(CACHE_TYPE_CHOICES),
    );
    put('offload', 'draft_gpu_layers', oneOfValues(GPU_LAYERS_CHOICES));
    put('offload', 'draft_threads', oneOfValues(THREADS_CHOICES));
  }
  return out;
}

/** The config settings an MCP client may leave out: the pack's default, or llama.cpp's, applies. */
export const OPTIONAL_CONFIG_KEYS: ReadonlySet<string> = new Set<keyof RunConfig>([
  'draft_n_max',
  'draft_n_min',
  'draft_p_min',
  'flash_attn',
  'cache_type_k',
  'cache_type_v',
  'draft_cache_type_k',
  'draft_cache_type_v',
  'batch_size',
  'ubatch_size',
  'ctx_size',
  'gpu_layers',
  'draft_gpu_layers',
  'threads',
  'draft_threads',
  'poll',
]);

export interface ConfigSchemaOptions {
  /** The levers whose settings the config offers (default: every lever). */
  levers?: readonly string[];
  /**
   * How models are named: `pack` (default) the pack's models; a list adds these scratch:<path> models of the
   * agent's own folder as choices; `free` a string, the pack's models or any scratch:<path> (MCP clients, which see
   * their folder themselves; the hub checks the name).
   */
  models?: 'pack' | 'free' | readonly string[];
}

/**
 * submit_job's `config`, built from the installed pack so that every config the grammar can produce is one the hub
 * accepts: one branch per drafter kind, model fields enumerate the pack's models, every number is an enum, and
 * nothing the pack fixes (tokens, repeats, its defaults) can be set. Null when the pack has no target model.
 */
export function submitJobConfigSchema(
  challenge: ChallengeInfo,
  options: ConfigSchemaOptions = {},
): JsonOneOfSchema | null {
  const models = Object.entries(challenge.models);
  const targets = models.filter(([, m]) => m.role === 'target').map(([name]) => name);
  if (targets.length === 0) return null;
  const drafts = models.filter(([, m]) => m.role === 'draft');
  const mtp = drafts.filter(([name, m]) => isMtpDrafter(name, m.description)).map(([name]) => name);
  const plain = drafts.filter(([name, m]) => !isMtpDrafter(name, m.description)).map(([name]) => name);
  const fixed = (key: string) => key in challenge.defaults;
  const levers = new Set(options.levers ?? LEVERS.map((l) => l.id));
  const scratch = Array.isArray(options.models) ? (options.models as readonly string[]) : [];
  const free = options.models === 'free';
  const modelField = (names: string[], what: string, ownModels = true): JsonSchema =>
    free
      ? str(
          300,
          `${what}: ${[...names, `${SCRATCH_MODEL}<path> of a GGUF file in your scratch folder`].join(', or ')}`,
          1,
        )
      : oneOfValues([...names, ...(ownModels ? scratch : [])], what);
  const target = modelField(targets, 'target model');
  const depth: Record<string, JsonSchema> = fixed('draft_n_max')
    ? {}
    : { draft_n_max: oneOfValues(DRAFT_N_MAX_CHOICES, 'most tokens drafted per step') };

  const kinds: Array<{ kind: 'plain' | 'draft' | 'ngram'; fields: Record<string, JsonSchema> }> = [
    {
      kind: 'plain',
      fields: { spec_type: { const: 'none', description: 'no speculation (the plain model)' }, target },
    },
  ];
  // A scratch model can be a draft of either kind: it is offered in both branches.
  if (plain.length > 0 || scratch.length > 0 || free)
    kinds.push({
      kind: 'draft',
      fields: {
        spec_type: { const: 'draft', description: 'a separate draft model' },
        target,
        draft: modelField(plain, 'draft model'),
        ...depth,
      },
    });
  if (mtp.length > 0)
    kinds.push({
      kind: 'draft',
      fields: {
        spec_type: { const: 'draft-mtp', description: 'the MTP assistant drafter' },
        target,
        draft: modelField(mtp, 'MTP drafter', false),
        ...depth,
      },
    });
  kinds.push({
    kind: 'ngram',
    fields: { spec_type: oneOfValues(NGRAM_TYPES, 'n-gram lookup in the context, no draft model'), target, ...depth },
  });

  const knobs = knobVariants(challenge.defaults);
  return {
    oneOf: kinds.flatMap(({ kind, fields }) =>
      knobs.map((k) => object({ ...fields, ...k, ...leverKnobs(levers, challenge.defaults, kind, k) })),
    ),
    description: 'the run configuration',
  };
}

/**
 * The levers a job of this pack can move through submit_job: those with a setting the pack leaves free that has more
 * than one choice. Quantization needs a second target (the pack's; a scratch model is the agent's own doing), the
 * drafter a draft model; what the pack fixes is no lever at all. The supervisor assigns only these.
 */
export function movableLevers(challenge: ChallengeInfo): string[] {
  const schema = submitJobConfigSchema(challenge);
  if (!schema) return [];
  const choices = new Map<string, Set<string>>();
  for (const branch of schema.oneOf as JsonObjectSchema[])
    for (const [key, field] of Object.entries(branch.properties)) {
      const set = choices.get(key) ?? new Set<string>();
      for (const v of 'const' in field ? [field.const] : 'enum' in field ? field.enum : []) set.add(String(v));
      choices.set(key, set);
    }
  const many = (key: string) => (choices.get(key)?.size ?? 0) > 1;
  return LEVERS.filter((l) => {
    if (l.specTypes?.some((t) => choices.get('spec_type')?.has(t))) return true;
    return l.keys.some((k) => many(k));
  }).map((l) => l.id);
}

/** The short names a method line gives each setting, as a reader of llama.cpp's flags would say them. */
const SETTING_WORDS: Array<[keyof RunConfig, string]> = [
  ['draft_n_max', 'n_draft'],
  ['draft_n_min', 'n_min'],
  ['draft_p_min', 'p_min'],
  ['flash_attn', 'flash attention'],
  ['cache_type_k', 'K cache'],
  ['cache_type_v', 'V cache'],
  ['draft_cache_type_k', 'draft K cache'],
  ['draft_cache_type_v', 'draft V cache'],
  ['batch_size', 'batch'],
  ['ubatch_size', 'ubatch'],
  ['ctx_size', 'context'],
  ['gpu_layers', 'GPU layers'],
  ['draft_gpu_layers', 'draft GPU layers'],
  ['threads', 'threads'],
  ['draft_threads', 'draft threads'],
  ['poll', 'poll'],
];

/**
 * A job's method written from its config, e.g. "draft model draft-q8, n_draft 8, p_min 0.7": what a generated model's
 * job is called (its own words are noise). Settings the pack's plain run already has are left out; `all` lists them.
 */
export function describeConfig(
  config: Record<string, unknown>,
  defaults: Record<string, unknown> = {},
  all = false,
): string {
  const spec = String(config.spec_type ?? 'none');
  const head =
    spec === 'none'
      ? `plain ${String(config.target)}`
      : spec === 'draft'
        ? `draft model ${String(config.draft)}`
        : spec === 'draft-mtp'
          ? `MTP drafter ${String(config.draft)}`
          : `${spec} lookup`;
  // Settings left out take their defaults (the pack's, then llama.cpp's): the job runs them, the method says them.
  const filled = (checkRunConfig({ ...defaults, ...config }).config as Record<string, unknown> | null) ?? config;
  const plain = checkRunConfig({ ...defaults, target: config.target }).config as Record<string, unknown> | null;
  const parts = [head];
  if (spec !== 'none') parts.push(`target ${String(config.target)}`);
  for (const [key, word] of SETTING_WORDS) {
    const value = all ? config[key] : filled[key];
    if (value === undefined) continue;
    if (key.startsWith('draft_') && !key.startsWith('draft_n') && !config.draft) continue;
    if (key.startsWith('draft_n') && spec === 'none') continue;
    if (!all && key !== 'draft_n_max' && plain && plain[key] === value) continue;
    parts.push(`${word} ${String(value)}`);
  }
  return parts.join(', ');
}

function modelsLine(challenge: ChallengeInfo): string {
  return Object.entries(challenge.models)
    .map(([name, m]) => `${name} (${m.role}${m.description ? `: ${excerpt(m.description, 60)}` : ''})`)
    .join('; ');
}

function jobSummary(j: JobInfo): Record<string, unknown> {
  const c = j.config;
  return {
    id: j.id,
    state: j.state,
    config: c && {
      spec_type: c.spec_type,
      target: c.target,
      ...(c.draft !== undefined ? { draft: c.draft } : {}),
      ...(c.spec_type !== 'none' ? { draft_n_max: c.draft_n_max } : {}),
    },
    method: j.method,
    ...(j.state === 'queued' ? { queue_position: j.queue_position } : {}),
    ...(j.progress && j.state === 'running' ? { progress: j.progress } : {}),
    ...(j.error ? { error: j.error } : {}),
    ...(j.result ? { result: j.result } : {}),
  };
}

const RESULT_FIELDS = [
  'tps',
  'tps_ci',
  'plain_tps',
  'speedup',
  'speedup_ci',
  'measurement',
  'measurement_note',
  'ppl',
  'ppl_cap',
  'status',
  'identical',
  'acceptance',
  'method',
] as const;

function submitJob(challenge: ChallengeInfo, config: JsonOneOfSchema): AgentTool {
  return defineTool<{ config: Record<string, unknown>; method: string; description: string }>({
    name: 'submit_job',
    description: `Queue a benchmark job of the ${challenge.id} challenge on the GPU; it publishes its result when it ends. Models: ${modelsLine(challenge)}.`,
    parameters: object({
      config,
      method: str(120, 'what you try, in a few words; "" to name it from the config', 0),
      description: str(500, 'why, and what you expect; "" for none'),
    }),
    async run(a, { hub }) {
      const description = optional(a.description);
      const job = await hub.submitJob({
        config: a.config,
        method: optional(a.method) ?? describeConfig(a.config, challenge.defaults),
        ...(description ? { description } : {}),
      });
      return { ...jobSummary(job), next: 'check it with check_job' };
    },
  });
}

const checkJobTool = (known?: KnownNames) =>
  defineTool<{ id: string }>({
    name: 'check_job',
    description: 'Check one benchmark job: its state, and its measured result when it has finished.',
    parameters: object({
      id: known?.jobs?.length
        ? oneOfValues(known.jobs, 'one of your jobs')
        : str(60, 'the job id, e.g. job-20260101-120000-000', 1),
    }),
    async run(a, { hub }) {
      const job = await hub.job(a.id.trim());
      const out = jobSummary(job);
      if (job.result) {
        const fm = (await hub.result(job.result)).frontmatter;
        out.measured = Object.fromEntries(RESULT_FIELDS.filter((f) => fm[f] !== undefined).map((f) => [f, fm[f]]));
      }
      return out;
    },
  });

const listJobs = defineTool<{ state: 'all' | JobState; limit: Limit }>({
  name: 'list_jobs',
  description: 'List your own benchmark jobs, newest first, and your job quota.',
  parameters: object({ state: oneOfValues(['all', ...JOB_STATES], 'only jobs in this state'), limit: LIMIT }),
  async run(a, { hub, agentId }) {
    const [list, quota] = await Promise.all([
      hub.jobs({ agent: agentId, limit: a.limit, ...(a.state !== 'all' ? { state: a.state } : {}) }),
      hub.quota(),
    ]);
    return {
      quota: {
        used: quota.used,
        limit: quota.limit,
        window_hours: quota.window_hours,
        next_slot_at: quota.next_slot_at,
      },
      jobs: list.items.map(jobSummary),
    };
  },
});

const readLeaderboard = defineTool<{ limit: Limit }>({
  name: 'read_leaderboard',
  description:
    "Read the leaderboard: each agent's best result, ranked by score, with its paired speedup over its own plain target, the baseline and the PPL cap.",
  parameters: object({ limit: LIMIT }),
  async run(a, { hub }) {
    const board = await hub.leaderboard({ limit: a.limit });
    return {
      score: board.score_field,
      baseline: board.baseline?.score ?? null,
      ppl_cap: board.guardrail_max,
      hardware: board.hardware,
      rows: board.rows.map((r) => ({
        rank: r.rank,
        agent: r.agent,
        score: r.score,
        speedup: r.speedup,
        method: excerpt(r.method, 80),
        verification: r.verification,
        ci: r.ci,
        filename: r.filename,
      })),
    };
  },
});

const readResults = defineTool<{ status: 'all' | 'agent-run' | 'negative'; limit: Limit }>({
  name: 'read_results',
  description: 'List published results, newest first: positive runs and negative results (dead ends worth knowing).',
  parameters: object({ status: oneOfValues(['all', 'agent-run', 'negative'] as const, 'which results'), limit: LIMIT }),
  async run(a, { hub }) {
    const page = await hub.results({
      expand: true,
      limit: a.limit,
      ...(a.status !== 'all' ? { status: a.status } : {}),
    });
    return {
      matched: page.matched,
      results: records(page.items).map((r) => recordSummary(r, ['tps', 'ppl', 'status', 'method'])),
    };
  },
});

const readResultTool = (known?: KnownNames) =>
  defineTool<{ filename: string }>({
    name: 'read_result',
    description:
      'Read one result in full: its figures, configuration, verification and text. A filename of a followed public ' +
      "collab's result or message is read from its read-only copy, with its origin and public URL.",
    parameters: object({
      filename: known?.results.length
        ? oneOfValues(known.results, 'a result you were shown')
        : str(120, 'the result filename', 1),
    }),
    async run(a, { hub }) {
      const filename = a.filename.trim();
      let r: ResultRecord;
      try {
        r = await hub.result(filename);
      } catch (err) {
        // A ref to public work names no record of this hub: the copy of the collab it came from answers instead.
        if (!(err instanceof HubClientError && err.status === 404)) throw err;
        const found = await readPublicRecord(hub, filename);
        if (found === null) throw err;
        return found;
      }
      return {
        filename: r.filename,
        frontmatter: r.frontmatter,
        verification: r.verdict.state,
        verdict_note: r.verdict.note,
        body: excerpt(r.body, 600),
      };
    },
  });

type PublishArgs = {
  status: 'agent-run' | 'negative';
  /** Absent for local agents: their figures are always their job's. */
  tps?: number;
  ppl?: number;
  method: string;
  description: string;
  details: string;
  job_id: string;
};

const PUBLISH_DESCRIPTION =
  'Publish a result you measured (status agent-run), or a negative result: something that did not help (status negative). ' +
  'Jobs publish their own results when they end; use this for findings and dead ends. With a challenge installed, a result ' +
  'published here is unverified (no job of the hub measured it) and not ranked.';

/** A figure that was measured: a positive finite number. */
const measured = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

/**
 * The figures a result is published with: its job's measured tps and PPL when it names one (never a figure the
 * caller made up beside them), else the caller's own, which must be measured numbers. Said in words an agent can act on.
 *
 * A job publishes its own result when it ends, so naming one (the caller's own only) publishes a second record of
 * the same run: only as a dead end (status negative) where the job's own result was ranked; never the same figures
 * again as a run, nor a dead end twice.
 */
async function publishedFigures(
  ctx: ToolContext,
  a: PublishArgs,
): Promise<{ tps: number; ppl: number; job: (JobInfo & { result: string }) | null }> {
  const jobId = optional(a.job_id);
  if (jobId) {
    const job = await ctx.hub.job(jobId);
    if (job.agent !== ctx.agentId)
      throw new ToolInputError(
        `job ${job.id} is ${job.agent}'s, not yours: name a job of your own (list_jobs shows them), or give figures you measured yourself`,
      );
    if (!job.result)
      throw new ToolInputError(
        `job ${job.id} has no measured result (it is ${job.state}${job.error ? `: ${excerpt(job.error, 100)}` : ''}); publish after it has succeeded, or name another job`,
      );
    const fm = (await ctx.hub.result(job.result)).frontmatter;
    const postAboutIt = `post about it with refs ["${job.result}"] to add what you make of it`;
    if (a.status === 'agent-run')
      throw new ToolInputError(
        `job ${job.id} already published its result ${job.result} when it ended (status ${String(fm.status)}): the same figures are not published twice. Publish it with status negative to mark it a dead end, or ${postAboutIt}`,
      );
    if (fm.status === 'negative')
      throw new ToolInputError(`job ${job.id}'s own result ${job.result} is a negative result already; ${postAboutIt}`);
    if (!measured(fm.tps) || !measured(fm.ppl))
      throw new ToolInputError(`job ${job.id}'s result ${job.result} has no measured tps and ppl to publish`);
    return { tps: fm.tps, ppl: fm.ppl, job: { ...job, result: job.result } };
  }
  if (!measured(a.tps) || !measured(a.ppl))
    throw new ToolInputError(
      `a result needs measured figures: give job_id of your finished job (its measured tps and ppl are used), or tps and ppl (> 0) you measured yourself; got tps ${String(a.tps ?? null)}, ppl ${String(a.ppl ?? null)}`,
    );
  return { tps: a.tps, ppl: a.ppl, job: null };
}

/**
 * publish_result. For a local agent (known names) the result is a dead end: one of its finished jobs, picked from
 * their ids, whose figures are that job's (a small model never types a number). MCP clients may give figures they
 * measured themselves, or a job_id of their own whose figures are used.
 */
const publishResultTool = (known?: KnownNames) =>
  defineTool<PublishArgs>({
    name: 'publish_result',
    description: known
      ? `${PUBLISH_DESCRIPTION} Name one of your finished jobs that did not help: it is published as a dead end (negative), with its measured figures and config.`
      : `${PUBLISH_DESCRIPTION} job_id (your own job) publishes that job's measured figures as a dead end (status negative) and copies its config so it can be re-run; the job's own result is already on the board.`,
    parameters: known
      ? object({
          status: oneOfValues(['negative'] as const, 'negative: a dead end (your job published its run already)'),
          job_id: oneOfValues(known.finishedJobs ?? [], 'your finished job that did not help'),
          method: str(120, 'what was tried, in a few words; "" to name it from the job\'s config'),
          description: str(500, 'what happened and why it matters', 1),
          details: str(2000, 'the longer write-up; "" for none'),
        })
      : object({
          status: oneOfValues(['agent-run', 'negative'] as const, 'agent-run: a measured run; negative: a dead end'),
          tps: { type: 'number', description: "tokens per second measured (> 0); 0 for none: job_id's are used" },
          ppl: { type: 'number', description: "perplexity measured (> 0); 0 for none: job_id's is used" },
          method: str(120, 'what was tried, in a few words', 1),
          description: str(500, 'what happened and why it matters', 1),
          details: str(2000, 'the longer write-up; "" for none'),
          job_id: str(60, 'your own job that measured it; "" for none (then give tps and ppl)'),
        }),
    async run(a, ctx) {
      const { hub } = ctx;
      const { tps, ppl, job } = await publishedFigures(ctx, a);
      const method = optional(a.method) ?? (job?.config ? describeConfig(job.config) : undefined);
      if (!method) throw new ToolInputError('method: say in a few words what was tried');
      const frontmatter: Record<string, unknown> = {
        tps,
        ppl,
        method,
        status: a.status,
        description: a.description.trim(),
      };
      if (job) Object.assign(frontmatter, { job: job.id, config: job.config });
      const body = optional(a.details) ?? a.description.trim();
      const created = await hub.publishResult(
        renderMarkdown(
          frontmatter,
          job ? `${body}\n\nMeasured by job ${job.id}; its own result: ${job.result}.` : body,
        ),
      );
      const stored = await hub.result(created.filename);
      return {
        filename: created.filename,
        status: a.status,
        tps,
        ppl,
        ...(job ? { figures: `measured by ${job.id}` } : {}),
        verification: stored.verification ?? null,
      };
    },
  });

/**
 * Results and the leaderboard: readable and publishable with or without an installed challenge. Given what a local
 * agent may name, a tool that could only fail is left out: read_result with no result shown yet, publish_result with
 * no finished job of its own.
 */
export function resultTools(known?: KnownNames): AgentTool[] {
  return [
    readLeaderboard,
    readResults,
    ...(known && known.results.length === 0 ? [] : [readResultTool(known)]),
    ...(known && !known.finishedJobs?.length ? [] : [publishResultTool(known)]),
  ];
}

/**
 * Benchmark jobs: only when a challenge is installed, with submit_job's config built from its pack. A local agent's
 * config offers its own direction's settings and its scratch models; an MCP client's every lever and any scratch model.
 */
export function jobTools(challenge: ChallengeInfo, known?: KnownNames): AgentTool[] {
  const config = submitJobConfigSchema(
    challenge,
    known
      ? { ...(known.levers ? { levers: known.levers } : {}), models: known.scratchModels ?? [] }
      : { models: 'free' },
  );
  return [
    ...(config ? [submitJob(challenge, config)] : []),
    ...(known?.jobs && known.jobs.length === 0 ? [] : [checkJobTool(known)]),
    listJobs,
  ];
}
