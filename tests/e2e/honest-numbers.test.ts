// Honest numbers in a real Chromium against a real hub: jobs and results whatever their fields (a verification with no
// config, an older hub's flat output), a failed view that stays in its place, unverified results and why, the
// hardware a ranking is for and what it leaves out, paired speedups and measurement quality, the baseline re-measured,
// and why speculation did not pay on a CPU-only hub. The runs come from machines these tests do not have (a stand-in
// for the engine on them, tests/e2e/helpers/measured-machines.ts); the hub judges, publishes and ranks them for real.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Leaderboard, RecordItem } from '../../src/shared/api';
import type { ChallengeInfo, JobInfo } from '../../src/shared/challenge';
import { fileStamp } from '../../src/shared/ids';
import { startTestHub, type TestHub } from '../helpers/test-hub';
import { installTestPack, writeTestPack } from '../helpers/test-pack';
import { openDashboard, SCREENSHOT_DIR, type DashboardSession } from './helpers/dashboard-browser';
import { CPU_COSTS, EPYC, GPU_COSTS, H200, MeasuredMachines, RTX4090, type Run } from './helpers/measured-machines';

const UNVERIFIED_WORDS =
  'published by hand: no job of this hub measured it; publish through a job to be measured, ranked and verified';
const JOBS = { per_agent: 20, per_hub: 200, window_hours: 24, queued_per_agent: 10, verify: false };

