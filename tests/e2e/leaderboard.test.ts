// The Leaderboard panel in a real Chromium against a real hub: a real baseline and benchmark job (generated models, the
// real engine, its paired speedup), hand-published results (unverified: ranked only with "Include unverified") with
// intervals, ties, a guardrail breach and refs; the chart, live updates, the result detail with its lineage, and the
// organizer's verdict.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineJobRunner } from '../../src/bench/job-runner';
import type { Leaderboard, RecordItem } from '../../src/shared/api';
import { startTestHub, type TestHub } from '../helpers/test-hub';
import { installTestPack, writeTestPack } from '../helpers/test-pack';
import { openDashboard, type DashboardSession } from './helpers/dashboard-browser';

let dir: string;
let hub: TestHub;
let session: DashboardSession;
/** The seeded results' filenames; `job` is the real benchmark job's, `baseline` the hub's reference run. */
const files = {} as Record<
  'job' | 'baseline' | 'carol' | 'erinFirst' | 'dave' | 'erin' | 'frank' | 'gina' | 'hank',
  string
>;
let hankToken: string;
let baselineScore: number;
/** The larger of the two measured scores: hand-published scores are multiples of it. */
let unit: number;
let cap: number;

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

async function publish(token: string, fields: Record<string, unknown>, body = 'How it was measured.'): Promise<string> {
  const fm = { method: 'draft model', status: 'agent-run', description: 'hand-published', ...fields };
  const content = `---\n${Object.entries(fm)
    .map(([k, v]) => `${k}: ${yaml(v)}`)
    .join('\n')}\n---\n${body}\n`;
  const res = await hub.call('POST', '/v1/results', { token, body: { content } });
  expect(res.status, res.text).toBe(201);
  return res.body.filename as string;
}

/** The hub's ranking: by default, or with the states the panel asks for once "Include unverified" is on. */
const board = async (query = '') => (await hub.call<Leaderboard>('GET', `/v1/leaderboard${query}`)).body;
const WITH_UNVERIFIED = '?verification=valid,pending,unverified';
/** The panel's "Include unverified" toggle on (a no-op once it is): the results published by hand are ranked. */
const includeUnverified = () => session.page.getByTestId('include-unverified').check();
const frontmatter = async (file: string) =>
  (await hub.call<RecordItem>('GET', `/v1/results/${encodeURIComponent(file)}`)).body.frontmatter;
