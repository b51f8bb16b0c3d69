// The bench engine on generated models (CPU): speculative modes stay lossless, perplexity is right, every
// run carries its provenance, and cancel, timeout and bad model files end cleanly with a clear reason.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBench, type BenchInput } from '../../src/bench/engine';
import { makeModelFamily, type ModelFamily } from '../../src/bench/gguf/tiny-llama';
import { refusal } from '../helpers/bench-refusal';

const PROMPTS = [
  'The quick brown fox jumps over',
  'Once upon a time there was a',
  'In the beginning the hub was empty and',
];
const REFERENCES = [
  { prompt: 'The quick brown fox', reference: ' jumps over the lazy dog.' },
  { prompt: 'Question: 2+2? Answer:', reference: ' 4, because two and two make four.' },
];

let dir: string;
let models: ModelFamily;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'collab-desk-engine-'));
  models = await makeModelFamily(join(dir, 'models'), { seed: 11 });
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bench = (config: Partial<BenchInput['config']>, extra: Partial<BenchInput> = {}, options = {}) =>
  runBench(
    {
      config: { target: models.target, ctx_size: 512, ...config },
      measure: { tokens: 48, repeats: 2, warmup: 1 },
      prompts: PROMPTS,
      ...extra,
    },
    options,
  );

describe('speculative modes stay lossless', () => {
  it('measures plain decoding with its interval, exactly N tokens per prompt', async () => {
    const r = await bench({ spec_type: 'none' });
    expect(r.tps).toBeGreaterThan(0);
    expect(r.tps_per_repeat).toHaveLength(2);
    expect(r.tps_ci[0]).toBeLessThanOrEqual(r.tps_ci[1]);
    expect(r.per_prompt.map((p) => p.tokens.length)).toEqual([48, 48, 48]);
    expect(r.acceptance).toBeNull();
    expect(r.identical).toBeNull();
    expect(r.backend).toBe('cpu');
  }, 120_000);

  it.each([
    ['a shallow draft (the target minus a layer)', () => ({ spec_type: 'draft' as const, draft: models.draftShallow })],
    ['a quantized self-draft (Q8_0)', () => ({ spec_type: 'draft' as const, draft: models.draftQ8_0 })],
    ['a Q4_0 self-draft', () => ({ spec_type: 'draft' as const, draft: models.draftQ4_0 })],
    ['n-gram lookup', () => ({ spec_type: 'ngram' as const })],
  ])(
    'keeps greedy output identical with %s',
    async (_name, config) => {
      const r = await bench({ ...config(), draft_n_max: 4 });
      expect(r.identical).toBe(true);
      expect(r.divergence_rate).toBe(0);
      expect(r.lossy).toBe(false);
      expect(r.plain_tps).toBeGreaterThan(0);
      expect(r.per_prompt.map((p) => p.tokens.length)).toEqual([48, 48, 48]);
      if (r.acceptance !== null) {
        expect(r.acceptance).toBeGreaterThan(0);
        expect(r.acceptance).toBeLessThanOrEqual(1);
        expect(r.acceptance_per_position.length).toBeLessThanOrEqual(4);
      }
    },
    120_000,
  );

  it("drafts the same tokens with llama.cpp's common loop and with the kept-cache loop", async () => {
    const kept = await bench({ spec_type: 'draft', draft: models.draftQ8_0, draft_n_max: 4, draft_loop: 'kept-cache' });
    const common = await bench({ spec_type: 'draft', draft: models.draftQ8_0, draft_n_max: 4, draft_loop: 'common' });
    expect(kept.identical).toBe(true);
    expect(common.identical).toBe(true);
    expect(kept.per_prompt.map((p) => p.tokens)).toEqual(common.per_prompt.map((p) => p.tokens));
    expect(kept.acceptance).toBeCloseTo(common.acceptance!, 2);
    expect(kept.config.draft_loop).toBe('kept-cache');
  }, 120_000);

  it('accepts at least 99% of an identical copy of the target as draft', async () => {
    const copy = join(dir, 'copy.gguf');
    copyFileSync(models.target, copy);
    const r = await bench({ spec_type: 'draft', draft: copy, draft_n_max: 6 });
    expect(r.acceptance).toBeGreaterThanOrEqual(0.99);
    expect(r.acceptance_per_position.every((a) => a >= 0.99)).toBe(true);
    expect(r.mean_accepted_per_step).toBeGreaterThan(4);
    expect(r.identical).toBe(true);
  }, 120_000);
});

