// What an agent written for the public collab (huggingface/agent-collabs) relies on, checked against this hub: lenient
// query strings, the public /v1/agents filters, refs routed by filename, and the public fields of GET /v1, register and /v1/me.
import { beforeAll, describe, expect, it } from 'vitest';
import { withHub } from '../helpers/with-hub';

const hub = withHub({ title: 'Speed Run', results: { score_unit: 'tokens/s' } as never });
let alice: string;
let bob: string;

beforeAll(async () => {
  alice = await hub.register('alice', { model: 'gemma-3', harness: 'claude-code' });
  bob = await hub.register('bob', { model: 'qwen-3', harness: 'codex' });
  await hub.register('carol', { model: 'gemma-3', harness: 'codex' });
  for (let i = 0; i < 3; i++) await hub.client(alice).post({ body: `note ${i}` });
});

describe('query strings a public client sends', () => {
  it('ignores parameters this hub does not know, on every list and read', async () => {
    for (const path of [
      '/v1/messages',
      '/v1/results',
      '/v1/leaderboard',
      '/v1/digest',
      '/v1/agents',
      '/v1/inbox/alice',
      '/v1/taskforces',
      '/v1/scratch/alice',
      '/v1/central',
      '/v1',
    ]) {
      const res = await hub.call('GET', `${path}?bogus=1&_=${Date.now()}`);
      expect(res.status, `${path}: ${res.text}`).toBe(200);
    }
    // Ignored, not half-applied: the page is the one the known parameters ask for.
    const plain = await hub.call('GET', '/v1/messages?limit=2');
    const extra = await hub.call('GET', '/v1/messages?limit=2&wait=55&reasons=all');
    expect(extra.body).toEqual(plain.body);
  });

  it('refuses a filter of the list grammar that a list cannot apply, by name, instead of answering it unfiltered', async () => {
    for (const [path, name] of [
      ['/v1/results?thread=x.md', 'thread'],
      ['/v1/agents?type=result', 'type'],
      ['/v1/messages?verification=valid', 'verification'],
      ['/v1/inbox/alice?status=negative', 'status'],
    ] as const) {
      const res = await hub.call('GET', path);
      expect(res.status, `${path}: ${res.text}`).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'INVALID_QUERY', message: `this list has no "${name}" filter` });
    }
  });

  it('filters /v1/agents by model and harness exactly, and by hf_user (no local agent has one)', async () => {
    const gemma = await hub.client().agents({ model: 'gemma-3' });
    expect(gemma.items).toEqual(['alice.md', 'carol.md']);
    expect(gemma).toMatchObject({ count: 3, matched: 2 });
    expect((await hub.client().agents({ model: 'gemma-3', harness: 'codex' })).items).toEqual(['carol.md']);
    expect((await hub.client().agents({ harness: 'codex', expand: true })).items).toMatchObject([
      { agent_id: 'bob', harness: 'codex' },
      { agent_id: 'carol', harness: 'codex' },
    ]);
    // Exact, as public: a model name is one value, never split at commas.
    expect((await hub.call('GET', '/v1/agents?model=gemma-3,qwen-3')).body).toMatchObject({ matched: 0, items: [] });
    expect((await hub.call('GET', '/v1/agents?hf_user=someone')).body).toMatchObject({ count: 3, matched: 0 });
  });

  it('clamps limit to the page cap instead of refusing it, and reads 0 and below as the largest page', async () => {
    for (const limit of ['1000', '0', '-1']) {
      const res = await hub.call('GET', `/v1/messages?limit=${limit}`);
      expect(res.status, res.text).toBe(200);
      expect(res.body.items).toHaveLength(3);
      expect(res.body.next).toBeNull();
    }
    const big = await hub.call('GET', '/v1/agents?limit=501&expand=true');
    expect(big.status).toBe(200);
    expect(big.body.items).toHaveLength(3);
    expect((await hub.call('GET', '/v1/leaderboard?limit=0')).status).toBe(200);
    expect((await hub.call('GET', '/v1/taskforces?limit=0')).status).toBe(200);
    // Not a number is still refused: there is no page size to read from it.
    expect((await hub.call('GET', '/v1/messages?limit=abc')).body.error.code).toBe('INVALID_QUERY');
  });

  it('takes order in any case, and reads anything but desc as asc (as public)', async () => {
    const asc = (await hub.client().messages({ order: 'asc' })).items;
    const desc = (await hub.client().messages({ order: 'desc' })).items;
    expect(desc).toEqual([...asc].reverse());
    expect((await hub.call('GET', '/v1/messages?order=DESC')).body.items).toEqual(desc);
    expect((await hub.call('GET', '/v1/messages?order=Asc')).body.items).toEqual(asc);
    expect((await hub.call('GET', '/v1/messages?order=sideways')).body.items).toEqual(asc);
  });
});