const round = (x: number) => Number(x.toFixed(3));
/** The score as the table prints it (one decimal above 100). */
const shown = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: x >= 100 ? 1 : 2 });
/** A speedup as the panel prints it. */
const times = (x: number) => `×${x.toFixed(x >= 10 ? 1 : 2)}`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'collab-desk-leaderboard-'));
  const { file } = await writeTestPack(join(dir, 'pack'));
  hub = await startTestHub(
    { jobs: { per_agent: 4, per_hub: 100, window_hours: 24, queued_per_agent: 4, verify: false } },
    join(dir, 'data'),
    { jobRunner: engineJobRunner() },
  );
  await installTestPack(file, hub.dataDir);
  const agents = ['alice', 'carol', 'dave', 'erin', 'frank', 'gina', 'hank'] as const;
  const tokens = await Promise.all(agents.map((a) => hub.register(a)));
  const token = Object.fromEntries(agents.map((a, i) => [a, tokens[i]!])) as Record<(typeof agents)[number], string>;

  // A real job: the hub runs the baseline first, then alice's speculative run, and publishes both.
  const job = await hub.call('POST', '/v1/jobs', {
    token: token.alice,
    body: {
      config: { target: 'target', draft: 'draft-same', spec_type: 'draft', draft_n_max: 4 },
      method: 'identical draft, 4 drafted',
    },
  });
  expect(job.status, job.text).toBe(201);
  await hub.running.hub.jobQueue!.idle();
  const jobInfo = (await hub.call('GET', `/v1/jobs/${job.body.id}`)).body;
  expect(jobInfo.state, jobInfo.error).toBe('succeeded');
  files.job = jobInfo.result;
  const start = await board();
  files.baseline = start.baseline!.filename;
  baselineScore = start.baseline!.score;
  cap = start.guardrail_max!;
  const ppl = start.baseline!.guardrail!;

  // Scores relative to the measured runs, so the ranking does not depend on this machine's speed.
  const jobScore = (await frontmatter(files.job)).tps as number;
  unit = Math.max(baselineScore, jobScore);
  const at = (k: number) => round(unit * k);
  files.carol = await publish(token.carol, {
    tps: at(2),
    tps_ci: [at(1.9), at(2.1)],
    ppl,
    method: 'Q8 draft, 6 drafted',
  });
  files.erinFirst = await publish(token.erin, { tps: at(1.5), ppl, method: 'first try, no interval' });
  files.dave = await publish(token.dave, {
    tps: at(2.4),
    tps_ci: [at(2.3), at(2.5)],
    ppl,
    method: 'Q8 draft, tuned p_min',
    refs: [files.carol, files.job],
  });
  files.erin = await publish(
    token.erin,
    {
      tps: at(3),
      tps_ci: [at(2.9), at(3.1)],
      tps_per_repeat: [at(2.95), at(3), at(3.05)],
      ppl,
      method: 'Q8 draft, 5 drafted, kept cache',
      refs: [files.dave],
      config: { target: 'target', draft: 'draft-q8', spec_type: 'draft', draft_n_max: 5, draft_p_min: 0.4 },
      acceptance: 0.71,
      acceptance_per_position: [0.92, 0.81, 0.66, 0.52, 0.41],
    },
    "## What changed\n\nBuilt on **dave**'s tuned `p_min`, with one fewer drafted token.",
  );
  files.frank = await publish(token.frank, {
    tps: at(2.95),
    tps_ci: [at(2.85), at(3.05)],
    ppl,
    method: 'Q8 draft, 5 drafted',
  });
  files.gina = await publish(token.gina, {
    tps: at(3.5),
    tps_ci: [at(3.4), at(3.6)],
    ppl: Number((cap * 1.2).toFixed(4)),
    method: 'Q4 draft, lossy',
  });
  hankToken = token.hank;
  const verdict = await hub.call('POST', `/v1/results/${files.carol}/verdict`, {
    token: hub.organizerToken,
    body: { verdict: 'valid', note: 'reproduced' },
  });
  expect(verdict.status, verdict.text).toBe(200);

  session = await openDashboard(hub.url, { token: hub.organizerToken, route: 'leaderboard' });
}, 120_000);