const yaml = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(yaml).join(', ')}]`
    : v !== null && typeof v === 'object'
      ? `{${Object.entries(v)
          .map(([k, x]) => `${k}: ${yaml(x)}`)
          .join(', ')}}`
      : typeof v === 'string'
        ? JSON.stringify(v)
        : String(v);

/**
 * The test pack with references of its own instead of a calibration run (installing it needs no engine), and the
 * shipped packs' noise and disturbance limits (the test pack's are loose for busy test machines).
 */
async function installPack(dir: string, dataDir: string): Promise<void> {
  const { file, pack } = await writeTestPack(join(dir, 'pack'), { noise_target: 0.03, max_other_cpu: 0.1 });
  const { calibration: _none, ...rest } = pack;
  writeFileSync(
    file,
    JSON.stringify(
      {
        ...rest,
        references: [{ prompt: 'The recipe calls for', reference: ' two cups of flour and a pinch of salt' }],
      },
      null,
      2,
    ),
  );
  await installTestPack(file, dataDir);
}

async function publishByHand(
  hub: TestHub,
  token: string,
  fields: Record<string, unknown>,
  body = 'Measured on my own machine.',
): Promise<string> {
  const fm = { method: 'hand-measured', status: 'agent-run', description: 'published by hand', ...fields };
  const content = `---\n${Object.entries(fm)
    .map(([k, v]) => `${k}: ${yaml(v)}`)
    .join('\n')}\n---\n${body}\n`;
  const res = await hub.call('POST', '/v1/results', { token, body: { content } });
  expect(res.status, res.text).toBe(201);
  return res.body.filename as string;
}

/** Submits a job as `token`, scripted to run as `run`, and waits for it to finish; the finished job. */
async function runJob(
  hub: TestHub,
  machines: MeasuredMachines,
  token: string,
  config: Record<string, unknown>,
  method: string,
  ...runs: Run[]
): Promise<JobInfo> {
  machines.next(...runs);
  const res = await hub.call<JobInfo>('POST', '/v1/jobs', { token, body: { config, method } });
  expect(res.status, res.text).toBe(201);
  await hub.running.hub.jobQueue!.idle();
  const job = (await hub.call<JobInfo>('GET', `/v1/jobs/${res.body.id}`)).body;
  expect(job.state, job.error ?? '').toBe('succeeded');
  return job;
}

const DRAFT = { target: 'target', draft: 'draft-q8', spec_type: 'draft', draft_n_max: 4 };

let dir: string;
let hub: TestHub;
let machines: MeasuredMachines;
let session: DashboardSession;
const files = {} as Record<'alice' | 'bob' | 'carol' | 'dave' | 'erin' | 'hand', string>;
const jobs = {} as Record<'alice' | 'erin', JobInfo>;
let handToken: string;

const board = async (query = '') => (await hub.call<Leaderboard>('GET', `/v1/leaderboard${query}`)).body;
const frontmatter = async (file: string) =>
  (await hub.call<RecordItem>('GET', `/v1/results/${encodeURIComponent(file)}`)).body.frontmatter;
const challenge = async () => (await hub.call<ChallengeInfo>('GET', '/v1/challenge')).body;
const x2 = (x: number) => `×${x.toFixed(2)}`;
const sidebar = (name: string) => session.page.locator('nav.sidebar').getByRole('link', { name, exact: true });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'collab-desk-honest-'));
  await installPack(dir, join(dir, 'data'));
  // The hub's own machine is the H200 box: its baseline is measured there at start.
  machines = new MeasuredMachines({ on: H200, plain: 100, speedup: 1 });
  hub = await startTestHub({ jobs: JOBS }, join(dir, 'data'), { jobRunner: machines });
  await hub.running.hub.jobQueue!.idle();
  const agents = ['alice', 'bob', 'carol', 'dave', 'erin', 'hand'] as const;
  const tokens = await Promise.all(agents.map((a) => hub.register(a)));
  const token = Object.fromEntries(agents.map((a, i) => [a, tokens[i]!])) as Record<(typeof agents)[number], string>;
  handToken = token.hand;

  jobs.alice = await runJob(hub, machines, token.alice, DRAFT, 'q8 draft, 4 drafted', {
    on: H200,
    plain: 100,
    speedup: 1.62,
    costs: GPU_COSTS(100),
  });
  files.alice = jobs.alice.result!;
  // Another GPU: a hardware class of its own, never ranked with the H200 silently.
  files.bob = (
    await runJob(hub, machines, token.bob, DRAFT, 'q8 draft on a 4090', {
      on: RTX4090,
      plain: 70,
      speedup: 1.35,
      costs: GPU_COSTS(70),
    })
  ).result!;
  // Repeats all over the place: noisy. Another process busy during the run: disturbed.
  files.carol = (
    await runJob(hub, machines, token.carol, { ...DRAFT, draft_n_max: 6 }, 'q8 draft, 6 drafted', {
      on: H200,
      plain: 100,
      speedup: 1.7,
      spread: 0.3,
      costs: GPU_COSTS(100),
    })
  ).result!;
  // The hub measures a disturbed run once more before it publishes it: still busy the second time.
  const busy: Run = { on: H200, plain: 100, speedup: 1.66, otherCpu: 0.4, costs: GPU_COSTS(100) };
  files.dave = (
    await runJob(hub, machines, token.dave, { ...DRAFT, draft_n_max: 5 }, 'q8 draft, 5 drafted', busy, busy)
  ).result!;
  // A many-core CPU: a verify batch costs several decode steps, so speculation is slower than plain decoding.
  jobs.erin = await runJob(hub, machines, token.erin, DRAFT, 'q8 draft on the CPU', {
    on: EPYC,
    plain: 20,
    speedup: 0.62,
    costs: CPU_COSTS(20),
  });
  files.erin = jobs.erin.result!;
  // Faster than everything, by its author's word only.
  files.hand = await publishByHand(hub, token.hand, {
    tps: 400,
    ppl: 2.3,
    hardware: H200.hardware,
    method: 'my own measurement',
  });
  await hub.running.hub.jobQueue!.idle();

  session = await openDashboard(hub.url, { token: hub.organizerToken, route: 'jobs' });
}, 90_000);

afterAll(async () => {
  machines?.release();
  await session?.close();
  await hub?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

/**
 * A verification job with no config: what an older hub queued when asked to verify a result published without one.
 * This hub may refuse to queue one now (nothing could be re-run); the data folder can still hold one, so it is
 * written there through the hub's own job store, as an older hub left it.
 */
async function nullConfigJob(): Promise<string> {
  const asked = await hub.call<JobInfo>('POST', `/v1/results/${encodeURIComponent(files.hand)}/verify`, {
    token: hub.organizerToken,
  });
  if (asked.status === 201 && asked.body.config === null) {
    await hub.running.hub.jobQueue!.idle();
    return asked.body.id;
  }
  const h = hub.running.hub;
  return h.write(() => {
    const ts = h.stampTime();
    const id = `job-${fileStamp(ts)}`;
    h.jobs.insert({
      id,
      agent: 'hand',
      kind: 'verify',
      pack: 'tiny',
      config: 'null',
      method: `verify ${files.hand}`,
      description: 'queued by an older hub for a result with no config',
      created_at: ts,
      verifies: files.hand,
    });
    h.jobs.finish(id, 'succeeded', h.now(), null, null);
    return { result: id, effect: { actor: 'hub', action: 'job.succeeded', target: id } };
  });
}

/** A benchmark job an older hub ran, with the flat output.json it wrote (per-split TPS, nothing paired). */
async function legacyJob(): Promise<string> {
  const h = hub.running.hub;
  const id = await h.write(() => {
    const ts = h.stampTime();
    const jobId = `job-${fileStamp(ts)}`;
    h.jobs.insert({
      id: jobId,
      agent: 'alice',
      kind: 'bench',
      pack: 'tiny',
      config: JSON.stringify(DRAFT),
      method: 'measured before runs were paired',
      description: '',
      created_at: ts,
      verifies: null,
    });
    h.jobs.start(jobId, ts);
    h.jobs.finish(jobId, 'succeeded', h.now(), null, null);
    return { result: jobId, effect: { actor: 'alice', action: 'job.succeeded', target: jobId } };
  });
  const folder = join(h.layout.central, 'jobs', id);
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    join(folder, 'output.json'),
    JSON.stringify({
      tps: 91.5,
      tps_ci: [89.9, 93.1],
      tps_stdev: 0.6,
      tps_per_repeat: [91, 92],
      tps_public: 92.2,
      tps_private: 88.4,
      tps_public_per_repeat: [91.8, 92.6],
      tps_private_per_repeat: [88, 88.8],
      ppl: 2.31,
      ppl_tokens: 24,
      acceptance: 0.7,
      acceptance_per_position: [0.9, 0.6],
      mean_accepted_per_step: 1.5,
      tokens_per_step: 2.5,
      identical: true,
      divergence_rate: 0,
      plain_tps: null,
      backend: 'cpu',
      engine: 'native',
      probe: { correct: 1, total: 2, accuracy: 0.5 },
      provenance: {},
    }),
  );
  writeFileSync(join(folder, 'log.txt'), 'an older hub ran this job\n');
  return id;
}

describe('jobs and results whatever their fields', () => {
  it("a verification job with no config and an older hub's flat output render in the Jobs panel and their detail; the app keeps working", async () => {
    const { page } = session;
    const nullId = await nullConfigJob();
    expect((await hub.call<JobInfo>('GET', `/v1/jobs/${nullId}`)).body.config).toBeNull();
    const oldId = await legacyJob();
    await page.goto(`${hub.url}/#/jobs`);
    const row = (id: string) => page.locator(`[data-testid=job-row][data-job="${id}"]`);
    await row(nullId).waitFor();
    expect(await row(nullId).getByTestId('no-config').textContent()).toBe('no config');
    expect(await row(nullId).getByTestId('no-config').getAttribute('title')).toMatch(/published by hand without one/);
    expect(await row(oldId).textContent()).toContain('draft_n_max=4');
    await session.screenshot('jobs-null-config');

    await row(nullId).getByRole('link', { name: nullId }).click();
    await page.getByRole('heading', { name: nullId }).waitFor();
    expect(await page.getByTestId('job-no-config').textContent()).toMatch(/nothing to re-run/);
    expect(await page.locator('.job-facts').textContent()).toContain(`verification of ${files.hand}`);
    await session.screenshot('job-detail-null-config');

    // The old output: what it has (TPS, the per-split figures), nothing paired made up.
    await page.goto(`${hub.url}/#/jobs/${oldId}`);
    const figures = page.getByTestId('job-figures');
    await figures.waitFor();
    expect(await figures.textContent()).toContain('91.5');
    expect(await page.getByTestId('job-speedup').textContent()).toContain('—');
    expect(await page.getByTestId('job-splits').textContent()).toMatch(/public.*92\.2.*private.*88\.4/s);
    await page.getByTestId('job-legacy').waitFor();
    expect(await page.getByTestId('job-machine').textContent()).toContain('not reported');
    await session.screenshot('job-detail-legacy');

    // The rest of the app works on.
    await sidebar('Leaderboard').click();
    await page.getByRole('heading', { name: 'Leaderboard' }).waitFor();
    expect(await page.getByTestId('view-failed').count()).toBe(0);
    expect(session.pageErrors).toEqual([]);
  }, 30_000);

  it('a view that fails shows its error in place with Retry; the sidebar still navigates, and Retry brings it back', async () => {
    const { page } = session;
    const before = session.pageErrors.length;
    // A hub of another version answers with a ranking this dashboard cannot read.
    const ranking = (url: URL) => url.pathname === '/v1/leaderboard';
    await page.route(ranking, async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as Leaderboard;
      await route.fulfill({ response, json: { ...body, rows: 'not a list' } });
    });
    const failed = page.getByTestId('view-failed');
    try {
      await sidebar('Board').click();
      await expect.poll(() => page.locator('main.content').getAttribute('data-panel')).toBe('board');
      await sidebar('Leaderboard').click();
      await failed.waitFor();
      expect(await failed.textContent()).toMatch(/^This view failed: .*rows.* the ranking/);
      expect(await failed.getByRole('button', { name: 'Retry' }).isVisible()).toBe(true);
      // The frame is still there: the sidebar and the top bar.
      expect(await page.locator('nav.sidebar').isVisible()).toBe(true);
      expect(await page.getByTestId('connection').isVisible()).toBe(true);
      await session.screenshot('view-failed');

      await sidebar('Board').click();
      await expect.poll(() => page.locator('main.content').getAttribute('data-panel')).toBe('board');
      expect(await page.getByTestId('view-failed').count()).toBe(0);
      await sidebar('Jobs').click();
      await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
      // Back on it while the hub still answers so: the same error in place, nothing else broken.
      await sidebar('Leaderboard').click();
      await failed.waitFor();
    } finally {
      await page.unrouteAll({ behavior: 'wait' }); // a handler still under way finishes first (unroute alone leaves it to fail)
    }
    // The hub answers properly again: Retry reads it and the ranking is back.
    await failed.getByRole('button', { name: 'Retry' }).click();
    await page.getByTestId('leaderboard-table').waitFor();
    expect(await page.getByTestId('view-failed').count()).toBe(0);
    // What the page reported is the failure it showed (React logs what a boundary caught), nothing else.
    const reported = session.pageErrors.splice(before);
    expect(reported.length).toBeGreaterThan(0);
    for (const e of reported) expect(e).toMatch(/rows|error boundary|ErrorBoundary|above error/i);
  }, 30_000);

  it('a result with odd types in its frontmatter renders, with "—" where a figure is not a number', async () => {
    const { page } = session;
    const odd = await publishByHand(hub, handToken, {
      tps: 120,
      ppl: 2.3,
      tps_per_repeat: [1, 'two', 3],
      speedup: 'fast',
      speedup_ci: [1, 'x'],
      plain_tps: 'n/a',
      repeats: 'many',
      measurement: 'superb',
      measurement_note: 42,
      hardware: 7,
      machine: { cores: 'lots', gpu: 'yes' },
      costs: { verify_step_cost: 'cheap' },
      acceptance_per_position: 'high',
    });
    await page.goto(`${hub.url}/#/leaderboard/${encodeURIComponent(odd)}`);
    await page.waitForSelector(`[data-testid=result-detail][data-filename="${odd}"] [data-testid=detail-score]`);
    expect(await page.getByTestId('detail-speedup').textContent()).toContain('—');
    expect(await page.getByTestId('detail-plain').textContent()).toContain('—');
    expect(
      await page.locator('.result-detail .panel-header [data-testid=measurement-badge]').getAttribute('data-quality'),
    ).toBe('superb');
    expect(await page.getByTestId('detail-hardware').textContent()).toBe('not reported');
    expect(await page.getByTestId('view-failed').count()).toBe(0);

    // A newer hub's verification state, and no verdict with it: named as it is.
    const read = (url: URL) => url.pathname === `/v1/results/${encodeURIComponent(odd)}`;
    await page.route(read, async (route) => {
      const response = await route.fetch();
      const { verdict: _none, ...body } = (await response.json()) as Record<string, unknown>;
      await route.fulfill({ response, json: { ...body, verification: 'disputed' } });
    });
    try {
      await page.goto(`${hub.url}/#/board`);
      await page.goto(`${hub.url}/#/leaderboard/${encodeURIComponent(odd)}`);
      const badge = page.locator('.result-detail .panel-header [data-testid=verification-badge]');
      await expect.poll(() => badge.getAttribute('data-state')).toBe('disputed');
      expect(await page.getByTestId('verdict').textContent()).toContain('nobody has judged it yet');
    } finally {
      await page.unrouteAll({ behavior: 'wait' }); // a handler still under way finishes first (unroute alone leaves it to fail)
    }
    expect(await page.getByTestId('view-failed').count()).toBe(0);
    expect(session.pageErrors).toEqual([]);
  });

  it('a job list from a newer hub (a state and a kind this dashboard does not know, progress with nothing in it) renders', async () => {
    const { page } = session;
    const list = (url: URL) => url.pathname === '/v1/jobs' && !url.searchParams.has('state');
    const stranger = (over: Record<string, unknown>): Record<string, unknown> => ({
      ...jobs.alice,
      result: null,
      error: null,
      queue_position: null,
      finished_at: null,
      ...over,
    });
    await page.route(list, async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { items: unknown[] };
      const items = [
        stranger({ id: 'job-20991231-000000-001', state: 'paused', kind: 'probe' }),
        stranger({ id: 'job-20991231-000000-002', state: 'running', progress: {} }),
        ...body.items,
      ];
      await route.fulfill({ response, json: { ...body, items } });
    });
    try {
      await page.goto(`${hub.url}/#/board`);
      await page.goto(`${hub.url}/#/jobs`);
      const paused = page.locator('[data-testid=job-row][data-job="job-20991231-000000-001"]');
      await paused.waitFor();
      expect(await paused.getByTestId('job-state').textContent()).toBe('paused');
      expect(await paused.textContent()).toContain('probe');
      const running = page.locator('[data-testid=job-row][data-job="job-20991231-000000-002"]');
      expect(await running.getByTestId('job-progress').textContent()).toContain('running');
    } finally {
      await page.unrouteAll({ behavior: 'wait' }); // a handler still under way finishes first (unroute alone leaves it to fail)
    }
    expect(await page.getByTestId('view-failed').count()).toBe(0);
    expect(session.pageErrors).toEqual([]);
  });
});

