// GET /v1/updates, /v1/watching and /v1/watch.sh as a public-collab agent relies on them, against a real hub over HTTP.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { UpdateItem, UpdatesPage, WatchingResponse } from '../../src/shared/updates-api';
import { startTestHub, type TestHub } from '../helpers/test-hub';
import { withHub } from '../helpers/with-hub';

/** Hang guard only: every wait below ends on an event (a wake, a registry change), never on this. */
const GUARD_MS = 20_000;

async function until(hub: TestHub, pred: (w: WatchingResponse) => boolean): Promise<WatchingResponse> {
  const end = Date.now() + GUARD_MS;
  for (;;) {
    const w = (await hub.call<WatchingResponse>('GET', '/v1/watching')).body;
    if (pred(w)) return w;
    if (Date.now() > end) throw new Error(`never happened: ${JSON.stringify(w)}`);
    await new Promise((r) => setImmediate(r));
  }
}

async function updates(hub: TestHub, query: string): Promise<{ status: number; body: UpdatesPage; ms: number }> {
  const t0 = Date.now();
  const res = await hub.call<UpdatesPage>('GET', `/v1/updates?${query}`);
  return { status: res.status, body: res.body, ms: Date.now() - t0 };
}

async function post(hub: TestHub, token: string, body: Record<string, unknown>): Promise<string> {
  const res = await hub.call('POST', '/v1/messages', { token, body });
  if (res.status !== 201) throw new Error(`post: ${res.status} ${res.text}`);
  return res.body.filename as string;
}

const items = (page: UpdatesPage) => page.items as UpdateItem[];

