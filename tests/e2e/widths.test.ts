// Every dashboard panel at 1440, 900 and 700 px in a real Chromium against a real hub with data in every panel (agents,
// messages, results with verdicts, jobs, models, a followed public collab): no sideways scrolling of the page or the
// panel, header parts that never overlap, controls never cut off, and a sidebar that folds to icons when narrow.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { superviseBeside } from '../../src/agents/supervisor';
import { createModelLibrary } from '../../src/bench/model-library';
import { syncBeside } from '../../src/cli/sync-beside';
import type { JobInfo } from '../../src/shared/challenge';
import { startHfBucketStandin, type HfBucketStandin } from '../helpers/hf-bucket-standin';
import { seededBytes, startHfStandin, type HfStandin } from '../helpers/hf-standin';
import { startPublicCollabStandin, type PublicCollabStandin } from '../helpers/public-collab-standin';
import { resultMarkdown, startTestHub, type TestHub } from '../helpers/test-hub';
import { installTestPack, writeHubPack, writeTestPack } from '../helpers/test-pack';
import { openDashboard, type DashboardSession } from './helpers/dashboard-browser';
import { GPU_COSTS, H200, MeasuredMachines } from './helpers/measured-machines';

const WIDTHS = [1440, 900, 700];
const HEIGHT = 900;
const MB = 1024 * 1024;
const REPO = 'collab/tiny-gguf';
const JOBS = { per_agent: 20, per_hub: 200, window_hours: 24, queued_per_agent: 10, verify: false };