describe('unverified results', () => {
  it('a hand-published result carries the unverified badge and says why, in the list, the reasons and its detail', async () => {
    const { page } = session;
    expect((await frontmatter(files.hand)).hardware).toBe(H200.hardware);
    const api = await board();
    expect(api.meta.excluded.verification_unverified).toBeGreaterThanOrEqual(1);
    await page.goto(`${hub.url}/#/leaderboard`);
    const reasons = page.getByTestId('excluded-reasons');
    await reasons.waitFor();
    expect(await reasons.locator('[data-reason=verification_unverified]').textContent()).toContain(UNVERIFIED_WORDS);
    await page.locator('[data-testid=unranked] summary').click();
    const hand = page.locator(`[data-testid=unranked-row][data-filename="${files.hand}"]`);
    expect(await hand.getAttribute('data-reason')).toBe('verification_unverified');
    const badge = hand.getByTestId('verification-badge');
    expect(await badge.textContent()).toBe('unverified');
    expect(await badge.getAttribute('title')).toBe(UNVERIFIED_WORDS);
    // Not ranked by default; shown, with its badge, when asked for.
    expect(await page.locator(`[data-testid=leaderboard-row][data-filename="${files.hand}"]`).count()).toBe(0);
    await page.getByTestId('include-unverified').check();
    const ranked = page.locator(`[data-testid=leaderboard-row][data-filename="${files.hand}"]`);
    await ranked.waitFor();
    expect(await ranked.getByTestId('verification-badge').getAttribute('data-state')).toBe('unverified');
    await session.screenshot('leaderboard-unverified');
    await page.getByTestId('include-unverified').uncheck();

    await page.goto(`${hub.url}/#/leaderboard/${encodeURIComponent(files.hand)}`);
    const meaning = page.getByTestId('verification-meaning');
    await meaning.waitFor();
    expect(await meaning.textContent()).toContain(UNVERIFIED_WORDS);
    expect(await page.locator('.result-detail .panel-header [data-testid=verification-badge]').textContent()).toBe(
      'unverified',
    );
    expect(await page.getByTestId('detail-speedup').textContent()).toContain('not measured');
    await session.screenshot('result-unverified');
    expect(session.pageErrors).toEqual([]);
  });
});