describe('the node-llama-cpp fallback', () => {
  it('gives the same tokens and perplexity as the native runner, and says which engine ran', async () => {
    const native = await bench({ spec_type: 'none' }, { references: REFERENCES });
    const fallback = await bench({ spec_type: 'none' }, { references: REFERENCES }, { engine: 'node-llama-cpp' });
    expect(fallback.engine).toBe('node-llama-cpp');
    expect(fallback.provenance.engine).toContain('node-llama-cpp fallback');
    expect(fallback.per_prompt.map((p) => p.tokens)).toEqual(native.per_prompt.map((p) => p.tokens));
    expect(Math.abs(fallback.ppl! - native.ppl!) / native.ppl!).toBeLessThan(1e-3);
  }, 120_000);

  it('accepts drafts at every position and feeds accepted tokens to the draft (an identical draft reaches >= 99%)', async () => {
    const copy = join(dir, 'copy-fallback.gguf');
    copyFileSync(models.target, copy);
    const r = await bench({ spec_type: 'draft', draft: copy, draft_n_max: 5 }, {}, { engine: 'node-llama-cpp' });
    expect(r.identical).toBe(true);
    expect(r.acceptance).toBeGreaterThanOrEqual(0.99);
    expect(r.acceptance_per_position).toHaveLength(5);
    expect(r.mean_accepted_per_step).toBeGreaterThan(3);
    const shallow = await bench(
      { spec_type: 'draft', draft: models.draftShallow, draft_n_max: 4 },
      {},
      { engine: 'node-llama-cpp' },
    );
    expect(shallow.identical).toBe(true);
  }, 120_000);

  it('refuses what only the native runner can do, saying why', async () => {
    const err = await refusal(bench({ spec_type: 'ngram' }, {}, { engine: 'node-llama-cpp' }));
    expect(err.code).toBe('BUILD_FAILED');
    expect(err.message).toContain('needs the native runner');
  });
});

describe('perplexity and provenance', () => {
  it('matches perplexity computed independently from node-llama-cpp logits within 1e-3', async () => {
    const r = await bench({ spec_type: 'none' }, { references: REFERENCES });
    expect(r.ppl).not.toBeNull();

    const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
    const model = await llama.loadModel({ modelPath: models.target });
    const context = await model.createContext({ contextSize: 512, threads: 1 });
    const sequence = context.getSequence();
    let nll = 0;
    let count = 0;
    for (const { prompt, reference } of REFERENCES) {
      await sequence.clearHistory();
      const p = [model.tokens.bos!, ...model.tokenize(prompt, true)];
      const tokens = [...p, ...model.tokenize(reference, true, 'trimLeadingSpace')];
      const first = p.length - 1; // logits at the last prompt token predict the first reference token
      const out = await sequence.controlledEvaluate(
        tokens.map((t, i) => (i >= first && i < tokens.length - 1 ? [t, { generateNext: { logits: true } }] : t)),
      );
      for (let i = first; i < tokens.length - 1; i++) {
        const logits = out[i]!.next!.logits!;
        const values = [...logits.values()];
        const max = Math.max(...values);
        const logSum = Math.log(values.reduce((a, v) => a + Math.exp(v - max), 0)) + max;
        nll += logSum - logits.get(tokens[i + 1]!)!;
        count++;
      }
    }
    await context.dispose();
    await model.dispose();
    expect(r.ppl_tokens).toBe(count);
    const independent = Math.exp(nll / count);
    expect(Math.abs(r.ppl! - independent) / independent).toBeLessThan(1e-3);
  }, 120_000);

  it('records where every number came from', async () => {
    const r = await bench({ spec_type: 'draft', draft: models.draftQ8_0, draft_n_max: 3, threads: 1 });
    const p = r.provenance;
    expect(p.app_version).toMatch(/^\d+\.\d+\.\d+/);
    expect(p.llama.commit).toMatch(/^[0-9a-f]{7,}$/);
    expect(p.llama.release).toBe('v0.5.0');
    expect(p.backend.flavor).toBe('cpu');
    expect(p.backend.devices).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'cpu', memory_total: expect.any(Number) })]),
    );
    const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
    expect(p.models.target!.sha256).toBe(sha(models.target));
    expect(p.models.draft!.sha256).toBe(sha(models.draftQ8_0));
    expect(p.flags).toEqual(
      expect.arrayContaining(['--spec-type', 'draft-simple', '--spec-draft-n-max', '3', '-t', '1', '--poll', '0']),
    );
    expect(p.threads).toBe(1);
    expect(p.os).toContain(process.platform === 'linux' ? 'Linux' : '');
    expect(r.config).toMatchObject({
      spec_type: 'draft',
      draft_n_max: 3,
      ctx_size: 512,
      flash_attn: 'auto',
      gpu_layers: -1,
    });
  }, 120_000);
});

