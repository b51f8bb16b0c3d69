// A benchmark run configuration: the settings of one llama.cpp run, named as llama.cpp's own flags.
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';

const CACHE_TYPES = ['f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_1', 'iq4_nl', 'q5_0', 'q5_1'] as const;
const CacheType = Type.Unsafe<(typeof CACHE_TYPES)[number]>(Type.Union(CACHE_TYPES.map((t) => Type.Literal(t))));

/** `draft` runs a separate draft model, `draft-mtp` the Gemma 4 assistant drafter, `ngram` n-gram lookup in the context. */
export const SPEC_TYPES = ['none', 'draft', 'draft-mtp', 'ngram', 'ngram-map-k', 'ngram-map-k4v', 'ngram-mod'] as const;
export type SpecType = (typeof SPEC_TYPES)[number];

export const RunConfigSchema = Type.Object(
  {
    target: Type.String({ minLength: 1, description: 'target model (GGUF)' }),
    draft: Type.Optional(Type.String({ minLength: 1, description: 'draft model (GGUF), for spec_type draft or draft-mtp' })),
    spec_type: Type.Unsafe<SpecType>(Type.Union(SPEC_TYPES.map((t) => Type.Literal(t)), { default: 'none' })),
    draft_n_max: Type.Integer({ minimum: 1, maximum: 64, default: 6, description: '--spec-draft-n-max' }),
    draft_n_min: Type.Integer({ minimum: 0, maximum: 64, default: 0, description: '--spec-draft-n-min' }),
    draft_p_min: Type.Number({ minimum: 0, maximum: 1, default: 0, description: '--spec-draft-p-min' }),
    draft_loop: Type.Union([Type.Literal('kept-cache'), Type.Literal('common')], {
      default: 'kept-cache',
      description: "with a draft model: keep the draft's cache of accepted drafts (kept-cache), or llama.cpp's common_speculative loop, which decodes every verify batch on the draft again (common)",
    }),
    gpu_layers: Type.Integer({ minimum: -1, maximum: 1000, default: -1, description: '-ngl (-1: all that fit)' }),
    draft_gpu_layers: Type.Integer({ minimum: -1, maximum: 1000, default: -1, description: '-ngld' }),
    cache_type_k: Type.Optional(CacheType),
    cache_type_v: Type.Optional(CacheType),
    draft_cache_type_k: Type.Optional(CacheType),
    draft_cache_type_v: Type.Optional(CacheType),
    flash_attn: Type.Union([Type.Literal('on'), Type.Literal('off'), Type.Literal('auto')], { default: 'auto' }),
    ctx_size: Type.Integer({ minimum: 64, maximum: 1_048_576, default: 4096, description: '-c' }),
    batch_size: Type.Integer({ minimum: 1, maximum: 65_536, default: 2048, description: '-b' }),
    ubatch_size: Type.Integer({ minimum: 1, maximum: 65_536, default: 512, description: '-ub' }),
    threads: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024, description: '-t (default: the real core count)' })),
    draft_threads: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024, description: '-td' })),
    poll: Type.Integer({ minimum: 0, maximum: 100, default: 0, description: '--poll: 0 sleeps between jobs; busy-waiting pools fight on small CPUs' }),
    backend: Type.Union([Type.Literal('auto'), Type.Literal('cuda'), Type.Literal('vulkan'), Type.Literal('cpu')], { default: 'auto' }),
  },
  { additionalProperties: false },
);
export type RunConfig = Static<typeof RunConfigSchema>;

export const MeasureSchema = Type.Object(
  {
    tokens: Type.Integer({ minimum: 1, maximum: 100_000, default: 128, description: 'new tokens per prompt, EOS ignored' }),
    repeats: Type.Integer({ minimum: 1, maximum: 100, default: 3 }),
    warmup: Type.Integer({ minimum: 0, maximum: 100, default: 1 }),
  },
  { additionalProperties: false },
);
export type Measure = Static<typeof MeasureSchema>;

/**
 * Fills defaults and checks a configuration; a refusal names the unknown settings or the first bad one.
 * One definition for the hub (job submissions) and the engine (runs), so both refuse the same things alike.
 */
export function checkRunConfig(config: unknown): { config: RunConfig; error: null } | { config: null; error: string } {
  const filled = Value.Default(RunConfigSchema, structuredClone(config)) as RunConfig;
  const errors = [...Value.Errors(RunConfigSchema, filled)];
  if (errors.length > 0) {
    // An unknown key shows up as a 'false schema' at its own path, plus an additionalProperties error on the object.
    const unknown = [...new Set(errors.flatMap((e) => (e.params as { additionalProperties?: string[] } | undefined)?.additionalProperties ?? []))];
    if (unknown.length > 0) return { config: null, error: `unknown setting${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}` };
    const e = errors[0]!;
    return { config: null, error: `${e.instancePath.replace(/^\//, '') || 'config'}: ${e.message}` };
  }
  if ((filled.spec_type === 'draft' || filled.spec_type === 'draft-mtp') && !filled.draft) {
    return { config: null, error: `spec_type ${filled.spec_type} needs a draft model (draft)` };
  }
  return { config: filled, error: null };
}
