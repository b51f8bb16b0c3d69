// The Models panel meets a pack file that changed on the Hub since its first download here: it says so, naming both
// hashes, and takes the new file only once the organizer accepts it on purpose (a confirm), in a real Chromium.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createModelLibrary } from '../../src/bench/model-library';
import type { ModelsInfo } from '../../src/shared/models';
import { seededBytes, startHfStandin, type HfStandin } from '../helpers/hf-standin';
import { startTestHub, type TestHub } from '../helpers/test-hub';
import { writeHubPack } from '../helpers/test-pack';
import { openDashboard, type DashboardSession } from './helpers/dashboard-browser';

const MB = 1024 * 1024;
const REPO = 'collab/tiny-gguf';
const TARGET = 'tiny-Q8_0.gguf';
const DRAFT = 'tiny-Q4_0.gguf';

let root: string;
/** The repo as first downloaded, and after its publisher re-uploaded the target under the same name. */
let before: HfStandin;
let after: HfStandin;
let hub: TestHub;
let session: DashboardSession;
/** Where the hub's model library pulls from, and into which cache: read at each (re)start of the hub. */
let library: { hubUrl: string; cacheDir: string };

const recordedSha = () =>
  (
    JSON.parse(readFileSync(join(hub.dataDir, 'models', 'first-download-hashes.json'), 'utf8')) as {
      files: Record<string, { sha256: string }>;
    }
  ).files[`${REPO}/${TARGET}@main`]?.sha256;

const installedTarget = async () =>
  (await hub.call<ModelsInfo>('GET', '/v1/models')).body.installed.some((m) => m.file === TARGET);

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'collab-desk-e2e-changed-'));
  const packs = join(root, 'packs');
  // A pack whose files give no sha256: each is hashed at its first download here and held to that hash after.
  writeHubPack(packs, REPO, { target: TARGET, draft: DRAFT });
  const draft = seededBytes(MB, 42);
  before = await startHfStandin({
    repos: { [REPO]: { files: { [TARGET]: seededBytes(2 * MB, 40), [DRAFT]: draft } } },
  });
  after = await startHfStandin({ repos: { [REPO]: { files: { [TARGET]: seededBytes(2 * MB, 41), [DRAFT]: draft } } } });
  library = { hubUrl: before.url, cacheDir: join(root, 'hf-cache') };
  hub = await startTestHub({}, join(root, 'data'), {
    models: (dir) => createModelLibrary({ dataDir: dir, ...library, packsDir: packs }),
  });
  // The first download, through the API: its hash is recorded.
  const first = await hub.call('POST', '/v1/models/pull', {
    token: hub.organizerToken,
    body: { repo: REPO, file: TARGET },
  });
  expect(first.status).toBe(202);
  await vi.waitFor(
    async () => {
      if (!(await installedTarget())) throw new Error('the first pull did not finish');
    },
    { timeout: 45_000, interval: 100 },
  );
  expect(recordedSha()).toBe(before.sha256Of(REPO, TARGET));
  // Later, on a cache without the file (deleted to free space), the Hub serves the re-uploaded one.
  library = { hubUrl: after.url, cacheDir: join(root, 'hf-cache-later') };
  hub = await hub.restart();
  session = await openDashboard(hub.url, { token: hub.organizerToken, route: 'models' });
}, 90_000);

afterAll(async () => {
  await session?.close();
  await hub?.stop(true);
  await before?.close();
  await after?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('a pack file that changed on the Hub, in the Models panel', () => {
  it('is refused naming both hashes; accepted through the confirm, the new file downloads and its hash is recorded', async () => {
    const { page } = session;
    const recorded = before.sha256Of(REPO, TARGET);
    const now = after.sha256Of(REPO, TARGET);
    const row = page.locator('[data-testid=available-model][data-model="tiny-q8"]');
    await row.getByRole('button', { name: 'Download tiny-q8' }).click();

    const notice = row.locator('[data-testid=changed-on-hub]');
    await notice.waitFor();
    const said = (await notice.textContent()) ?? '';
    expect(said).toContain('Changed on the Hub');
    expect(said).toContain(`sha256 ${recorded} was recorded then, the Hub's file now has ${now}`);
    // Refused before a byte of the new file came: the record still holds the first download's hash.
    expect(after.bytesSent).toBe(0);
    expect(recordedSha()).toBe(recorded);

    // Asked first, with what accepting means; keeping the refusal changes nothing.
    await notice.getByRole('button', { name: 'Accept the new file…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    const asked = (await dialog.textContent()) ?? '';
    expect(asked).toContain('The file on the Hub changed since you first downloaded it');
    expect(asked).toContain('Accept it only if you trust the change');
    const hashes = dialog.locator('[data-testid=changed-hashes]');
    expect(await hashes.locator('dd').allTextContents()).toEqual([recorded, now]);
    await dialog.getByRole('button', { name: 'Keep refusing it' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(after.bytesSent).toBe(0);
    expect(recordedSha()).toBe(recorded);

    // Accepted on purpose: the pull goes again with the flag, the new file lands and its hash replaces the record.
    await notice.getByRole('button', { name: 'Accept the new file…' }).click();
    await dialog.getByRole('button', { name: 'Accept the new file', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await notice.waitFor({ state: 'detached' });
    await page.locator(`[data-testid=installed-model][data-model="${TARGET}"]`).waitFor({ timeout: 45_000 });
    expect(recordedSha()).toBe(now);
    expect(session.pageErrors).toEqual([]);
  }, 90_000);
});
