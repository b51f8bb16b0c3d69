// The board in a real Chromium against a real hub: live posts, @mention completion, threads, channels, search, @me,
// sanitized markdown, and a 10,000-message board that scrolls smoothly.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatFigures, measureBoardScroll, seedBoard, SEED_MESSAGES } from '../../bench/dashboard';
import { resultMarkdown } from '../helpers/test-hub';
import { withHub } from '../helpers/with-hub';
import { SCREENSHOT_DIR } from './helpers/dashboard-browser';
import { withDashboard } from './helpers/with-dashboard';

/** The page answers within a few seconds even on a busy 2-core machine. */
const UI = { timeout: 10_000 };

// A small text limit, so a refused post is easy to provoke.
const hub = withHub({ limits: { message_body_bytes: 4096 } as never });
let alice: string;
let bob: string;
let organizer: string;

beforeAll(async () => {
  organizer = hub.running.hub.organizerHandle;
  alice = await hub.register('alice');
  bob = await hub.register('bob');
  await hub.register('albert');
  await hub.call('POST', '/v1/channels', {
    token: alice,
    body: { name: 'draft-depth', body: 'Which draft depth pays off on this GPU?' },
  });
}, 60_000);

const { session } = withDashboard({
  hub,
  open: (h) => ({ token: h.organizerToken, route: 'board' }),
  ready: (s) => s.page.waitForSelector('[data-testid=who] .badge-organizer').then(() => undefined),
});

async function post(token: string, body: Record<string, unknown>): Promise<string> {
  const res = await hub.call('POST', '/v1/messages', { token, body });
  expect(res.status, res.text).toBe(201);
  return res.body.filename as string;
}

const message = (page: Page, text: string) =>
  page.locator('[data-testid=board-list] [data-testid=message]', { hasText: text });
const listTexts = (page: Page) => page.locator('[data-testid=board-list] [data-testid=message]').allTextContents();

async function openChannel(page: Page, name: string, title: string): Promise<void> {
  await page.locator('[data-testid=channels] button', { hasText: name }).click();
  await expect.poll(() => page.locator('.board-title h1').textContent(), UI).toBe(title);
  await page.waitForSelector('[data-testid=board-loading]', { state: 'detached' });
}

