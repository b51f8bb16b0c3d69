// The Workspace panel in a real Chromium against a real hub: browse central and scratch, previews by kind, download, live, gone.
import { readFile } from 'node:fs/promises';
import { deflateSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { resultMarkdown } from '../helpers/test-hub';
import { withHub } from '../helpers/with-hub';
import { withDashboard } from './helpers/with-dashboard';

/** A small valid PNG (an RGB gradient), written byte by byte so the test needs no image file. */
function gradientPng(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const byte of buf) c = crcTable[(c ^ byte) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const rows = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++)
      rows.set([Math.round((255 * x) / width), Math.round((255 * y) / height), 180], y * (1 + width * 3) + 1 + x * 3);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const PNG = gradientPng(240, 160);
const CONFIG_JSON = '{"name":"bench","draft":{"n_max":4,"layers":[1,2]},"flash_attn":true}';
/** An SVG that tries to run script: shown as an <img>, it draws and its script never runs. */
const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><rect width="40" height="30" fill="#3b5bdb"/><script>document.title = "pwned"</script></svg>';
const NOTES_MD = '# Findings\n\nDraft tokens **4** beat 8.\n\n- one\n- two\n';

const hub = withHub();
let alice: string;
let messageFile: string;

async function putScratch(path: string, bytes: string | Buffer): Promise<void> {
  const res = await hub.call('PUT', `/v1/scratch/alice/${path}`, {
    token: alice,
    raw: bytes,
    headers: { 'content-type': 'application/octet-stream' },
  });
  if (res.status !== 201) throw new Error(`PUT ${path}: ${res.status} ${res.text}`);
}

/** The page's hash route (the test's tsconfig has no DOM types, so the page code goes as a string). */
const hashOf = () => session.page.evaluate<string>('location.hash');
const go = (route: string) => session.page.evaluate(`location.hash = ${JSON.stringify(`#/${route}`)}`);

beforeAll(async () => {
  alice = await hub.register('alice');
  await hub.register('bob');
  const posted = await hub.call('POST', '/v1/messages', {
    token: alice,
    body: { body: 'Plan for today: we **measure** the baseline first.' },
  });
  expect(posted.status).toBe(201);
  messageFile = posted.body.filename;
  const result = await hub.call('POST', '/v1/results', {
    token: alice,
    body: { content: resultMarkdown({ tps: 123.4 }) },
  });
  expect(result.status).toBe(201);
  await putScratch('notes/deep/config.json', CONFIG_JSON);
  await putScratch('notes/deep/plot.png', PNG);
  await putScratch('notes/findings.md', NOTES_MD);
  await putScratch('notes/deep/logo.svg', SVG);
}, 60_000);

const { session } = withDashboard({
  hub,
  open: (h) => ({ token: h.organizerToken, route: 'workspace' }),
  // A step that cannot happen fails in seconds, naming the step, rather than at the test's timeout.
  ready: (s) => s.page.setDefaultTimeout(8_000),
});

describe('the Workspace panel', () => {
  it('browses the central record: the board folder lists the posted message, which opens rendered', async () => {
    const { page } = session;
    const table = page.getByTestId('folder-table');
    await table.getByRole('link', { name: 'message_board/', exact: true }).click();
    await expect.poll(() => hashOf()).toBe('#/workspace/central/message_board');
    await table.getByRole('link', { name: messageFile, exact: true }).click();
    const preview = page.getByTestId('preview');
    await expect.poll(() => preview.locator('.markdown strong').textContent()).toBe('measure');
    // The frontmatter the hub stamped is shown beside the body.
    await expect
      .poll(() => preview.getByRole('table', { name: 'Frontmatter', exact: true }).textContent())
      .toContain('alice');
    // Breadcrumbs lead back up, and the results folder holds the posted result with its verification.
    await page
      .getByRole('navigation', { name: 'Breadcrumbs', exact: true })
      .getByRole('link', { name: 'Central record', exact: true })
      .click();
    await table.getByRole('link', { name: 'results/', exact: true }).click();
    await table.getByRole('link', { name: /_alice\.md$/ }).click();
    await expect.poll(() => preview.locator('.badge-pending').count()).toBe(1);
    // The tree keeps the board folder open: its message is one click away.
    await page
      .getByRole('navigation', { name: 'Workspace folders', exact: true })
      .getByRole('link', { name: messageFile, exact: true })
      .click();
    await preview.locator('.markdown strong').waitFor();
    await session.screenshot('workspace-central');
  });

  it('keeps older pages of a busy board loaded: a live post joins them rather than folding the list back to one page', async () => {
    const { page } = session;
    // Past two pages of 200 (with the first test's message: 421 in all), with no dashboard following along (it
    // would only slow the seeding).
    await page.goto('about:blank');
    const tokens = [alice, ...(await Promise.all(['busy-bee', 'busy-ant', 'busy-fly'].map((id) => hub.register(id))))];
    // Twelve posts in flight at a time from four agents: the hub commits them in groups.
    await Promise.all(
      Array.from({ length: 12 }, async (_, t) => {
        const token = tokens[t % tokens.length]!;
        for (let i = 0; i < 35; i++) {
          const res = await hub.call('POST', '/v1/messages', { token, body: { body: `step ${t}.${i}` } });
          if (res.status !== 201) throw new Error(`post ${t}.${i}: ${res.status} ${res.text}`);
        }
      }),
    );
    // A fresh page reads the board's first page only, as someone opening it on a busy hub would.
    await page.goto(`${hub.url}/#/workspace/central/message_board`);
    const table = page.getByTestId('folder-table');
    const rows = table.locator('tbody tr');
    const count = page.locator('.ws-folder-count');
    const older = page.getByRole('button', { name: 'Load older', exact: true });
    await expect.poll(() => count.textContent()).toBe('Newest first · showing 200 of 421');
    await older.click();
    await expect.poll(() => rows.count()).toBe(400);

    const live = await hub.call('POST', '/v1/messages', { token: alice, body: { body: 'Fresh from the swarm.' } });
    expect(live.status).toBe(201);
    await table.getByRole('link', { name: live.body.filename, exact: true }).waitFor({ timeout: 5_000 });
    // Newest on top, the older pages still there, and the cursor kept: the next page follows on from row 401.
    expect(await rows.count()).toBe(401);
    expect(await table.locator('tbody tr a').first().textContent()).toContain(live.body.filename);
    await expect.poll(() => count.textContent()).toBe('Newest first · showing 401 of 422');
    await older.click();
    await expect.poll(() => rows.count()).toBe(422);
    const names = await table.locator('tbody tr a').allTextContents();
    expect(new Set(names).size).toBe(422);
    expect(names.at(-1)).toContain(messageFile);
    expect(await older.count()).toBe(0);
  });

  it("browses an agent's scratch folder: JSON pretty-printed and foldable, a PNG as an image, markdown rendered with its source", async () => {
    const { page } = session;
    const tree = page.getByRole('navigation', { name: 'Workspace folders', exact: true });
    await tree.getByRole('link', { name: 'alice', exact: true }).click();
    await page.getByTestId('folder-table').getByRole('link', { name: 'notes/', exact: true }).click();
    await tree.getByRole('button', { name: 'Expand deep', exact: true }).click();
    await tree.getByRole('link', { name: 'config.json', exact: true }).click();
    await expect.poll(() => hashOf()).toBe('#/workspace/scratch/alice/notes/deep/config.json');
    const json = page.getByTestId('json-view');
    // One key per line, nested values indented: the compact file reads pretty.
    await expect
      .poll(() => json.locator('.json-line').allTextContents())
      .toEqual(expect.arrayContaining(['"name": "bench",', '"n_max": 4,', '"flash_attn": true']));
    await json.getByRole('button', { name: 'Fold draft', exact: true }).click();
    await expect.poll(() => json.locator('.json-line').allTextContents()).toContain('▸"draft": { 2 keys },');
    await page.getByRole('button', { name: 'Source', exact: true }).click();
    await expect.poll(() => page.getByTestId('text-view').locator('.ws-text-body').textContent()).toBe(CONFIG_JSON);

    await tree.getByRole('link', { name: 'plot.png', exact: true }).click();
    const img = page.getByTestId('image-preview');
    await img.waitFor();
    expect(await img.getAttribute('src')).toMatch(/^blob:/);
    await expect
      .poll(() =>
        img.evaluate((el) => {
          const image = el as unknown as { complete: boolean; naturalWidth: number };
          return image.complete && image.naturalWidth;
        }),
      )
      .toBe(240);
    await expect.poll(() => page.locator('.ws-image figcaption').textContent()).toBe('240 × 160 px');

    await tree.getByRole('link', { name: 'logo.svg', exact: true }).click();
    await expect.poll(() => page.locator('.ws-image figcaption').textContent()).toBe('40 × 30 px');
    expect(await page.title()).not.toBe('pwned');
    expect(await page.locator('.ws-preview-body svg').count()).toBe(0);

    await tree.getByRole('link', { name: 'findings.md', exact: true }).click();
    const preview = page.getByTestId('preview');
    await expect.poll(() => preview.locator('.markdown h1').textContent()).toBe('Findings');
    expect(await preview.locator('.markdown li').count()).toBe(2);
    await page.getByRole('button', { name: 'Source', exact: true }).click();
    await expect.poll(() => page.getByTestId('text-view').locator('.ws-text-body').textContent()).toBe(NOTES_MD);
    await page.getByRole('button', { name: 'Rendered', exact: true }).click();
    await preview.locator('.markdown h1').waitFor();

    // The filter narrows the tree to matching names (and the folders that hold them), across agents.
    await tree.getByRole('searchbox', { name: 'Filter files by name', exact: true }).fill('config');
    await expect
      .poll(() => tree.locator('.ws-tree-name').allTextContents())
      .toEqual(['alice', 'notes', 'deep', 'config.json']);
    await tree.getByRole('searchbox', { name: 'Filter files by name', exact: true }).press('Escape');
    await expect.poll(() => tree.locator('.ws-tree-name').allTextContents()).toContain('bob');

    await page
      .getByRole('navigation', { name: 'Breadcrumbs', exact: true })
      .getByRole('link', { name: 'notes', exact: true })
      .click();
    await page.getByTestId('folder-table').getByRole('link', { name: 'deep/', exact: true }).waitFor();
    await tree.getByRole('link', { name: 'plot.png', exact: true }).click();
    await img.waitFor();
    await session.screenshot('workspace-scratch-preview');
  });

  it('downloads the open file with its name and exact bytes', async () => {
    const { page } = session;
    await go('workspace/scratch/alice/notes/deep/plot.png');
    await page.getByTestId('image-preview').waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download', exact: true }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('plot.png');
    expect(Buffer.compare(await readFile((await download.path())!), PNG)).toBe(0);
  });

  it('shows the head of a large text file with a notice, and says a binary file is binary', async () => {
    const { page } = session;
    const line = 'tokens/s 123.4 accepted 3 of 4\n';
    await putScratch('logs/big.log', line.repeat(Math.ceil((300 * 1024) / line.length)));
    await putScratch('logs/weights.bin', Buffer.from([0, 1, 2, 3, 0, 255, 254, 0]));
    await go('workspace/scratch/alice/logs/big.log');
    await expect.poll(() => page.getByRole('note').textContent()).toContain('Showing the first 256 KiB of 300 KiB');
    expect((await page.getByTestId('text-view').locator('.ws-text-body').textContent())!.length).toBe(256 * 1024);
    await page
      .getByRole('navigation', { name: 'Workspace folders', exact: true })
      .getByRole('link', { name: 'weights.bin', exact: true })
      .click();
    await expect.poll(() => page.getByTestId('binary-notice').textContent()).toContain('Binary file · 8 B');
  });

  it('shows a file written while its folder is open, without a reload', async () => {
    const { page } = session;
    await go('workspace/scratch/alice/notes/deep');
    const table = page.getByTestId('folder-table');
    await table.getByRole('link', { name: 'config.json', exact: true }).waitFor();
    await putScratch('notes/deep/run-2.log', 'step 1\nstep 2\n');
    await table.getByRole('link', { name: 'run-2.log', exact: true }).waitFor({ timeout: 5_000 });
    await table.getByRole('link', { name: 'run-2.log', exact: true }).click();
    await expect
      .poll(() => page.getByTestId('text-view').locator('.ws-text-body').textContent())
      .toBe('step 1\nstep 2\n');
    // The open file changes on disk: the preview follows.
    await putScratch('notes/deep/run-2.log', 'step 1\nstep 2\nstep 3\n');
    await expect
      .poll(() => page.getByTestId('text-view').locator('.ws-text-body').textContent(), { timeout: 5_000 })
      .toBe('step 1\nstep 2\nstep 3\n');
  });

  it('says plainly when the open file is deleted, and when a link names a file that is gone', async () => {
    const { page } = session;
    const res = await hub.call('DELETE', '/v1/scratch/alice/notes/deep/run-2.log', { token: alice });
    expect(res.status).toBe(204);
    const gone = page.getByTestId('gone');
    await expect.poll(() => gone.textContent(), { timeout: 5_000 }).toContain('This file is gone');
    await gone.getByRole('link', { name: 'Open deep', exact: true }).click();
    await page.getByTestId('folder-table').getByRole('link', { name: 'config.json', exact: true }).waitFor();
    expect(await page.getByTestId('folder-table').getByRole('link', { name: 'run-2.log', exact: true }).count()).toBe(
      0,
    );

    await go('workspace/scratch/alice/no-such-folder/nothing.md');
    await expect.poll(() => gone.textContent()).toContain('no-such-folder/nothing.md');
    await go('workspace/central/message_board/20200101-000000-000_nobody.md');
    await expect.poll(() => gone.textContent()).toContain('This file is gone');
    expect(session.pageErrors).toEqual([]);
  });
});
