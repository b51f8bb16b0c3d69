// The Agents and Jobs panels in a real Chromium against a real hub with a real swarm (external agents) and the real
// bench engine: agent buttons drive the API, spawn and traces, a job is cancelled, the submit form, read-only mode.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { superviseBeside } from '../../src/agents/supervisor';
import { engineJobRunner } from '../../src/bench/job-runner';
import type { JobInfo, JobRunner } from '../../src/shared/challenge';
import type { SwarmAgentStatus, SwarmStatus, TraceStep } from '../../src/shared/swarm';
import { startTestHub, type TestHub } from '../helpers/test-hub';
import { installTestPack, writeTestPack } from '../helpers/test-pack';
import { openDashboard, type DashboardSession } from './helpers/dashboard-browser';

/** An external agent that needs no model: says hello, ticks until stopped, says bye on SIGTERM. */
const TICKER = `
const id = process.argv[2];
console.log('hello from ' + id);
let n = 0;
setInterval(() => console.log('tick ' + ++n), 300);
process.on('SIGTERM', () => { console.log('bye from ' + id); process.exit(0); });
`;

/** More lines at once than the trace viewer shows (500) and keeps (1000), on stderr (no status event each), then ticks. */
const BURST_LINES = 1150;
const BURST = `
for (let i = 1; i <= ${BURST_LINES}; i++) console.error('burst line ' + i);
let n = 0;
setInterval(() => console.log('tick ' + ++n), 100);
process.on('SIGTERM', () => process.exit(0));
`;

/**
 * Jobs of the test pack take 0.2 s on an idle machine and 15 s on a busy one. A barrier before the real engine
 * starts makes "queued behind a running job" certain; the engine still measures every job for real.
 */
const HELD_PROGRESS = { phase: 'held', done: 1, total: 4, tps: 42.5 };

class JobBarrier {
  private gate: Promise<void> | null = null;
  private open: (() => void) | null = null;
  /** The next job to start waits (running, lease held) until `release`. */
  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }
  release(): void {
    this.open?.();
    this.gate = null;
  }
  runner(real: JobRunner): JobRunner {
    return {
      run: async (input, hooks) => {
        const gate = this.gate;
        if (gate) {
          // Progress as the engine reports it (phase, done of total, tokens/s), the figures the test's own: the
          // running card's live progress is checked while the job certainly runs.
          hooks.onProgress(HELD_PROGRESS);
          await new Promise<void>((resolve, reject) => {
            hooks.signal.addEventListener('abort', () => reject(new Error('cancelled while held')), { once: true });
            void gate.then(resolve);
          });
        }
        return real.run(input, hooks);
      },
    };
  }
}

let dir: string;
let hub: TestHub;
let session: DashboardSession;
const barrier = new JobBarrier();
let tickerCommand: string;
let bin: string;
let burstCommand: string;

const swarmAgent = async (id: string) =>
  (await hub.call<SwarmStatus>('GET', '/v1/swarm')).body.agents.find((a) => a.agent_id === id);
const job = async (id: string) => (await hub.call<JobInfo>('GET', `/v1/jobs/${id}`)).body;
const submit = async (config: Record<string, unknown>, method: string) => {
  const res = await hub.call<JobInfo>('POST', '/v1/jobs', { token: hub.organizerToken, body: { config, method } });
  expect(res.status, res.text).toBe(201);
  return res.body;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'collab-desk-agents-jobs-'));
  const { file } = await writeTestPack(join(dir, 'pack'));
  await installTestPack(file, join(dir, 'data'));
  hub = await startTestHub(
    { jobs: { per_agent: 10, per_hub: 100, window_hours: 24, queued_per_agent: 10, verify: false } },
    join(dir, 'data'),
    { jobRunner: barrier.runner(engineJobRunner()) },
  );
  // External agents only: no inference host, so nothing loads a model while the browser runs.
  superviseBeside(hub.running, { agentModel: null, restart: { baseMs: 200 } });
  // The agents' scripts live under /tmp, which their sandbox hides: the organizer grants them this folder.
  bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'ticker.mjs'), TICKER);
  tickerCommand = `'${process.execPath}' '${join(bin, 'ticker.mjs')}' {agent}`;
  writeFileSync(join(bin, 'burst.mjs'), BURST);
  burstCommand = `'${process.execPath}' '${join(bin, 'burst.mjs')}'`;
  const spawned = await hub.call<{ agents: SwarmAgentStatus[] }>('POST', '/v1/swarm/agents', {
    token: hub.organizerToken,
    body: { kind: 'external', name: 'ticker', command: tickerCommand, role: 'skeptic', sandbox: { read: [bin] } },
  });
  expect(spawned.status, spawned.text).toBe(201);
  session = await openDashboard(hub.url, { token: hub.organizerToken, route: 'agents' });
}, 60_000);

