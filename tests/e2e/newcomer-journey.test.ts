// A newcomer's first `collab-desk demo`, watched in the dashboard as they would: the agent cards say what they wait
// for and then work, the terminal ends with its summary while the hub stays up (--keep), and a result re-run on the
// private prompts gets its verdict on the board. The built CLI and page (`npm run build`), in the system Chromium.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordItem } from '../../src/shared/api';
import { assertCliBuilt, killAllChildren, startCli, waitForLine, type CliProcess } from '../helpers/hub-process';
import { takeDemoSlot } from '../helpers/demo-slot';
import { openDashboard, type DashboardSession } from './helpers/dashboard-browser';

describe('the first hour with the demo', () => {
  let dir: string;
  let demo: CliProcess;
  let hubUrl: string;
  let session: DashboardSession;

  let releaseSlot = () => {};

  beforeAll(async () => {
    assertCliBuilt();
    // Waits while another test file runs its demo (a hang guard: one demo file's worth).
    releaseSlot = await takeDemoSlot();
    dir = mkdtempSync(join(tmpdir(), 'collab-desk-journey-'));
    const data = join(dir, 'demo');
    // Its own config and Hugging Face cache: nothing of this machine's is offered or read.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      XDG_CONFIG_HOME: join(dir, 'config'),
      HF_HUB_CACHE: join(dir, 'hf-cache'),
    };
    delete env.HF_HOME;
    demo = startCli(
      ['demo', '--data', data, '--port', '0', '--agents', '1', '--max-steps', '2', '--step-delay', '0', '--keep'],
      { env },
    );
    // Installing the pack generates the models first: a hang guard, not a speed target.
    [, hubUrl] = (await waitForLine(demo, /^hub: (http:\/\/127\.0\.0\.1:\d+)/, 240_000)) as unknown as [string, string];
    const token = readFileSync(join(data, 'organizer-token'), 'utf8').trim();
    session = await openDashboard(hubUrl, { token, route: 'agents', viewport: { width: 1280, height: 860 } });
    // Every action a card shows, in order, from the moment the page is up: the story is read afterwards.
    await session.page.evaluate(`(() => {
      window.__actions = [];
      const seen = () => {
        for (const el of document.querySelectorAll('[data-testid=agent-action]')) {
          const text = el.textContent.trim();
          if (window.__actions.at(-1) !== text) window.__actions.push(text);
        }
      };
      new MutationObserver(seen).observe(document.body, { subtree: true, childList: true, characterData: true });
      seen();
    })()`);
  }, 1_200_000);

  afterAll(async () => {
    await session?.close();
    await killAllChildren();
    releaseSlot();
    rmSync(dir, { recursive: true, force: true });
  });

  // Page code as source text: the tests compile without the DOM's types.
  const actions = () => session.page.evaluate('window.__actions') as Promise<string[]>;

  it('agent cards say what they wait for, then what they do', async () => {
    const { page } = session;
    await page.getByTestId('agent-card').first().waitFor({ timeout: 120_000 });
    // While the baseline or a job holds the GPU, an agent that wants to think says it waits, and since when. (Page
    // code as text through evaluate: the page's CSP refuses waitForFunction's string predicates.)
    const waited = (seen: string[]) => seen.findIndex((a) => /waiting for/.test(a));
    await expect
      .poll(async () => waited(await actions()), { timeout: 300_000, interval: 250 })
      .toBeGreaterThanOrEqual(0);
    // Then it works: an action that is not a wait (thinking, a tool call).
    await expect
      .poll(
        async () => {
          const seen = await actions();
          return seen.slice(waited(seen) + 1).some((a) => /^now /.test(a) && !/waiting for/.test(a));
        },
        { timeout: 300_000, interval: 250 },
      )
      .toBe(true);
    const story = await actions();
    expect(story.find((a) => /waiting for/.test(a))).toMatch(/^now waiting for (the GPU|job \S+)/);
    await session.screenshot('journey-agents');
  }, 620_000);

  it('the terminal ends with the summary, and the hub keeps running after it', async () => {
    // The agent takes its two steps and the queue runs its job: a hang guard, not a speed target.
    await waitForLine(demo, /^summary$/, 600_000);
    await waitForLine(demo, /^ {2}leaderboard:$/, 30_000);
    await waitForLine(demo, /the hub keeps running: http:\/\/127\.0\.0\.1:\d+\/ \(Ctrl-C stops it\)$/, 30_000);
    expect((await fetch(`${hubUrl}/v1/healthz`)).status).toBe(200);
    // The cards say the agents are done.
    await expect
      .poll(
        () =>
          session.page.evaluate(
            "[...document.querySelectorAll('[data-testid=agent-card]')].every((c) => /stopped/.test(c.textContent))",
          ),
        { timeout: 60_000, interval: 250 },
      )
      .toBe(true);
  }, 620_000);

  it("a result re-run on the private prompts gets the verifier's verdict on the board", async () => {
    const { page } = session;
    const results = (await (await fetch(`${hubUrl}/v1/results?expand=true&limit=50`)).json()) as {
      items: RecordItem[];
    };
    const mine = results.items.find((r) => /^local-\d+$/.test(String(r.frontmatter.agent)));
    expect(mine, 'an agent published a result from its job').toBeDefined();
    await page.goto(`${hubUrl}/#/leaderboard/${mine!.filename}`);
    await page.getByRole('button', { name: 'Re-run on private prompts' }).click();
    await page.getByRole('status').filter({ hasText: 'Verification job queued' }).waitFor({ timeout: 30_000 });
    // The verifier's post arrives on the board live, with its verdict said on its chip.
    await page.goto(`${hubUrl}/#/board`);
    const verdict = page.locator('[data-verdict]').first();
    await verdict.waitFor({ timeout: 400_000 });
    expect(await verdict.textContent()).toMatch(/^verification: (valid|invalid)$/);
    await session.screenshot('journey-verdict');
    expect(session.pageErrors).toEqual([]);
  }, 460_000);
});
