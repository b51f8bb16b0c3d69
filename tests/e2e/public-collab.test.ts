// The Public collab panel in a real Chromium against a real `collab-desk hub` with sync attached, a Hugging Face Hub
// stand-in (device-code sign-in, buckets) and a public collab stand-in: sign in, connect, register, preview, publish, sent;
// then find the collabs on the Hub and connect one from the list.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxList, PublishPreview } from '../../src/shared/sync-api';
import { startHfBucketStandin, type HfBucketStandin } from '../helpers/hf-bucket-standin';
import { startCli, LISTENING_RE, killAllChildren, type CliProcess } from '../helpers/hub-process';
import { startPublicCollabStandin, type PublicCollabStandin } from '../helpers/public-collab-standin';
import { call, resultMarkdown } from '../helpers/test-hub';
import { openDashboard, type DashboardSession } from './helpers/dashboard-browser';

const ORG = 'gemma-challenge';
const COLLAB = `${ORG}/gemma`;
const ADA = 'hf_ada_writes_gemma_challenge_e2e_000000001';
const AGENT = 'ada-desk';
/** A second collab, found on the Hub by its dashboard Space and connected from the list. */
const HUTTER = 'speed-org/hutter';
const HUTTER_SPACE = 'speed-org/hutter-dashboard';
const HUTTER_HOST = 'speed-org-hutter-dashboard.hf.space';

