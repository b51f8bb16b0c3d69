// The desktop app's first start in a real Chromium against a real hub (model library, pack installer, a Hub
// stand-in): the welcome opens by itself once, says what runs where and what this machine is, installs the demo on a
// click and names what the gemma pack would download; closed, it stays closed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelLibrary } from '../../src/bench/model-library';
import { createPackInstaller } from '../../src/bench/pack-installer';
import { dataLayout } from '../../src/platform/data-folder';
import { seededBytes, startHfStandin, type HfStandin } from '../helpers/hf-standin';
import { startTestHub, type TestHub } from '../helpers/test-hub';
import { openDashboard, type DashboardSession } from './helpers/dashboard-browser';

const MB = 1024 * 1024;
let root: string;
let hf: HfStandin;
let hub: TestHub;
let session: DashboardSession;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'collab-desk-e2e-welcome-'));
  // The gemma pack's files as the Hub lists them (small stand-ins: only their sizes are read here).
  hf = await startHfStandin({
    repos: {
      'unsloth/gemma-4-E4B-it-GGUF': {
        files: {
          'gemma-4-E4B-it-Q4_K_M.gguf': seededBytes(2 * MB, 31),
          'gemma-4-E4B-it-Q8_0.gguf': seededBytes(3 * MB, 32),
          'mtp-gemma-4-E4B-it.gguf': seededBytes(1 * MB, 33),
        },
      },
    },
  });
  const cacheDir = join(root, 'hf-cache');
  hub = await startTestHub({}, join(root, 'data'), {
    models: (dir) => createModelLibrary({ dataDir: dir, cacheDir, hubUrl: hf.url }),
    packs: (dir) =>
      createPackInstaller({
        dest: dataLayout(dir).challengePack,
        modelsDir: dataLayout(dir).models,
        workDir: join(dir, 'tmp'),
        cacheDir,
        hubUrl: hf.url,
      }),
  });
  session = await openDashboard(hub.url, { token: hub.organizerToken, desktopWelcome: true });
}, 90_000);

afterAll(async () => {
  await session?.close();
  await hub?.stop(true);
  await hf?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('the first-start welcome', () => {
  it('opens by itself in the desktop app and says what runs where and what this machine is', async () => {
    const { page } = session;
    await expect.poll(() => new URL(page.url()).hash).toBe('#/welcome');
    await page.getByRole('heading', { name: 'Welcome to Collab Desk' }).waitFor();
    const hubFact = (await page.locator('[data-testid=welcome-hub]').textContent()) ?? '';
    expect(hubFact).toContain(hub.url);
    expect(hubFact).toContain('Only this machine can reach it');
    expect(await page.locator('[data-testid=welcome-data]').textContent()).toContain(join(root, 'data'));
    expect(await page.locator('[data-testid=welcome-models]').textContent()).toContain(join(root, 'hf-cache'));
    // The backend node-llama-cpp uses here, and the GPU probe's answer once it has one.
    expect(await page.locator('[data-testid=welcome-backend]').textContent()).toMatch(/llama\.cpp runs on/);
    await expect
      .poll(() => page.locator('[data-testid=welcome-gpu]').textContent(), { timeout: 30_000 })
      .not.toContain('Looking for a GPU');
    expect(session.pageErrors).toEqual([]);
  });

  it('a browser page on the same hub never opens it by itself', async () => {
    const plain = await session.newPage({ token: hub.organizerToken, desktopWelcome: false });
    await plain.locator('main[data-panel=board]').waitFor();
    expect(new URL(plain.url()).hash).not.toBe('#/welcome');
    await plain.close();
  });

  it('names what the gemma pack would download, with its size, before anything downloads', async () => {
    const { page } = session;
    const size = page.locator('[data-testid=welcome-pack-gemma-size]');
    // The sizes come from the Hub's HEAD answers, asked in the background.
    await expect.poll(() => size.textContent(), { timeout: 30_000 }).toContain('(6.0 MiB)');
    expect(await size.textContent()).toContain('Downloads 3 files from the Hugging Face Hub');
    const button = page.locator('[data-testid=welcome-pack-gemma] button');
    expect(await button.textContent()).toBe('Download 6.0 MiB and install');
    expect(hf.requests.filter((r) => r.method === 'GET' && r.path.includes('/resolve/'))).toEqual([]);
  });

  it('installs the demo on a click (made here, nothing downloaded), with its progress', async () => {
    const { page } = session;
    const demo = page.locator('[data-testid=welcome-pack-demo]');
    expect(await demo.textContent()).toContain('Nothing is downloaded');
    await demo.getByRole('button', { name: 'Install the demo' }).click();
    await page.locator('[data-testid=welcome-install]').waitFor();
    expect(await page.locator('[data-testid=welcome-install]').textContent()).toContain('Installing demo');
    await demo.locator('.badge', { hasText: 'installed' }).waitFor({ timeout: 280_000 });
    expect((await hub.call('GET', '/v1/challenge')).body.id).toBe('demo');
    await session.screenshot('welcome-demo-installed');
    expect(session.pageErrors).toEqual([]);
  }, 300_000);

  it('closed, it stays closed on this data folder', async () => {
    const { page } = session;
    await page.locator('[data-testid=welcome-close]').click();
    await expect.poll(() => new URL(page.url()).hash).toBe('#/board');
    const again = await session.newPage({ token: hub.organizerToken });
    await again.locator('main[data-panel=board]').waitFor();
    expect(new URL(again.url()).hash).not.toBe('#/welcome');
    await again.close();
  });
});