describe('runs that cannot finish end cleanly', () => {
  it('cancels a run in progress', async () => {
    const controller = new AbortController();
    const err = await refusal(
      runBench(
        {
          config: { target: models.target, ctx_size: 4096 },
          measure: { tokens: 3000, repeats: 50, warmup: 0 },
          prompts: PROMPTS,
        },
        { signal: controller.signal, onProgress: (p) => p.phase === 'load' && controller.abort() },
      ),
    );
    expect(err.code).toBe('CANCELLED');
    expect(() => execFileSync('pgrep', ['-P', String(process.pid), '-f', 'spec-runner-cpu'])).toThrow();
  }, 120_000);

  it('stops a run past its timeout', async () => {
    const err = await refusal(
      runBench(
        {
          config: { target: models.target, ctx_size: 4096 },
          measure: { tokens: 3000, repeats: 50, warmup: 0 },
          prompts: PROMPTS,
        },
        { timeoutMs: 1500 },
      ),
    );
    expect(err.code).toBe('TIMED_OUT');
    expect(err.message).toContain('longer than 1.5 s');
  }, 120_000);

  it.each([
    ['SIGSEGV', 'RUNNER_FAILED', /crashed \(SIGSEGV\)/],
    ['SIGKILL', 'OUT_OF_MEMORY', /ran out of memory \(killed by SIGKILL\)/],
  ])(
    'turns a runner killed by %s (a crash, or the kernel OOM killer) into a failed run with its reason',
    async (signal, code, message) => {
      let killed = false;
      const err = await refusal(
        runBench(
          {
            config: { target: models.target, ctx_size: 4096 },
            measure: { tokens: 3000, repeats: 50, warmup: 0 },
            prompts: PROMPTS,
          },
          {
            onProgress: (p) => {
              if (p.phase !== 'load' || killed) return;
              killed = true;
              // only this test's own runner: a child of this process
              execFileSync('pkill', [`-${signal.slice(3)}`, '-P', String(process.pid), '-f', 'spec-runner-cpu']);
            },
          },
        ),
      );
      expect(err.code).toBe(code);
      expect(err.message).toMatch(message);
    },
    120_000,
  );

  it('names a missing model file', async () => {
    const err = await refusal(bench({ target: join(dir, 'nope.gguf') }));
    expect(err.code).toBe('MODEL_MISSING');
    expect(err.message).toContain('nope.gguf');
  });

  it('refuses a file that is not GGUF, and a GGUF whose body is garbage', async () => {
    const notGguf = join(dir, 'junk.gguf');
    writeFileSync(notGguf, 'this is not a model at all');
    expect((await refusal(bench({ target: notGguf }))).code).toBe('MODEL_CORRUPT');
    const truncated = join(dir, 'truncated.gguf');
    const head = Buffer.alloc(4096, 7);
    head.write('GGUF', 0, 'latin1');
    head.writeUInt32LE(3, 4);
    writeFileSync(truncated, head);
    const err = await refusal(bench({ target: truncated }));
    expect(err.code).toBe('RUNNER_FAILED');
    expect(err.message).toContain('failed to load the target model');
  }, 60_000);

  it('says what llama.cpp refused when it cannot create the context, and how to fix it', async () => {
    // These test models' attention heads are 16 wide; a Q8_0 cache stores blocks of 32.
    const err = await refusal(bench({ cache_type_k: 'q8_0' }));
    expect(err.code).toBe('RUNNER_FAILED');
    expect(err.message).toContain("could not create the target model's context");
    expect(err.message).toContain('K cache type q8_0 with block size 32 does not divide n_embd_head_k=16');
    expect(err.message).toContain('use f16');
  }, 60_000);

  it('refuses unknown settings and a draft mode without a draft model, by name', async () => {
    expect((await refusal(bench({ draft_depth: 3 } as never))).message).toContain('unknown setting draft_depth');
    expect((await refusal(bench({ spec_type: 'draft' }))).message).toContain('needs a draft model');
    expect((await refusal(bench({ draft_n_max: 0 }))).message).toContain('draft_n_max');
    const quantizedV = await refusal(bench({ flash_attn: 'off', cache_type_v: 'q8_0' }));
    expect(quantizedV.code).toBe('INVALID_CONFIG');
    expect(quantizedV.message).toContain('only with flash attention');
  });
});