afterAll(async () => {
  barrier.release();
  await session?.close();
  await hub?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('the Agents panel', () => {
  it('pause, resume and stop buttons drive the swarm through the API, and the card follows live; the form spawns an agent', async () => {
    const { page } = session;
    const card = page.locator('[data-testid=agent-card][data-agent="ticker-1"]');
    await card.waitFor();
    await expect.poll(() => card.getAttribute('data-state')).toBe('running');
    await expect.poll(() => card.locator('.agent-last').textContent()).toMatch(/tick \d+/);

    await card.getByRole('button', { name: 'Pause ticker-1' }).click();
    await expect.poll(async () => (await swarmAgent('ticker-1'))?.state).toBe('paused');
    await expect.poll(() => card.getAttribute('data-state')).toBe('paused');
    await expect.poll(() => card.getByTestId('agent-state').textContent()).toBe('paused');

    await card.getByRole('button', { name: 'Resume ticker-1' }).click();
    await expect.poll(async () => (await swarmAgent('ticker-1'))?.state).toBe('running');
    await expect.poll(() => card.getAttribute('data-state')).toBe('running');

    // Spawned from the form, which starts from the agent defaults saved in Settings: an external agent here.
    const saved = await hub.call('PUT', '/v1/settings/agent-defaults', {
      token: hub.organizerToken,
      body: { kind: 'external', command: tickerCommand, jobs_per_day: 3, sandbox: { read: [bin] } },
    });
    expect(saved.status, saved.text).toBe(200);
    await page.getByRole('button', { name: 'Spawn agents' }).click();
    const form = page.getByRole('form', { name: 'Spawn agents' });
    await expect.poll(() => form.getByRole('radio', { name: /External/ }).isChecked()).toBe(true);
    expect(await form.getByLabel('Command', { exact: true }).inputValue()).toBe(tickerCommand);
    expect(await form.getByLabel('Jobs per day').inputValue()).toBe('3');
    // The defaults' sandbox grant too: the ticker's script lies under /tmp, which the sandbox hides without it.
    expect(await form.getByLabel('Can read', { exact: true }).inputValue()).toBe(bin);
    await form.getByLabel('Name prefix').fill('formed');
    await form.getByLabel('Role').selectOption('scout');
    await form.getByLabel('Direction').selectOption('batching');
    // Escape on a select is the select's; Escape elsewhere closes the form, which keeps what was typed.
    await form.getByLabel('Role').press('Escape');
    expect(await form.isVisible()).toBe(true);
    await form.getByLabel('Name prefix').press('Escape');
    await form.waitFor({ state: 'detached' });
    // Focus goes back to the button that opened it.
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Spawn agents');
    await page.getByRole('button', { name: 'Spawn agents' }).click();
    await form.getByTestId('spawn-kept').waitFor();
    expect(await form.getByLabel('Name prefix').inputValue()).toBe('formed');
    expect(await form.getByLabel('Role').inputValue()).toBe('scout');
    expect(await form.getByLabel('Direction').inputValue()).toBe('batching');
    expect(await form.getByLabel('Command', { exact: true }).inputValue()).toBe(tickerCommand);
    await form.getByRole('button', { name: /^Spawn agent/ }).click();
    await expect.poll(() => form.getByRole('status').textContent()).toContain('formed-1');
    const formed = await swarmAgent('formed-1');
    expect(formed).toMatchObject({
      kind: 'external',
      role: 'scout',
      direction: 'batching',
      budget: { jobs_per_day: 3 },
    });
    const formedCard = page.locator('[data-testid=agent-card][data-agent="formed-1"]');
    await expect.poll(() => formedCard.getAttribute('data-state')).toBe('running');
    expect(await formedCard.textContent()).toContain('batch sizes');
    await form.getByRole('button', { name: 'Close the form' }).click();

    await card.getByRole('button', { name: 'Stop ticker-1' }).click();
    await expect.poll(async () => (await swarmAgent('ticker-1'))?.state, { timeout: 10_000 }).toBe('stopped');
    await expect.poll(() => card.getAttribute('data-state')).toBe('stopped');
    // A stopped agent offers Start, and the lever summary counts the live one where it points.
    await card.getByRole('button', { name: 'Start ticker-1' }).waitFor();
    expect(await page.locator('[data-lever=batching] [data-testid=lever-directed]').textContent()).toBe('1');
    await session.screenshot('agents');
    expect(session.pageErrors).toEqual([]);
  }, 60_000);

  it("the trace viewer shows an external agent's output live, the supervisor's events, and exports it", async () => {
    const { page } = session;
    await page.locator('[data-agent="formed-1"]').getByRole('link', { name: 'Trace →' }).click();
    await page.getByRole('heading', { name: 'Trace of formed-1' }).waitFor();
    const outputs = page.getByTestId('trace-output');
    await expect
      .poll(() => outputs.allTextContents())
      .toEqual(expect.arrayContaining([expect.stringContaining('hello from formed-1')]));
    const before = await outputs.count();
    // New lines arrive without a reload while the agent runs.
    await expect.poll(() => outputs.count(), { timeout: 10_000 }).toBeGreaterThan(before + 1);
    expect((await page.getByTestId('trace-event').allTextContents()).join('\n')).toMatch(/started \(pid \d+\)/);

    await page.getByRole('button', { name: 'Export' }).click();
    const exported = page.getByTestId('trace-exported');
    await expect.poll(() => exported.textContent()).toMatch(/scratch\/formed-1\/traces\/.+\//);
    const path = /scratch\/formed-1\/(traces\/[^ ]+\/)/.exec((await exported.textContent())!)![1]!;
    expect((await hub.call('GET', `/v1/scratch/formed-1/${path}manifest.md`)).status).toBe(200);
    await session.screenshot('agent-trace');

    // The paused-and-resumed agent's trace says so, between its output lines.
    await page.goto(`${hub.url}/#/agents/ticker-1`);
    await expect
      .poll(() => page.getByTestId('trace-event').allTextContents())
      .toEqual(expect.arrayContaining([expect.stringContaining('paused'), expect.stringContaining('resumed')]));
    expect((await outputs.allTextContents()).join('\n')).toContain('bye from ticker-1');
    expect(session.pageErrors).toEqual([]);
  }, 45_000);

  it('a long trace keeps following past what it shows, keeps only its latest entries, and gets its last ones when the agent stops', async () => {
    const { page } = session;
    const spawned = await hub.call<{ agents: SwarmAgentStatus[] }>('POST', '/v1/swarm/agents', {
      token: hub.organizerToken,
      body: { kind: 'external', name: 'burst', command: burstCommand, role: 'scout', sandbox: { read: [bin] } },
    });
    expect(spawned.status, spawned.text).toBe(201);
    const traceAfter = async (after: number) =>
      (
        await hub.call<{ steps: TraceStep[]; next: number | null }>(
          'GET',
          `/v1/swarm/agents/burst-1/trace?after=${after}&limit=1000`,
          { token: hub.organizerToken },
        )
      ).body;
    // The whole burst is written (entry 1 is "started") before the viewer opens: its first read stops at the 1,000 it keeps.
    await expect
      .poll(async () => (await traceAfter(BURST_LINES + 1)).steps.length, { timeout: 10_000 })
      .toBeGreaterThan(0);
    await page.goto(`${hub.url}/#/agents/burst-1`);
    const count = page.getByTestId('trace-count');
    await expect.poll(() => count.textContent()).toBe('1,000 entries');
    await page.getByRole('button', { name: 'Load newer entries' }).click();
    await expect.poll(() => count.textContent()).toMatch(/^latest 1,000 of 1,1\d\d entries · following live$/);
    expect(await page.getByTestId('trace-dropped').textContent()).toMatch(
      /^\d+ older entries not shown — export for the whole trace/,
    );

    const list = page.getByRole('list', { name: 'Trace' });
    expect(await list.locator(':scope > li').count()).toBe(500);
    const newest = () =>
      list.evaluate((el) => {
        const last = el.lastElementChild!;
        const box = el.getBoundingClientRect();
        const entry = last.getBoundingClientRect();
        return {
          seq: Number(last.getAttribute('data-seq')),
          inView: entry.top >= box.top - 1 && entry.bottom <= box.bottom + 1,
        };
      });
    const first = await newest();
    // New ticks keep coming while 500 are shown and 1,000 kept: the newest is the one in view, each time.
    await expect
      .poll(
        async () => {
          const n = await newest();
          return n.seq > first.seq + 5 && n.inView;
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    await session.screenshot('agent-trace-long');

    // The last entries come with the last status change, and nothing follows a stopped agent after it. Each trace read
    // answers late here (with what the hub had when asked), so that change lands while a read is under way.
    const traceRead = (url: URL) => url.pathname === '/v1/swarm/agents/burst-1/trace';
    await page.route(traceRead, async (route) => {
      const response = await route.fetch();
      await new Promise((resolve) => setTimeout(resolve, 600));
      await route.fulfill({ response });
    });
    await page.waitForRequest((request) => traceRead(new URL(request.url())));
    await page.getByRole('button', { name: 'Stop burst-1' }).click();
    await expect.poll(async () => (await swarmAgent('burst-1'))?.state, { timeout: 10_000 }).toBe('stopped');
    let last = first.seq;
    for (let chunk = await traceAfter(last); chunk.steps.length; chunk = await traceAfter(last))
      last = chunk.steps[chunk.steps.length - 1]!.seq;
    await expect.poll(async () => (await newest()).seq, { timeout: 5_000 }).toBe(last);
    expect(await list.locator(':scope > li').last().textContent()).toContain('process ended');
    expect(await count.textContent()).not.toContain('following live');
    await page.unrouteAll({ behavior: 'wait' }); // a handler still under way finishes first
    expect(session.pageErrors).toEqual([]);
  }, 40_000);

  it('after the event stream drops and comes back, the cards show what changed while it was away', async () => {
    const { page } = session;
    await page.goto(`${hub.url}/#/agents`);
    const card = page.locator('[data-testid=agent-card][data-agent="formed-1"]');
    await expect.poll(() => card.getAttribute('data-state')).toBe('running');
    const connection = page.getByTestId('connection');
    await expect.poll(() => connection.textContent()).toBe('live');
    // The hub ends every stream (as a restart or a network drop would); the browser comes back 2 s later.
    hub.running.hub.events.close();
    // agent.status is passing news: the stream does not replay it when it comes back.
    const paused = await hub.call('POST', '/v1/swarm/agents/formed-1/pause', { token: hub.organizerToken });
    expect(paused.status, paused.text).toBe(200);
    await expect.poll(() => connection.textContent()).toBe('reconnecting…');
    await expect.poll(() => connection.textContent(), { timeout: 10_000 }).toBe('live');
    await expect.poll(() => card.getAttribute('data-state')).toBe('paused');
    await card.getByRole('button', { name: 'Resume formed-1' }).click();
    await expect.poll(() => card.getAttribute('data-state')).toBe('running');
    expect(session.pageErrors).toEqual([]);
  }, 30_000);
});

describe('the Jobs panel', () => {
  let a: JobInfo;
  let b: JobInfo;

  it("lists jobs live, cancels a queued one, and shows the running one's progress to its end", async () => {
    const { page } = session;
    await hub.running.hub.jobQueue!.idle();
    await page.goto(`${hub.url}/#/jobs`);
    await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
    // The baseline ran at start; it is in the history.
    await page.locator('[data-testid=job-row]').first().waitFor();

    barrier.hold();
    a = await submit({ target: 'target', draft: 'draft-q8', spec_type: 'draft', draft_n_max: 4 }, 'q8 draft, depth 4');
    b = await submit({ target: 'target', spec_type: 'ngram' }, 'n-gram lookup');
    const c = await submit({ target: 'target', batch_size: 256 }, 'smaller batches');
    const row = (id: string) => page.locator(`[data-testid=job-row][data-job="${id}"]`);
    await expect.poll(() => row(a.id).getByTestId('job-state').getAttribute('data-state')).toBe('running');
    await expect.poll(() => row(c.id).getByTestId('job-state').textContent()).toBe('queued · #2');
    expect(await row(a.id).textContent()).toContain('drafter choice');
    const runningCard = page.getByTestId('running-job');
    expect(await runningCard.textContent()).toContain(a.id);
    // The running card shows the job's progress live while it holds the GPU.
    const progress = runningCard.getByTestId('job-progress');
    await expect.poll(() => progress.getAttribute('data-phase')).toBe(HELD_PROGRESS.phase);
    expect(await progress.textContent()).toContain('1/4');
    expect(await runningCard.getByTestId('job-tps').textContent()).toBe('42.5 tok/s');
    expect(await runningCard.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('1');

    await row(c.id)
      .getByRole('button', { name: `Cancel ${c.id}` })
      .click();
    await expect.poll(async () => (await job(c.id)).state).toBe('cancelled');
    expect((await job(c.id)).error).toMatch(/before it started/);
    await expect.poll(() => row(c.id).getByTestId('job-state').textContent()).toBe('cancelled');
    await expect.poll(() => row(b.id).getByTestId('job-state').textContent()).toBe('queued · #1');
    const counts = page.getByTestId('job-counts');
    await expect.poll(() => counts.textContent()).toBe('1 running · 1 queued');
    await session.screenshot('jobs');

    // The header and the running card speak of the GPU, whatever the list below is filtered to.
    await page.getByRole('tab', { name: 'Finished' }).click();
    await expect.poll(() => row(c.id).count()).toBe(1);
    expect(await row(a.id).count()).toBe(0);
    expect(await counts.textContent()).toBe('1 running · 1 queued');
    expect(await runningCard.textContent()).toContain(a.id);
    await page.getByLabel('Filter by agent').fill('nobody');
    await page.getByLabel('Filter by agent').press('Enter');
    await page.getByText('No job matches').waitFor();
    expect(await counts.textContent()).toBe('1 running · 1 queued');
    expect(await runningCard.textContent()).toContain(a.id);
    await page.getByRole('button', { name: 'Clear' }).click();

    // A failed answer for a filter already left does not mark the view shown now as failed.
    const finishedList = (url: URL) =>
      url.pathname === '/v1/jobs' && url.searchParams.get('state') === 'succeeded,failed,cancelled';
    await page.route(finishedList, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 400));
      await route.abort();
    });
    const failed = page.waitForEvent('requestfailed', (request) => finishedList(new URL(request.url())));
    await page.getByRole('tab', { name: 'Finished' }).click();
    await page.getByRole('tab', { name: 'All' }).click();
    await row(a.id).waitFor();
    await failed;
    // The page handles the failure a moment after the browser reports it.
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 150)));
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await row(b.id).count()).toBe(1);
    await page.unrouteAll({ behavior: 'wait' }); // a handler still under way finishes first

    // Let the engine run: the job ends, and the card no longer shows it.
    barrier.release();
    await expect
      .poll(() => row(a.id).getByTestId('job-state').getAttribute('data-state'), { timeout: 30_000 })
      .toBe('succeeded');
    await expect
      .poll(async () => (await runningCard.count()) === 0 || !(await runningCard.textContent())?.includes(a.id))
      .toBe(true);
    expect(session.pageErrors).toEqual([]);
  }, 60_000);

  it("a job's page shows what it ran, what it measured, its result and its log", async () => {
    const { page } = session;
    await page.locator(`[data-testid=job-row][data-job="${a.id}"]`).getByRole('link', { name: a.id }).click();
    await page.getByRole('heading', { name: a.id }).waitFor();
    await expect.poll(() => page.getByTestId('job-log').textContent()).toContain('published results/');
    const finished = await job(a.id);
    const result = page.getByTestId('job-result').getByRole('link');
    expect(await result.textContent()).toBe(finished.result);
    expect(await result.getAttribute('href')).toBe(`#/leaderboard/${encodeURIComponent(finished.result!)}`);
    await expect.poll(() => page.getByTestId('job-figures').textContent()).toContain('acceptance');
    expect(await page.locator('.config-table').textContent()).toContain('draft-q8');
    await session.screenshot('job-detail');
    expect(session.pageErrors).toEqual([]);
  }, 30_000);

  it("the submit form queues a job; a refused config shows the hub's reason and keeps the form", async () => {
    const { page } = session;
    await page.goto(`${hub.url}/#/jobs`);
    await page.getByRole('button', { name: 'Submit a job' }).click();
    const form = page.getByRole('form', { name: 'Submit a job' });
    await form.getByLabel('Method').fill('form-submitted shallow draft');
    // The example job comes pre-filled (a draft model with spec_type draft); take the draft away: the hub refuses.
    expect(await form.getByLabel('spec_type').inputValue()).toBe('draft');
    await form.getByLabel('draft', { exact: true }).selectOption('');
    await form.getByLabel('draft_n_max').fill('5');
    await form.getByRole('button', { name: 'Submit job' }).click();
    await expect
      .poll(() => form.getByTestId('submit-error').textContent())
      .toMatch(/spec_type draft needs a draft model/);
    expect(await form.getByLabel('Method').inputValue()).toBe('form-submitted shallow draft');
    expect(await form.getByLabel('draft_n_max').inputValue()).toBe('5');
    await session.screenshot('job-submit');

    // Escape on a select is the select's; Escape in a field closes the form, and opening it again gives back what was typed.
    await form.getByLabel('draft', { exact: true }).press('Escape');
    expect(await form.isVisible()).toBe(true);
    await form.getByLabel('Method').press('Escape');
    await form.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Submit a job' }).click();
    await form.getByTestId('submit-kept').waitFor();
    expect(await form.getByLabel('Method').inputValue()).toBe('form-submitted shallow draft');
    expect(await form.getByLabel('draft_n_max').inputValue()).toBe('5');
    expect(await form.getByLabel('draft', { exact: true }).inputValue()).toBe('');

    await form.getByLabel('draft', { exact: true }).selectOption('draft-q8');
    await form.getByRole('button', { name: 'Submit job' }).click();
    await expect.poll(() => form.getByRole('status').textContent()).toMatch(/Queued job-/);
    const id = /(job-[\d-]+)/.exec((await form.getByRole('status').textContent())!)![1]!;
    const queued = await job(id);
    expect(queued).toMatchObject({
      method: 'form-submitted shallow draft',
      config: { draft: 'draft-q8', spec_type: 'draft', draft_n_max: 5 },
    });
    await page.locator(`[data-testid=job-row][data-job="${id}"]`).waitFor();
    expect(session.pageErrors).toEqual([]);
  }, 30_000);
});

