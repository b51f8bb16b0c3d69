// The Models panel's "Agent brains you already have" in a real Chromium against a real hub: the chat models installed,
// the recommended one first with size, fits hint, chat format and the command that starts an agent on it; the files
// that cannot think, each with why; and the Start agent button reaching the hub's spawn route.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelLibrary } from '../../src/bench/model-library';
import { CHATML_TEMPLATE, GEMMA4_TEMPLATE, writeHeaderModel } from '../helpers/chat-gguf';
import { startTestHub, type TestHub } from '../helpers/test-hub';
import { openDashboard, type DashboardSession } from './helpers/dashboard-browser';

let root: string;
let hub: TestHub;
let session: DashboardSession;
let modelsDir: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'collab-desk-e2e-brains-'));
  const dataDir = join(root, 'data');
  modelsDir = join(dataDir, 'models', 'my models');
  mkdirSync(modelsDir, { recursive: true });
  await writeHeaderModel(join(modelsDir, 'gemma-4-E4B-it-Q4_K_M.gguf'), {
    architecture: 'gemma4',
    name: 'Gemma-4-E4B-It',
    template: GEMMA4_TEMPLATE,
    vocab: 60_000,
  });
  await writeHeaderModel(join(modelsDir, 'qwen3-1.7b.gguf'), {
    architecture: 'qwen3',
    name: 'Qwen3-1.7B',
    template: CHATML_TEMPLATE,
  });
  await writeHeaderModel(join(modelsDir, 'mtp-gemma-4-E4B-it.gguf'), {
    architecture: 'gemma4-assistant',
    name: 'Gemma-4-E4B-It-Assistant',
    template: GEMMA4_TEMPLATE,
  });
  hub = await startTestHub({}, dataDir, {
    models: (dir) =>
      createModelLibrary({
        dataDir: dir,
        cacheDir: join(root, 'hf-cache'),
        hubUrl: 'http://127.0.0.1:9',
        packsDir: null,
      }),
  });
  session = await openDashboard(hub.url, { token: hub.organizerToken, route: 'models' });
}, 60_000);

afterAll(async () => {
  await session?.close();
  await hub?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('agent brains you already have', () => {
  it('lists the chat models, the larger first, with size, fits hint, chat format and the command to start one', async () => {
    const { page } = session;
    await page.waitForSelector('[data-testid=agent-brain]');
    const rows = page.locator('[data-testid=agent-brain]');
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-model')))).toEqual([
      'gemma-4-E4B-it-Q4_K_M.gguf',
      'qwen3-1.7b.gguf',
    ]);
    const gemma = rows.first();
    expect(await gemma.textContent()).toContain('recommended');
    expect(await gemma.textContent()).toContain('gemma4');
    expect(await gemma.locator('[data-testid=brain-reason]').textContent()).toBe(
      'a gemma4 chat model; fits in RAM (CPU offload)',
    );
    expect(await gemma.locator('[data-testid=brain-size]').textContent()).toMatch(/^[\d.]+ (KiB|MiB)fits in/);
    expect(await gemma.locator('[data-testid=model-fit]').getAttribute('title')).toMatch(/^It needs about/);
    // The path has a space: the command is quoted so it can be pasted into a shell.
    expect(await gemma.locator('[data-testid=brain-command]').textContent()).toBe(
      `collab-desk agents start --model '${join(modelsDir, 'gemma-4-E4B-it-Q4_K_M.gguf')}'`,
    );
    expect(await rows.nth(1).textContent()).not.toContain('recommended');
    expect(await rows.nth(1).textContent()).toContain('chatml');
    await session.screenshot('agent-brains');
  });

  it('says why the drafter is not a brain', async () => {
    const { page } = session;
    const others = page.locator('[data-testid=not-brains]');
    expect(await others.locator('summary').textContent()).toBe('1 installed file is not an agent brain');
    await others.locator('summary').click();
    expect(await others.locator('li[data-model="mtp-gemma-4-E4B-it.gguf"]').textContent()).toContain(
      'a drafter (gemma4-assistant)',
    );
  });

  it("Start agent asks the hub's spawn route, and shows its refusal where this hub runs no swarm", async () => {
    const { page } = session;
    await page.getByRole('button', { name: 'Start an agent with qwen3-1.7b.gguf' }).click();
    const alert = page.locator('[data-testid=agent-brain][data-model="qwen3-1.7b.gguf"] [role=alert]');
    await expect.poll(() => alert.textContent()).toContain('this hub runs no agent swarm');
    expect(session.pageErrors).toEqual([]);
  });
});
