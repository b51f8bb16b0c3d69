// The Models listing recommends the agent brains already installed: chat models (a chat template in their GGUF
// metadata), a challenge pack's target first, with sizes and a fits hint; drafters, generated random-weight models,
// base models and unreadable files are not recommended, each with why. Real hub, real HF-cache pull from a stand-in.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeLlamaModel } from '../../src/bench/gguf/tiny-llama';
import { createModelLibrary } from '../../src/bench/model-library';
import type { InstalledModel, ModelsInfo } from '../../src/shared/models';
import { CHATML_TEMPLATE, GEMMA4_TEMPLATE, writeHeaderModel } from '../helpers/chat-gguf';
import { seededBytes, startHfStandin, type HfStandin } from '../helpers/hf-standin';
import { SseClient } from '../helpers/sse-client';
import { startTestHub, type TestHub } from '../helpers/test-hub';
import { writeHubPack } from '../helpers/test-pack';

const REPO = 'unsloth/gemma-4-E4B-it-GGUF';
const TARGET = 'gemma-4-E4B-it-Q4_K_M.gguf';
const DRAFTER = 'mtp-gemma-4-E4B-it.gguf';

let root: string;
let hf: HfStandin;
let hub: TestHub;
let modelsDir: string;
let events: SseClient;

const models = async (): Promise<ModelsInfo> => (await hub.call<ModelsInfo>('GET', '/v1/models')).body;
const byName = (info: ModelsInfo, name: string): InstalledModel => {
  const found = info.installed.find((m) => m.name === name);
  if (!found) throw new Error(`${name} is not listed: ${info.installed.map((m) => m.name).join(', ')}`);
  return found;
};

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'collab-desk-brains-'));
  const staging = join(root, 'staging');
  mkdirSync(staging);
  const target = await writeHeaderModel(join(staging, TARGET), {
    architecture: 'gemma4',
    name: 'Gemma-4-E4B-It',
    template: GEMMA4_TEMPLATE,
    vocab: 60_000,
  });
  // Real drafters carry their target's chat template too: the architecture is what says it cannot chat.
  const drafter = await writeHeaderModel(join(staging, DRAFTER), {
    architecture: 'gemma4-assistant',
    name: 'Gemma-4-E4B-It-Assistant',
    template: GEMMA4_TEMPLATE,
  });
  writeHubPack(join(root, 'packs'), REPO, { target: TARGET, draft: DRAFTER });
  hf = await startHfStandin({ repos: { [REPO]: { files: { [TARGET]: target, [DRAFTER]: drafter } } } });

  // The data folder's models/: a larger ChatML model, a generated demo model, a base model, a file that is no GGUF.
  const dataDir = join(root, 'data');
  modelsDir = join(dataDir, 'models');
  mkdirSync(modelsDir, { recursive: true });
  await writeHeaderModel(join(modelsDir, 'qwen3-8b-Q4_K_M.gguf'), {
    architecture: 'qwen3',
    name: 'Qwen3-8B',
    template: CHATML_TEMPLATE,
    vocab: 30_000,
  });
  await writeLlamaModel(join(modelsDir, 'demo-llama.gguf'), {
    seed: 3,
    layers: 2,
    embd: 32,
    heads: 2,
    kvHeads: 2,
    ff: 64,
    ctx: 128,
    type: 'f32',
  });
  await writeHeaderModel(join(modelsDir, 'llama-3.2-1b-base.gguf'), { architecture: 'llama', name: 'Llama-3.2-1B' });
  writeFileSync(join(modelsDir, 'broken.gguf'), seededBytes(4096, 5));

  hub = await startTestHub({}, dataDir, {
    models: (dir) =>
      createModelLibrary({
        dataDir: dir,
        cacheDir: join(root, 'hf-cache'),
        hubUrl: hf.url,
        packsDir: join(root, 'packs'),
      }),
  });
  events = await SseClient.connect(`${hub.url}/v1/events`);
  for (const file of [TARGET, DRAFTER]) {
    events.cursor = events.received.length;
    const res = await hub.call('POST', '/v1/models/pull', {
      token: hub.organizerToken,
      body: { repo: REPO, file },
    });
    expect(res.status).toBe(202);
    await events.waitFor((e) => e.type === 'model.installed', `model.installed for ${file}`, 15_000);
  }
}, 60_000);

afterAll(async () => {
  await events?.close();
  await hub?.stop();
  await hf?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('agent brains you already have', () => {
  it("recommends the chat models, the pack's target first, with a reason and a fits hint", async () => {
    const info = await models();
    const target = byName(info, TARGET);
    const qwen = byName(info, 'qwen3-8b-Q4_K_M.gguf');
    expect(info.brains.map((b) => b.id)).toEqual([target.id, qwen.id]);
    const [first, second] = info.brains;
    expect(first!.reason).toBe('the target of the tiny pack; a gemma4 chat model; fits in RAM (CPU offload)');
    expect(second!.reason).toBe('a chatml chat model; fits in RAM (CPU offload)');
    // The fits hint is the panel's: the file and what loading it needs, against this machine (no GPU here).
    expect(first!.fit).toMatchObject({ verdict: 'ram', vram_bytes: null });
    expect(first!.fit.needed_bytes).toBeGreaterThan(target.bytes);
    expect(first!.fit.detail).toMatch(/runs on the CPU from RAM/);
    expect(target.brain).toEqual({ ok: true, why: null, architecture: 'gemma4', chat_format: 'gemma4' });
    expect(qwen.brain).toEqual({ ok: true, why: null, architecture: 'qwen3', chat_format: 'chatml' });
  });

  it('says why the others cannot think: a drafter, random weights, no chat template, an unreadable header', async () => {
    const info = await models();
    expect(byName(info, DRAFTER).brain).toEqual({
      ok: false,
      why: 'a drafter (gemma4-assistant): it proposes tokens for its target model to check and cannot hold a conversation on its own',
      architecture: 'gemma4-assistant',
      chat_format: null,
    });
    expect(byName(info, 'demo-llama.gguf').brain).toMatchObject({
      ok: false,
      why: expect.stringMatching(/^a generated demo model with random weights/),
      architecture: 'llama',
    });
    expect(byName(info, 'llama-3.2-1b-base.gguf').brain).toMatchObject({
      ok: false,
      why: expect.stringMatching(/^no chat template in its metadata \(tokenizer\.chat_template\)/),
    });
    expect(byName(info, 'broken.gguf').brain).toMatchObject({
      ok: false,
      why: expect.stringMatching(/^its GGUF header cannot be read \(it does not begin with the GGUF header\)/),
    });
  });

  it('reads a header again when its file changes', async () => {
    const path = join(modelsDir, 'llama-3.2-1b-base.gguf');
    const before = await models();
    expect(byName(before, 'llama-3.2-1b-base.gguf').brain.ok).toBe(false);
    // The same model, now with a chat template (an instruct conversion written over it): recommended after it.
    await writeHeaderModel(path, {
      architecture: 'llama',
      name: 'Llama-3.2-1B-Instruct',
      template: '<|start_header_id|>',
    });
    const after = await models();
    const llama = byName(after, 'llama-3.2-1b-base.gguf');
    expect(llama.brain).toEqual({ ok: true, why: null, architecture: 'llama', chat_format: 'llama3' });
    expect(after.brains.map((b) => b.id)).toContain(llama.id);
    expect(after.brains[0]!.id).toBe(byName(after, TARGET).id);
  });
});
