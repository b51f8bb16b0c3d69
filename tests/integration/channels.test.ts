// Channels as a public-collab agent uses them: create, post, subscribe, the feed, mentions, the digest, the refusals.
import { beforeAll, describe, expect, it } from 'vitest';
import { startTestHub } from '../helpers/test-hub';
import { withHub } from '../helpers/with-hub';

const hub = withHub();
let bb: string;
let dd: string;
let reader: string;
beforeAll(async () => {
  bb = await hub.register('bb');
  dd = await hub.register('dd');
  reader = await hub.register('reader');
});

const create = (token: string, name: string, body = 'Deep talk about X. Bring measurements.') =>
  hub.call('POST', '/v1/channels', { token, body: { name, body } });
const post = (token: string, body: Record<string, unknown>) => hub.call('POST', '/v1/messages', { token, body });
/** Subscribes the public way: a file the agent wrote in its scratch folder proves who it is. */
async function subscribe(token: string, agent: string, channel: string, verb = 'subscribe', notify?: string) {
  await hub.call('PUT', `/v1/scratch/${agent}/subscribe-marker.md`, { token, raw: 'following' });
  const body = { source: 'subscribe-marker.md', ...(notify !== undefined ? { notify } : {}) };
  return hub.call('POST', `/v1/channels/${channel}/${verb}`, { token, body });
}
const boardCount = async () => (await hub.call('GET', '/v1/messages')).body.count as number;

describe('creating a channel', () => {
  it('creates a channel, announces it on the board as its creator and subscribes the creator', async () => {
    const created = await create(bb, 'eval-harness');
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'eval-harness', via: 'raw', path: 'channels/eval-harness/README.md' });
    expect(created.body.created).toBe(true);
    const ann = await hub.call('GET', `/v1/messages/${created.body.announcement}`);
    expect(ann.body.body).toContain('#eval-harness');
    expect(ann.body.frontmatter).toMatchObject({ agent: 'bb', via: 'server', type: 'note' });
    const detail = await hub.call('GET', '/v1/channels/eval-harness');
    expect(detail.body.creator).toBe('bb');
    expect(detail.body.members.map((m: { handle: string }) => m.handle)).toEqual(['bb']);
    expect(detail.body.theme.frontmatter).toMatchObject({ channel: 'eval-harness', creator: 'bb' });
  });

  it('lets only the creator update the theme (CHANNEL_EXISTS), without announcing again', async () => {
    await create(bb, 'evals');
    const before = await boardCount();
    const taken = await create(dd, 'evals', 'mine now');
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('CHANNEL_EXISTS');
    const updated = await create(bb, 'evals', 'Updated theme, sharper scope.');
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ created: false, announcement: null });
    const detail = await hub.call('GET', '/v1/channels/evals');
    expect(detail.body.theme.body).toContain('Updated theme');
    expect(detail.body.updated).not.toBeNull();
    expect(await boardCount()).toBe(before);
    // From a file: its frontmatter replaces the theme's own fields, never who created the channel or when.
    const createdAt = detail.body.theme.frontmatter.created as string;
    for (const [status, text] of [
      ['open', 'Open: bring evals.'],
      ['closed', 'Closed: the harness is done.'],
    ]) {
      await hub.call('PUT', '/v1/scratch/bb/evals-theme.md', {
        token: bb,
        raw: `---\nstatus: ${status}\ncreator: dd\n---\n${text}\n`,
      });
      const fromFile = await hub.call('POST', '/v1/channels', {
        token: bb,
        body: { name: 'evals', source: 'evals-theme.md' },
      });
      expect(fromFile.status, fromFile.text).toBe(200);
    }
    const after = (await hub.call('GET', '/v1/channels/evals')).body.theme;
    expect(after.frontmatter).toMatchObject({ status: 'closed', creator: 'bb', created: createdAt, channel: 'evals' });
    expect(after.body).toContain('Closed: the harness is done.');
  });

  it('refuses a bad or reserved name with CHANNEL_NAME_INVALID and an empty theme', async () => {
    for (const name of ['Bad_Name', 'feed', 'none', '-x']) {
      const res = await create(bb, name);
      expect(res.status, name).toBe(400);
      expect(res.body.error.code, name).toBe('CHANNEL_NAME_INVALID');
    }
    expect((await create(bb, 'feed')).body.error.message).toContain('reserved');
    const empty = await create(bb, 'empty', '   ');
    expect(empty.body.error.code).toBe('CHANNEL_THEME_REQUIRED');
  });

  it('lets the organizer create a channel as itself', async () => {
    const res = await create(hub.organizerToken, 'orga-room', 'Organizer notes.');
    expect(res.status).toBe(201);
    expect(res.body.via).toBe('dashboard');
  });
});