describe('the hardware a ranking is for, and what it leaves out', () => {
  it('says which hardware is ranked, offers the other class, and explains every reason a result is not ranked', async () => {
    const { page } = session;
    const api = await board();
    expect(api.hardware).toBe(H200.hardware);
    expect(api.hardware_classes.map((c) => c.hardware).sort()).toEqual([H200.hardware, RTX4090.hardware].sort());
    expect(api.rows.map((r) => r.filename)).toEqual([files.alice]);
    await page.goto(`${hub.url}/#/leaderboard`);
    const rankedFor = page.getByTestId('ranked-for');
    await rankedFor.waitFor();
    expect(await rankedFor.textContent()).toContain(`Ranked for ${H200.hardware}`);
    const select = page.getByTestId('hardware-select');
    expect(await select.locator('option').allTextContents()).toEqual([
      ...api.hardware_classes.map((c) => `${c.hardware} (${c.results} result${c.results === 1 ? '' : 's'})`),
      'All hardware together (not comparable)',
    ]);
    const reasons = page.getByTestId('excluded-reasons');
    expect(await reasons.locator('[data-reason=measurement_noisy]').textContent()).toMatch(
      /^1 noisy: the 95% interval stayed wider than the pack's noise target, or reached zero; re-submit to re-measure/,
    );
    expect(await reasons.locator('[data-reason=measurement_disturbed]').textContent()).toMatch(
      /^1 disturbed: other processes used the machine while it ran/,
    );
    expect(await reasons.locator('[data-reason=hardware_other]').textContent()).toMatch(
      /other hardware than the class ranked here/,
    );
    expect(await reasons.locator('[data-reason=status_negative]').textContent()).toMatch(/slower than plain decoding/);
    await page.locator('[data-testid=unranked] summary').click();
    const reasonOf = (f: string) =>
      page.locator(`[data-testid=unranked-row][data-filename="${f}"]`).getAttribute('data-reason');
    expect(await reasonOf(files.carol)).toBe('measurement_noisy');
    expect(await reasonOf(files.dave)).toBe('measurement_disturbed');
    expect(await reasonOf(files.bob)).toBe('hardware_other');
    expect(await reasonOf(files.erin)).toBe('status_negative');
    await session.screenshot('leaderboard-hardware');

    // The other class: its own ranking, said so.
    const asked = page.waitForRequest(
      (r) =>
        new URL(r.url()).pathname === '/v1/leaderboard' &&
        new URL(r.url()).searchParams.get('hardware') === RTX4090.hardware,
    );
    await select.selectOption(RTX4090.hardware);
    await asked;
    await expect
      .poll(() =>
        page
          .locator('[data-testid=leaderboard-row]')
          .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-filename'))),
      )
      .toEqual([files.bob]);
    expect(await rankedFor.textContent()).toContain(`Ranked for ${RTX4090.hardware}`);
    // Every class together: said to be not comparable, each row naming its hardware.
    await select.selectOption('all');
    await expect.poll(() => rankedFor.textContent()).toContain('All hardware ranked together');
    await expect
      .poll(() =>
        page.locator(`[data-testid=leaderboard-row][data-filename="${files.bob}"] .hardware-cell`).textContent(),
      )
      .toBe(RTX4090.hardware);
    await session.screenshot('leaderboard-all-hardware');
    await select.selectOption(H200.hardware);
    await expect.poll(() => rankedFor.textContent()).toContain(`Ranked for ${H200.hardware}`);
    expect(session.pageErrors).toEqual([]);
  });
});

