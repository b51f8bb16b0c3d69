// The Agents and Jobs panels in a real Chromium against a real hub with a real swarm (external agents) and the real
// bench engine: agent buttons drive the API, spawn and traces, a job is cancelled, the submit form, read-only mode.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { superviseBeside } from '../../src/agents/supervisor';
import { engineJobRunner } from '../../src/bench/job-runner';
import type { JobInfo, JobRunner } from '../../src/shared/challenge';
import type { SwarmAgentStatus, SwarmStatus } from '../../src/shared/swarm';
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

/**
 * Jobs of the test pack take 0.2 s on an idle machine and 15 s on a busy one. A barrier before the real engine
 * starts makes "queued behind a running job" certain; the engine still measures every job for real.
 */
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

const swarmAgent = async (id: string) => (await hub.call<SwarmStatus>('GET', '/v1/swarm')).body.agents.find((a) => a.agent_id === id);
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
  writeFileSync(join(dir, 'ticker.mjs'), TICKER);
  tickerCommand = `'${process.execPath}' '${join(dir, 'ticker.mjs')}' {agent}`;
  const spawned = await hub.call<{ agents: SwarmAgentStatus[] }>('POST', '/v1/swarm/agents', { token: hub.organizerToken, body: { kind: 'external', name: 'ticker', command: tickerCommand, role: 'skeptic' } });
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
    const saved = await hub.call('PUT', '/v1/settings/agent-defaults', { token: hub.organizerToken, body: { kind: 'external', command: tickerCommand, jobs_per_day: 3 } });
    expect(saved.status, saved.text).toBe(200);
    await page.getByRole('button', { name: 'Spawn agents' }).click();
    const form = page.getByRole('form', { name: 'Spawn agents' });
    await expect.poll(() => form.getByRole('radio', { name: /External/ }).isChecked()).toBe(true);
    expect(await form.getByLabel('Command', { exact: true }).inputValue()).toBe(tickerCommand);
    expect(await form.getByLabel('Jobs per day').inputValue()).toBe('3');
    await form.getByLabel('Name prefix').fill('formed');
    await form.getByLabel('Role').selectOption('scout');
    await form.getByLabel('Direction').selectOption('batching');
    await form.getByRole('button', { name: /^Spawn agent/ }).click();
    await expect.poll(() => form.getByRole('status').textContent()).toContain('formed-1');
    const formed = await swarmAgent('formed-1');
    expect(formed).toMatchObject({ kind: 'external', role: 'scout', direction: 'batching', budget: { jobs_per_day: 3 } });
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

  it('the trace viewer shows an external agent\'s output live, the supervisor\'s events, and exports it', async () => {
    const { page } = session;
    await page.locator('[data-agent="formed-1"]').getByRole('link', { name: 'Trace →' }).click();
    await page.getByRole('heading', { name: 'Trace of formed-1' }).waitFor();
    const outputs = page.getByTestId('trace-output');
    await expect.poll(() => outputs.allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('hello from formed-1')]));
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
    await expect.poll(() => page.getByTestId('trace-event').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('paused'), expect.stringContaining('resumed')]));
    expect((await outputs.allTextContents()).join('\n')).toContain('bye from ticker-1');
    expect(session.pageErrors).toEqual([]);
  }, 45_000);
});

describe('the Jobs panel', () => {
  let a: JobInfo;
  let b: JobInfo;

  it('lists jobs live, cancels a queued one, and shows the running one\'s progress to its end', async () => {
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
    expect(await page.getByTestId('running-job').textContent()).toContain(a.id);

    await row(c.id).getByRole('button', { name: `Cancel ${c.id}` }).click();
    await expect.poll(async () => (await job(c.id)).state).toBe('cancelled');
    expect((await job(c.id)).error).toMatch(/before it started/);
    await expect.poll(() => row(c.id).getByTestId('job-state').textContent()).toBe('cancelled');
    await expect.poll(() => row(b.id).getByTestId('job-state').textContent()).toBe('queued · #1');
    await session.screenshot('jobs');

    // Let the engine run: the running card shows its phase and tokens/s, or (on a fast machine) the row its end.
    barrier.release();
    await expect
      .poll(async () => (await page.getByTestId('job-tps').count()) > 0 || (await row(a.id).getByTestId('job-state').getAttribute('data-state')) === 'succeeded', { timeout: 30_000 })
      .toBe(true);
    await expect.poll(() => row(a.id).getByTestId('job-state').getAttribute('data-state'), { timeout: 30_000 }).toBe('succeeded');
    expect(session.pageErrors).toEqual([]);
  }, 60_000);

  it('a job\'s page shows what it ran, what it measured, its result and its log', async () => {
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

  it('the submit form queues a job; a refused config shows the hub\'s reason and keeps the form', async () => {
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
    await expect.poll(() => form.getByTestId('submit-error').textContent()).toMatch(/spec_type draft needs a draft model/);
    expect(await form.getByLabel('Method').inputValue()).toBe('form-submitted shallow draft');
    expect(await form.getByLabel('draft_n_max').inputValue()).toBe('5');
    await session.screenshot('job-submit');

    await form.getByLabel('draft', { exact: true }).selectOption('draft-q8');
    await form.getByRole('button', { name: 'Submit job' }).click();
    await expect.poll(() => form.getByRole('status').textContent()).toMatch(/Queued job-/);
    const id = /(job-[\d-]+)/.exec((await form.getByRole('status').textContent())!)![1]!;
    const queued = await job(id);
    expect(queued).toMatchObject({ method: 'form-submitted shallow draft', config: { draft: 'draft-q8', spec_type: 'draft', draft_n_max: 5 } });
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
      await page.getByText('Traces are the organizer\'s').waitFor();

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