afterAll(async () => {
  await session?.close();
  await hub?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the leaderboard panel', () => {
  it('says how results arrive while there are none', async () => {
    const empty = await startTestHub();
    const page = await session.context.newPage();
    try {
      await page.goto(`${empty.url}/#/leaderboard`);
      await page.getByText('No results yet').waitFor();
      expect(await page.locator('.leaderboard .empty-state').textContent()).toContain('POST /v1/results');
    } finally {
      await page.close();
      await empty.stop(true);
    }
  });

  it('ranks the rows as the hub does, marks the tie with the leader, the baseline row and each verification', async () => {
    const { page } = session;
    const row = (f: string) => page.locator(`[data-testid=leaderboard-row][data-filename="${f}"]`);
    const unranked = (f: string) => page.locator(`[data-testid=unranked-row][data-filename="${f}"]`);
    const shownRows = () =>
      page
        .locator('[data-testid=leaderboard-row]')
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-filename')));
    const job = await frontmatter(files.job);
    // The hub's job judged its own paired speedup: below 1 (an identical draft on a CPU, usually) it is negative.
    expect(job.status).toBe((job.speedup as number) < 1 ? 'negative' : 'agent-run');

    // By default the hub ranks what its jobs measured or the organizer verified: the five results published by hand and
    // not decided on wait, unverified (carol's was marked valid).
    const byDefault = await board();
    expect(byDefault.rows.map((r) => r.filename)).toContain(files.carol);
    expect(byDefault.rows.filter((r) => r.verification === 'unverified')).toEqual([]);
    expect(byDefault.meta.excluded.verification_unverified).toBe(5);
    await page.waitForSelector('[data-testid=leaderboard-row]');
    await expect.poll(shownRows).toEqual(byDefault.rows.map((r) => r.filename));
    expect(
      await page.locator('[data-testid=excluded-reasons] [data-reason=verification_unverified]').textContent(),
    ).toMatch(/^5\b.*published by hand/);
    expect(await unranked(files.erin).getAttribute('data-reason')).toBe('verification_unverified');
    expect(await page.locator('[data-testid=unranked] summary').textContent()).toContain('5 unverified');
    // The chart keeps them, hollow, and its running best does not step up to them.
    const erinPoint = page.locator(`[data-testid=chart-point][data-filename="${files.erin}"]`);
    expect(await erinPoint.getAttribute('data-verification')).toBe('unverified');
    expect(await erinPoint.getAttribute('class')).toContain('point-unranked');
    const jobRankedByDefault = byDefault.rows.some((r) => r.filename === files.job);
    expect((await page.getByTestId('running-best').getAttribute('d'))!.match(/V/g)?.length ?? 0).toBe(
      jobRankedByDefault ? 1 : 0,
    );

    // "Include unverified" ranks them too, exactly as the hub does when asked for those states.
    await includeUnverified();
    const api = await board(WITH_UNVERIFIED);
    await expect.poll(shownRows).toEqual(api.rows.map((r) => r.filename));
    expect(api.rows.map((r) => r.filename).filter((f) => f !== files.job)).toEqual([
      files.erin,
      files.frank,
      files.dave,
      files.carol,
    ]);
    expect(await erinPoint.getAttribute('class')).not.toContain('point-unranked');
    for (const r of api.rows) {
      const scoreCell = page.locator(
        `[data-testid=leaderboard-row][data-filename="${r.filename}"] [data-testid=score]`,
      );
      expect(await scoreCell.textContent()).toContain(shown(r.score));
    }
    // frank's interval overlaps erin's: marked, with the reason on hover; dave's does not.
    expect(api.rows.find((r) => r.filename === files.frank)!.tie).toBe(true);
    await expect.poll(() => row(files.frank).locator('[data-testid=tie-badge]').count()).toBe(1);
    expect(await row(files.frank).locator('[data-testid=tie-badge]').getAttribute('title')).toMatch(
      /interval overlaps the leader/,
    );
    expect(await row(files.dave).locator('[data-testid=tie-badge]').count()).toBe(0);
    expect(await row(files.erin).locator('[data-testid=tie-badge]').count()).toBe(0);
    // Verification badges: verified by the organizer, published by hand, and the job's own result measured by the hub.
    expect(await row(files.carol).locator('.badge-valid').textContent()).toBe('verified');
    expect(await row(files.erin).locator('.badge-unverified').textContent()).toBe('unverified');
    expect(await row(files.erin).locator('.badge-unverified').getAttribute('title')).toContain('published by hand');
    const jobRow = api.rows.find((r) => r.filename === files.job);
    const jobMark = jobRow ? row(files.job) : unranked(files.job);
    expect(await jobMark.locator('.badge-pending').textContent()).toBe('pending');
    // The speedup is the paired one a job measured; a result published by hand has none, not a ratio to the baseline.
    for (const r of api.rows) {
      const cell = row(r.filename).locator('[data-testid=speedup]');
      if (r.filename === files.job) {
        expect(r.speedup).toBe(job.speedup);
        expect(await cell.textContent()).toContain(times(r.speedup!));
      } else {
        expect(r.speedup).toBeNull();
        expect(await cell.textContent()).toBe('—');
        expect(await cell.getAttribute('title')).toContain('no paired measurement');
      }
    }
    // A job result that lost to plain decoding (or measured noisy) is listed unranked, with why.
    if (!jobRow)
      expect(await unranked(files.job).getAttribute('data-reason')).toBe(
        job.status === 'negative' ? 'status_negative' : `measurement_${String(job.measurement)}`,
      );
    // The baseline is a reference row below every hand-published result; the cap is in the header.
    const baselineRow = page.locator('[data-testid=baseline-row]');
    expect(await baselineRow.textContent()).toContain(shown(baselineScore));
    const order = await page
      .locator('[data-testid=leaderboard-table] tbody tr')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-filename') ?? 'baseline'));
    expect(order.indexOf('baseline')).toBeGreaterThan(order.indexOf(files.carol));
    expect(await page.locator('[data-testid=leaderboard-table] [data-testid=guardrail-cap]').textContent()).toContain(
      shown(cap),
    );
    // gina's PPL is over the cap: not ranked, and listed with the breach flagged.
    expect(order).not.toContain(files.gina);
    await page.locator('[data-testid=unranked] summary').click();
    const gina = page.locator(`[data-testid=unranked-row][data-filename="${files.gina}"]`);
    expect(await gina.locator('[data-testid=guardrail]').getAttribute('data-over')).toBe('true');
    expect(await gina.textContent()).toContain('over the cap');
    expect(await page.locator('[data-testid=unranked] summary').textContent()).toContain('1 over the PPL cap');

    // Best per agent off: erin's earlier result gets its own row.
    await page.getByTestId('best-per-agent').uncheck();
    await expect.poll(() => row(files.erinFirst).count()).toBe(1);
    await page.getByTestId('best-per-agent').check();
    await expect.poll(() => row(files.erinFirst).count()).toBe(0);
  });

  it('charts every result over time with its interval, the running best and the baseline', async () => {
    const { page } = session;
    await includeUnverified();
    const chart = page.getByTestId('score-chart');
    // Every result but the baseline (a line of its own): the job's, six by hand. erinFirst has no interval.
    await expect.poll(() => chart.locator('[data-testid=chart-point]').count()).toBe(7);
    expect(await chart.locator('[data-testid=interval-bar]').count()).toBe(6);
    expect(await chart.locator(`[data-testid=interval-bar][data-filename="${files.erinFirst}"]`).count()).toBe(0);
    expect(await chart.locator('[data-testid=baseline-line]').textContent()).toContain('baseline');
    // The running best steps up to dave's and erin's records after carol's (and carol's after the job's, where the job
    // is ranked), never to gina's over-cap point nor to a negative job result.
    const jobRanked = (await board(WITH_UNVERIFIED)).rows.some((r) => r.filename === files.job);
    const best = (await chart.locator('[data-testid=running-best]').getAttribute('d'))!;
    expect(best.match(/V/g)?.length ?? 0).toBe(jobRanked ? 3 : 2);
    expect(
      await chart
        .locator(`[data-testid=chart-point][data-filename="${files.carol}"]`)
        .getAttribute('data-verification'),
    ).toBe('valid');
    expect(
      await chart.locator(`[data-testid=chart-point][data-filename="${files.frank}"]`).getAttribute('data-tie'),
    ).toBe('true');
    expect(
      await chart.locator(`[data-testid=chart-point][data-filename="${files.gina}"]`).getAttribute('class'),
    ).toContain('point-unranked');
    expect(await chart.locator('[data-testid=chart-x-tick]').count()).toBeGreaterThanOrEqual(2);

    await chart.locator(`[data-testid=chart-point][data-filename="${files.frank}"]`).hover();
    const tooltip = page.getByTestId('chart-tooltip');
    await tooltip.waitFor();
    expect(await tooltip.textContent()).toMatch(/frank.*tie.*95% CI/s);
    expect(await tooltip.textContent()).not.toContain('over plain decoding');
    await session.screenshot('leaderboard');
    // The job's point carries its paired speedup, and why it is not ranked when it is not.
    const job = await frontmatter(files.job);
    await chart.locator(`[data-testid=chart-point][data-filename="${files.job}"]`).hover();
    await expect
      .poll(() => tooltip.textContent())
      .toContain(`${times(job.speedup as number)} over plain decoding (paired)`);
    if (job.status === 'negative')
      expect(await tooltip.textContent()).toContain('not ranked: slower than plain decoding');

    // A point opens its result from the keyboard too.
    await chart.locator(`[data-testid=chart-point][data-filename="${files.dave}"]`).focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector(`[data-testid=result-detail][data-filename="${files.dave}"]`);
    await page.goBack();
    await chart.locator('[data-testid=chart-point]').first().waitFor();

    const dark = await openDashboard(hub.url, { token: hub.organizerToken, route: 'leaderboard', theme: 'dark' });
    try {
      await dark.page.getByTestId('score-chart').locator('[data-testid=chart-point]').first().waitFor();
      expect(await dark.page.evaluate(() => (globalThis as any).document.documentElement.dataset.theme)).toBe('dark');
      await dark.screenshot('leaderboard-dark');
      expect(dark.pageErrors).toEqual([]);
    } finally {
      await dark.close();
    }
  });

  it('shows a newly published result live, in the table and the chart, without a reload', async () => {
    const { page } = session;
    await includeUnverified();
    await page.evaluate(() => ((globalThis as any).__sameDocument = true));
    files.hank = await publish(hankToken, {
      tps: round(unit * 3.4),
      tps_ci: [round(unit * 3.3), round(unit * 3.5)],
      ppl: 1,
      method: 'MTP heads',
    });
    await expect
      .poll(() => page.locator('[data-testid=leaderboard-row]').first().getAttribute('data-filename'), {
        timeout: 5_000,
      })
      .toBe(files.hank);
    await expect.poll(() => page.locator('[data-testid=chart-point]').count()).toBe(8);
    expect(await page.locator(`[data-testid=interval-bar][data-filename="${files.hank}"]`).count()).toBe(1);
    const hank = page.locator(`[data-testid=leaderboard-row][data-filename="${files.hank}"]`);
    expect(await hank.locator('.badge-unverified').textContent()).toBe('unverified');
    expect(await hank.locator('[data-testid=speedup]').textContent()).toBe('—');
    expect((await board(WITH_UNVERIFIED)).rows[0]!.filename).toBe(files.hank);
    expect(await page.evaluate(() => (globalThis as any).__sameDocument)).toBe(true);
  });

  it('opens a result from its row: configuration, acceptance, and the lineage it builds on, two levels deep', async () => {
    const { page } = session;
    await includeUnverified();
    await page.locator(`[data-testid=leaderboard-row][data-filename="${files.erin}"] .method-cell`).click();
    await page.waitForSelector(`[data-testid=result-detail][data-filename="${files.erin}"]`);
    expect(decodeURIComponent(new URL(page.url()).hash)).toBe(`#/leaderboard/${files.erin}`);
    // The detail frame appears at once with a placeholder title; the result's own arrives with its read.
    await expect.poll(() => page.getByTestId('detail-title').textContent()).toContain('erin');
    const config = page.getByTestId('result-config');
    await config.waitFor();
    expect(await config.textContent()).toMatch(/draft_n_max\s*5/);
    expect(await page.locator('[data-testid=acceptance-bar]').count()).toBe(5);
    expect(await page.locator('[data-testid=acceptance-bar]').first().getAttribute('title')).toContain('92.0%');
    expect(await page.getByTestId('repeats').textContent()).toContain(shown(round(unit * 2.95)));
    expect(await page.locator('.markdown h2').textContent()).toBe('What changed');
    // Published by hand: no paired speedup, no plain run beside it.
    expect(await page.getByTestId('detail-speedup').textContent()).toContain('not measured');
    expect(await page.getByTestId('detail-plain').textContent()).toContain('no plain target measured beside it');

    // erin -> dave -> {carol, alice's job}; hank and the others cite nothing.
    const node = (f: string) => page.locator(`[data-testid=lineage] [data-testid=lineage-node][data-filename="${f}"]`);
    await node(files.carol).waitFor();
    expect(await node(files.dave).getAttribute('data-depth')).toBe('1');
    expect(await node(files.carol).getAttribute('data-depth')).toBe('2');
    expect(await node(files.job).getAttribute('data-depth')).toBe('2');
    // erin's score compared with carol's: +50%.
    expect(await node(files.carol).locator('.delta').first().textContent()).toBe('+50%');
    await session.screenshot('result-detail');

    await node(files.carol).locator('a').first().click();
    await page.waitForSelector(`[data-testid=result-detail][data-filename="${files.carol}"]`);
    await expect.poll(() => page.getByTestId('detail-title').textContent()).toContain('carol');
    // carol's result is built on by dave's.
    await expect.poll(() => page.locator('[data-testid=built-on-by]').textContent()).toContain('dave');

    // The job's own result, two levels up from erin: provenance from the real engine, its acceptance per position.
    await page.goBack();
    await page.waitForSelector(`[data-testid=result-detail][data-filename="${files.erin}"]`);
    await node(files.job).locator('a').first().click();
    await page.waitForSelector(`[data-testid=result-detail][data-filename="${files.job}"]`);
    const provenance = page.getByTestId('provenance');
    await expect.poll(() => provenance.textContent()).toContain('llama.cpp');
    const job = (await hub.call('GET', `/v1/results/${files.job}`)).body.frontmatter;
    expect(await provenance.textContent()).toContain(job.job);
    expect(await provenance.textContent()).toContain(job.provenance.llama.release);
    expect(await page.locator('[data-testid=acceptance-bar]').count()).toBe(4);
    expect(await page.getByTestId('result-config').textContent()).toContain('draft-same');
    // Its paired speedup with the interval, beside the plain target's TPS from the same run.
    const ci = job.speedup_ci as [number, number];
    expect(await page.getByTestId('detail-speedup').textContent()).toContain(times(job.speedup as number));
    expect(await page.getByTestId('detail-speedup').textContent()).toContain(
      `95% CI ${times(ci[0])} – ${times(ci[1])}`,
    );
    expect(await page.getByTestId('detail-plain').textContent()).toContain(shown(job.plain_tps as number));
    await session.screenshot('result-detail-job');
    expect(session.pageErrors).toEqual([]);
  });

  it('lets the organizer mark a result invalid from its detail; the hub records it and the badges follow', async () => {
    const { page } = session;
    await page.goto(`${hub.url}/#/leaderboard/${encodeURIComponent(files.erin)}`);
    await page.waitForSelector(`[data-testid=result-detail][data-filename="${files.erin}"] [data-testid=verdict]`);
    await page.locator('.result-detail .panel-header .badge-unverified').waitFor();
    await page.locator('#verdict-note').fill('the private prompts ran 20% slower');
    await page.getByRole('button', { name: 'Mark invalid' }).click();
    await expect.poll(() => page.locator('.result-detail .panel-header .badge-invalid').count()).toBe(1);
    expect(await page.getByTestId('verdict-history').textContent()).toContain('the private prompts ran 20% slower');
    expect(await page.locator('#verdict-note').inputValue()).toBe('');

    const res = await hub.call('GET', `/v1/results/${files.erin}`);
    const organizer = (await hub.call('GET', '/v1')).body.organizer;
    expect(res.body.verdict).toMatchObject({
      state: 'invalid',
      by: organizer,
      note: 'the private prompts ran 20% slower',
    });

    // Back on the table, unverified results included: gone, shown with its badge once invalid results are included.
    await page.getByTestId('back-to-leaderboard').click();
    await includeUnverified();
    const row = page.locator(`[data-testid=leaderboard-row][data-filename="${files.erin}"]`);
    await page.locator(`[data-testid=leaderboard-row][data-filename="${files.frank}"]`).waitFor();
    await expect.poll(() => row.count()).toBe(0);
    await page.getByTestId('include-invalid').check();
    await expect.poll(() => row.locator('.badge-invalid').textContent()).toBe('invalid');
    expect(
      await page.locator(`[data-testid=chart-point][data-filename="${files.erin}"]`).getAttribute('data-verification'),
    ).toBe('invalid');

    // Someone reading without the organizer token sees the controls, disabled, and why.
    const readOnly = await session.newPage({ token: null });
    await readOnly.goto(`${hub.url}/#/leaderboard/${encodeURIComponent(files.erin)}`);
    const button = readOnly.getByRole('button', { name: 'Mark valid' });
    await button.waitFor();
    expect(await button.isDisabled()).toBe(true);
    expect(await button.getAttribute('title')).toContain('sign in as organizer');
    expect(session.pageErrors).toEqual([]);
  });

  it("keeps the newest verdict on a result's detail when an older read of it answers last", async () => {
    const { page } = session;
    await page.goto(`${hub.url}/#/leaderboard/${encodeURIComponent(files.frank)}`);
    const header = page.locator(`[data-testid=result-detail][data-filename="${files.frank}"] .panel-header`);
    await header.locator('.badge-unverified').waitFor();
    // The page's next read of this result is answered by the hub at once but delivered late, after a newer one.
    const path = `/v1/results/${encodeURIComponent(files.frank)}`;
    // The page says when it has read that late answer through and drawn what it made of it (source text: see
    // dashboard-browser's init scripts), so the test waits on that, not on a guess.
    await page.evaluate(`(() => {
      const original = globalThis.fetch;
      globalThis.__unwatchedFetch = original;
      let landed;
      globalThis.__lateReadLanded = new Promise((resolve) => { landed = resolve; });
      let first = true;
      globalThis.fetch = async (input, init) => {
        const res = await original(input, init);
        if (first && (init?.method ?? 'GET') === 'GET' && new URL(String(input), location.href).pathname === ${JSON.stringify(path)}) {
          first = false;
          const text = res.text.bind(res);
          res.text = async () => {
            try { return await text(); } finally { setTimeout(() => requestAnimationFrame(() => setTimeout(landed))); }
          };
        }
        return res;
      };
    })()`);
    let reads = 0;
    let fetched = false;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let delivered!: Promise<void>;
    await page.route(
      (url) => url.pathname === path,
      (route) => {
        if (route.request().method() !== 'GET' || reads++ > 0) return route.continue();
        delivered = (async () => {
          const response = await route.fetch();
          fetched = true;
          await held;
          await route.fulfill({ response });
        })();
        return delivered;
      },
    );
    const decide = (verdict: string, note: string) =>
      hub.call('POST', `${path}/verdict`, { token: hub.organizerToken, body: { verdict, note } });
    try {
      expect((await decide('valid', 'first look')).status).toBe(200);
      await expect.poll(() => fetched).toBe(true);
      // The second verdict arrives while the first read is on its way: the detail reads again and shows it.
      expect((await decide('invalid', 'second look')).status).toBe(200);
      await expect.poll(() => header.locator('.badge-invalid').count()).toBe(1);
      release();
      await delivered;
      // The stale answer (valid) has reached the page and been read through: it must not have landed.
      await page.evaluate('globalThis.__lateReadLanded');
      expect(await header.locator('.badge-invalid').count()).toBe(1);
      expect(await header.locator('.badge-valid').count()).toBe(0);
      expect(await page.getByTestId('verdict').textContent()).toContain('second look');
    } finally {
      release();
      await delivered?.catch(() => {});
      await page.unrouteAll({ behavior: 'ignoreErrors' });
      await page.evaluate('globalThis.fetch = globalThis.__unwatchedFetch ?? globalThis.fetch');
    }
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(session.pageErrors).toEqual([]);
  });
});