/** The panels the registry lists, read from its source: a panel added there is checked here without a word more. */
const REGISTRY = readFileSync(resolve(import.meta.dirname, '../../src/renderer/src/panels/registry.ts'), 'utf8');
const PANEL_IDS = [...REGISTRY.matchAll(/\{ id: '([a-z-]+)'/g)].map((m) => m[1]!);

/** What each panel shows once its data is in: the layout is judged on a full panel, not on its loading state. */
const READY: Record<string, string> = {
  board: '[data-testid=message]',
  leaderboard: '[data-testid=leaderboard-row]',
  agents: '[data-testid=agent-card]',
  jobs: '[data-testid=job-row]',
  workspace: '[data-testid=folder-table]',
  models: '[data-testid=installed-model]',
  sync: '#sync-account-title',
  frontier: '[data-testid=public-row]',
  settings: '[data-testid=agent-defaults] select',
};

/** Detail views, opened from a panel, held to the same rules: their routes exist once the data does. */
const seeded = { result: '', job: '', agent: '' };
const DETAILS: Array<{ name: string; panel: string; route: () => string; ready: string }> = [
  {
    name: 'leaderboard-result',
    panel: 'leaderboard',
    route: () => `leaderboard/${seeded.result}`,
    ready: '[data-testid=result-detail]',
  },
  { name: 'jobs-detail', panel: 'jobs', route: () => `jobs/${seeded.job}`, ready: '[data-testid=job-config]' },
  { name: 'agents-trace', panel: 'agents', route: () => `agents/${seeded.agent}`, ready: '[data-testid=trace-count]' },
  {
    name: 'workspace-preview',
    panel: 'workspace',
    route: () => `workspace/central/results/${seeded.result}`,
    ready: '[data-testid=preview]',
  },
];

/** An external agent that needs no model: ticks until stopped. */
const TICKER = `setInterval(() => console.log('tick'), 500);\nprocess.on('SIGTERM', () => process.exit(0));\n`;

let root: string;
let hf: HfStandin;
let buckets: HfBucketStandin;
let collab: PublicCollabStandin;
let hub: TestHub;
let machines: MeasuredMachines;
let session: DashboardSession;

async function runJob(token: string, config: Record<string, unknown>, method: string): Promise<JobInfo> {
  machines.next({ on: H200, plain: 100, speedup: 1.5, costs: GPU_COSTS(100) });
  const res = await hub.call<JobInfo>('POST', '/v1/jobs', { token, body: { config, method } });
  expect(res.status, res.text).toBe(201);
  await hub.running.hub.jobQueue!.idle();
  const job = (await hub.call<JobInfo>('GET', `/v1/jobs/${res.body.id}`)).body;
  expect(job.state, job.error ?? '').toBe('succeeded');
  return job;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'collab-desk-e2e-widths-'));
  const dataDir = join(root, 'data');
  const { file } = await writeTestPack(join(root, 'pack'));
  await installTestPack(file, dataDir);

  // Models: the installed pack's files, and a pack on the Hub (the stand-in) offering one more to download.
  const packs = join(root, 'packs');
  writeHubPack(packs, REPO, { target: 'tiny-Q8_0.gguf', draft: 'tiny-Q4_0.gguf' });
  hf = await startHfStandin({
    repos: {
      [REPO]: { files: { 'tiny-Q8_0.gguf': seededBytes(3 * MB, 21), 'tiny-Q4_0.gguf': seededBytes(MB, 22) } },
    },
  });
  // A public collab with a leaderboard, for the Public frontier panel.
  buckets = await startHfBucketStandin({ users: [] });
  collab = await startPublicCollabStandin({ hf: buckets, org: 'gemma-challenge', slug: 'gemma' });
  collab.seedResults(4, {
    agents: ['ada-with-a-rather-long-handle', 'bo', 'cy', 'di'],
    score: (i) => 100 + i * 20,
    method: (i) => `a draft model of depth ${i + 1} with a long explanation of what it changed`,
    verification: (i) => (i === 3 ? 'valid' : 'pending'),
  });
  collab.seedMessages(2, { agents: ['ada-with-a-rather-long-handle', 'bo'], body: (i) => `public news ${i}` });

  machines = new MeasuredMachines({ on: H200, plain: 100, speedup: 1 });
  hub = await startTestHub({ jobs: JOBS }, dataDir, {
    jobRunner: machines,
    models: (dir) =>
      createModelLibrary({ dataDir: dir, cacheDir: join(root, 'hf-cache'), hubUrl: hf.url, packsDir: packs }),
  });
  await hub.running.hub.jobQueue!.idle();
  superviseBeside(hub.running, { agentModel: null, restart: { baseMs: 200 } });
  syncBeside(hub.running, {
    startEnv: { HF_ENDPOINT: buckets.url, HF_HOME: join(root, 'hf-home'), COLLAB_DESK_MIRROR_POLL_MS: '200' },
  });

  // Agents, messages in a channel, results (ranked, invalid, by hand), a verdict, finished jobs and one running.
  const agents = ['alice-the-drafter', 'bob', 'carol-measures-everything'] as const;
  const [alice, bob, carol] = await Promise.all(agents.map((a) => hub.register(a)));
  const channel = await hub.call('POST', '/v1/channels', {
    token: alice,
    body: { name: 'draft-depth-experiments', body: 'Which draft depth pays off on the H200, and by how much?' },
  });
  expect(channel.status, channel.text).toBe(201);
  for (const [token, body] of [
    [alice, 'Trying a Q8 draft with 4 drafted tokens; the path is /home/user/.cache/huggingface/hub/models--x/y.gguf'],
    [bob, 'Baseline re-measured: 100 tok/s on the H200.'],
    [carol, 'Depth 6 looks noisy, measuring again.'],
  ] as const) {
    const posted = await hub.call('POST', '/v1/messages', {
      token,
      body: { body, channel: 'draft-depth-experiments' },
    });
    expect(posted.status, posted.text).toBe(201);
  }
  const draft = { target: 'target', draft: 'draft-q8', spec_type: 'draft', draft_n_max: 4 };
  const aliceJob = await runJob(alice!, draft, 'q8 draft, 4 drafted, kept cache between prompts');
  seeded.result = aliceJob.result!;
  seeded.job = aliceJob.id;
  const bobJob = await runJob(bob!, { ...draft, draft_n_max: 6 }, 'q8 draft, 6 drafted');
  const verdicts = [
    [aliceJob.result!, 'valid', 'reproduced on the private prompts'],
    [bobJob.result!, 'invalid', 'the private prompts ran 20% slower'],
  ] as const;
  for (const [result, verdict, note] of verdicts) {
    const res = await hub.call('POST', `/v1/results/${result}/verdict`, {
      token: hub.organizerToken,
      body: { verdict, note },
    });
    expect(res.status, res.text).toBe(200);
  }
  const byHand = await hub.call('POST', '/v1/results', {
    token: carol,
    body: { content: resultMarkdown({ tps: 140, method: 'measured by hand on my own machine' }) },
  });
  expect(byHand.status, byHand.text).toBe(201);
  machines.hold();
  const held = await hub.call('POST', '/v1/jobs', { token: carol, body: { config: draft, method: 'held running' } });
  expect(held.status, held.text).toBe(201);

  // An external agent in the swarm; its script lives under /tmp, which its sandbox hides unless granted.
  const bin = join(root, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'ticker.mjs'), TICKER);
  const spawned = await hub.call('POST', '/v1/swarm/agents', {
    token: hub.organizerToken,
    body: {
      kind: 'external',
      name: 'ticker',
      command: `'${process.execPath}' '${join(bin, 'ticker.mjs')}'`,
      role: 'skeptic',
      sandbox: { read: [bin] },
    },
  });
  expect(spawned.status, spawned.text).toBe(201);
  seeded.agent = (spawned.body as { agents: Array<{ agent_id: string }> }).agents[0]!.agent_id;

  const followed = await hub.call('POST', '/v1/mirror', {
    token: hub.organizerToken,
    body: { target: collab.apiUrl },
  });
  expect(followed.status, followed.text).toBe(201);

  session = await openDashboard(hub.url, {
    token: hub.organizerToken,
    route: 'board',
    viewport: { width: WIDTHS[0]!, height: HEIGHT },
  });
}, 120_000);