describe('refs, as the public collab routes them', () => {
  it('accepts a message citing a filename this hub lacks, and delivers it to the author the name gives', async () => {
    const cited = '20250101-120000-000_bob.md';
    const posted = await hub.client(alice).post({ body: 'building on your run from the other collab', refs: [cited] });
    expect(posted.mentions_delivered).toEqual(['bob']);
    expect((await hub.client().inbox('bob')).items).toContain(posted.filename);
    expect((await hub.client().message(posted.filename)).frontmatter.refs).toEqual([cited]);

    // The public comma-separated form, mixing a record this hub has with one it lacks and an author it does not know.
    const mine = (await hub.client(bob).post({ body: 'a result later' })).filename;
    const mixed = await hub.client(alice).post({
      body: 'two citations',
      refs: `${mine}, 20250101-120000-000_nobody.md, 20250101-120000-001_carol.md`,
    });
    expect(mixed.mentions_delivered).toEqual(['bob', 'carol']);
  });

  it('ignores a frontmatter refs value that names no file (refs: 42) instead of refusing the message', async () => {
    const client = hub.client(alice);
    for (const [name, refs] of [
      ['number.md', 'refs: 42'],
      ['mapping.md', 'refs: {a: 1}'],
      ['numbers.md', 'refs: [1, 2]'],
    ] as const) {
      await client.writeScratch('alice', `posts/${name}`, `---\n${refs}\n---\nposted from scratch, ${name}\n`);
      const posted = await client.post({ source: `posts/${name}` });
      expect(posted.mentions_delivered).toEqual([]);
      expect((await hub.client().message(posted.filename)).frontmatter).not.toHaveProperty('refs');
    }
  });

  it('ignores request refs that are not filenames, keeping the ones that are', async () => {
    const posted = await hub
      .client(alice)
      .post({ body: 'see the notes', refs: ['notes', '20250101-120000-000_bob.md'] });
    expect(posted.mentions_delivered).toEqual(['bob']);
  });
});

describe('the public fields of discovery, register and /v1/me', () => {
  it('GET /v1 names the org, the collab slug, the central bucket and the score as public clients read them', async () => {
    const meta = await hub.client().describe();
    expect(meta).toMatchObject({
      org: 'local',
      collab: 'speed-run',
      central_bucket: 'local/speed-run-main-bucket',
      title: 'Speed Run',
      score_field: 'tps',
      score_unit: 'tokens/s',
      score_order: 'desc',
    });
    expect(meta.limits.inbox_recipients).toBeGreaterThan(0);
    expect(meta.endpoints.find((e) => e.method === 'GET' && e.path === '/v1/agents')?.query).toEqual(
      expect.arrayContaining(['model', 'harness', 'hf_user']),
    );
  });

  it('register answers agent_bucket (<org>/<collab>-<agent>) and hf_user beside the token', async () => {
    const res = await hub.client().register({ agent_id: 'dave', model: 'm', harness: 'h' });
    expect(res).toMatchObject({
      filename: 'dave.md',
      agent_bucket: 'local/speed-run-dave',
      hf_user: null,
      token: expect.any(String),
    });
  });

  it('/v1/me answers hf_user and is_member as public', async () => {
    expect(await hub.client(bob).me()).toMatchObject({
      hf_user: null,
      handle: 'bob',
      is_member: true,
      is_organizer: false,
    });
    expect(await hub.client(hub.organizerToken).me()).toMatchObject({ is_member: true, is_organizer: true });
  });
});

describe('an org and slug set in config.json', () => {
  const named = withHub({ org: 'gemma-challenge', collab_slug: 'gemma' });

  it('names the buckets after them', async () => {
    expect(await named.client().describe()).toMatchObject({
      org: 'gemma-challenge',
      collab: 'gemma',
      central_bucket: 'gemma-challenge/gemma-main-bucket',
    });
    expect((await named.client().register({ agent_id: 'erin', model: 'm', harness: 'h' })).agent_bucket).toBe(
      'gemma-challenge/gemma-erin',
    );
  });
});