describe('read-only (no token)', () => {
  it('shows agents and jobs with every control disabled and the reason on it', async () => {
    // Whatever runs now, the next job to start waits: a job with a Cancel button is on the page.
    barrier.hold();
    const held = await submit({ target: 'target', spec_type: 'none' }, 'held for the read-only view');
    const page = await session.newPage({ token: null });
    try {
      await page.goto(`${hub.url}/#/agents`);
      const card = page.locator('[data-testid=agent-card][data-agent="formed-1"]');
      await card.waitFor();
      const pause = card.getByRole('button', { name: 'Pause formed-1' });
      expect(await pause.isDisabled()).toBe(true);
      expect(await pause.getAttribute('title')).toMatch(/sign in as organizer/);
      const spawn = page.getByRole('button', { name: 'Spawn agents' });
      expect(await spawn.isDisabled()).toBe(true);
      expect(await spawn.getAttribute('title')).toMatch(/sign in as organizer/);
      await page.goto(`${hub.url}/#/agents/formed-1`);
      await page.getByText("Traces are the organizer's").waitFor();

      await page.goto(`${hub.url}/#/jobs`);
      const row = page.locator(`[data-testid=job-row][data-job="${held.id}"]`);
      await row.waitFor();
      const cancel = row.getByRole('button', { name: `Cancel ${held.id}` });
      expect(await cancel.isDisabled()).toBe(true);
      expect(await cancel.getAttribute('title')).toMatch(/sign in as organizer/);
      const submitButton = page.getByRole('button', { name: 'Submit a job' });
      expect(await submitButton.isDisabled()).toBe(true);
      expect(await submitButton.getAttribute('title')).toMatch(/sign in as organizer/);
    } finally {
      barrier.release();
      await page.close();
    }
    expect(session.pageErrors).toEqual([]);
  }, 30_000);
});