let root: string;
let hfHome: string;
let hf: HfBucketStandin;
let collab: PublicCollabStandin;
let hutter: PublicCollabStandin;
let hubProc: CliProcess;
let hubUrl: string;
let organizer: string;
let resultFile: string;
let session: DashboardSession;
/** The preview the page was answered with (what it showed): its files' hashes are what must arrive. */
let shown: PublishPreview;

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'collab-desk-e2e-public-'));
  hfHome = join(root, 'hf-home');
  // One HF_ENDPOINT serves sign-in (the device flow) and buckets, as huggingface.co does.
  hf = await startHfBucketStandin({ users: [{ name: 'ada', token: ADA, orgs: [{ name: ORG, role: 'write' }] }] });
  collab = await startPublicCollabStandin({
    hf,
    org: ORG,
    slug: 'gemma',
    jobs: true,
    registration: 'server-creates',
  });
  hutter = await startPublicCollabStandin({
    hf,
    org: 'speed-org',
    slug: 'hutter',
    title: 'Hutter speed prize',
    scoreField: 'bpc',
    scoreOrder: 'asc',
    scoreUnit: 'bits/char',
  });
  hf.putFile(hutter.centralBucket, 'README.md', '# Hutter speed prize\n\nLower bpc wins.\n');
  // The collab dashboards the Hub lists (its Spaces tagged agent-collab); one more that is something else.
  hf.addSpace({ id: HUTTER_SPACE, tags: ['agent-collab'], likes: 64, title: 'Hutter speed prize' });
  hf.addSpace({ id: `${ORG}/gemma-dashboard`, tags: ['agent-collab'], likes: 12 });
  hf.addSpace({ id: 'someone/chat-demo', tags: ['gradio'], likes: 900 });

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HF_ENDPOINT: hf.url,
    HF_HOME: hfHome,
    // The device code's poll interval scaled to nothing, the outbox's first retry short.
    COLLAB_DESK_SYNC_POLL_SCALE: '0',
    COLLAB_DESK_SYNC_BACKOFF_MS: '50',
    // The Hutter dashboard Space's host answered by its stand-in (what DNS does for hf.space).
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${pathToFileURL(join(import.meta.dirname, '../helpers/space-hosts.mjs')).href}`,
    COLLAB_DESK_TEST_SPACE_HOSTS: JSON.stringify({ [HUTTER_HOST]: hutter.dashboardUrl }),
  };
  // Signed out at first: no token from the environment of whoever runs the tests.
  for (const k of ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'HF_API_TOKEN', 'HF_TOKEN_PATH']) delete env[k];
  const dataDir = join(root, 'data');
  hubProc = startCli(['hub', '--port', '0', '--no-swarm', '--data', dataDir], { env });
  const [first] = await hubProc.waitForLines(1, 30_000);
  const listening = LISTENING_RE.exec(first!);
  if (!listening) throw new Error(`unexpected first line from the hub: ${first}\n${hubProc.stderr()}`);
  hubUrl = listening[1]!;
  organizer = readFileSync(join(dataDir, 'organizer-token'), 'utf8').trim();

  // A local result to publish, written by a local agent as any agent writes one.
  const reg = await call(hubUrl, 'POST', '/v1/agents/register', {
    body: { agent_id: 'alice', model: 'gemma-4', harness: 'vitest' },
  });
  expect(reg.status, reg.text).toBe(201);
  const content = resultMarkdown({
    tps: 131.5,
    ppl: 2.31,
    method: 'draft model, depth 4',
    status: 'agent-run',
    description: 'depth 4 pays off',
  });
  const posted = await call(hubUrl, 'POST', '/v1/results', { token: reg.body.token, body: { content } });
  expect(posted.status, posted.text).toBe(201);
  resultFile = posted.body.filename as string;

  session = await openDashboard(hubUrl, { token: organizer, route: `leaderboard/${resultFile}` });
}, 120_000);

afterAll(async () => {
  await session?.close();
  await hubProc?.stop();
  await killAllChildren();
  await collab?.close();
  await hutter?.close();
  await hf?.close();
  if (root) rmSync(root, { recursive: true, force: true });
}, 60_000);

describe('the Public collab panel', () => {
  it('opens from a result with that result chosen to publish', async () => {
    const { page } = session;
    await page.getByRole('link', { name: 'Publish…' }).click();
    await page.getByRole('heading', { name: 'Public collab', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Sign in with Hugging Face' }).waitFor();
    expect(await page.getByLabel('Result', { exact: true }).inputValue()).toBe(resultFile);
  });

  it('signs in with a device code: the code shown, the Hub link, then who is signed in', async () => {
    const { page } = session;
    const started = hf.nextDeviceCode();
    await page.getByRole('button', { name: 'Sign in with Hugging Face' }).click();
    const code = await started;
    const shownCode = page.getByTestId('device-code');
    await shownCode.waitFor();
    expect((await shownCode.textContent())!.trim()).toBe(code);
    expect(code).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    expect(await page.getByTestId('device-link').getAttribute('href')).toContain(`${hf.url}/oauth/device`);

    // The person types the code on the Hub and approves: the hub's poll gets the token, the page's next read shows it.
    expect(hf.approveDevice(code, 'ada')).toBe(ADA);
    await page.getByText('Signed in as').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('hf-user').textContent()).toBe('ada');
    expect(await page.getByTestId('hf-account').textContent()).toContain(ORG);
    expect(hf.deviceState(code)).toBe('redeemed');
    // Kept where `hf auth login` keeps it; the page never saw the token.
    expect(readFileSync(join(hfHome, 'token'), 'utf8').trim()).toBe(ADA);
    expect(await page.content()).not.toContain(ADA);
  });

  it('connects a collab by its backend URL and shows its rules, then registers an agent on it', async () => {
    const { page } = session;
    await page.getByLabel('Collab to connect').fill(collab.apiUrl);
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    // Its GET /v1 gives no title (the public backend's does not; its dashboard's /api/config does): named by its id.
    const card = page.getByRole('article', { name: COLLAB });
    await card.waitFor({ timeout: 20_000 });
    expect(await card.getByTestId('collab-score').textContent()).toContain('tps (tokens/s), higher is better');
    // It runs jobs on its own hardware: what this machine measured goes there as exploratory.
    expect(await card.getByTestId('fixed-hardware').textContent()).toContain('published as exploratory');

    await card.getByLabel('Agent id').fill(AGENT);
    await card.getByLabel('Model').fill('gemma-4-E4B');
    await card.getByRole('button', { name: 'Register' }).click();
    await card.getByRole('cell', { name: AGENT, exact: true }).waitFor({ timeout: 20_000 });
    // The newer server made the agent's bucket and registered it.
    expect(hf.bucket(`${ORG}/gemma-${AGENT}`)).not.toBeNull();
    expect(collab.agents().map((a) => a.filename)).toContain(`${AGENT}.md`);
  });

  it('says why a target that is not a collab cannot be connected, and what to give instead', async () => {
    const { page } = session;
    const form = page.locator('form').filter({ has: page.getByLabel('Collab to connect') });
    await page.getByLabel('Collab to connect').fill(hf.url);
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    const alert = form.getByRole('alert');
    await alert.waitFor({ timeout: 20_000 });
    expect(await alert.getAttribute('data-code')).toBe('NOT_A_COLLAB');
    const text = (await alert.textContent())!;
    expect(text).toContain(`${hf.url} is not a collab`);
    expect(text).toContain("give the collab's backend URL");
    // Nothing was connected in its place.
    expect(await page.getByRole('article').count()).toBe(1);
  });

  it('previews exactly what leaves, publishes it, and shows it sent with its public file', async () => {
    const { page } = session;
    expect(await page.getByLabel('Agent', { exact: true }).inputValue()).toBe(AGENT);
    expect(await page.getByLabel('Collab', { exact: true }).inputValue()).toBe(COLLAB);
    await page.getByLabel('Board message (optional)').fill('Depth 4 from my desk.');
    const answered = page.waitForResponse((r) => r.url().endsWith('/v1/sync/preview'));
    await page.getByRole('button', { name: 'Preview' }).click();
    const response = await answered;
    expect(response.status()).toBe(200);
    shown = (await response.json()) as PublishPreview;
    const preview = page.getByRole('region', { name: 'Preview' });
    await preview.waitFor({ timeout: 20_000 });
    // Measured here, on a collab that ranks only its own hardware: exploratory, and said so.
    expect(await preview.getByTestId('preview-notice').textContent()).toMatch(/^Exploratory/);
    const files = preview.getByRole('list', { name: 'Files sent' }).getByRole('listitem');
    expect(await files.count()).toBe(shown.files.length);
    expect(shown.files.length).toBeGreaterThan(0);
    expect(await files.evaluateAll((els) => els.map((e) => e.getAttribute('data-path')))).toEqual(
      shown.files.map((f) => f.path),
    );
    // Each file's content can be read before anything is sent.
    await files.first().locator('summary').click();
    expect(await files.first().locator('pre').textContent()).toBe(shown.files[0]!.text);
    expect(await preview.getByRole('list', { name: 'Calls made' }).getByRole('listitem').count()).toBe(
      shown.calls.length,
    );
    const withheld = preview.getByRole('list', { name: 'Stays on this machine' }).getByRole('listitem');
    expect(shown.withheld.length).toBeGreaterThan(0);
    expect(await withheld.allTextContents()).toEqual(shown.withheld);

    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    const item = page.getByRole('listitem', { name: `${resultFile} to ${COLLAB}` });
    await item.waitFor({ timeout: 20_000 });
    // Sent live (the outbox's events): the link to the public file appears only once it is sent.
    const link = item.getByTestId('public-link');
    await link.waitFor({ timeout: 60_000 });
    expect(await item.getAttribute('data-state')).toBe('sent');
    const publicName = (await link.textContent())!;
    expect(await link.getAttribute('href')).toBe(`${collab.apiUrl}/v1/results/${publicName}`);
    const outbox = await call<OutboxList>(hubUrl, 'GET', '/v1/sync/outbox', { token: organizer });
    const sent = outbox.body.items.find((i) => i.result === resultFile)!;
    expect(sent).toMatchObject({ state: 'sent', public_filename: publicName });
    expect(await link.getAttribute('href')).toBe(sent.public_url);
    await session.screenshot('public-collab-sent');

    // The collab promoted it under that name, as exploratory, with the board message.
    const promoted = collab.results().find((r) => r.filename === publicName);
    expect(promoted?.frontmatter).toMatchObject({ tps: 131.5, status: 'agent-run', exploratory: true, agent: AGENT });
    expect(collab.messages().some((m) => m.body.includes('Depth 4 from my desk.'))).toBe(true);
    // The agent's bucket holds exactly the bytes the preview showed.
    const stored = hf.files(`${ORG}/gemma-${AGENT}`);
    for (const f of shown.files) expect(stored.has(f.path) && sha(stored.get(f.path)!), f.path).toBe(f.sha256);
    expect(session.pageErrors).toEqual([]);
  });
  it('finds the collabs on the Hub and connects one from the list, by keyboard, its rules shown', async () => {
    const { page } = session;
    // The narrow window the panel must fit.
    await page.setViewportSize({ width: 900, height: 900 });
    const find = page.getByRole('button', { name: 'Find collabs on the Hub' });
    await find.focus();
    await page.keyboard.press('Enter');
    const list = page.getByRole('list', { name: 'Collabs on the Hub' });
    await list.waitFor({ timeout: 20_000 });
    const rows = list.getByRole('listitem');
    // Only the Spaces tagged agent-collab, most liked first.
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-space')))).toEqual([
      HUTTER_SPACE,
      `${ORG}/gemma-dashboard`,
    ]);
    const row = list.getByRole('listitem', { name: 'Hutter speed prize' });
    expect(await row.textContent()).toContain(HUTTER_SPACE);
    expect(await row.textContent()).toContain('64 likes');
    expect(await row.getByTestId('discover-connected').count()).toBe(0);

    const connect = row.getByRole('button', { name: `Connect ${HUTTER_SPACE}` });
    await connect.focus();
    await page.keyboard.press('Enter');
    // Its card, as a typed connect shows it: the score, the rules link to the central bucket's README.
    const card = page.getByRole('article', { name: 'Hutter speed prize' });
    await card.waitFor({ timeout: 20_000 });
    expect(await card.getByTestId('collab-score').textContent()).toContain('bpc (bits/char), lower is better');
    expect(await card.getByRole('link', { name: 'Rules' }).getAttribute('href')).toBe(
      `${hf.url}/buckets/${hutter.centralBucket}/resolve/README.md`,
    );
    expect(await card.getByRole('link', { name: 'Dashboard' }).getAttribute('href')).toBe(`https://${HUTTER_HOST}`);
    expect(await card.getAttribute('data-collab')).toBe(HUTTER);
    await row.getByTestId('discover-connected').waitFor();
    expect(await row.getByRole('status').textContent()).toContain('Connected Hutter speed prize');

    // Nothing runs past 900 px: neither the page nor the list.
    const root = page.locator('html');
    const overflow = async (el: typeof root) => el.evaluate((e) => e.scrollWidth - e.clientWidth);
    expect(await overflow(root)).toBe(0);
    expect(await overflow(list)).toBe(0);
    await list.scrollIntoViewIfNeeded();
    await session.screenshot('public-collab-discover-900');
    expect(session.pageErrors).toEqual([]);
  });
});
