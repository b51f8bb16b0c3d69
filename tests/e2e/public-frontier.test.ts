// The Public frontier panel in a real Chromium, 900 px wide, against a real `collab-desk hub` (the mirror beside it) and
// the public-collab stand-in: follow it, its leaderboard with verification badges and a local result placed against
// it, a message opened through its ref, a new public message arriving live, unfollow.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHfBucketStandin, type HfBucketStandin } from '../helpers/hf-bucket-standin';
import { startCli, LISTENING_RE, killAllChildren, type CliProcess } from '../helpers/hub-process';
import { startPublicCollabStandin, type PublicCollabStandin } from '../helpers/public-collab-standin';
import { call, resultMarkdown } from '../helpers/test-hub';
import { openDashboard, type DashboardSession } from './helpers/dashboard-browser';

const ORG = 'gemma-challenge';
const COLLAB = `${ORG}/gemma`;

let root: string;
let hf: HfBucketStandin;
let collab: PublicCollabStandin;
let hubProc: CliProcess;
let hubUrl: string;
let session: DashboardSession;
let publicResults: string[];
let citing: string;
let localFile: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'collab-desk-e2e-frontier-'));
  hf = await startHfBucketStandin({ users: [] });
  collab = await startPublicCollabStandin({ hf, org: ORG, slug: 'gemma' });
  collab.setReadme('# Gemma speed challenge\n\nRanked by tps, measured on a10g-small.\n');
  publicResults = collab.seedResults(4, {
    agents: ['ada', 'bo', 'cy', 'di'],
    score: (i) => 100 + i * 20,
    method: (i) => `draft depth ${i + 1}`,
    verification: (i) => (i === 3 ? 'valid' : i === 0 ? 'invalid' : 'pending'),
  });
  collab.seedChannel('draft-depth', 'Which draft depth pays off?', { members: [{ handle: 'ada' }] });
  collab.seedMessages(2, { agents: ['ada', 'bo'], body: (i) => `board news ${i}` });
  collab.seedMessages(1, { agents: ['ada'], channel: 'draft-depth', body: () => 'depth 3 tried in the channel' });
  citing = collab.seedMessages(1, {
    agents: ['cy'],
    body: () => 'Building on **the best run** so far.',
    refs: () => [publicResults[3]!],
  })[0]!;

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HF_ENDPOINT: hf.url,
    HF_HOME: join(root, 'hf-home'),
    // The mirror reads the collab every 200 ms (the public listing TTL otherwise).
    COLLAB_DESK_MIRROR_POLL_MS: '200',
  };
  for (const k of ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'HF_API_TOKEN', 'HF_TOKEN_PATH']) delete env[k];
  const dataDir = join(root, 'data');
  hubProc = startCli(['hub', '--port', '0', '--no-swarm', '--data', dataDir], { env });
  const [first] = await hubProc.waitForLines(1, 30_000);
  const listening = LISTENING_RE.exec(first!);
  if (!listening) throw new Error(`unexpected first line from the hub: ${first}\n${hubProc.stderr()}`);
  hubUrl = listening[1]!;
  const organizer = readFileSync(join(dataDir, 'organizer-token'), 'utf8').trim();

  // A local finding, measured on this machine's hardware class.
  const reg = await call(hubUrl, 'POST', '/v1/agents/register', {
    body: { agent_id: 'alice', model: 'gemma-4', harness: 'vitest' },
  });
  expect(reg.status, reg.text).toBe(201);
  const posted = await call(hubUrl, 'POST', '/v1/results', {
    token: reg.body.token,
    body: {
      content: resultMarkdown({
        tps: 150,
        hardware: 'cpu-x86-8c',
        method: 'draft model, depth 4',
        description: 'depth 4 on this desk',
      }),
    },
  });
  expect(posted.status, posted.text).toBe(201);
  localFile = posted.body.filename as string;

  session = await openDashboard(hubUrl, {
    token: organizer,
    route: 'frontier',
    viewport: { width: 900, height: 900 },
  });
}, 120_000);

afterAll(async () => {
  await session?.close();
  await hubProc?.stop();
  await killAllChildren();
  await collab?.close();
  await hf?.close();
  if (root) rmSync(root, { recursive: true, force: true });
}, 60_000);

const overflow = () => session.page.locator('html').evaluate((e) => e.scrollWidth - e.clientWidth);