describe('paired speedups and measurement quality', () => {
  it("a result's detail shows the paired speedup with its interval beside the plain TPS, the measurement, hardware and machine", async () => {
    const { page } = session;
    const fm = await frontmatter(files.alice);
    expect(fm.measurement).toBe('clean');
    await page.goto(`${hub.url}/#/leaderboard/${encodeURIComponent(files.alice)}`);
    const speedup = page.getByTestId('detail-speedup');
    await speedup.waitFor();
    const ci = fm.speedup_ci as [number, number];
    expect(await speedup.textContent()).toContain(x2(fm.speedup as number));
    expect(await speedup.textContent()).toContain(`95% CI ${x2(ci[0])} – ${x2(ci[1])}`);
    expect(await page.getByTestId('detail-plain').textContent()).toContain(String(Math.round(fm.plain_tps as number)));
    const badge = page.locator('.result-detail .panel-header [data-testid=measurement-badge]');
    expect(await badge.getAttribute('data-quality')).toBe('clean');
    expect(await page.getByTestId('detail-hardware').textContent()).toBe(H200.hardware);
    const measured = await page.getByTestId('measured-on').textContent();
    expect(measured).toContain('1.2% of the machine during the run');
    expect(measured).toContain('NVIDIA H200');
    expect(await page.getByTestId('speedup-repeats').textContent()).toContain('×');
    await session.screenshot('result-detail-paired');

    // Disturbed: the badge and the hub's reason.
    const dave = await frontmatter(files.dave);
    expect(dave.measurement).toBe('disturbed');
    await page.goto(`${hub.url}/#/leaderboard/${encodeURIComponent(files.dave)}`);
    await page
      .locator('.result-detail .panel-header [data-testid=measurement-badge][data-quality=disturbed]')
      .waitFor();
    expect(await page.getByTestId('measurement-note').textContent()).toBe(dave.measurement_note);
    expect(await page.getByTestId('measured-on').textContent()).toContain('40% of the machine during the run');

    // A negative result on a CPU says why speculation did not pay there.
    await page.goto(`${hub.url}/#/leaderboard/${encodeURIComponent(files.erin)}`);
    const why = page.getByTestId('detail-explanation');
    await why.waitFor();
    expect(await page.getByTestId('status-badge').textContent()).toBe('negative');
    expect(await why.textContent()).toContain('Why speculation did not pay here');
    expect(await why.textContent()).toContain('On a CPU decoding is compute-bound');
    await session.screenshot('result-detail-negative');
    expect(session.pageErrors).toEqual([]);
  });

  it("a job's page shows the plain TPS, the paired speedup with its interval, the repeats, the hardware and the machine", async () => {
    const { page } = session;
    await page.goto(`${hub.url}/#/jobs/${jobs.alice.id}`);
    const speedup = page.getByTestId('job-speedup');
    await speedup.waitFor();
    const fm = await frontmatter(files.alice);
    expect(await speedup.textContent()).toContain(x2(fm.speedup as number));
    expect(await page.getByTestId('job-plain-tps').textContent()).toContain(String(Math.round(fm.plain_tps as number)));
    expect(await page.getByTestId('job-figures').textContent()).toMatch(/repeats\s*3/);
    const machine = await page.getByTestId('job-machine').textContent();
    expect(machine).toContain(H200.hardware);
    expect(machine).toContain('1.2% of the machine during the run');
    expect(machine).toContain('NVIDIA H200 · 0% busy before');
    expect(await page.getByTestId('job-explanation').textContent()).toContain('Where the time went');
    await session.screenshot('job-detail-paired');

    await page.goto(`${hub.url}/#/jobs/${jobs.erin.id}`);
    const why = page.getByTestId('job-explanation');
    await why.waitFor();
    expect(await why.textContent()).toContain('On a CPU decoding is compute-bound');
    expect(session.pageErrors).toEqual([]);
  });
});

