// Generated tiny llama models load in llama.cpp (node-llama-cpp, CPU): they tokenize, generate, and the drafts agree.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  getLlama,
  LlamaLogLevel,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaModel,
  type Token,
} from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeModelFamily, writeLlamaModel, type ModelFamily, type WeightType } from '../../src/bench/gguf/tiny-llama';

interface Loaded {
  model: LlamaModel;
  context: LlamaContext;
  sequence: LlamaContextSequence;
}

const PROMPTS = [
  'The quick brown fox jumps over the lazy dog.',
  'In the beginning there was nothing but the sea',
  'once upon a time, in a land far away',
  'to be or not to be, that is the question',
  'Speculative decoding checks a draft against the target.',
];

let dir: string;
let family: ModelFamily;
let llama: Llama;
const loaded: Loaded[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gguf-load-'));
  const started = performance.now();
  family = await makeModelFamily(dir, { seed: 7 });
  console.log(`model family written in ${(performance.now() - started).toFixed(0)} ms`);
  llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
});

afterAll(async () => {
  for (const m of loaded) {
    await m.context.dispose();
    await m.model.dispose();
  }
  await llama?.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function load(modelPath: string): Promise<Loaded> {
  const model = await llama.loadModel({ modelPath });
  // One thread: the default thread count is disastrous on a small machine, and these models are tiny anyway.
  const context = await model.createContext({ contextSize: 512, threads: 1 });
  const m = { model, context, sequence: context.getSequence() };
  loaded.push(m);
  return m;
}

function bosOf(model: LlamaModel): Token {
  const bos = model.tokens.bos;
  if (bos === null) throw new Error('model has no BOS token');
  return bos;
}

/** Greedy next-token prediction after every prefix of BOS + prompt, from one batch (teacher forcing). */
async function predictions(m: Loaded, prompt: string): Promise<Token[]> {
  await m.sequence.clearHistory();
  const input = [bosOf(m.model), ...m.model.tokenize(prompt)];
  const out = await m.sequence.controlledEvaluate(input.map((t) => [t, { generateNext: { token: true } }]));
  return input.map((_, i) => {
    const token = out[i]?.next.token;
    if (token == null) throw new Error(`no prediction at position ${i}`);
    return token;
  });
}

async function agreement(draft: Loaded, target: Loaded): Promise<number> {
  let same = 0;
  let total = 0;
  for (const prompt of PROMPTS) {
    const [d, t] = [await predictions(draft, prompt), await predictions(target, prompt)];
    t.forEach((token, i) => {
      total++;
      if (d[i] === token) same++;
    });
  }
  return same / total;
}

describe('generated GGUF models in llama.cpp', () => {
  it('are a few hundred KB to a few MB and written in well under a second each', async () => {
    for (const type of ['f32', 'f16', 'q8_0', 'q4_0'] as WeightType[]) {
      const path = join(dir, `timed-${type}.gguf`);
      const started = performance.now();
      const { bytes } = await writeLlamaModel(path, {
        seed: 7,
        layers: 4,
        embd: 64,
        heads: 4,
        kvHeads: 2,
        ff: 192,
        ctx: 512,
        type,
      });
      console.log(`${type}: ${(bytes / 1024).toFixed(0)} KiB in ${(performance.now() - started).toFixed(1)} ms`);
      expect(bytes).toBeLessThan(4 * 1024 * 1024);
    }
    for (const path of [family.target, family.draftQ8_0, family.draftQ4_0, family.draftShallow]) {
      expect((await stat(path)).size).toBeLessThan(4 * 1024 * 1024);
    }
  });

  it('tokenize and detokenize round trip, with byte fallback for what the vocabulary lacks', async () => {
    const { model } = await load(family.target);
    const text = 'Hello, the world\nis made of things: déjà vu ✓ 42!';
    const tokens = model.tokenize(text);
    expect(model.detokenize(tokens)).toBe(text);
    expect(tokens).toContain(13); // "\n" has no piece of its own, so it is the byte token <0x0A>
    expect(tokens.length).toBeLessThan(Buffer.byteLength(text)); // merges like "▁the" are used
    const withBos = model.tokenize(text, true);
    expect(model.tokens.bos).toBe(1);
    expect(model.tokens.eos).toBe(2);
    expect(model.tokenize('<s>', true)).toEqual([1]);
    expect(withBos.length).toBeGreaterThan(1);
  });

  it('greedy generation is deterministic and not one repeated token', async () => {
    const target = loaded[0] ?? (await load(family.target));
    const generate = async (): Promise<Token[]> => {
      await target.sequence.clearHistory();
      const out: Token[] = [];
      const prompt = [bosOf(target.model), ...target.model.tokenize('The')];
      for await (const token of target.sequence.evaluate(prompt)) {
        out.push(token);
        if (out.length === 32) break;
      }
      return out;
    };
    const first = await generate();
    console.log(`greedy: ${JSON.stringify(target.model.detokenize(first))}`);
    expect(first.length).toBe(32);
    expect(new Set(first).size).toBeGreaterThan(4);
    expect(await generate()).toEqual(first);
  });

  it('drafts load, and the Q8_0 copy agrees with the F32 target on most greedy predictions', async () => {
    const target = loaded[0] ?? (await load(family.target));
    const q8 = await load(family.draftQ8_0);
    const q4 = await load(family.draftQ4_0);
    const shallow = await load(family.draftShallow);
    expect((shallow.model.fileInfo.metadata as any).llama.block_count).toBe(
      family.spec.layers - (family.spec.dropLayers ?? 0),
    );
    const rates = {
      q8_0: await agreement(q8, target),
      q4_0: await agreement(q4, target),
      shallow: await agreement(shallow, target),
    };
    console.log(
      `agreement with the target: ${Object.entries(rates)
        .map(([k, v]) => `${k} ${(v * 100).toFixed(1)}%`)
        .join(', ')}`,
    );
    expect(rates.q8_0).toBeGreaterThanOrEqual(0.5);
    // Looser floors: these drafts are meant to disagree more, but far above chance (1 in ~400) all the same.
    expect(rates.q4_0).toBeGreaterThanOrEqual(0.3);
    expect(rates.shallow).toBeGreaterThanOrEqual(0.3);
  });
});