afterAll(async () => {
  machines?.release();
  await session?.close();
  await hub?.stop();
  await collab?.close();
  await buckets?.close();
  await hf?.close();
  if (root) rmSync(root, { recursive: true, force: true });
}, 60_000);

interface LayoutProblems {
  /** Words (sizes, names, paths) wrapped in the middle rather than at a space, hyphen or slash. */
  brokenWords: string[];
  /** Columns a table marks as the ones to keep in view (the leaderboard's rank, agent, score, verification) that are not. */
  hiddenColumns: string[];
  /** How far the page, and the panel's own scroller, scroll sideways (0 when the layout holds). */
  pageOverflow: number;
  panelOverflow: number;
  /** Header parts drawn over each other: "a | b". */
  overlaps: string[];
  /** Controls cut off by an ancestor that hides its overflow, by the window, or whose own label does not fit. */
  clipped: string[];
}

/**
 * Measures the page as it is drawn. Headers: the top bar and every header in the panel, their visible leaf parts
 * (text, controls) compared pair by pair. Controls: every visible button, select, input and textarea against each
 * ancestor that hides overflow (up to the first one that scrolls, which can bring it into view) and, outside any
 * scroller, against the window; a button's or a select's own text must fit inside it. Page source as text: the test
 * files are type-checked without the DOM's types, and a compiled function could carry the transpiler's helpers.
 */