describe('the board', () => {
  it('shows a post by the organizer live in another tab, and an agent post live in both, without a reload', async () => {
    const { page } = session;
    const other = await session.newPage();
    await other.waitForSelector('[data-testid=board] [data-testid=composer-main]');
    await other.evaluate(() => {
      (globalThis as any).__sameDocument = true;
    });

    await page.getByTestId('composer-main').fill('Morning all: the **draft-depth** sweep starts now.');
    await page.getByTestId('composer-main').press('Enter');
    await message(page, 'the draft-depth sweep starts now').waitFor();
    await expect.poll(() => page.getByTestId('composer-main').inputValue(), UI).toBe('');
    await message(other, 'the draft-depth sweep starts now').waitFor();
    // The organizer's own post is marked as theirs.
    expect(await message(other, 'the draft-depth sweep starts now').getByTestId('author').textContent()).toBe(
      organizer,
    );

    await post(bob, { body: 'bob here: baseline re-measured at 101.3 tok/s' });
    await message(other, 'baseline re-measured at 101.3').waitFor();
    await message(page, 'baseline re-measured at 101.3').waitFor();
    expect(await other.evaluate(() => (globalThis as any).__sameDocument)).toBe(true);
    await other.close();
    expect(session.pageErrors).toEqual([]);
  });

  it('completes @mentions from the registered agents by keyboard and by mouse, and the post reaches the inbox', async () => {
    // This view in the dark theme: the same page, the person's theme choice changed.
    const page = await session.newPage();
    await page.evaluate(() => (globalThis as any).localStorage.setItem('collab-desk.theme', 'dark'));
    await page.reload();
    const box = page.getByTestId('composer-main');
    await box.waitFor();

    await box.pressSequentially('Could you re-run K=6, @al');
    const list = page.getByTestId('mention-list');
    await list.waitFor();
    expect(await list.locator('[role=option] .board-mention-handle').allTextContents()).toEqual(['@albert', '@alice']);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'board-autocomplete.png') });
    await box.press('ArrowDown');
    expect(await list.locator('[role=option][aria-selected=true] .board-mention-handle').textContent()).toBe('@alice');
    await box.press('Enter');
    await list.waitFor({ state: 'detached' });
    expect(await box.inputValue()).toBe('Could you re-run K=6, @alice ');

    // Escape closes the list and keeps the text; a click picks too.
    await box.pressSequentially('and @b');
    await list.waitFor();
    await box.press('Escape');
    await list.waitFor({ state: 'detached' });
    expect(await box.inputValue()).toBe('Could you re-run K=6, @alice and @b');
    await box.press('Backspace');
    await box.press('Backspace');
    await box.pressSequentially('@bo');
    await list.getByRole('option', { name: '@bob' }).click();
    expect(await box.inputValue()).toBe('Could you re-run K=6, @alice and @bob ');

    await box.pressSequentially('please?');
    await box.press('Enter');
    await message(page, 'Could you re-run K=6').waitFor();
    const inbox = await hub.call('GET', '/v1/inbox/alice?expand=true&limit=20', { token: alice });
    expect(inbox.status).toBe(200);
    const delivered = inbox.body.items.find((m: any) => m.body.includes('Could you re-run K=6'));
    expect(delivered?.frontmatter.agent).toBe(organizer);
    expect((await hub.call('GET', '/v1/inbox/bob?limit=20', { token: bob })).body.items).toContain(delivered.filename);
    await page.evaluate(() => (globalThis as any).localStorage.setItem('collab-desk.theme', 'light'));
    await page.close();
    expect(session.pageErrors).toEqual([]);
  });

  it('opens a thread, replies in it, counts the replies on the root, and follows replies live', async () => {
    const { page } = session;
    const root = await post(alice, { body: 'Which draft depth should we try next?' });
    const rootRow = message(page, 'Which draft depth should we try next?');
    await rootRow.hover();
    await rootRow.getByRole('button', { name: 'Reply' }).click();
    const thread = page.getByTestId('thread');
    await thread.getByTestId('message').filter({ hasText: 'Which draft depth should we try next?' }).waitFor();
    expect(await page.evaluate(() => (globalThis as any).location.hash)).toBe(`#/board/${encodeURIComponent(root)}`);

    await thread.getByTestId('composer-thread').fill('Try K=6 first, then K=8.');
    await thread.getByTestId('composer-thread').press('Enter');
    await thread.getByTestId('message').filter({ hasText: 'Try K=6 first' }).waitFor();
    await expect.poll(() => rootRow.getByTestId('reply-count').textContent(), UI).toContain('1 reply');
    // A reply lives in its thread, not in the channel's list.
    expect(await message(page, 'Try K=6 first').count()).toBe(0);

    const replies = await hub.call('GET', `/v1/messages?thread=${encodeURIComponent(root)}&expand=true`);
    expect(replies.body.items).toHaveLength(1);
    expect(replies.body.items[0].frontmatter).toMatchObject({ reply_to: root, thread: root, agent: organizer });

    // bob answers from the API: the open thread and the root's count follow.
    await post(bob, { body: 'K=8 lost acceptance after position 5 for me.', reply_to: root });
    await thread.getByTestId('message').filter({ hasText: 'K=8 lost acceptance' }).waitFor();
    await expect.poll(() => thread.getByTestId('thread-reply-count').textContent(), UI).toBe('2 replies');
    await expect.poll(() => rootRow.getByTestId('reply-count').textContent(), UI).toContain('2 replies');
    await session.screenshot('board-thread');

    await thread.getByRole('button', { name: 'Close thread' }).click();
    await thread.waitFor({ state: 'detached' });
    expect(session.pageErrors).toEqual([]);
  });

  it('keeps what was typed: Escape in a reply box keeps the thread open, each thread and channel keeps its own draft', async () => {
    const { page } = session;
    const rootA = await post(alice, { body: 'Thread A: is K=6 stable across seeds?' });
    const rootB = await post(bob, { body: 'Thread B: who owns the baseline rerun?' });
    const thread = page.getByTestId('thread');
    const replyBox = thread.getByTestId('composer-thread');
    const openThread = async (text: string) => {
      const row = message(page, text);
      await row.hover();
      await row.getByRole('button', { name: 'Reply' }).click();
      await thread.getByTestId('message').filter({ hasText: text }).waitFor();
    };
    const hash = () => page.evaluate(() => (globalThis as any).location.hash as string);

    await openThread('Thread A:');
    await replyBox.fill('Half a reply for A');
    // Escape with words in the box only leaves the box; the thread and the text stay. A second Escape closes.
    await replyBox.press('Escape');
    await expect.poll(() => page.evaluate(() => (globalThis as any).document.activeElement?.tagName), UI).toBe('FORM');
    expect(await hash()).toBe(`#/board/${encodeURIComponent(rootA)}`);
    expect(await replyBox.inputValue()).toBe('Half a reply for A');
    await page.keyboard.press('Escape');
    await thread.waitFor({ state: 'detached' });

    // Reopened, the draft is still there.
    await openThread('Thread A:');
    expect(await replyBox.inputValue()).toBe('Half a reply for A');
    // Another thread starts empty; its draft and A's do not mix.
    await openThread('Thread B:');
    expect(await hash()).toBe(`#/board/${encodeURIComponent(rootB)}`);
    expect(await replyBox.inputValue()).toBe('');
    await replyBox.fill('Meant for B only');
    await openThread('Thread A:');
    expect(await replyBox.inputValue()).toBe('Half a reply for A');
    await replyBox.press('Enter');
    await thread.getByTestId('message').filter({ hasText: 'Half a reply for A' }).waitFor();
    await expect.poll(() => replyBox.inputValue(), UI).toBe('');
    const inA = (await hub.call('GET', `/v1/messages?thread=${encodeURIComponent(rootA)}&expand=true`)).body.items;
    expect(inA.map((m: any) => m.body.trim())).toEqual(['Half a reply for A']);
    expect((await hub.call('GET', `/v1/messages?thread=${encodeURIComponent(rootB)}`)).body.matched).toBe(0);
    await openThread('Thread B:');
    expect(await replyBox.inputValue()).toBe('Meant for B only');
    await replyBox.fill('');
    await thread.getByRole('button', { name: 'Close thread' }).click();
    await thread.waitFor({ state: 'detached' });

    // The main composer keeps a draft per channel.
    const box = page.getByTestId('composer-main');
    await openChannel(page, '# draft-depth', '# draft-depth');
    await box.fill('A note for the taskforce, not sent yet');
    await openChannel(page, 'General', 'General');
    expect(await box.inputValue()).toBe('');
    await openChannel(page, '# draft-depth', '# draft-depth');
    expect(await box.inputValue()).toBe('A note for the taskforce, not sent yet');
    await box.fill('');
    await openChannel(page, 'All', 'All messages');
    expect(session.pageErrors).toEqual([]);
  });

  it('narrows the list by channel, by search (with the match count) and to what concerns me', async () => {
    const { page } = session;
    await post(alice, { body: 'K=6 gives 1.4x on the taskforce sweep', channel: 'draft-depth' });
    await post(bob, { body: 'unrelated zebra note on the main board' });
    await post(bob, { body: `a question for @${organizer}: which GPU do we share?` });
    await post(hub.organizerToken, { body: 'Everyone: cite your baselines (zebra-free).', broadcast: true });
    await message(page, 'which GPU do we share').waitFor();

    await openChannel(page, '# draft-depth', '# draft-depth');
    await message(page, 'K=6 gives 1.4x').waitFor();
    expect((await listTexts(page)).some((t) => t.includes('zebra'))).toBe(false);
    const inChannel = (await hub.call('GET', '/v1/messages?channel=draft-depth&limit=1')).body.matched;
    expect(await page.getByTestId('board-count').textContent()).toBe(
      `${inChannel} ${inChannel === 1 ? 'message' : 'messages'}`,
    );
    // A post to this channel from the composer lands in it.
    await page.getByTestId('composer-main').fill('Organizer note for the taskforce');
    await page.getByTestId('composer-main').press('Enter');
    await message(page, 'Organizer note for the taskforce').waitFor();
    const mine = (await hub.call('GET', '/v1/messages?channel=draft-depth&q=Organizer%20note&expand=true')).body.items;
    expect(mine[0].frontmatter.channel).toBe('draft-depth');

    await openChannel(page, 'General', 'General');
    await message(page, 'unrelated zebra note').waitFor();
    expect((await listTexts(page)).some((t) => t.includes('K=6 gives 1.4x'))).toBe(false);
    // A post in another channel marks that channel unread, without showing up here.
    await post(bob, { body: 'K=7 is a dead end', channel: 'draft-depth' });
    const taskforce = page.locator('[data-testid=channels] button', { hasText: '# draft-depth' });
    await expect.poll(() => taskforce.locator('.board-unread').textContent(), UI).toBe('1');
    expect((await listTexts(page)).some((t) => t.includes('K=7 is a dead end'))).toBe(false);

    await openChannel(page, 'All', 'All messages');
    await page.getByLabel('Search messages').fill('zebra');
    await expect.poll(() => page.getByTestId('board-count').textContent(), UI).toBe('2 matches');
    await expect.poll(async () => (await listTexts(page)).length, UI).toBe(2);
    expect((await listTexts(page)).every((t) => t.toLowerCase().includes('zebra'))).toBe(true);
    await page.getByLabel('Search messages').press('Escape');
    await message(page, 'K=6 gives 1.4x').waitFor();

    await page.getByTestId('filter-me').click();
    await message(page, 'which GPU do we share').waitFor();
    const forMe = await listTexts(page);
    expect(forMe.some((t) => t.includes('cite your baselines'))).toBe(true);
    expect(forMe.some((t) => t.includes('unrelated zebra note'))).toBe(false);
    expect(forMe.some((t) => t.includes('K=6 gives 1.4x'))).toBe(false);
    const inbox = (await hub.call('GET', `/v1/inbox/${organizer}?limit=1`)).body.matched;
    expect(await page.getByTestId('board-count').textContent()).toBe(`${inbox} for you`);
    await page.getByTestId('filter-me').click();
    await message(page, 'unrelated zebra note').waitFor();
    await session.screenshot('board');
    expect(session.pageErrors).toEqual([]);
  });

  it('says why a post was refused and keeps its text; read-only it says how to post', async () => {
    const { page } = session;
    const box = page.getByTestId('composer-main');
    const long = `A long report. ${'x'.repeat(5000)}`;
    await box.fill(long);
    await box.press('Enter');
    const error = page.getByTestId('composer-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('the text is longer than 4096 bytes — shorten it');
    expect(await box.inputValue()).toBe(long);
    await box.fill('');

    const reader = await session.newPage({ token: null });
    const readOnly = reader.getByTestId('composer-main');
    await readOnly.waitFor();
    expect(await readOnly.isDisabled()).toBe(true);
    expect(await readOnly.getAttribute('title')).toContain('Sign in as organizer');
    // Reading still works: the list is the same and a thread opens (its reply box read-only too).
    const row = message(reader, 'unrelated zebra note');
    await row.waitFor();
    await row.hover();
    await row.getByRole('button', { name: 'Reply' }).click();
    const thread = reader.getByTestId('thread');
    await thread.getByTestId('message').filter({ hasText: 'unrelated zebra note' }).waitFor();
    expect(await thread.getByTestId('composer-thread').isDisabled()).toBe(true);
    await reader.close();
    expect(session.pageErrors).toEqual([]);
  });

  it('renders markdown without scripts, event handlers or script links, and keeps bold bold', async () => {
    const { page } = session;
    await post(alice, {
      body: [
        '**bold claim** about K=6 <script>globalThis.__pwned = 1</script>',
        '',
        '<img src="x" onerror="globalThis.__pwned = 2"> and <b onclick="globalThis.__pwned = 3">raw bold</b>',
        '',
        '[click me](javascript:globalThis.__pwned=4) or <a href="javascript:alert(1)">raw link</a> or [a page](https://example.org/k6)',
      ].join('\n'),
    });
    const row = message(page, 'about K=6');
    await row.waitFor();
    const dom = await row.evaluate((el) => ({
      scripts: el.querySelectorAll('script').length,
      images: el.querySelectorAll('img').length,
      handlers: [...el.querySelectorAll('*')]
        .flatMap((n) => [...n.attributes].map((a) => a.name))
        .filter((name) => name.startsWith('on')),
      hrefs: [...el.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')),
      bold: [...el.querySelectorAll('strong')].map((s) => s.textContent),
    }));
    expect(dom.scripts).toBe(0);
    expect(dom.images).toBe(0);
    expect(dom.handlers).toEqual([]);
    expect(dom.hrefs.some((h) => /^\s*javascript:/i.test(h ?? ''))).toBe(false);
    expect(dom.hrefs).toContain('https://example.org/k6');
    expect(dom.bold).toContain('bold claim');
    expect(await page.evaluate(() => (globalThis as any).__pwned)).toBeUndefined();
    expect(session.pageErrors).toEqual([]);
  });

  it('links refs (a result to the leaderboard, a message to its thread) and quotes a message into the composer', async () => {
    const { page } = session;
    const result = await hub.call('POST', '/v1/results', {
      token: alice,
      body: { content: resultMarkdown({ tps: 131.5, description: 'K=6 draft' }) },
    });
    expect(result.status, result.text).toBe(201);
    const cited = await post(bob, { body: 'The K=6 numbers, for the record.' });
    await post(alice, { body: 'Builds on both of these.', refs: [result.body.filename, cited] });
    const row = message(page, 'Builds on both of these.');
    await row.waitFor();
    const resultRef = row.locator(`[data-testid=ref][title="${result.body.filename}"]`);
    await expect
      .poll(() => resultRef.getAttribute('href'), UI)
      .toBe(`#/leaderboard/${encodeURIComponent(result.body.filename)}`);
    const messageRef = row.locator(`[data-testid=ref][title="${cited}"]`);
    await expect.poll(() => messageRef.getAttribute('href'), UI).toBe(`#/board/${encodeURIComponent(cited)}`);
    await messageRef.click();
    await page
      .getByTestId('thread')
      .getByTestId('message')
      .filter({ hasText: 'The K=6 numbers, for the record.' })
      .waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('thread').waitFor({ state: 'detached' });

    await row.hover();
    await row.getByRole('button', { name: 'Quote' }).click();
    await expect
      .poll(() => page.getByTestId('composer-main').inputValue(), UI)
      .toBe('> Builds on both of these.\n\n@alice ');
    await page.getByTestId('composer-main').fill('');
    expect(session.pageErrors).toEqual([]);
  });

  it('says a name is not on the hub only when the hub says so; a busy hub shows its error and the thread can be retried', async () => {
    const { page } = session;
    const result = await hub.call('POST', '/v1/results', {
      token: alice,
      body: { content: resultMarkdown({ tps: 128.2, description: 'K=5 draft' }) },
    });
    expect(result.status, result.text).toBe(201);
    const name: string = result.body.filename;
    // The hub answers "busy" for this result for a while (as a 503 from an overloaded hub would).
    const busyPath = `**/v1/results/${encodeURIComponent(name)}`;
    let busyAnswers = 0;
    await page.route(busyPath, (route) => {
      busyAnswers++;
      return route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({
          error: { code: 'HUB_BUSY', message: 'the hub is busy', hint: 'try again in a moment' },
        }),
      });
    });
    await post(alice, { body: 'The K=5 run, for comparison.', refs: [name] });
    const row = message(page, 'The K=5 run, for comparison.');
    await row.waitFor();
    await expect.poll(() => busyAnswers, UI).toBeGreaterThanOrEqual(1);

    await page.evaluate((n) => {
      (globalThis as any).location.hash = `#/board/${encodeURIComponent(n)}`;
    }, name);
    const thread = page.getByTestId('thread');
    const alert = thread.getByRole('alert');
    await alert.waitFor(UI);
    expect(await alert.textContent()).toContain('the hub is busy — try again in a moment');
    expect(await page.getByText('There is no message or result').count()).toBe(0);
    // The ref did not become "not on this hub" either: it is still a link.
    expect(await row.locator(`[data-testid=ref][title="${name}"][data-kind=unknown]`).count()).toBe(1);

    // The hub recovers: Retry finds the result, which opens on the leaderboard.
    await page.unroute(busyPath);
    await thread.getByRole('button', { name: 'Retry' }).click();
    await expect
      .poll(() => page.evaluate(() => (globalThis as any).location.hash), UI)
      .toBe(`#/leaderboard/${encodeURIComponent(name)}`);

    // A name the hub does not have (404) is said to be missing.
    const ghost = '20200101-000000-000_nobody.md';
    await page.evaluate((n) => {
      (globalThis as any).location.hash = `#/board/${n}`;
    }, ghost);
    const notice = page.getByText(`There is no message or result “${ghost}” on this hub.`);
    await notice.waitFor();
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await notice.waitFor({ state: 'detached' });
    // Back on the board, the ref asks again and finds the result.
    await row.locator(`[data-testid=ref][title="${name}"][data-kind=result]`).waitFor(UI);
    expect(session.pageErrors).toEqual([]);
  });

  it('scrolls 10,000 messages smoothly: older pages load on the way up, few rows in the DOM, new posts wait behind a pill', async () => {
    // The first tab leaves the board, so the seeding's burst of live events does not load the browser while it measures.
    await session.page.evaluate(() => {
      (globalThis as any).location.hash = '#/settings';
    });
    const seeded = await seedBoard(hub.running.hub, SEED_MESSAGES);
    const page = await session.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    // Budgets sized for a loaded 2-core machine: the figures are printed, the bounds only catch a broken list.
    const figures = await measureBoardScroll(page, `${hub.url}/?measure=1#/board`, {
      backBudgetMs: 10_000,
      wheelSteps: 50,
    });
    console.log(
      `board with ${SEED_MESSAGES.toLocaleString('en-US')} seeded messages (seeded in ${seeded.seconds.toFixed(1)} s):\n${formatFigures(figures)}`,
    );

    expect(figures.firstRowMs).toBeLessThan(8_000);
    // A large part of the board was scrolled back through, page by page (200 messages each).
    expect(figures.back.reachedStart || figures.back.loadedRows >= 2_000).toBe(true);
    expect(figures.back.median).toBeLessThan(50);
    expect(figures.back.max).toBeLessThan(1_000);
    expect(figures.wheel.distancePx).toBeGreaterThan(20_000);
    expect(figures.wheel.median).toBeLessThan(50);
    expect(figures.wheel.max).toBeLessThan(1_000);
    expect(figures.maxDomRows).toBeLessThan(200);

    // Reading older messages: a new post does not move the list; a pill counts it and brings the reader down.
    const list = page.getByTestId('board-list');
    const before = await list.evaluate((el) => el.scrollTop);
    await post(bob, { body: 'fresh result while you read the archive' });
    await page.getByTestId('new-messages').waitFor();
    expect(await page.getByTestId('new-messages').textContent()).toContain('1 new message');
    expect(Math.abs((await list.evaluate((el) => el.scrollTop)) - before)).toBeLessThan(50);
    await page.getByTestId('new-messages').click();
    await message(page, 'fresh result while you read the archive').waitFor();
    await page.getByTestId('new-messages').waitFor({ state: 'detached' });
    await page.close();
    expect(errors).toEqual([]);
    expect(session.pageErrors).toEqual([]);
  }, 60_000);
});
