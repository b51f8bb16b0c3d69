// The Models and Settings panels in a real Chromium against a real hub, its model library and a Hugging Face Hub stand-in.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createModelLibrary } from '../../src/bench/model-library';
import { seededBytes, startHfStandin, type HfStandin } from '../helpers/hf-standin';
import { startTestHub, type TestHub } from '../helpers/test-hub';
import { writeHubPack } from '../helpers/test-pack';
import { openDashboard, type DashboardSession } from './helpers/dashboard-browser';

const MB = 1024 * 1024;
const REPO = 'collab/tiny-gguf';
const Q8 = { file: 'tiny-Q8_0.gguf', bytes: seededBytes(3 * MB, 21) };
const Q4 = { file: 'tiny-Q4_0.gguf', bytes: seededBytes(1 * MB, 22) };

let root: string;
let hf: HfStandin;
let hub: TestHub;
let session: DashboardSession;
let demoTarget: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'collab-desk-e2e-models-'));
  const packs = join(root, 'packs');
  writeHubPack(packs, REPO, { target: Q8.file, draft: Q4.file });
  // The installed demo pack and its generated target, as `challenge init demo` leaves them.
  const dataDir = join(root, 'data');
  demoTarget = join(dataDir, 'models', 'demo', 'target.gguf');
  mkdirSync(join(dataDir, 'models', 'demo'), { recursive: true });
  writeFileSync(demoTarget, seededBytes(300_000, 23));
  mkdirSync(join(dataDir, 'challenge'), { recursive: true });
  writeFileSync(
    join(dataDir, 'challenge', 'pack.json'),
    JSON.stringify({
      id: 'demo',
      title: 'Demo',
      models: { target: { role: 'target', source: { generated: 'demo/target.gguf' } } },
      baseline: { target: 'target' },
      model_paths: { target: demoTarget },
      installed_at: new Date().toISOString(),
    }),
  );

  hf = await startHfStandin({ repos: { [REPO]: { files: { [Q8.file]: Q8.bytes, [Q4.file]: Q4.bytes } } } });
  hub = await startTestHub({}, dataDir, {
    models: (dir) =>
      createModelLibrary({ dataDir: dir, cacheDir: join(root, 'hf-cache'), hubUrl: hf.url, packsDir: packs }),
  });
  // One model already downloaded, through the API.
  const pulled = await hub.call('POST', '/v1/models/pull', {
    token: hub.organizerToken,
    body: { repo: REPO, file: Q4.file },
  });
  expect(pulled.status).toBe(202);
  // Waits for the pull to land, however long a busy machine takes, within the hook's own timeout.
  await vi.waitFor(
    async () => {
      if ((await hub.call('GET', '/v1/models')).body.installed.length < 2)
        throw new Error('the first pull did not finish');
    },
    { timeout: 45_000, interval: 100 },
  );
  session = await openDashboard(hub.url, { token: hub.organizerToken, route: 'models' });
}, 60_000);

