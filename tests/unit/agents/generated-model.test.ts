// Telling a generated random-weight model from any other GGUF by its header: what marks a demo model's text.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ggufName, isGeneratedModel } from '../../../src/agents/generated-model';
import { writeLlamaModel } from '../../../src/bench/gguf/tiny-llama';

const dir = mkdtempSync(join(tmpdir(), 'collab-desk-generated-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a generated model', () => {
  it('is known by the name its generator wrote; other files are not', async () => {
    const path = join(dir, 'target.gguf');
    await writeLlamaModel(path, { seed: 3, layers: 2, embd: 64, heads: 2, kvHeads: 2, ff: 128, ctx: 256, type: 'f32' });
    expect(await ggufName(path)).toMatch(/^tiny-llama-s3-l2-/);
    expect(await isGeneratedModel(path)).toBe(true);

    const text = join(dir, 'notes.gguf');
    writeFileSync(text, 'not a model at all');
    expect(await isGeneratedModel(text)).toBe(false);
    expect(await isGeneratedModel(join(dir, 'missing.gguf'))).toBe(false);
  });
});
