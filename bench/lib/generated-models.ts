// Where the benchmarks keep the GGUF models they generate, keyed by the model's spec and the generator's own
// sources: a change to either makes a new cache entry instead of measuring a stale model.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeCacheFolder } from '../../src/bench/native-runner';

const GENERATOR_SOURCES = [
  'tiny-llama.ts',
  'gguf-writer.ts',
  'gguf-types.ts',
  'byte-sink.ts',
  'quantize.ts',
  'seeded-random.ts',
  'spm-vocab.ts',
];

/** Beside the built runners, so clearing the cache clears both. */
export function benchModelsFolder(): string {
  return join(dirname(nativeCacheFolder()), 'bench-models');
}

/** 16 hex digits of the sha256 over the spec and the generator's sources. */
export function generatorKey(spec: object): string {
  const gguf = fileURLToPath(new URL('../../src/bench/gguf/', import.meta.url));
  const hash = createHash('sha256').update(JSON.stringify(spec));
  for (const file of GENERATOR_SOURCES) hash.update(readFileSync(join(gguf, file)));
  return hash.digest('hex').slice(0, 16);
}