describe('the baseline', () => {
  it('says when and how it was measured; the organizer re-measures it, and a failed re-measure says why', async () => {
    const { page } = session;
    const before = await challenge();
    expect(before.baseline_result?.hardware).toBe(H200.hardware);
    await page.goto(`${hub.url}/#/jobs`);
    const card = page.getByTestId('baseline-card');
    await card.waitFor();
    expect(await card.getByTestId('baseline-hardware').textContent()).toBe(`on ${H200.hardware}`);
    expect(await card.getByTestId('baseline-other-cpu').textContent()).toContain('1.2% of the CPU');
    expect(await card.getByTestId('measurement-badge').getAttribute('data-quality')).toBe('clean');

    // The next run waits (running, lease held): the job is seen, and the button waits with it.
    machines.hold();
    const button = card.getByRole('button', { name: 'Re-measure baseline' });
    const posted = page.waitForResponse(
      (r) => new URL(r.url()).pathname === '/v1/challenge/baseline' && r.request().method() === 'POST',
    );
    await button.click();
    const response = await posted;
    expect(response.status()).toBe(201);
    const queued = (await response.json()) as JobInfo;
    expect(queued.kind).toBe('baseline');
    await page.locator(`[data-testid=job-row][data-job="${queued.id}"]`).waitFor();
    await expect.poll(() => card.getByTestId('baseline-job').textContent()).toContain(queued.id);
    await expect.poll(() => button.isDisabled()).toBe(true);
    expect(await button.getAttribute('title')).toMatch(/a baseline job is (queued|running) already/);
    await session.screenshot('jobs-baseline-remeasuring');
    machines.release();
    await expect.poll(async () => (await challenge()).baseline_result?.job).toBe(queued.id);
    await expect.poll(() => card.getByTestId('baseline-facts').textContent()).toContain(queued.id);
    await expect.poll(() => button.isDisabled()).toBe(false);

    // The engine fails: the card says so, with its error, and the baseline measured before stands.
    machines.next({ on: H200, plain: 100, speedup: 1, fails: 'CUDA error: out of memory while loading the target' });
    await button.click();
    const failed = card.getByTestId('baseline-failed');
    await failed.waitFor({ timeout: 10_000 });
    expect(await failed.textContent()).toContain('CUDA error: out of memory while loading the target');
    expect(await card.getByTestId('baseline-facts').textContent()).toContain(queued.id);
    await session.screenshot('jobs-baseline-failed');

    // Read-only, the button is there, disabled, and says why.
    const readOnly = await session.newPage({ token: null });
    try {
      await readOnly.goto(`${hub.url}/#/jobs`);
      const disabled = readOnly.getByTestId('baseline-card').getByRole('button', { name: 'Re-measure baseline' });
      await disabled.waitFor();
      expect(await disabled.isDisabled()).toBe(true);
      expect(await disabled.getAttribute('title')).toMatch(/sign in as organizer/);
    } finally {
      await readOnly.close();
    }
    expect(session.pageErrors).toEqual([]);
  }, 30_000);
});

