// A generated gemma4 target and gemma4-assistant MTP drafter run in the native runner (CPU): the target alone, and
// MTP speculative decoding that keeps greedy output identical while accepting some of the drafter's tokens.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBench, type BenchInput } from '../../src/bench/engine';
import { writeGemma4Pair, type Gemma4Pair } from '../../src/bench/gguf/tiny-gemma4';

const PROMPTS = [
  'The quick brown fox jumps over',
  'Once upon a time there was a',
  'In the beginning the hub was empty and',
];
const TOKENS = 32;

let dir: string;
let pair: Gemma4Pair;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gemma4-mtp-'));
  const started = performance.now();
  pair = await writeGemma4Pair(dir, { seed: 5 });
  console.log(
    `gemma4 pair written in ${(performance.now() - started).toFixed(0)} ms: target ${pair.bytes.target} B, assistant ${pair.bytes.draft} B`,
  );
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

// One thread: these models are tiny, and more threads than cores makes ggml's pool crawl.
const bench = (config: Partial<BenchInput['config']>) =>
  runBench({
    config: { target: pair.target, ctx_size: 512, threads: 1, ...config },
    measure: { tokens: TOKENS, repeats: 1, warmup: 0 },
    prompts: PROMPTS,
  });

describe('the generated gemma4 pair', () => {
  it('writes small files', () => {
    expect(pair.bytes.target).toBeLessThan(4 << 20);
    expect(pair.bytes.draft).toBeLessThan(1 << 20);
  });

  it('runs the gemma4 target alone', async () => {
    const r = await bench({ spec_type: 'none' });
    expect(r.provenance.models.target!.desc).toMatch(/^gemma4 /);
    expect(r.per_prompt.map((p) => p.tokens.length)).toEqual(PROMPTS.map(() => TOKENS));
    expect(r.per_prompt.every((p) => p.tokens.every((t) => Number.isInteger(t) && t >= 0 && t < pair.vocabSize))).toBe(
      true,
    );
    expect(r.acceptance).toBeNull();
  }, 120_000);

  it('keeps greedy output identical with the gemma4-assistant MTP drafter, and accepts some drafts', async () => {
    const r = await bench({ spec_type: 'draft-mtp', draft: pair.draft, draft_n_max: 4 });
    expect(r.identical).toBe(true);
    expect(r.divergences).toEqual([]);
    expect(r.per_prompt.map((p) => p.tokens.length)).toEqual(PROMPTS.map(() => TOKENS));
    expect(typeof r.acceptance).toBe('number');
    expect(r.acceptance).toBeGreaterThanOrEqual(0);
    expect(r.acceptance).toBeLessThanOrEqual(1);
    // The drafter is built to agree with the target often (see makeReadout); zero would mean MTP drafting is broken.
    expect(r.acceptance).toBeGreaterThan(0);
    expect(r.acceptance_per_position.length).toBeLessThanOrEqual(4);
    expect(r.provenance.flags).toEqual(expect.arrayContaining(['--spec-type', 'draft-mtp', '-md', pair.draft]));
  }, 120_000);

  it('refuses shapes the loader or the drafter cannot use', async () => {
    await expect(writeGemma4Pair(join(dir, 'bad'), { draftEmbd: 64 })).rejects.toThrow(/draftEmbd/);
    await expect(writeGemma4Pair(join(dir, 'bad'), { layers: 3 })).rejects.toThrow(
      /sliding-window block then a full-attention/,
    );
    await expect(writeGemma4Pair(join(dir, 'bad'), { draftLayers: 1 })).rejects.toThrow(/draftLayers/);
  });
});