afterAll(async () => {
  await session?.close();
  await hub?.stop();
  await hf?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('the Models panel', () => {
  it('lists the installed models with size and use, what the packs offer, and the disk they take', async () => {
    const { page } = session;
    await page.waitForSelector('[data-testid=installed-model]');
    const target = page.locator('[data-testid=installed-model][data-model="target.gguf"]');
    await expect.poll(() => target.textContent()).toContain('demo pack: target (target)');
    expect(await target.textContent()).toContain('293 KiB');
    expect(await target.textContent()).toContain('data folder');
    const q4 = page.locator(`[data-testid=installed-model][data-model="${Q4.file}"]`);
    expect(await q4.textContent()).toContain('1.0 MiB');
    expect(await q4.textContent()).toContain(REPO);
    expect(await q4.textContent()).toContain('HF cache');
    // The pack's other model is offered, with the size the Hub gave.
    const offered = page.locator('[data-testid=available-model]');
    expect(await offered.count()).toBe(1);
    expect(await offered.first().textContent()).toContain('tiny-q8');
    expect(await offered.first().locator('[data-testid=available-size]').textContent()).toContain('3.0 MiB');
    // Where it would run here, an estimate with its figures in the title.
    const fit = offered.first().locator('[data-testid=model-fit]');
    expect(await fit.textContent()).toMatch(/^(fits in VRAM|fits in RAM \(CPU offload\)|larger than RAM)$/);
    expect(await fit.getAttribute('title')).toMatch(
      /needs about [\d.]+ (MiB|GiB) \(the 3\.0 MiB file plus the KV cache/,
    );
    // Disk use: the two models together, and the free space of the disk.
    expect(await page.locator('[data-testid=models-bytes]').textContent()).toBe('1.3 MiB');
    expect(await page.locator('[data-testid=free-bytes]').textContent()).toMatch(/\d/);
    // The bar's segments: the HF cache (the one download) and the data folder (its generated model, its record).
    expect(await page.locator('[data-testid=cache-bytes]').textContent()).toBe('1.0 MiB');
    expect(await page.locator('[data-testid=data-bytes]').textContent()).toMatch(/^\d+(\.\d)? (KiB|MiB)$/);
    const dataLegend = await page.locator('[data-testid=disk-legend-data]').textContent();
    expect(dataLegend).toMatch(/models 293 KiB · runs [\d.]+ (B|KiB) · record [\d.]+ (KiB|MiB)/);
    for (const segment of ['cache', 'data']) {
      const bar = page.locator(`[data-testid=disk-segment-${segment}]`);
      expect((await bar.boundingBox())!.width).toBeGreaterThan(0);
      expect(await bar.getAttribute('title')).toMatch(/^(Hugging Face cache|Data folder): [\d.]+ (KiB|MiB)$/);
    }
    expect(await page.locator('.disk-bar').getAttribute('aria-label')).toMatch(
      /Hugging Face cache: 1\.0 MiB, Data folder: .+, free .+ of .+/,
    );
  });

  it('downloads a model with a progress bar that moves to done, and lists it installed', async () => {
    const { page } = session;
    hf.throttle(2 * MB);
    await page.getByRole('button', { name: 'Download tiny-q8' }).click();
    const row = page.locator('[data-testid=download]', { hasText: Q8.file });
    const bar = row.getByRole('progressbar');
    // Part of the way: the bar, the bytes, the rate and the time left, live from the event stream.
    await expect
      .poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 10_000 })
      .toBeGreaterThan(0);
    expect(await row.getAttribute('data-state')).toBe('downloading');
    await expect
      .poll(() => row.locator('[data-testid=download-figures]').textContent())
      .toMatch(/MiB \/ 3\.0 MiB · .+\/s · .+ left/);
    await session.screenshot('models');
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 15_000 }).toBe('done');
    expect(await bar.getAttribute('aria-valuenow')).toBe('100');
    hf.throttle(null);
    await page.waitForSelector(`[data-testid=installed-model][data-model="${Q8.file}"]`);
    await expect.poll(() => page.locator('[data-testid=available-model]').count()).toBe(0);
    expect(await page.locator('[data-testid=models-bytes]').textContent()).toBe('4.3 MiB');
  });

  it('asks before deleting, says what breaks for a model in use, and frees the space', async () => {
    const { page } = session;
    await page.getByRole('button', { name: 'Delete target.gguf' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.locator('[data-testid=delete-warning]').textContent()).toContain(
      'demo challenge pack uses it as target',
    );
    await session.screenshot('models-delete');
    // Escape keeps it.
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    expect(existsSync(demoTarget)).toBe(true);

    await page.getByRole('button', { name: 'Delete target.gguf' }).click();
    await dialog.getByRole('button', { name: 'Delete anyway' }).click();
    await expect.poll(() => page.locator('[data-testid=installed-model][data-model="target.gguf"]').count()).toBe(0);
    expect(existsSync(demoTarget)).toBe(false);
    expect(await page.getByRole('status').first().textContent()).toContain('target.gguf deleted: 293 KiB freed');

    await page.getByRole('button', { name: `Delete ${Q8.file}` }).click();
    expect(await dialog.textContent()).toContain('Nothing on this hub uses it');
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect.poll(() => page.locator(`[data-testid=installed-model][data-model="${Q8.file}"]`).count()).toBe(0);
    // Back on offer.
    await page.waitForSelector('[data-testid=available-model][data-model="tiny-q8"]');
  });

  it("the custom download form shows the Hub's refusal and keeps what was typed", async () => {
    const { page } = session;
    await page.locator('#pull-repo').fill(REPO);
    await page.locator('#pull-file').fill('nope-Q2_K.gguf');
    await page.locator('#pull-file').press('Enter');
    await expect
      .poll(() => page.locator('[data-testid=pull-error]').textContent())
      .toContain(`file nope-Q2_K.gguf not found in ${REPO}`);
    expect(await page.locator('#pull-repo').inputValue()).toBe(REPO);
    expect(await page.locator('#pull-file').inputValue()).toBe('nope-Q2_K.gguf');
  });

  it('reads only without the organizer token: downloads and deletes are disabled and say why', async () => {
    const page = await session.newPage({ token: null });
    await page.goto(`${hub.url}/#/models`);
    await page.waitForSelector('[data-testid=installed-model]');
    const download = page.getByRole('button', { name: 'Download tiny-q8' });
    expect(await download.isDisabled()).toBe(true);
    expect(await download.getAttribute('title')).toContain('sign in as organizer');
    const del = page.getByRole('button', { name: `Delete ${Q4.file}` });
    expect(await del.isDisabled()).toBe(true);
    await page.close();
  });
});