describe('a CPU-only hub', () => {
  it('with nothing ranked, the leaderboard says why speculation did not pay on this machine', async () => {
    const cpuDir = mkdtempSync(join(tmpdir(), 'collab-desk-cpu-'));
    const cpu = new MeasuredMachines({ on: EPYC, plain: 20, speedup: 1 });
    await installPack(cpuDir, join(cpuDir, 'data'));
    const cpuHub = await startTestHub({ jobs: JOBS }, join(cpuDir, 'data'), { jobRunner: cpu });
    const page = await session.context.newPage();
    try {
      await cpuHub.running.hub.jobQueue!.idle();
      const token = await cpuHub.register('erin');
      const job = await runJob(cpuHub, cpu, token, DRAFT, 'q8 draft on the CPU', {
        on: EPYC,
        plain: 20,
        speedup: 0.62,
        costs: CPU_COSTS(20),
      });
      const fm = (await cpuHub.call('GET', `/v1/results/${job.result}`)).body.frontmatter;
      expect(fm.status).toBe('negative');
      expect((await cpuHub.call<Leaderboard>('GET', '/v1/leaderboard')).body.rows).toEqual([]);
      await page.goto(`${cpuHub.url}/#/leaderboard`);
      const why = page.getByTestId('negative-explanation');
      await why.waitFor();
      expect(await why.textContent()).toContain('On a CPU decoding is compute-bound');
      expect(await why.getByRole('link').getAttribute('href')).toBe(`#/leaderboard/${encodeURIComponent(job.result!)}`);
      expect(await page.getByTestId('ranked-for').textContent()).toMatch(/Ranked for/);
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'leaderboard-cpu-negative.png') });
    } finally {
      await page.close();
      await cpuHub.stop();
      rmSync(cpuDir, { recursive: true, force: true });
    }
    expect(session.pageErrors).toEqual([]);
  }, 30_000);
});
