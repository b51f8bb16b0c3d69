// Following a public collab read-only: the first catch-up, new records and verdicts, the collab restarted or cut off (no gap, no duplicate), cursors across hub restarts, the storage budget; against the public-collab stand-in.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MirrorList, MirrorStatus, MirroredCollab } from '../../src/shared/mirror-api';
import { createMirrorService } from '../../src/sync/mirror-service';
import { startHfBucketStandin, type HfBucketStandin } from '../helpers/hf-bucket-standin';
import { startPublicCollabStandin, type PublicCollabStandin } from '../helpers/public-collab-standin';
import { startTestHub, type TestHub } from '../helpers/test-hub';

const ORG = 'gemma-challenge';
const ID = `${ORG}/gemma`;
const POLL_MS = 100;

let hf: HfBucketStandin;
let collab: PublicCollabStandin;
const hubs: TestHub[] = [];

function attachMirror(hub: TestHub, options: { pollMs?: number; watchAs?: string } = {}) {
  const pollMs = options.pollMs ?? POLL_MS;
  const mirror = createMirrorService({
    record: hub.running.hub.mirrorRecord,
    hfEndpoint: hf.url,
    pollMs,
    maxBackoffMs: pollMs * 4,
    ...(options.watchAs ? { watchAs: () => options.watchAs! } : {}),
  });
  hub.running.attachMirror(mirror);
  mirror.start();
  return mirror;
}

async function newHub(): Promise<TestHub> {
  const hub = await startTestHub();
  hubs.push(hub);
  attachMirror(hub);
  return hub;
}

const org = <T = any>(hub: TestHub, method: string, path: string, body?: unknown) =>
  hub.call<T>(method, path, { token: hub.organizerToken, ...(body === undefined ? {} : { body }) });

async function status(hub: TestHub): Promise<MirroredCollab> {
  const res = await hub.call<MirrorStatus>('GET', '/v1/mirror');
  expect(res.status, res.text).toBe(200);
  return res.body.collabs.find((c) => c.id === ID)!;
}