describe('the Settings panel', () => {
  it('shows the data folder, the machine and this hub', async () => {
    const { page } = session;
    await page.goto(`${hub.url}/#/settings`);
    await page.waitForSelector('[data-testid=data-folder]');
    expect(await page.locator('[data-testid=data-folder]').textContent()).toBe(hub.dataDir);
    // The desktop bridge (as the preload gives it) opens and changes the folder.
    expect(await page.getByRole('button', { name: 'Open folder' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Change…' }).count()).toBe(1);
    expect(await page.locator('[data-testid=cpu]').textContent()).toMatch(/\d+ cores/);
    expect(await page.locator('[data-testid=backend]').textContent()).toMatch(/CPU|CUDA|Vulkan|Metal|none/);
    await expect
      .poll(() => page.locator('[data-testid=gpu]').textContent(), { timeout: 8_000 })
      .not.toContain('detecting');
    expect(await page.locator('[data-testid=hub-url]').textContent()).toBe(hub.url);
    // The onboarding page opens in place (a new window would be refused inside the desktop app).
    expect(await page.getByRole('link', { name: /\/README\.md$/ }).getAttribute('target')).toBeNull();
  });

  it('saves agent defaults that survive a reload, and shows a refusal without losing the input', async () => {
    const { page } = session;
    await page.locator('#ad-count').fill('2');
    await page.locator('#ad-role').selectOption('tuner');
    await page.locator('#ad-budget').fill('40000');
    await page.locator('#ad-steps').fill('0');
    await page.getByRole('button', { name: 'Save defaults' }).click();
    await expect
      .poll(() => page.locator('[data-testid=agent-defaults] [role=alert]').textContent())
      .toContain('max_steps');
    expect(await page.locator('#ad-steps').inputValue()).toBe('0');

    await page.locator('#ad-steps').fill('150');
    await page.getByRole('button', { name: 'Save defaults' }).click();
    await expect
      .poll(() => page.locator('[data-testid=agent-defaults] [role=status]').textContent())
      .toContain('Saved');
    await page.reload();
    await page.waitForSelector('#ad-count');
    expect(await page.locator('#ad-count').inputValue()).toBe('2');
    expect(await page.locator('#ad-role').inputValue()).toBe('tuner');
    expect(await page.locator('#ad-budget').inputValue()).toBe('40000');
    expect(await page.locator('#ad-steps').inputValue()).toBe('150');
    expect((await hub.call('GET', '/v1/settings')).body.agent_defaults).toEqual({
      count: 2,
      role: 'tuner',
      budget_tokens: 40000,
      max_steps: 150,
    });
  });

  it('switches the theme', async () => {
    const { page } = session;
    const theme = () => page.locator('html').getAttribute('data-theme');
    await page.getByRole('radio', { name: /Dark/ }).check();
    expect(await theme()).toBe('dark');
    await session.screenshot('settings');
    await page.getByRole('radio', { name: /Light/ }).check();
    expect(await theme()).toBe('light');
    await page.reload();
    await page.waitForSelector('[data-testid=data-folder]');
    expect(await theme()).toBe('light');
    expect(session.pageErrors).toEqual([]);
  });
});