describe('posting in a channel', () => {
  it('keeps the post off the general board, stamps it, and subscribes the author once', async () => {
    await create(bb, 'tricks', 'Tokenizer tricks.');
    const before = await boardCount();
    const first = await post(dd, { body: 'profiled the scorer', channel: 'tricks' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ channel: 'tricks', auto_subscribed: true });
    expect(first.body.path).toBe(`channels/tricks/${first.body.filename}`);
    const msgs = await hub.call('GET', '/v1/channels/tricks/messages?expand=true');
    expect(msgs.body.matched).toBe(1);
    expect(msgs.body.items[0].frontmatter.channel).toBe('tricks');
    expect(await boardCount()).toBe(before);
    const board = await hub.call('GET', '/v1/messages?limit=500');
    expect(board.body.items).not.toContain(first.body.filename);
    const detail = await hub.call('GET', '/v1/channels/tricks');
    expect(detail.body.members).toEqual([
      expect.objectContaining({ handle: 'bb' }),
      expect.objectContaining({ handle: 'dd', via: 'auto' }),
    ]);
    const second = await post(dd, { body: 'second post', channel: 'tricks' });
    expect(second.body.auto_subscribed).toBe(false);
  });

  it('delivers a mention in a channel to the inbox, with the channel stamp', async () => {
    await create(bb, 'mentions-room');
    const res = await post(dd, { body: '@bb the scorer truncates at 2^20 bytes', channel: 'mentions-room' });
    expect(res.body.mentions_delivered).toEqual(['bb']);
    const inbox = await hub.call('GET', '/v1/inbox/bb?expand=true&limit=50');
    const copies = inbox.body.items.filter((m: { body: string }) => m.body.includes('truncates'));
    expect(copies).toHaveLength(1);
    expect(copies[0].frontmatter.channel).toBe('mentions-room');
  });

  it('refuses a channel that does not exist (CHANNEL_NOT_FOUND), and a channel post that is also a broadcast', async () => {
    const missing = await post(bb, { body: 'hello?', channel: 'nope' });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('CHANNEL_NOT_FOUND');
    await create(bb, 'no-broadcast');
    const both = await post(hub.organizerToken, { body: 'x', channel: 'no-broadcast', broadcast: true });
    expect(both.status).toBe(400);
  });

  it('refuses a channel stamped in a source file by its author', async () => {
    await hub.call('PUT', '/v1/scratch/bb/sneaky.md', { token: bb, raw: '---\nchannel: evals\n---\nspoof' });
    const res = await post(bb, { source: 'sneaky.md' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_FRONTMATTER');
  });
});

describe('subscriptions and the feed', () => {
  it('subscribes and unsubscribes idempotently, and the feed follows', async () => {
    await create(bb, 'lurk');
    await post(bb, { body: 'first finding', channel: 'lurk' });
    const sub = await subscribe(reader, 'reader', 'lurk');
    expect(sub.status).toBe(200);
    expect(sub.body).toEqual({
      channel: 'lurk',
      handle: 'reader',
      subscribed: true,
      changed: true,
      notify: 'mentions',
    });
    expect((await subscribe(reader, 'reader', 'lurk')).body.changed).toBe(false);
    const feed = await hub.call('GET', '/v1/channels/feed?as=reader&expand=true');
    expect(feed.body.items.map((m: { body: string }) => m.body)).toContain('first finding');
    const left = await subscribe(reader, 'reader', 'lurk', 'unsubscribe');
    expect(left.body).toEqual({ channel: 'lurk', handle: 'reader', subscribed: false, changed: true, notify: null });
    expect((await subscribe(reader, 'reader', 'lurk', 'unsubscribe')).body.changed).toBe(false);
    const after = await hub.call('GET', '/v1/channels/feed?as=reader&expand=true');
    expect(after.body.items.map((m: { body: string }) => m.body)).not.toContain('first finding');
    expect((await hub.call('GET', '/v1/channels/lurk/messages')).body.matched).toBe(1);
  });

  it('keeps a notify level per subscription: a level change is a change, and leaving it out keeps the level', async () => {
    await create(bb, 'bells');
    const loud = await subscribe(reader, 'reader', 'bells', 'subscribe', 'ALL ');
    expect(loud.body).toMatchObject({ subscribed: true, changed: true, notify: 'all' });
    expect((await subscribe(reader, 'reader', 'bells')).body).toMatchObject({ changed: false, notify: 'all' });
    expect((await subscribe(reader, 'reader', 'bells', 'subscribe', 'all')).body.changed).toBe(false);
    const quiet = await subscribe(reader, 'reader', 'bells', 'subscribe', 'mentions');
    expect(quiet.body).toMatchObject({ changed: true, notify: 'mentions' });
    const bad = await subscribe(reader, 'reader', 'bells', 'subscribe', 'loud');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('INVALID_FRONTMATTER');
    const detail = await hub.call('GET', '/v1/channels/bells');
    expect(detail.body.members).toEqual([
      expect.objectContaining({ handle: 'bb', notify: 'mentions' }),
      expect.objectContaining({ handle: 'reader', notify: 'mentions' }),
    ]);
  });

  it('refuses a subscription proven by a file that is not there, and one to a channel that is not there', async () => {
    const missing = await hub.call('POST', '/v1/channels/lurk/subscribe', {
      token: reader,
      body: { source: 'never-written.md' },
    });
    expect(missing.body.error.code).toBe('SOURCE_NOT_FOUND');
    const noChannel = await subscribe(reader, 'reader', 'nope');
    expect(noChannel.status).toBe(404);
    expect(noChannel.body.error.code).toBe('CHANNEL_NOT_FOUND');
  });

  it('unions the subscribed channels in one feed with an exclusive filename cursor', async () => {
    const feeder = await hub.register('feeder');
    for (const name of ['alpha', 'beta', 'gamma']) await create(bb, name);
    await post(bb, { body: 'a1', channel: 'alpha' });
    await post(bb, { body: 'b1', channel: 'beta' });
    await post(bb, { body: 'not for the feeder', channel: 'gamma' });
    await subscribe(feeder, 'feeder', 'alpha');
    await subscribe(feeder, 'feeder', 'beta');
    const feed = await hub.call('GET', '/v1/channels/feed?as=feeder&expand=true&order=asc');
    expect(feed.body.items.map((m: { body: string }) => m.body)).toEqual(['a1', 'b1']);
    const page = await hub.call(
      'GET',
      `/v1/channels/feed?as=feeder&order=asc&expand=true&after=${feed.body.items[0].filename}`,
    );
    expect(page.body.items.map((m: { body: string }) => m.body)).toEqual(['b1']);
    expect((await hub.call('GET', '/v1/channels/feed?as=ghost')).status).toBe(404);
  });

  it('lists channels most recently active first, with counts and a theme excerpt', async () => {
    await create(bb, 'listing-a', 'Scoring and verification.');
    await create(bb, 'listing-b', 'Quiet room.');
    await post(dd, { body: 'activity!', channel: 'listing-a' });
    const list = await hub.call('GET', '/v1/channels');
    expect(list.body.items[0].name).toBe('listing-a');
    expect(list.body.items[0]).toMatchObject({
      member_count: 2,
      message_count: 1,
      theme_excerpt: 'Scoring and verification.',
    });
    expect(list.body.items[0].last_activity).toMatch(/^\d{8}-\d{6}-\d{3}$/);
    const q = await hub.call('GET', '/v1/channels?q=quiet');
    expect(q.body.items.map((c: { name: string }) => c.name)).toEqual(['listing-b']);
    expect((await hub.call('GET', '/v1/channels/nope')).body.error.code).toBe('CHANNEL_NOT_FOUND');
    expect((await hub.call('GET', '/v1/channels/nope/messages')).status).toBe(404);
  });
});

describe('the digest', () => {
  it('has a channels block: every channel, and with as= the subscriptions and what is new in them', async () => {
    const fan = await hub.register('fan');
    await create(bb, 'digest-room');
    const old = await post(bb, { body: 'old finding', channel: 'digest-room' });
    await subscribe(fan, 'fan', 'digest-room');
    const anon = await hub.call('GET', '/v1/digest');
    expect(anon.body.channels.channels.map((c: { name: string }) => c.name)).toContain('digest-room');
    expect(anon.body.channels.subscribed).toBeNull();
    expect(anon.body.recent_messages.map((m: { body: string }) => m.body)).not.toContain('old finding');
    const mine = await hub.call('GET', '/v1/digest?as=fan');
    expect(mine.body.channels.subscribed).toEqual([
      expect.objectContaining({ name: 'digest-room', new_count: 1, notify: 'mentions' }),
    ]);
    expect(mine.body.channels.subscribed[0].recent[0].frontmatter.channel).toBe('digest-room');
    const since = (old.body.filename as string).slice(0, 19);
    await post(bb, { body: 'brand new', channel: 'digest-room' });
    const fresh = await hub.call('GET', `/v1/digest?as=fan&since=${since}`);
    expect(fresh.body.channels.subscribed[0].new_count).toBe(2);
  });

  it('has updates and watching blocks with as=: unread past after=, and null until the handle reads a stream', async () => {
    const behind = await hub.register('behind');
    const cold = await hub.call('GET', '/v1/digest?as=behind');
    expect(cold.body.updates).toEqual({ unread: 0, newest: null });
    expect(cold.body.watching).toBeNull();
    expect((await hub.call('GET', '/v1/digest')).body).toMatchObject({ updates: null, watching: null });
    await create(bb, 'loud-room');
    await subscribe(behind, 'behind', 'loud-room', 'subscribe', 'all');
    const first = (await post(bb, { body: 'ping @behind' })).body.filename as string;
    const second = (await post(bb, { body: 'chatter', channel: 'loud-room' })).body.filename as string;
    await post(bb, { body: 'nothing for behind' });
    const mine = await hub.call('GET', '/v1/digest?as=behind');
    expect(mine.body.updates).toEqual({ unread: 2, newest: second });
    expect((await hub.call('GET', `/v1/digest?as=behind&after=${first}`)).body.updates.unread).toBe(1);
    expect((await hub.call('GET', `/v1/digest?as=behind&after=${second}`)).body.updates.unread).toBe(0);
    // A plain /v1/updates read is a watch read; the (cached) digest still reports it at once.
    await hub.call('GET', `/v1/updates?as=behind&after=${second}`);
    const seen = await hub.call('GET', '/v1/digest?as=behind');
    expect(seen.body.watching).toEqual({ last_poll_age_s: expect.any(Number), mode: 'poll', stream: 'updates' });
  });
});

describe('the creation rate limit', () => {
  it('refuses an agent a channel over its hourly budget, with Retry-After', async () => {
    const limited = await startTestHub({ limits: { channel_creations_per_hour: 2 } as never });
    try {
      const token = await limited.register('maker');
      const make = (name: string) =>
        limited.call('POST', '/v1/channels', { token, body: { name, body: 'A room for one idea.' } });
      expect((await make('one')).status).toBe(201);
      expect((await make('two')).status).toBe(201);
      const third = await make('three');
      expect(third.status).toBe(429);
      expect(third.body.error.code).toBe('RATE_LIMITED');
      expect(third.headers.get('retry-after')).not.toBeNull();
      // An update of one's own theme is no creation.
      expect((await make('one')).status).toBe(200);
    } finally {
      await limited.stop(true);
    }
  });
});
