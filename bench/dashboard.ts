// npm run bench:dashboard — a hub with 10,000 board messages, the board opened in Chromium: time to the first
// rows, frame times while scrolling back through every page and wheeling down fast, and how many rows stay in
// the DOM. Figures only; the e2e test (tests/e2e/board.test.ts) asserts generous bounds on the same measurement.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import type { HubConfig } from '../src/shared/config';
import { postMessage, type PostRequest } from '../src/hub/board';
import type { Hub } from '../src/hub/hub';
import { startHub } from '../src/hub/server';
import { openDashboard } from '../tests/e2e/helpers/dashboard-browser';
import { machineHeader } from './lib/report';

export const SEED_MESSAGES = 10_000;
const AGENTS = ['alice', 'bob', 'carol', 'dmitri', 'eve', 'farid', 'grace', 'hiro', 'ines', 'jun', 'kofi', 'lena'];
const CHANNEL = 'draft-depth';

/** Bodies of the lengths and markdown agents write: one line, a list, code, a table, a long paragraph. */
function bodyOf(i: number, agent: string, next: string): string {
  switch (i % 6) {
    case 0:
      return `Update ${i}: tried draft_n_max=${i % 9} on the Q8_0 draft, acceptance ${(i % 100) / 100}. @${next}`;
    case 1:
      return `Run ${i} done.\n\n- tps: **${(90 + (i % 40)).toFixed(1)}**\n- ppl: ${(2.2 + (i % 10) / 100).toFixed(3)}\n- greedy identical: yes`;
    case 2:
      return `Config I used for ${i}:\n\n\`\`\`json\n{"draft": "gemma-4-E4B-Q4_0", "draft_n_max": ${i % 8}, "flash_attn": true}\n\`\`\`\nWorth trying on your side, @${next}?`;
    case 3:
      return `| K | tps |\n|---|---|\n| ${i % 8} | ${(95 + (i % 30)).toFixed(1)} |\n| ${(i % 8) + 1} | ${(97 + (i % 30)).toFixed(1)} |`;
    case 4:
      return (
        `${agent} here. ` +
        'Acceptance drops after position 5, so longer drafts mostly waste verification work on this GPU. '.repeat(
          1 + (i % 4),
        )
      );
    default:
      return `Quick note ${i}: baseline re-measured, see the leaderboard.`;
  }
}

/**
 * Writes `count` messages through the hub's own post path (in-process, batched into group commits): thread replies,
 * a taskforce channel and mentions among them, much faster than as many HTTP posts.
 */
export async function seedBoard(hub: Hub, count = SEED_MESSAGES): Promise<{ seconds: number; roots: string[] }> {
  const t0 = performance.now();
  for (const id of AGENTS) {
    if (!hub.agents.get(id)) {
      await hub.write(() => {
        hub.agents.insert({
          agent_id: id,
          filename: `${id}.md`,
          model: 'bench',
          harness: 'bench',
          tools: '[]',
          bio: '',
          token_hash: `seed-${id}`,
          registered_at: hub.now(),
        });
        return { result: null, effect: { actor: id, action: 'agent.registered', target: id } };
      });
    }
  }
  if (!hub.taskforces.exists(CHANNEL)) {
    await hub.write(() => {
      hub.taskforces.insert({
        name: CHANNEL,
        creator: 'alice',
        via: 'raw',
        readme_frontmatter: '{}',
        readme_body: 'Which draft depth pays off?',
        created_at: hub.now(),
      });
      return { result: null, effect: { actor: 'alice', action: 'taskforce.created', target: CHANNEL } };
    });
  }
  const roots: string[] = [];
  const CHUNK = 500;
  for (let start = 0; start < count; start += CHUNK) {
    const chunk: Array<Promise<{ filename: string; thread: string | null; channel: string | null }>> = [];
    for (let i = start; i < Math.min(count, start + CHUNK); i++) {
      const agent = AGENTS[i % AGENTS.length]!;
      const caller = { kind: 'agent' as const, handle: agent, agent: hub.agents.get(agent)! };
      const request: PostRequest = { body: bodyOf(i, agent, AGENTS[(i + 1) % AGENTS.length]!) };
      // Replies go to a root of an earlier chunk (it must exist when the post is checked).
      if (i % 8 === 3 && roots.length > 0)
        request.reply_to = roots[roots.length - 1 - (i % Math.min(roots.length, 20))];
      else if (i % 10 === 0) request.channel = CHANNEL;
      if (i % 97 === 5) request.type = 'result-note';
      chunk.push(postMessage(hub, caller, request));
    }
    for (const created of await Promise.all(chunk)) if (created.thread === null) roots.push(created.filename);
  }
  return { seconds: (performance.now() - t0) / 1000, roots };
}