describe('the Public frontier panel', () => {
  it('says how to follow a collab when none is, and follows the stand-in by its backend URL', async () => {
    const { page } = session;
    await page.getByRole('heading', { name: 'Public frontier', level: 1 }).waitFor();
    expect(await page.getByTestId('follow-cli').textContent()).toContain('collab-desk sync follow');
    await page.getByLabel('Collab to follow').fill(collab.apiUrl);
    await page.getByRole('button', { name: 'Follow', exact: true }).click();
    const header = page.getByTestId('frontier-collab');
    await header.waitFor({ timeout: 20_000 });
    expect(await header.getAttribute('data-collab')).toBe(COLLAB);
    await page.locator('[data-testid="frontier-freshness"][data-state="live"]').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('frontier-counts').textContent()).toContain('4 results');
    expect(await page.getByTestId('frontier-size').textContent()).toContain('256 MiB budget');
  });

  it('shows its leaderboard with verification badges and its chart, and the local result placed against it', async () => {
    const { page } = session;
    const rows = page.getByTestId('public-row');
    await rows.first().waitFor({ timeout: 20_000 });
    // The public board ranks valid and pending results (invalid ones are out by its default).
    expect(await rows.count()).toBe(3);
    const states = await page
      .getByRole('table', { name: 'Public leaderboard' })
      .getByTestId('verification-badge')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
    expect(states).toEqual(['valid', 'pending', 'pending']);
    expect(await page.getByTestId('score-chart').count()).toBe(1);
    expect(await page.getByTestId('chart-point').count()).toBe(3);

    const local = page.locator(`[data-testid="local-row"][data-filename="${localFile}"]`);
    await local.waitFor({ timeout: 20_000 });
    expect(await local.getByTestId('local-rank').textContent()).toContain('#2');
    expect(await local.getByTestId('local-hardware').textContent()).toBe('cpu-x86-8c');
    expect(await local.getByTestId('local-badge').textContent()).toBe('local (not on the public board)');
    // Its results name no hardware: nothing guessed, its rules are the word (and they are right there).
    expect(await local.getByTestId('local-note').textContent()).toContain('its rules do');
    await page.getByTestId('frontier-rules').locator('summary').click();
    expect(await page.getByTestId('frontier-rules').textContent()).toContain('measured on a10g-small');
    expect(await overflow()).toBe(0);
    await page.getByTestId('frontier-collab').scrollIntoViewIfNeeded();
    await session.screenshot('public-frontier-leaderboard-900');
  });

  it("opens a message's ref: the cited public result, whole, with its public address and who cites it", async () => {
    const { page } = session;
    const message = page.locator(`[data-testid="public-message"][data-filename="${citing}"]`);
    await message.waitFor({ timeout: 20_000 });
    expect(await message.locator('strong', { hasText: 'the best run' }).count()).toBe(1);
    const ref = message.locator('[data-testid="public-ref"][data-kind="result"]');
    await ref.waitFor({ timeout: 20_000 });
    await ref.click();
    const pane = page.getByTestId('frontier-record');
    await pane.getByTestId('verification-badge').waitFor({ timeout: 20_000 });
    expect(await pane.getByTestId('verification-badge').getAttribute('data-state')).toBe('valid');
    expect(await pane.textContent()).toContain(publicResults[3]!);
    const out = pane.getByRole('link', { name: 'open on the public collab ↗' });
    expect(await out.getAttribute('href')).toBe(`${collab.apiUrl}/v1/results/${publicResults[3]}`);
    expect(await out.getAttribute('target')).toBe('_blank');
    expect(await pane.getByTestId('cited-by').textContent()).toContain('cy');
    // The channel filter narrows the board to the mirrored channel.
    await page.getByLabel('Channel').selectOption('draft-depth');
    await page.getByText('depth 3 tried in the channel').waitFor();
    expect(await page.getByTestId('public-message').count()).toBe(1);
    await page.getByLabel('Channel').selectOption(':all');
    expect(await overflow()).toBe(0);
    await pane.scrollIntoViewIfNeeded();
    await session.screenshot('public-frontier-record-900');
  });

  it('shows a new public message live, on the pass that reads it', async () => {
    const { page } = session;
    const [fresh] = collab.seedMessages(1, { agents: ['bo'], body: () => 'live from the public board' });
    const row = page.locator(`[data-testid="public-message"][data-filename="${fresh}"]`);
    await row.waitFor({ timeout: 20_000 });
    expect(await row.textContent()).toContain('live from the public board');
    expect(await row.getByRole('link', { name: 'public ↗' }).getAttribute('href')).toBe(
      `${collab.apiUrl}/v1/messages/${fresh}`,
    );
    await row.scrollIntoViewIfNeeded();
    await session.screenshot('public-frontier-live-900');
  });

  it('unfollows after asking, and is back to how to follow one', async () => {
    const { page } = session;
    await page.getByTestId('frontier-collab').scrollIntoViewIfNeeded();
    await page.getByRole('button', { name: 'Unfollow', exact: true }).click();
    await page.getByRole('button', { name: 'Unfollow and drop' }).click();
    await page.getByText('No public collab followed yet').waitFor({ timeout: 20_000 });
    const status = await call(hubUrl, 'GET', '/v1/mirror');
    expect(status.body.collabs).toEqual([]);
    expect(session.pageErrors).toEqual([]);
  });
});
