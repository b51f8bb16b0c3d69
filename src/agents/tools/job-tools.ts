// The agent's tools for the speed challenge: submit and follow benchmark jobs, read and publish results.
import type { ResultRecord } from '../../shared/api';
import { HubClientError } from '../../shared/hub-error';
import { renderMarkdown } from '../../shared/record-format';
import { JOB_STATES, type ChallengeInfo, type JobInfo, type JobState } from '../../shared/challenge';
import { SPEC_TYPES, UNQUANTIZED_CACHE_TYPES, type RunConfig } from '../../shared/run-config';
import { object, oneOfValues, str, type JsonOneOfSchema, type JsonSchema } from './json-schema';
import { readPublicRecord } from './public-tools';
import { defineTool, excerpt, optional, recordSummary, records, ToolInputError, type AgentTool } from './tool';

/** Draft depths worth comparing; an enum because the JSON grammar cannot bound an integer. */
export const DRAFT_N_MAX_CHOICES = [1, 2, 3, 4, 6, 8, 12, 16] as const;
/** KV cache types every backend runs: full precision and the common 8-bit one. */
export const CACHE_TYPE_CHOICES = ['f16', 'q8_0'] as const;
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
 * to create the context otherwise), so flash_attn off comes only with an f16 V cache.
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

/**
 * submit_job's `config`, built from the installed pack so that every config the grammar can produce is one the hub
 * accepts: one branch per drafter kind, model fields enumerate the pack's models, every number is an enum, and
 * nothing the pack fixes (tokens, repeats, its defaults) can be set. Null when the pack has no target model.
 */
export function submitJobConfigSchema(challenge: ChallengeInfo): JsonOneOfSchema | null {
  const models = Object.entries(challenge.models);
  const targets = models.filter(([, m]) => m.role === 'target').map(([name]) => name);
  if (targets.length === 0) return null;
  const drafts = models.filter(([, m]) => m.role === 'draft');
  const mtp = drafts.filter(([name, m]) => isMtpDrafter(name, m.description)).map(([name]) => name);
  const plain = drafts.filter(([name, m]) => !isMtpDrafter(name, m.description)).map(([name]) => name);
  const fixed = (key: string) => key in challenge.defaults;
  const target = oneOfValues(targets, 'target model');
  const depth: Record<string, JsonSchema> = fixed('draft_n_max')
    ? {}
    : { draft_n_max: oneOfValues(DRAFT_N_MAX_CHOICES, 'most tokens drafted per step') };

  const kinds: Array<Record<string, JsonSchema>> = [
    { spec_type: { const: 'none', description: 'no speculation (the plain model)' }, target },
  ];
  if (plain.length > 0)
    kinds.push({
      spec_type: { const: 'draft', description: 'a separate draft model' },
      target,
      draft: oneOfValues(plain, 'draft model'),
      ...depth,
    });
  if (mtp.length > 0)
    kinds.push({
      spec_type: { const: 'draft-mtp', description: 'the MTP assistant drafter' },
      target,
      draft: oneOfValues(mtp, 'MTP drafter'),
      ...depth,
    });
  kinds.push({ spec_type: oneOfValues(NGRAM_TYPES, 'n-gram lookup in the context, no draft model'), target, ...depth });

  const knobs = knobVariants(challenge.defaults);
  return {
    oneOf: kinds.flatMap((kind) => knobs.map((k) => object({ ...kind, ...k }))),
    description: 'the run configuration',
  };
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
      method: str(120, 'what you try, in a few words', 1),
      description: str(500, 'why, and what you expect', 1),
    }),
    async run(a, { hub }) {
      const job = await hub.submitJob({ config: a.config, method: a.method, description: a.description });
      return { ...jobSummary(job), next: 'check it with check_job' };
    },
  });
}

const checkJob = defineTool<{ id: string }>({
  name: 'check_job',
  description: 'Check one benchmark job: its state, and its measured result when it has finished.',
  parameters: object({ id: str(60, 'the job id, e.g. job-20260101-120000-000', 1) }),
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

const readResult = defineTool<{ filename: string }>({
  name: 'read_result',
  description:
    'Read one result in full: its figures, configuration, verification and text. A filename of a followed public ' +
    "collab's result or message is read from its read-only copy, with its origin and public URL.",
  parameters: object({ filename: str(120, 'the result filename', 1) }),
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

const publishResult = defineTool<{
  status: 'agent-run' | 'negative';
  tps: number;
  ppl: number;
  method: string;
  description: string;
  details: string;
  job_id: string;
}>({
  name: 'publish_result',
  description:
    'Publish a result you measured (status agent-run), or a negative result: something that did not help (status negative). ' +
    'Jobs publish their own results; use this for findings and dead ends. With a challenge installed, a result published here is ' +
    "unverified (no job of the hub measured it) and not ranked; job_id copies that job's config so it can be re-run.",
  parameters: object({
    status: oneOfValues(['agent-run', 'negative'] as const, 'agent-run: a measured run; negative: a dead end'),
    tps: { type: 'number', description: 'tokens per second measured (> 0)' },
    ppl: { type: 'number', description: 'perplexity measured (> 0)' },
    method: str(120, 'what was tried, in a few words', 1),
    description: str(500, 'what happened and why it matters', 1),
    details: str(2000, 'the longer write-up; "" for none'),
    job_id: str(60, 'the job that measured it; "" for none'),
  }),
  async run(a, { hub }) {
    for (const [field, value] of [
      ['tps', a.tps],
      ['ppl', a.ppl],
    ] as const) {
      if (!Number.isFinite(value) || value <= 0)
        throw new ToolInputError(`${field} must be a positive number (what was measured), got ${value}`);
    }
    const jobId = optional(a.job_id);
    const job = jobId ? await hub.job(jobId) : null;
    const frontmatter: Record<string, unknown> = {
      tps: a.tps,
      ppl: a.ppl,
      method: a.method.trim(),
      status: a.status,
      description: a.description.trim(),
    };
    if (job) Object.assign(frontmatter, { job: job.id, config: job.config });
    const created = await hub.publishResult(renderMarkdown(frontmatter, optional(a.details) ?? a.description.trim()));
    const stored = await hub.result(created.filename);
    return { filename: created.filename, status: a.status, verification: stored.verification ?? null };
  },
});

/** Results and the leaderboard: readable and publishable with or without an installed challenge. */
export function resultTools(): AgentTool[] {
  return [readLeaderboard, readResults, readResult, publishResult];
}

/** Benchmark jobs: only when a challenge is installed, with submit_job's config built from its pack. */
export function jobTools(challenge: ChallengeInfo): AgentTool[] {
  const config = submitJobConfigSchema(challenge);
  return [...(config ? [submitJob(challenge, config)] : []), checkJob, listJobs];
}