export interface FrameFigures {
  frames: number;
  median: number;
  p95: number;
  max: number;
}

export interface ScrollFigures {
  /** From navigation to the first message row in the DOM. */
  firstRowMs: number;
  /** Scrolling back from the newest message to the first one, older pages loading on the way. */
  back: FrameFigures & { seconds: number; reachedStart: boolean; loadedRows: number };
  /** Fast wheel scrolling down through the loaded list. */
  wheel: FrameFigures & { seconds: number; distancePx: number };
  /** The most message rows in the DOM at any sampled moment. */
  maxDomRows: number;
}

/** Runs before the page's own scripts: a `__name` no-op, and the time the first message row is painted. */
const PAGE_SETUP = `
window.__name = window.__name || ((f) => f);
new MutationObserver((_, observer) => {
  if (!document.querySelector('[data-testid=board-list] [data-testid=message]')) return;
  observer.disconnect();
  requestAnimationFrame(() => { window.__firstRowAt = performance.now(); });
}).observe(document, { childList: true, subtree: true });
`;

/** In the page: a fast drag toward the top, a few screens per frame, until the list shows its first message. */
const SCROLL_BACK = `async (budget) => {
  const list = document.querySelector('[data-testid=board-list]');
  const deltas = [];
  let maxRows = 0;
  const t0 = performance.now();
  let last = t0;
  while (!document.querySelector('[data-testid=board-start]') && performance.now() - t0 < budget) {
    list.scrollTop = Math.max(0, list.scrollTop - 2400);
    const now = await new Promise((resolve) => requestAnimationFrame(resolve));
    deltas.push(now - last);
    last = now;
    maxRows = Math.max(maxRows, list.querySelectorAll('[data-testid=message]').length);
  }
  return {
    deltas, maxRows, seconds: (performance.now() - t0) / 1000,
    reachedStart: document.querySelector('[data-testid=board-start]') !== null,
    loadedRows: Number(list.querySelector('.board-list-inner')?.getAttribute('data-rows') ?? 0),
  };
}`;

/** In the page: records every frame's delta and the row count until STOP_RECORDING; answers the scroll position. */
const RECORD_FRAMES = `(() => {
  const list = document.querySelector('[data-testid=board-list]');
  window.__frames = [];
  window.__recording = true;
  window.__maxRows = 0;
  let last = performance.now();
  const tick = (now) => {
    window.__frames.push(now - last);
    last = now;
    window.__maxRows = Math.max(window.__maxRows, list.querySelectorAll('[data-testid=message]').length);
    if (window.__recording) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  return list.scrollTop;
})()`;

const STOP_RECORDING = `(() => {
  window.__recording = false;
  return { deltas: window.__frames.slice(1), maxRows: window.__maxRows, top: document.querySelector('[data-testid=board-list]').scrollTop };
})()`;

function summarize(deltas: number[]): FrameFigures {
  const sorted = [...deltas].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { frames: sorted.length, median: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] ?? 0 };
}

/**
 * Opens the board at `url` (a full navigation: give it a query so a hash-only change does not count) in `page` and scrolls it as a person would in a hurry: back to the very first message
 * (each older page loads when the top comes near), then down again with big wheel steps. Frame times are the
 * requestAnimationFrame deltas the page itself sees.
 */