/** Waits (the follower passes every POLL_MS) until the copy satisfies `ok`. */
async function until(hub: TestHub, ok: (c: MirroredCollab) => boolean, what: string): Promise<MirroredCollab> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const c = await status(hub);
    if (c && ok(c)) return c;
    if (Date.now() > deadline) throw new Error(`mirror never got ${what}: ${JSON.stringify(c)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function all(hub: TestHub, kind: 'message' | 'result' | 'agent'): Promise<MirrorList['items']> {
  const items: MirrorList['items'] = [];
  let before: string | null = null;
  for (;;) {
    const q: string = `kind=${kind}&limit=500${before ? `&before=${encodeURIComponent(before)}` : ''}`;
    const page: { status: number; text: string; body: MirrorList } = await hub.call<MirrorList>(
      'GET',
      `/v1/mirror/${ID}/records?${q}`,
    );
    expect(page.status, page.text).toBe(200);
    items.push(...page.body.items);
    if (!page.body.next) return items;
    before = page.body.next;
  }
}

const upstream = (kind: 'message' | 'result') =>
  (kind === 'message' ? collab.messages() : collab.results()).map((r) => r.filename).sort();
/** Channel messages seeded so far: they are not on the public board (collab.messages()), but the copy keeps them. */
const inChannels: string[] = [];
/** Every message the copy should hold: the board's and the channels'. */
const allMessages = () => upstream('message').length + inChannels.length;

beforeAll(async () => {
  hf = await startHfBucketStandin({ users: [] });
  collab = await startPublicCollabStandin({ hf, org: ORG, slug: 'gemma' });
  collab.setReadme('# Gemma speed challenge\n\nRank by tps on a10g-small.\n');
  collab.seedMessages(450, { agents: ['ada', 'bo', 'cy'] });
  collab.seedResults(60, { agents: ['ada', 'bo'], score: (i) => 100 + i });
});

afterEach(async () => {
  await Promise.all(hubs.splice(0).map((h) => h.stop(true)));
});

afterAll(async () => {
  await collab?.close();
  await hf?.close();
});

describe('following a public collab', () => {
  it('catches up on the whole board, results and agents with its rules and leaderboard, each record with its origin', async () => {
    const hub = await newHub();
    const agentTry = await hub.call('POST', '/v1/mirror', { token: await hub.register('alice'), body: { target: ID } });
    expect(agentTry.status).toBe(403);
    const res = await org<MirroredCollab>(hub, 'POST', '/v1/mirror', { target: collab.apiUrl });
    expect(res.status, res.text).toBe(201);
    const c = await until(hub, (x) => x.caught_up_at !== null, 'a first pass');
    expect(c).toMatchObject({ live: true, problem: null, counts: { message: 450, result: 60 } });
    expect(c.counts.agent).toBeGreaterThanOrEqual(3);
    const messages = await all(hub, 'message');
    expect(messages.map((m) => m.filename).sort()).toEqual(upstream('message'));
    expect(messages[0]).toMatchObject({ origin: ID, url: `${collab.apiUrl}/v1/messages/${messages[0]!.filename}` });
    const board = await hub.call('GET', `/v1/mirror/${ID}/leaderboard`);
    expect(board.body.leaderboard.rows.length).toBeGreaterThan(0);
    expect((await hub.call('GET', `/v1/mirror/${ID}/rules`)).body.rules).toContain('Rank by tps on a10g-small');
    // Local agents see the public frontier in their digest, marked as the collab's, never as this hub's.
    const digest = (await hub.call('GET', '/v1/digest')).body;
    expect(digest.public).toHaveLength(1);
    expect(digest.public[0]).toMatchObject({ origin: ID, score_field: 'tps' });
    expect(digest.public[0].leaderboard[0]).toMatchObject({ rank: 1 });
    expect(digest.public[0].recent_messages.map((m: { filename: string }) => m.filename)).toEqual(
      upstream('message').slice(-5).reverse(),
    );
    expect(digest.leaderboard).toEqual([]);
    // Nothing of it is a record of this hub: its board and leaderboard are as they were.
    expect((await hub.call('GET', '/v1/messages?limit=500')).body.count).toBe(0);
    expect((await hub.call('GET', '/v1/results?limit=500')).body.count).toBe(0);
    // Read-only: every call it made was a GET, with no token.
    expect(collab.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('sees new messages, results and a verdict as they land', async () => {
    const hub = await newHub();
    await org(hub, 'POST', '/v1/mirror', { target: collab.apiUrl });
    await until(hub, (x) => x.counts.message === allMessages(), 'the board');
    const [fresh] = collab.seedResults(1, { agents: ['cy'], score: () => 999 });
    collab.seedMessages(3, { agents: ['cy'], body: (i) => `news ${i}` });
    await until(hub, (x) => x.counts.message === allMessages(), 'the new messages');
    // A channel, and a message in it: never on the public board, kept with its channel.
    collab.seedChannel('kv-cache', 'Quantized KV cache experiments', { members: [{ handle: 'cy' }] });
    const [inChannel] = collab.seedMessages(1, { agents: ['cy'], channel: 'kv-cache', body: () => 'q8_0 cache: +4%' });
    inChannels.push(inChannel!);
    const withChannel = await until(
      hub,
      (x) => x.counts.channel === 1 && x.counts.message > upstream('message').length,
      'the channel',
    );
    expect(withChannel.counts.message).toBe(upstream('message').length + 1);
    const stored = (await all(hub, 'message')).find((m) => m.filename === inChannel);
    expect(stored?.frontmatter.channel).toBe('kv-cache');
    expect(stored?.body).toContain('q8_0 cache: +4%');
    const read = async () => (await all(hub, 'result')).find((r) => r.filename === fresh)?.verification;
    await until(hub, () => true, 'a pass');
    expect(await read()).toBe('pending');
    collab.setVerification(fresh!, 'valid');
    const deadline = Date.now() + 30_000;
    while ((await read()) !== 'valid') {
      if (Date.now() > deadline) throw new Error('the verdict never reached the copy');
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  it('reads verdicts of many pending results in turns: none is left pending once the collab decided it', async () => {
    const hub = await newHub();
    await org(hub, 'POST', '/v1/mirror', { target: collab.apiUrl });
    // More pending results than one pass reads again (20), all decided upstream at once.
    const pending = collab.seedResults(45, { agents: ['dee'], score: (i) => 50 + i });
    await until(hub, (x) => x.counts.result === upstream('result').length, 'the new results');
    for (const f of pending) collab.setVerification(f, 'valid');
    const deadline = Date.now() + 30_000;
    for (;;) {
      const copy = (await all(hub, 'result')).filter((r) => pending.includes(r.filename));
      if (copy.every((r) => r.verification === 'valid')) break;
      if (Date.now() > deadline)
        throw new Error(`still pending: ${copy.filter((r) => r.verification !== 'valid').length}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  it('a restarted collab, then a network cut: the copy is served offline and catches up with no gap and no duplicate', async () => {
    const hub = await newHub();
    await org(hub, 'POST', '/v1/mirror', { target: collab.apiUrl });
    await until(hub, (x) => x.counts.message === allMessages(), 'the board');
    collab.restart();
    collab.seedMessages(5, { agents: ['ada'] });
    await until(hub, (x) => x.counts.message === allMessages(), 'the board after a restart');

    await collab.stop();
    try {
      const offline = await until(hub, (x) => !x.live && x.problem !== null, 'offline');
      expect(offline.problem).toMatch(/could not be reached|ECONNREFUSED/);
      // Its last state is still served, and says how old it is.
      const page = await hub.call<MirrorList>('GET', `/v1/mirror/${ID}/records?kind=message&limit=5`);
      expect(page.body.items).toHaveLength(5);
      expect(page.body.caught_up_at).toBe(offline.caught_up_at);
      collab.seedMessages(7, { agents: ['bo'] });
    } finally {
      await collab.start();
    }
    const back = await until(hub, (x) => x.live && x.counts.message === allMessages(), 'the catch-up');
    expect(back.problem).toBeNull();
    const mirrored = (await all(hub, 'message')).filter((m) => !m.frontmatter.channel).map((m) => m.filename);
    expect(new Set(mirrored).size).toBe(mirrored.length);
    expect(mirrored.sort()).toEqual(upstream('message'));
  });

  it('a restarted hub goes on from its cursors: it reads only what is new', async () => {
    let hub = await newHub();
    await org(hub, 'POST', '/v1/mirror', { target: collab.apiUrl });
    await until(hub, (x) => x.counts.message === allMessages(), 'the board');
    hub = await hub.restart();
    hubs.push(hub);
    const before = collab.requests.length;
    attachMirror(hub);
    collab.seedMessages(2, { agents: ['cy'] });
    await until(hub, (x) => x.live && x.counts.message === allMessages(), 'the new messages');
    // The whole board is several hundred records: after the restart one page of messages covers what is new.
    const pages = collab.requests.slice(before).filter((r) => r.path.startsWith('/v1/messages?'));
    expect(pages.length).toBeGreaterThan(0);
    expect(pages.every((r) => /[?&]after=/.test(r.path))).toBe(true);
  });

  it('keeps within the budget the user set: the oldest messages go first, results stay', async () => {
    const hub = await newHub();
    const res = await org<MirroredCollab>(hub, 'POST', '/v1/mirror', { target: collab.apiUrl, budget_mb: 1 });
    expect(res.body.budget_bytes).toBe(1024 * 1024);
    collab.seedMessages(1500, { agents: ['ada'], body: (i) => `a long message ${i} `.repeat(40) });
    const c = await until(hub, (x) => x.evicted > 0 && x.caught_up_at !== null, 'an eviction');
    expect(c.bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(c.counts.result).toBe(upstream('result').length);
    const kept = (await all(hub, 'message'))
      .filter((m) => !m.frontmatter.channel)
      .map((m) => m.filename)
      .sort();
    // What stays is the newest part of the board, with nothing missing inside it.
    const all_ = upstream('message');
    expect(kept).toEqual(all_.slice(all_.length - kept.length));
  });

  it('wakes at once on the long-poll of a handle registered there: a mention arrives long before the next poll', async () => {
    const hub = await startTestHub();
    hubs.push(hub);
    collab.seedAgent('watcher');
    // Polls an hour apart: only /v1/updates can bring the new message in time.
    attachMirror(hub, { pollMs: 3600_000, watchAs: 'watcher' });
    await org(hub, 'POST', '/v1/mirror', { target: collab.apiUrl });
    await until(hub, (x) => x.counts.message === allMessages(), 'the board');
    // Parked on the collab before the mention is posted (the stand-in counts parked requests).
    const deadline = Date.now() + 10_000;
    while (collab.parked() === 0) {
      if (Date.now() > deadline) throw new Error('the follower never parked a long-poll');
      await new Promise((r) => setTimeout(r, 10));
    }
    const [mention] = collab.seedMessages(1, { agents: ['ada'], body: () => '@watcher the draft n=6 result is in' });
    await until(hub, (x) => x.counts.message === allMessages(), 'the mention, through the long-poll');
    expect((await all(hub, 'message')).some((m) => m.filename === mention)).toBe(true);
  });

  it('unfollows: the copy is dropped; an unknown collab is NOT_FOLLOWED', async () => {
    const hub = await newHub();
    await org(hub, 'POST', '/v1/mirror', { target: collab.apiUrl });
    await until(hub, (x) => x.caught_up_at !== null, 'a first pass');
    expect((await org(hub, 'DELETE', `/v1/mirror/${ID}`)).status).toBe(200);
    expect((await hub.call<MirrorStatus>('GET', '/v1/mirror')).body.collabs).toEqual([]);
    const gone = await hub.call('GET', `/v1/mirror/${ID}/records`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('NOT_FOLLOWED');
  });
});
