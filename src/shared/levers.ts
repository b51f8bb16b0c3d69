// The challenge's lever map: the directions a run configuration can be pushed in, and which of them a config works.
import type { RunConfig } from './run-config';

export interface Lever {
  id: string;
  title: string;
  /** What to try, in one sentence an agent can act on. */
  hint: string;
  /** The run-config settings this lever moves. */
  keys: ReadonlyArray<keyof RunConfig>;
  /** Spec types that count as working this lever (for drafter choice and n-gram lookup). */
  specTypes?: readonly string[];
}

/**
 * Ordered so that the first few agents of a small swarm take the levers that mattered most in the public
 * challenge (drafter, draft depth, quantization), then the systems settings.
 */
export const LEVERS: readonly Lever[] = [
  {
    id: 'drafter',
    title: 'drafter choice',
    hint: 'compare draft models and the MTP drafter (spec_type draft vs draft-mtp, which draft file)',
    keys: ['draft'],
    specTypes: ['draft', 'draft-mtp'],
  },
  {
    id: 'draft-depth',
    title: 'draft depth',
    hint: 'tune how many tokens are drafted per step (draft_n_max, draft_n_min, draft_p_min)',
    keys: ['draft_n_max', 'draft_n_min', 'draft_p_min'],
  },
  {
    id: 'quantization',
    title: 'quantization',
    hint: 'trade target or draft precision for speed while keeping PPL under the cap (target/draft files)',
    keys: ['target'],
  },
  {
    id: 'ngram',
    title: 'n-gram lookup',
    hint: 'draft from the context itself, no draft model (spec_type ngram and its variants)',
    keys: [],
    specTypes: ['ngram', 'ngram-map-k', 'ngram-map-k4v', 'ngram-mod'],
  },
  {
    id: 'kv-cache',
    title: 'KV cache types',
    hint: "quantize the KV cache (cache_type_k / cache_type_v, and the draft's)",
    keys: ['cache_type_k', 'cache_type_v', 'draft_cache_type_k', 'draft_cache_type_v'],
  },
  {
    id: 'batching',
    title: 'batch sizes',
    hint: 'change batch_size / ubatch_size for prefill and verification',
    keys: ['batch_size', 'ubatch_size'],
  },
  {
    id: 'flash-attn',
    title: 'flash attention',
    hint: 'switch flash attention on or off (flash_attn)',
    keys: ['flash_attn'],
  },
  {
    id: 'context',
    title: 'context size',
    hint: 'shrink or grow the context (ctx_size) to change memory traffic',
    keys: ['ctx_size'],
  },
  {
    id: 'offload',
    title: 'GPU offload and threads',
    hint: 'move layers between GPU and CPU, set threads and polling (gpu_layers, draft_gpu_layers, threads, poll)',
    keys: ['gpu_layers', 'draft_gpu_layers', 'threads', 'draft_threads', 'poll'],
  },
];

export function leverById(id: string): Lever | undefined {
  return LEVERS.find((l) => l.id === id);
}

/**
 * The levers a job's config works, relative to the baseline config: every setting that differs, plus the spec type's
 * own lever. A config identical to the baseline works none.
 */
export function leversOf(config: Partial<RunConfig>, baseline: Partial<RunConfig>): string[] {
  const found = new Set<string>();
  for (const lever of LEVERS) {
    if (
      lever.specTypes &&
      config.spec_type &&
      lever.specTypes.includes(config.spec_type) &&
      config.spec_type !== baseline.spec_type
    )
      found.add(lever.id);
    for (const key of lever.keys) {
      if (config[key] !== undefined && config[key] !== baseline[key]) found.add(lever.id);
    }
  }
  return [...found];
}