const MEASURE_LAYOUT = `((keep) => {
  const TOLERANCE = 1;
  // Drawn for the reader: not hidden, transparent or inside a closed <details>.
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    return (
      r.width > 0 &&
      r.height > 0 &&
      el.checkVisibility({ contentVisibilityAuto: true, opacityProperty: true, visibilityProperty: true })
    );
  };
  const describe = (el) => {
    const text = (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
    const label = el.getAttribute('aria-label') || el.getAttribute('placeholder') || '';
    const classes = typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
    return el.tagName.toLowerCase() + classes + (text || label ? ' "' + (text || label) + '"' : '');
  };
  const content = document.querySelector('main.content');
  const root = document.documentElement;

  const overlaps = [];
  const headers = [document.querySelector('header.topbar'), ...content.querySelectorAll(':is(header, .panel-header)')]
    .filter((h, _, all) => visible(h) && !all.some((o) => o !== h && o.contains(h)));
  for (const header of headers) {
    const leaves = [...header.querySelectorAll('*')].filter(
      (el) =>
        visible(el) &&
        !el.closest('svg, .popover') &&
        (el.matches('button, select, input, textarea, a') ||
          (el.children.length === 0 && (el.textContent || '').trim() !== '')),
    );
    for (let i = 0; i < leaves.length; i++)
      for (let j = i + 1; j < leaves.length; j++) {
        const a = leaves[i];
        const b = leaves[j];
        if (a.contains(b) || b.contains(a)) continue;
        const ra = a.getBoundingClientRect();
        const rb = b.getBoundingClientRect();
        const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
        const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
        if (w > TOLERANCE && h > TOLERANCE) overlaps.push(describe(a) + ' | ' + describe(b));
      }
  }

  const clipped = [];
  const scrolls = (v) => v === 'auto' || v === 'scroll';
  const canvas = document.createElement('canvas').getContext('2d');
  for (const control of document.querySelectorAll('.app :is(button, select, input, textarea)')) {
    if (!visible(control) || control.type === 'hidden') continue;
    const r = control.getBoundingClientRect();
    let inScroller = false;
    for (let el = control.parentElement; el && el !== root; el = el.parentElement) {
      const style = getComputedStyle(el);
      if (scrolls(style.overflowX) || scrolls(style.overflowY)) {
        inScroller = true;
        break;
      }
      if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
      const box = el.getBoundingClientRect();
      if (
        r.left < box.left - TOLERANCE ||
        r.right > box.right + TOLERANCE ||
        r.top < box.top - TOLERANCE ||
        r.bottom > box.bottom + TOLERANCE
      )
        clipped.push(describe(control) + ' cut off by ' + describe(el).slice(0, 60));
    }
    if (!inScroller && (r.left < -TOLERANCE || r.right > root.clientWidth + TOLERANCE))
      clipped.push(describe(control) + ' outside the window');
    // Its own label: a button's text wider than the button, a select's chosen option wider than the select.
    if (control.tagName === 'BUTTON' && control.scrollWidth > control.clientWidth + TOLERANCE)
      clipped.push(describe(control) + ': its label does not fit');
    if (control.tagName === 'SELECT' && control.selectedOptions[0]) {
      const style = getComputedStyle(control);
      canvas.font = style.fontWeight + ' ' + style.fontSize + ' ' + style.fontFamily;
      const text = canvas.measureText(control.selectedOptions[0].text).width;
      // The dropdown arrow takes about a line's height beside the text.
      const room =
        control.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - parseFloat(style.fontSize) * 1.2;
      if (text > room + TOLERANCE)
        clipped.push(describe(control).slice(0, 60) + ': "' + control.selectedOptions[0].text + '" does not fit');
    }
  }

  // Words broken across lines where no reader would break them: a size, a file name, a path between its slashes.
  // Not in what agents write (.markdown): a token longer than the line there has to break somewhere.
  const brokenWords = [];
  const BREAKABLE_AFTER = /[-/_.:,;=&?\\\\]/;
  const walker = document.createTreeWalker(content, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  const lineOf = (node, i) => {
    range.setStart(node, i);
    range.setEnd(node, i + 1);
    const rects = range.getClientRects();
    return rects.length ? Math.round(rects[0].top) : null;
  };
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest('pre, textarea, svg, .markdown') || !visible(parent)) continue;
    range.selectNodeContents(node);
    if (range.getClientRects().length < 2) continue;
    const text = node.data;
    for (const m of text.matchAll(/\\S{2,}/g)) {
      let line = lineOf(node, m.index);
      for (let i = m.index + 1; i < m.index + m[0].length; i++) {
        const next = lineOf(node, i);
        if (line !== null && next !== null && next > line + 2 && !BREAKABLE_AFTER.test(text[i - 1])) {
          brokenWords.push('"' + m[0].slice(0, 60) + '" broken after "' + text.slice(m.index, i).slice(-20) + '"');
          break;
        }
        if (next !== null) line = next;
      }
    }
  }

  // Columns a table must keep in view: in their scroller's visible part and in the window.
  const hiddenColumns = [];
  const kept = keep ? [...content.querySelectorAll(keep.table + ' th')].filter((th) => new RegExp(keep.headers).test(th.textContent.trim())) : [];
  if (keep && kept.length !== keep.count) hiddenColumns.push('expected ' + keep.count + ' columns to keep, found ' + kept.length);
  for (const th of kept) {
    const r = th.getBoundingClientRect();
    let limit = { left: 0, right: root.clientWidth };
    for (let el = th.parentElement; el && el !== root; el = el.parentElement) {
      const style = getComputedStyle(el);
      if (style.overflowX !== 'visible') {
        const box = el.getBoundingClientRect();
        limit = { left: Math.max(limit.left, box.left), right: Math.min(limit.right, box.left + el.clientLeft + el.clientWidth) };
      }
    }
    if (r.width === 0 || r.left < limit.left - TOLERANCE || r.right > limit.right + TOLERANCE)
      hiddenColumns.push(describe(th));
  }

  return {
    brokenWords,
    hiddenColumns,
    pageOverflow: root.scrollWidth - root.clientWidth,
    panelOverflow: content.scrollWidth - content.clientWidth,
    overlaps,
    clipped,
  };
})`;

/** The columns of a panel's table that stay in view at every width: the leaderboard's rank, agent, score and verdict. */
const KEEP_VISIBLE: Record<string, { table: string; headers: string; count: number }> = {
  leaderboard: {
    table: '[data-testid=leaderboard-table]',
    headers: '^(#|Agent|.*\\(95% CI\\)|Verification)$',
    count: 4,
  },
};