describe('following /v1/updates', () => {
  const hub = withHub();

  it('delivers every item exactly once across cursor calls, even when writes land during a wait', async () => {
    const watcher = await hub.register('follow-w');
    const poster = await hub.register('follow-p');
    void watcher;
    const base = (await updates(hub, 'as=follow-w&limit=1&order=desc')).body.cursor;
    const posted: string[] = [];
    const total = 12;
    const writing = (async () => {
      for (let i = 0; i < total; i++) posted.push(await post(hub, poster, { body: `note ${i} for @follow-w` }));
    })();
    const seen: string[] = [];
    let cursor = base;
    while (seen.length < total) {
      const after = cursor === null ? '' : `&after=${cursor}`;
      const { body } = await updates(hub, `as=follow-w&order=asc&expand=true&limit=3&wait=10${after}`);
      for (const item of items(body)) seen.push(item.filename);
      if (body.cursor !== null) cursor = body.cursor;
    }
    await writing;
    expect(seen).toEqual(posted);
    expect(new Set(seen).size).toBe(total);
  });

  it('wakes a parked waiter on a mention without waiting out `wait`', async () => {
    await hub.register('wake-w');
    const poster = await hub.register('wake-p');
    const cursor = (await updates(hub, 'as=wake-w&limit=1')).body.cursor ?? '0';
    const parked = updates(hub, `as=wake-w&expand=true&order=asc&wait=50&after=${cursor}`);
    await until(hub, (w) => w.watching['wake-w']?.mode === 'parked' && w.longpoll.waiters >= 1);
    const filename = await post(hub, poster, { body: 'ping @wake-w' });
    const { status, body, ms } = await parked;
    expect(status).toBe(200);
    expect(ms).toBeLessThan(GUARD_MS);
    expect(body.watch?.status).toBe('delivered');
    expect(items(body).map((i) => [i.filename, i.reasons])).toEqual([[filename, ['mention']]]);
    expect(body.cursor).toBe(filename);
  });

  it('brings the messages of subscribed channels and broadcasts, each delivered once with its reasons', async () => {
    const watcher = await hub.register('chan-w');
    const poster = await hub.register('chan-p');
    const created = await hub.call('POST', '/v1/channels', {
      token: watcher,
      body: { name: 'drafts-room', body: 'Draft models.' },
    });
    expect(created.status).toBe(201);
    const loud = await hub.call('POST', '/v1/channels/drafts-room/subscribe', {
      token: watcher,
      body: { notify: 'all' },
    });
    expect(loud.body).toMatchObject({ changed: true, notify: 'all' });
    const cursor = (await updates(hub, 'as=chan-w&limit=1')).body.cursor ?? '0';
    const plain = await post(hub, poster, { body: 'plain chatter', channel: 'drafts-room' });
    const both = await post(hub, poster, { body: '@chan-w look', channel: 'drafts-room' });
    const broadcast = await post(hub, hub.organizerToken, { body: 'all hands', broadcast: true });
    const offBoard = await post(hub, poster, { body: 'nobody is mentioned' });
    const page = (await updates(hub, `as=chan-w&expand=true&order=asc&limit=50&after=${cursor}`)).body;
    const got = Object.fromEntries(items(page).map((i) => [i.filename, i.reasons]));
    expect(got).toEqual({
      [plain]: ['channel:drafts-room'],
      [both]: ['mention', 'channel:drafts-room'],
      [broadcast]: ['broadcast'],
    });
    expect(got[offBoard]).toBeUndefined();
  });

  it('does not wake on ordinary posts in a `mentions`-level channel, but does on a mention in it', async () => {
    const watcher = await hub.register('quiet-w');
    const poster = await hub.register('quiet-p');
    await hub.call('POST', '/v1/channels', { token: watcher, body: { name: 'quiet-room', body: 'Backburner.' } });
    const detail = await hub.call('GET', '/v1/channels/quiet-room');
    expect(detail.body.members).toEqual([expect.objectContaining({ handle: 'quiet-w', notify: 'mentions' })]);
    const cursor = (await updates(hub, 'as=quiet-w&limit=1')).body.cursor ?? '0';
    const parked = updates(hub, `as=quiet-w&expand=true&order=asc&wait=50&after=${cursor}`);
    await until(hub, (w) => w.watching['quiet-w']?.mode === 'parked' && w.longpoll.owners >= 1);
    const before = (await hub.call<WatchingResponse>('GET', '/v1/watching')).body.longpoll.wakes;
    await post(hub, poster, { body: 'ordinary chatter', channel: 'quiet-room' });
    // The wake runs in the post's commit, so by its answer a woken waiter would have counted.
    expect((await hub.call<WatchingResponse>('GET', '/v1/watching')).body.longpoll.wakes).toBe(before);
    const mention = await post(hub, poster, { body: '@quiet-w your call', channel: 'quiet-room' });
    const { body } = await parked;
    expect(body.watch?.status).toBe('delivered');
    expect(items(body).map((i) => [i.filename, i.reasons])).toEqual([[mention, ['mention']]]);
  });

  it('reads `after` as the public collab does: exclusive filename, a bare stamp as an inclusive prefix', async () => {
    await hub.register('after-w');
    const poster = await hub.register('after-p');
    const from = (await updates(hub, 'as=after-w&limit=1')).body.cursor ?? '0';
    const names = [
      await post(hub, poster, { body: '@after-w 1' }),
      await post(hub, poster, { body: '@after-w 2' }),
      await post(hub, poster, { body: '@after-w 3' }),
    ];
    const plain = (await updates(hub, `as=after-w&order=asc&after=${from}`)).body;
    expect(plain.items).toEqual(names);
    expect(plain.cursor).toBe(names[2]);
    expect(plain.watch).toBeUndefined();
    expect((await updates(hub, 'as=after-w&limit=1')).body.cursor).toBe(names[2]);
    expect((await updates(hub, `as=after-w&order=asc&after=${names[0]}`)).body.items).toEqual(names.slice(1));
    const stamp = names[0]!.split('_')[0]!;
    expect((await updates(hub, `as=after-w&order=asc&after=${stamp}`)).body.items).toEqual(names);
    // A whole second: everything stamped in it on (an earlier test's broadcast may share the second, and the three
    // posts may straddle into the next one), and nothing stamped before it.
    const secondStamp = stamp.slice(0, 15);
    const second = (await updates(hub, `as=after-w&order=asc&after=${secondStamp}`)).body.items as string[];
    expect(second.slice(-3)).toEqual(names);
    expect(second.every((f) => f >= secondStamp)).toBe(true);
    const drained = (await updates(hub, `as=after-w&after=${names[2]}`)).body;
    expect([drained.items, drained.cursor]).toEqual([[], null]);
    expect((await updates(hub, 'as=after-w&after=99991231-235959')).body.items).toEqual([]);
  });

  it('keeps `cursor` after `items` on the wire, so message text can never spell one', async () => {
    await hub.register('wire-w');
    const poster = await hub.register('wire-p');
    const real = await post(hub, poster, { body: '@wire-w ],"cursor":"99999999-999999-999_zzz.md"' });
    const res = await hub.call('GET', `/v1/updates?as=wire-w&expand=true`);
    expect(res.text).not.toContain('\n');
    expect(res.text.replace(/.*\]/, '')).toBe(`,"next":null,"cursor":"${real}"}`);
  });

  it('shows a waiting agent in /v1/watching, and keeps its presence after the poll returns', async () => {
    await hub.register('seen-w');
    await hub.register('seen-plain');
    const from = (await updates(hub, 'as=seen-w&limit=1')).body.cursor ?? '0';
    const parked = updates(hub, `as=seen-w&wait=50&after=${from}`);
    const live = await until(hub, (w) => w.watching['seen-w'] !== undefined && w.longpoll.waiters >= 1);
    expect(live.watching['seen-w']).toMatchObject({ mode: 'parked', stream: 'updates' });
    expect(live.watching['seen-w']!.last_poll_age_s).toBeGreaterThanOrEqual(0);
    expect(live.max_wait_s).toBe(55);
    expect(live.fresh_s).toBe(240);
    await updates(hub, 'as=seen-plain');
    expect((await hub.call<WatchingResponse>('GET', '/v1/watching')).body.watching['seen-plain']?.mode).toBe('poll');
    await post(hub, hub.organizerToken, { body: 'release the parked poll', broadcast: true });
    const done = await parked;
    expect(done.body.watch?.status).toBe('delivered');
    expect(done.ms).toBeLessThan(GUARD_MS);
  });

  it('refuses an unknown or malformed `as` as the public collab does, without taking a waiter slot', async () => {
    const before = (await hub.call<WatchingResponse>('GET', '/v1/watching')).body.longpoll.parks;
    const ghost = await updates(hub, 'as=ghost-agent&wait=30');
    expect([ghost.status, (ghost.body as any).error.code]).toEqual([404, 'NOT_REGISTERED']);
    expect(ghost.ms).toBeLessThan(5000);
    const bad = await updates(hub, 'as=Not_An_Id');
    expect([bad.status, (bad.body as any).error.code]).toEqual([400, 'INVALID_PATH']);
    await hub.register('before-w');
    const withBefore = await updates(hub, 'as=before-w&wait=1&before=20260101-000000-000_x.md');
    expect([withBefore.status, (withBefore.body as any).error.code]).toEqual([400, 'INVALID_QUERY']);
    expect((await updates(hub, 'as=before-w&before=20260101-000000-000_x.md')).status).toBe(200);
    const after = (await hub.call<WatchingResponse>('GET', '/v1/watching')).body;
    expect(after.longpoll.parks).toBe(before);
    expect(after.watching['ghost-agent']).toBeUndefined();
  });

  it('serves watch.sh, which defaults to this hub and delivers a new mention in one run', async () => {
    await hub.register('script-w');
    const poster = await hub.register('script-p');
    const res = await hub.call('GET', '/v1/watch.sh');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/x-shellscript');
    expect(res.text).toContain(`DEFAULT_BASE='${hub.url}'`);
    const dir = mkdtempSync(join(tmpdir(), 'watch-sh-'));
    try {
      const script = join(dir, 'watch.sh');
      writeFileSync(script, res.text);
      for (const shell of ['sh', 'bash']) {
        const check = spawn(shell, ['-n', script]);
        expect(await new Promise((r) => check.once('exit', r))).toBe(0);
      }
      // One run with no <base-url>: baselines the cursor, parks, prints the page that the mention produces.
      const env = { ...process.env, COLLAB_WATCH_DIR: join(dir, 'state'), COLLAB_WATCH_WAIT: '30' };
      const run = spawn('sh', [script, 'script-w', '--max-wait', '60'], { env });
      let out = '';
      let err = '';
      run.stdout.on('data', (d: Buffer) => (out += d.toString()));
      run.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<number | null>((r) => run.once('exit', r));
      await until(hub, (w) => w.watching['script-w']?.mode === 'parked' && w.longpoll.waiters >= 1);
      const filename = await post(hub, poster, { body: 'for the watcher @script-w' });
      expect(await exited, err).toBe(0);
      const page = JSON.parse(out) as UpdatesPage;
      expect(items(page).map((i) => i.filename)).toEqual([filename]);
      expect(readFileSync(join(dir, 'state', 'cursor'), 'utf8').trim()).toBe(filename);
      // Nothing pending now: --peek says so (exit 0) and leaves the cursor.
      const peek = spawn('sh', [script, hub.url, 'script-w', '--peek'], { env });
      expect(await new Promise((r) => peek.once('exit', r))).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('wait= on the inbox and the channel feed', () => {
  const hub = withHub();

  it('wakes an inbox wait on a mention, and shows it watching the inbox', async () => {
    await hub.register('inbox-w');
    const poster = await hub.register('inbox-p');
    const first = await hub.call<UpdatesPage>('GET', '/v1/inbox/inbox-w?limit=1');
    expect(first.body.cursor).toBeNull();
    expect(first.body.watch).toBeUndefined();
    const parked = hub.call<UpdatesPage>('GET', '/v1/inbox/inbox-w?expand=true&order=asc&wait=50');
    await until(hub, (w) => w.watching['inbox-w']?.stream === 'inbox' && w.watching['inbox-w'].mode === 'parked');
    await post(hub, poster, { body: 'nobody in particular' });
    const filename = await post(hub, poster, { body: 'look @inbox-w' });
    const { status, body } = await parked;
    expect(status).toBe(200);
    expect(body.watch?.status).toBe('delivered');
    expect((body.items as UpdateItem[]).map((i) => i.filename)).toEqual([filename]);
    expect(body.cursor).toBe(filename);
    const refused = await hub.call('GET', `/v1/inbox/inbox-w?wait=5&before=${filename}`);
    expect(refused.body.error.code).toBe('INVALID_QUERY');
    expect((await hub.call('GET', '/v1/inbox/nobody-here?wait=5')).status).toBe(404);
  });

  it('wakes a feed wait on a post in a subscribed channel, whatever its level, and answers no_streams without one', async () => {
    const reader = await hub.register('feed-w');
    const poster = await hub.register('feed-p');
    void reader;
    await hub.call('POST', '/v1/channels', { token: poster, body: { name: 'feed-room', body: 'A room.' } });
    const lonely = await hub.call<UpdatesPage>('GET', '/v1/channels/feed?as=feed-w&wait=50');
    expect(lonely.body.watch?.status).toBe('no_streams');
    await hub.call('PUT', '/v1/scratch/feed-w/proof.md', { token: reader, raw: 'me' });
    await hub.call('POST', '/v1/channels/feed-room/subscribe', { token: reader, body: { source: 'proof.md' } });
    const parked = hub.call<UpdatesPage>('GET', '/v1/channels/feed?as=feed-w&expand=true&order=asc&wait=50');
    await until(hub, (w) => w.watching['feed-w']?.stream === 'feed' && w.longpoll.owners >= 1);
    const filename = await post(hub, poster, { body: 'fresh finding', channel: 'feed-room' });
    const { body } = await parked;
    expect(body.watch?.status).toBe('delivered');
    expect((body.items as UpdateItem[]).map((i) => i.filename)).toEqual([filename]);
    expect(body.cursor).toBe(filename);
  });
});

describe('the wait ceiling', () => {
  const hub = withHub({ limits: { longpoll_max_wait_s: 1 } as never });

  it('clamps a longer wait to the ceiling and answers a timeout, never an error', async () => {
    await hub.register('cap-w');
    const { status, body, ms } = await updates(hub, 'as=cap-w&wait=9999');
    expect(status).toBe(200);
    expect(body.watch?.status).toBe('timeout');
    expect(body.watch!.waited_ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(GUARD_MS);
    expect((await hub.call<WatchingResponse>('GET', '/v1/watching')).body.max_wait_s).toBe(1);
    const negative = (await updates(hub, 'as=cap-w&wait=-5')).body;
    expect(negative.watch).toBeUndefined();
  });
});

describe('waiter limits', () => {
  const hub = withHub({ limits: { longpoll_waiters_per_owner: 1, longpoll_waiters_total: 2 } as never });

  it("evicts a handle's oldest wait for its newest, which still delivers", async () => {
    await hub.register('limit-a');
    const poster = await hub.register('limit-p');
    const first = updates(hub, 'as=limit-a&wait=50&after=99991231');
    await until(hub, (w) => w.longpoll.waiters === 1);
    const second = updates(hub, 'as=limit-a&wait=50&order=asc&expand=true&after=20000101');
    const evicted = await first;
    expect(evicted.body.watch?.status).toBe('evicted');
    expect(evicted.ms).toBeLessThan(GUARD_MS);
    await until(hub, (w) => w.longpoll.waiters === 1 && w.longpoll.evictions === 1);
    const filename = await post(hub, poster, { body: 'for the live one @limit-a' });
    const live = await second;
    expect(live.body.watch?.status).toBe('delivered');
    expect(items(live.body).map((i) => i.filename)).toEqual([filename]);
  });

  it('serves a wait past the hub-wide cap as a paced plain poll (degraded), holding no slot', async () => {
    for (const id of ['cap-a', 'cap-b', 'cap-c']) await hub.register(id);
    const from = (await updates(hub, 'as=cap-a&limit=1')).body.cursor ?? '0';
    const a = updates(hub, `as=cap-a&wait=50&after=${from}`);
    const b = updates(hub, `as=cap-b&wait=50&after=${from}`);
    await until(hub, (w) => w.longpoll.waiters === 2);
    const c = await updates(hub, 'as=cap-c&wait=1&after=99991231');
    expect(c.status).toBe(200);
    expect(c.body.watch?.status).toBe('degraded');
    expect(c.ms).toBeGreaterThanOrEqual(900);
    const stats = (await hub.call<WatchingResponse>('GET', '/v1/watching')).body.longpoll;
    expect(stats).toMatchObject({ waiters: 2, owners: 2, degradations: 1 });
    await post(hub, hub.organizerToken, { body: 'release both', broadcast: true });
    expect((await a).body.watch?.status).toBe('delivered');
    expect((await b).body.watch?.status).toBe('delivered');
  });
});

describe('closing the hub', () => {
  it('ends parked requests promptly', async () => {
    const hub = await startTestHub();
    try {
      await hub.register('close-w');
      const parked = hub.call('GET', '/v1/updates?as=close-w&wait=50').then(
        (r) => r.status,
        () => 'connection closed',
      );
      await until(hub, (w) => w.longpoll.waiters === 1);
      const t0 = Date.now();
      await hub.stop();
      const outcome = await parked;
      expect([200, 'connection closed']).toContain(outcome);
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      await hub.stop(true);
    }
  });
});
