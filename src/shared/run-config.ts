// A benchmark run configuration: the settings of one llama.cpp run, named as llama.cpp's own flags.
import { Type, type Static } from 'typebox';

const CACHE_TYPES = ['f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_1', 'iq4_nl', 'q5_0', 'q5_1'] as const;
/** Cache types llama.cpp stores unquantized: the only V caches it runs without flash attention. */
export const UNQUANTIZED_CACHE_TYPES: readonly string[] = ['f32', 'f16', 'bf16'];
const CacheType = Type.Unsafe<(typeof CACHE_TYPES)[number]>(Type.Union(CACHE_TYPES.map((t) => Type.Literal(t))));

/** `draft` runs a separate draft model, `draft-mtp` the Gemma 4 assistant drafter, `ngram` n-gram lookup in the context. */
export const SPEC_TYPES = ['none', 'draft', 'draft-mtp', 'ngram', 'ngram-map-k', 'ngram-map-k4v', 'ngram-mod'] as const;
export type SpecType = (typeof SPEC_TYPES)[number];

export const RunConfigSchema = Type.Object(
  {
    target: Type.String({ minLength: 1, description: 'target model (GGUF)' }),
    draft: Type.Optional(
      Type.String({ minLength: 1, description: 'draft model (GGUF), for spec_type draft or draft-mtp' }),
    ),
    spec_type: Type.Unsafe<SpecType>(
      Type.Union(
        SPEC_TYPES.map((t) => Type.Literal(t)),
        { default: 'none' },
      ),
    ),
    draft_n_max: Type.Integer({ minimum: 1, maximum: 64, default: 6, description: '--spec-draft-n-max' }),
    draft_n_min: Type.Integer({ minimum: 0, maximum: 64, default: 0, description: '--spec-draft-n-min' }),
    draft_p_min: Type.Number({ minimum: 0, maximum: 1, default: 0, description: '--spec-draft-p-min' }),
    draft_loop: Type.Union([Type.Literal('kept-cache'), Type.Literal('common')], {
      default: 'kept-cache',
      description:
        "with a draft model: keep the draft's cache of accepted drafts (kept-cache), or llama.cpp's common_speculative loop, which decodes every verify batch on the draft again (common)",
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
    threads: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1024, description: '-t (default: the real core count)' }),
    ),
    draft_threads: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024, description: '-td' })),
    poll: Type.Integer({
      minimum: 0,
      maximum: 100,
      default: 0,
      description: '--poll: 0 sleeps between jobs; busy-waiting pools fight on small CPUs',
    }),
    backend: Type.Union([Type.Literal('auto'), Type.Literal('cuda'), Type.Literal('vulkan'), Type.Literal('cpu')], {
      default: 'auto',
    }),
  },
  { additionalProperties: false },
);
export type RunConfig = Static<typeof RunConfigSchema>;

export const MeasureSchema = Type.Object(
  {
    tokens: Type.Integer({
      minimum: 1,
      maximum: 100_000,
      default: 128,
      description: 'new tokens per prompt, EOS ignored',
    }),
    repeats: Type.Integer({ minimum: 1, maximum: 100, default: 3 }),
    warmup: Type.Integer({ minimum: 0, maximum: 100, default: 1 }),
    max_repeats: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100,
        description:
          'adaptive repeats: go on past `repeats` while the interval is wider than noise_target, up to this many',
      }),
    ),
    noise_target: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 1,
        description: "the 95% interval's half-width to reach, as a fraction of the median",
      }),
    ),
  },
  { additionalProperties: false },
);
export type Measure = Static<typeof MeasureSchema>;