const measureLayout = (panel: string): Promise<LayoutProblems> =>
  session.page.evaluate(`(${MEASURE_LAYOUT})(${JSON.stringify(KEEP_VISIBLE[panel] ?? null)})`);

async function show(panel: string, route: string, ready: string, width: number): Promise<void> {
  const { page } = session;
  await page.setViewportSize({ width, height: HEIGHT });
  await page.goto(`${hub.url}/#/${route}`);
  await page.locator(`main.content[data-panel="${panel}"] ${ready}`).first().waitFor({ timeout: 20_000 });
  // Every disclosure open: what it holds (a sandbox's paths, a form) is held to the same rules.
  await page.evaluate(
    `document.querySelectorAll('main.content details:not([open])').forEach((d) => { d.open = true; })`,
  );
}

function expectLayoutHolds(problems: LayoutProblems): void {
  expect(problems).toEqual({
    brokenWords: [],
    hiddenColumns: [],
    pageOverflow: 0,
    panelOverflow: 0,
    overlaps: [],
    clipped: [],
  });
}

describe('the dashboard at any width', () => {
  it('shows every panel of the registry in the sidebar of this hub', async () => {
    expect(PANEL_IDS.length).toBeGreaterThan(5);
    await session.page.locator('nav.sidebar a.nav-item').first().waitFor();
    const links = await session.page
      .locator('nav.sidebar a.nav-item')
      .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(links).toEqual(PANEL_IDS.map((id) => `#/${id}`));
    for (const id of PANEL_IDS) expect(READY[id], `a ready selector for the ${id} panel`).toBeTruthy();
  });

  for (const width of WIDTHS)
    for (const id of PANEL_IDS)
      it(`${id} at ${width} px: no sideways scrolling, no overlapping header parts, no control cut off`, async () => {
        await show(id, id, READY[id]!, width);
        const problems = await measureLayout(id);
        await session.screenshot(`widths-${id}-${width}`);
        expectLayoutHolds(problems);
      });

  for (const width of WIDTHS)
    for (const view of DETAILS)
      it(`${view.name} at ${width} px: the same rules`, async () => {
        await show(view.panel, view.route(), view.ready, width);
        const problems = await measureLayout(view.name);
        await session.screenshot(`widths-${view.name}-${width}`);
        expectLayoutHolds(problems);
      });

  it('folds the sidebar to labelled icons when narrow, and the toggle opens and closes it', async () => {
    const { page } = session;
    const nav = page.locator('nav.sidebar');
    const toggle = page.getByRole('button', { name: /sidebar/i });
    const labelsShown = () =>
      nav.locator('.nav-label').evaluateAll((els) => els.filter((e) => e.getBoundingClientRect().width > 0).length);

    await page.setViewportSize({ width: 700, height: HEIGHT });
    await page.goto(`${hub.url}/#/board`);
    await page.locator(READY.board!).first().waitFor({ timeout: 20_000 });
    // Icons only, each link still named for a screen reader and on hover.
    expect(await labelsShown()).toBe(0);
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    const board = nav.getByRole('link', { name: 'Board', exact: true });
    expect(await board.getAttribute('title')).toBe('Board');
    const panelBox = () => page.locator('main.content').boundingBox();
    const folded = await panelBox();
    await toggle.click();
    await expect.poll(labelsShown).toBe(PANEL_IDS.length);
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    // It opens over the panel, which keeps its place and width underneath.
    expect(await panelBox()).toEqual(folded);
    await session.screenshot('widths-sidebar-open-700');
    // Choosing a panel from the opened sidebar folds it again, leaving the panel the room.
    await nav.getByRole('link', { name: 'Leaderboard', exact: true }).click();
    await expect.poll(labelsShown).toBe(0);

    // Wide, it shows its labels; folded by hand, it stays folded on the next visit.
    await page.setViewportSize({ width: 1440, height: HEIGHT });
    await expect.poll(labelsShown).toBe(PANEL_IDS.length);
    await toggle.click();
    await expect.poll(labelsShown).toBe(0);
    await page.reload();
    await page.locator('nav.sidebar a.nav-item').first().waitFor();
    expect(await labelsShown()).toBe(0);
    await toggle.click();
    await expect.poll(labelsShown).toBe(PANEL_IDS.length);
    expect(session.pageErrors).toEqual([]);
  });
});