export async function measureBoardScroll(
  page: Page,
  url: string,
  options: { backBudgetMs?: number; wheelSteps?: number } = {},
): Promise<ScrollFigures> {
  const backBudgetMs = options.backBudgetMs ?? 60_000;
  const wheelSteps = options.wheelSteps ?? 120;
  // Strings, not functions: a runner that keeps function names (tsx) would send its `__name` helper into the page.
  await page.addInitScript({ content: PAGE_SETUP });
  await page.goto(url);
  // Polled from here: the page's CSP forbids the string evaluation waitForFunction would do inside it.
  let firstRowMs: number | undefined;
  for (const t0 = Date.now(); firstRowMs === undefined && Date.now() - t0 < 30_000;) {
    firstRowMs = (await page.evaluate('window.__firstRowAt')) as number | undefined;
    if (firstRowMs === undefined) await new Promise((r) => setTimeout(r, 25));
  }
  if (firstRowMs === undefined) throw new Error('the board showed no message row within 30 s');
  // Settled at the newest end before the clock starts.
  await page.waitForTimeout(300);

  const back = (await page.evaluate(`(${SCROLL_BACK})(${backBudgetMs})`)) as {
    deltas: number[];
    maxRows: number;
    seconds: number;
    reachedStart: boolean;
    loadedRows: number;
  };

  // Fast wheel scrolling down, as a trackpad fling: big steps, one per event, from the first message on.
  const box = (await page.locator('[data-testid=board-list]').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const startTop = (await page.evaluate(RECORD_FRAMES)) as number;
  const w0 = performance.now();
  for (let i = 0; i < wheelSteps; i++) await page.mouse.wheel(0, 1500);
  await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
  const wheelSeconds = (performance.now() - w0) / 1000;
  const wheelRaw = (await page.evaluate(STOP_RECORDING)) as { deltas: number[]; maxRows: number; top: number };

  return {
    firstRowMs,
    back: {
      ...summarize(back.deltas.slice(1)),
      seconds: back.seconds,
      reachedStart: back.reachedStart,
      loadedRows: back.loadedRows,
    },
    wheel: { ...summarize(wheelRaw.deltas), seconds: wheelSeconds, distancePx: wheelRaw.top - startTop },
    maxDomRows: Math.max(back.maxRows, wheelRaw.maxRows),
  };
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** The figures as a small table (the test prints it too). */
export function formatFigures(f: ScrollFigures): string {
  const row = (label: string, x: FrameFigures & { seconds: number }, extra: string) =>
    `${label.padEnd(34)} ${fmt(x.frames).padStart(6)} frames  median ${fmt(x.median, 1).padStart(6)} ms  p95 ${fmt(x.p95, 1).padStart(6)} ms  max ${fmt(x.max, 1).padStart(7)} ms  ${fmt(x.seconds, 1)} s  ${extra}`;
  return [
    `first rows on screen               ${fmt(f.firstRowMs)} ms after navigation`,
    row(
      'scroll back to the first message',
      f.back,
      `${f.back.reachedStart ? 'reached the start' : 'did NOT reach the start'}, ${fmt(f.back.loadedRows)} rows loaded`,
    ),
    row('fast wheel down', f.wheel, `${fmt(f.wheel.distancePx)} px`),
    `message rows in the DOM (max)      ${fmt(f.maxDomRows)}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'collab-desk-bench-dashboard-'));
  const limits = {
    raw_messages_per_minute: 1e9,
    raw_messages_per_hour: 1e9,
    writes_burst: 1e9,
    writes_per_minute: 1e9,
    registrations_per_minute: 1e9,
  };
  const running = await startHub({ dataDir, port: 0, config: { limits: limits as unknown as HubConfig['limits'] } });
  try {
    console.log(`${machineHeader('dashboard')}`);
    const seeded = await seedBoard(running.hub);
    console.log(`seeded ${fmt(SEED_MESSAGES)} messages in ${seeded.seconds.toFixed(1)} s (in-process, group commits)`);
    // Read-only: the bench measures reading; the page needs no organizer token.
    const session = await openDashboard(running.url, { route: 'settings' });
    try {
      const figures = await measureBoardScroll(session.page, `${running.url}/?measure=1#/board`);
      console.log();
      console.log(formatFigures(figures));
      if (session.pageErrors.length > 0) console.log(`page errors: ${session.pageErrors.join('; ')}`);
    } finally {
      await session.close();
    }
  } finally {
    await running.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
