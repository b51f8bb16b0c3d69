// The board as people and agents use it: channels, threads, refs, broadcasts, source posts and the list grammar.
import { beforeAll, describe, expect, it } from 'vitest';
import { withHub } from '../helpers/with-hub';

const hub = withHub();
let ana: string;
let ben: string;
let cy: string;
beforeAll(async () => {
  ana = await hub.register('ana');
  ben = await hub.register('ben');
  cy = await hub.register('cy');
});

const post = (token: string, body: Record<string, unknown>) => hub.call('POST', '/v1/messages', { token, body });

describe('taskforces, channels and threads', () => {
  it('creates a taskforce whose README its creator owns', async () => {
    const created = await hub.call('POST', '/v1/taskforces', {
      token: ana,
      body: { name: 'draft-depth', body: '# Draft depth\nWhich K pays?' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      name: 'draft-depth',
      via: 'raw',
      path: 'taskforces/draft-depth/README.md',
      created: true,
    });
    const updated = await hub.call('POST', '/v1/taskforces', {
      token: ana,
      body: { name: 'draft-depth', body: '# Draft depth\nK in 4..8' },
    });
    expect(updated.status).toBe(200);
    const taken = await hub.call('POST', '/v1/taskforces', {
      token: ben,
      body: { name: 'draft-depth', body: 'mine now' },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('TASKFORCE_EXISTS');
    const detail = await hub.call('GET', '/v1/taskforces/draft-depth');
    expect(detail.body.readme.body).toBe('# Draft depth\nK in 4..8');
    expect(detail.body.creator).toBe('ana');
    const bad = await hub.call('POST', '/v1/taskforces', { token: ana, body: { name: 'Bad_Name', body: 'x' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('INVALID_PATH');
  });

  it("keeps a taskforce's notes in the taskforce (stamped taskforce:), never on the board, named .md files included", async () => {
    const note = await hub.call('POST', '/v1/taskforces/draft-depth/files', {
      token: cy,
      body: { body: 'K=8 lost on my run @ana' },
    });
    expect(note.status).toBe(201);
    expect(note.body.kind).toBe('note');
    expect(note.body.path).toBe(`taskforces/draft-depth/${note.body.filename}`);
    await hub.call('PUT', '/v1/scratch/ben/k6_ben.md', { token: ben, raw: '---\ntype: table\n---\nK=6 table' });
    const named = await hub.call('POST', '/v1/taskforces/draft-depth/files', {
      token: ben,
      body: { source: 'k6_ben.md', dest_path: 'tables/k6_ben.md' },
    });
    expect(named.status).toBe(201);
    const notes = await hub.call('GET', '/v1/taskforces/draft-depth/notes?expand=true&order=asc');
    expect(notes.body.matched).toBe(2);
    const stamped = notes.body.items.find((n: { filename: string }) => n.filename === note.body.filename);
    expect(stamped.frontmatter).toMatchObject({ taskforce: 'draft-depth', type: 'note', agent: 'cy' });
    expect(stamped.frontmatter.channel).toBeUndefined();
    expect(notes.body.items.map((n: { body: string }) => n.body)).toContain('K=6 table');
    const board = await hub.call('GET', '/v1/messages?channel=*&limit=500');
    expect(board.body.items).not.toContain(note.body.filename);
    const inbox = await hub.call('GET', '/v1/inbox/ana?expand=true&limit=100');
    expect(inbox.body.items.map((m: { body: string }) => m.body)).not.toContain('K=8 lost on my run @ana');
    const list = await hub.call('GET', '/v1/taskforces');
    expect(list.body.items[0]).toMatchObject({
      name: 'draft-depth',
      creator: 'ana',
      note_count: 2,
      file_count: 3, // the README, the stamped note, the named file
      contributors: ['ana', 'ben', 'cy'],
    });
    const files = await hub.call('GET', '/v1/taskforces/draft-depth/files');
    expect(files.body.items.map((f: { path: string }) => f.path)).toEqual([
      note.body.filename,
      'README.md',
      'tables/k6_ben.md',
    ]);
    const readme = await hub.call('GET', '/v1/taskforces/draft-depth/files/README.md');
    expect(readme.text).toMatch(/^---\n[\s\S]*taskforce: draft-depth[\s\S]*---\n\n# Draft depth\nK in 4..8\n$/);
    const noteFile = await hub.call('GET', `/v1/taskforces/draft-depth/files/${note.body.filename}`);
    expect(noteFile.text).toContain('K=8 lost on my run');
  });

  it('lists a channel by channel= on /v1/messages (not in the public API), the board by default', async () => {
    await hub.call('POST', '/v1/channels', { token: ana, body: { name: 'draft-talk', body: 'Which K pays?' } });
    await post(ben, { body: 'K=6 looks best so far', channel: 'draft-talk' });
    await post(ben, { body: 'unrelated main-board chatter' });
    const channel = await hub.call('GET', '/v1/messages?channel=draft-talk&expand=true&order=asc');
    expect(channel.body.items.map((m: { body: string }) => m.body)).toEqual(['K=6 looks best so far']);
    const main = await hub.call('GET', '/v1/messages?expand=true&limit=200');
    expect(main.body.items.map((m: { body: string }) => m.body)).toContain('unrelated main-board chatter');
    expect(
      main.body.items.every((m: { frontmatter: Record<string, unknown> }) => m.frontmatter.channel === undefined),
    ).toBe(true);
    const none = await hub.call('GET', '/v1/messages?channel=none');
    expect(none.body.matched).toBe(main.body.matched);
    const both = await hub.call('GET', '/v1/messages?channel=none,draft-talk');
    const every = await hub.call('GET', '/v1/messages?channel=*');
    expect(both.body.matched).toBe(every.body.matched);
    expect(every.body.matched).toBe(main.body.matched + 1);
  });

  it('threads replies under their root and tells the author', async () => {
    const root = await post(ana, { body: 'Who has a Q8_0 draft?' });
    const r1 = await post(ben, { body: 'I do', reply_to: root.body.filename });
    const r2 = await post(cy, { body: 'Me too', reply_to: r1.body.filename });
    expect(r1.body.thread).toBe(root.body.filename);
    expect(r2.body.thread).toBe(root.body.filename);
    expect(r2.body.mentions_delivered).toEqual(['ben']);
    const thread = await hub.call('GET', `/v1/messages?thread=${root.body.filename}&order=asc&expand=true`);
    expect(thread.body.items.map((m: { body: string }) => m.body)).toEqual(['I do', 'Me too']);
    const anaInbox = await hub.call('GET', '/v1/inbox/ana?expand=true');
    expect(anaInbox.body.items.map((m: { body: string }) => m.body)).toContain('I do');
  });

  it("keeps a reply in its thread's channel", async () => {
    const root = await post(ana, { body: 'channel root', channel: 'draft-talk' });
    const reply = await post(ben, { body: 'inherits the channel', reply_to: root.body.filename });
    expect(reply.body.channel).toBe('draft-talk');
    const other = await hub.call('POST', '/v1/channels', { token: ben, body: { name: 'quant', body: 'quant talk' } });
    expect(other.status).toBe(201);
    const moved = await post(ben, { body: 'cross-post', reply_to: root.body.filename, channel: 'quant' });
    expect(moved.status).toBe(400);
    expect(moved.body.error.code).toBe('INVALID_REF');
  });
});

describe('inbox delivery', () => {
  it('caps copies at 10 inboxes and never copies to the author', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `fan-${String(i).padStart(2, '0')}`);
    for (const id of ids) await hub.register(id);
    const res = await post(ana, { body: `${ids.map((i) => '@' + i).join(' ')} @ana` });
    expect(res.body.mentions_delivered).toEqual(ids.slice(0, 10));
    expect((await hub.call('GET', '/v1/inbox/fan-11')).body.count).toBe(0);
    expect((await hub.call('GET', '/v1/inbox/fan-09')).body.count).toBe(1);
  });

  it('does not treat e-mail addresses as mentions', async () => {
    const res = await post(ana, { body: 'write to me@ben.example or mail@cy' });
    expect(res.body.mentions_delivered).toEqual([]);
  });

  it('reaches the authors of refs, accepting the public string form', async () => {
    const a = await post(ben, { body: 'ben finding' });
    const b = await post(cy, { body: 'cy finding' });
    const res = await post(ana, { body: 'combining both', refs: `${a.body.filename}, ${b.body.filename}` });
    expect(res.status).toBe(201);
    expect(res.body.mentions_delivered.sort()).toEqual(['ben', 'cy']);
    const msg = await hub.call('GET', `/v1/messages/${res.body.filename}`);
    expect(msg.body.frontmatter.refs).toEqual([a.body.filename, b.body.filename]);
  });

  it('merges organizer broadcasts into every inbox, and only the organizer may broadcast', async () => {
    const cast = await post(hub.organizerToken, { body: 'New rule: report medians of 5 runs.', broadcast: true });
    expect(cast.status).toBe(201);
    expect(cast.body).toMatchObject({ broadcast: true, via: 'dashboard', mentions_delivered: [] });
    for (const agent of ['ana', 'ben', 'fan-11']) {
      const inbox = await hub.call('GET', `/v1/inbox/${agent}?expand=true&limit=1`);
      expect(inbox.body.items[0].body).toBe('New rule: report medians of 5 runs.');
    }
    const denied = await post(ana, { body: 'everyone listen', broadcast: true });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('NOT_ORGANIZER');
  });

  it('lets the organizer post as its own human handle only, and agents mention humans by handle', async () => {
    const res = await post(hub.organizerToken, { body: 'Hello from the organizer', agent_id: 'human-organizer' });
    expect(res.status).toBe(201);
    const msg = await hub.call('GET', `/v1/messages/${res.body.filename}`);
    expect(msg.body.frontmatter).toMatchObject({ agent: 'human-organizer', via: 'dashboard', type: 'user' });
    const other = await post(hub.organizerToken, { body: 'not me', agent_id: 'human-pat' });
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('IDENTITY_MISMATCH');
    const asked = await post(ana, { body: '@human-pat is K=8 allowed? @human, anyone?' });
    // As on the public collab: human-<name> is reached unregistered; a bare @human names nobody.
    expect(asked.body.mentions_delivered).toEqual(['human-pat']);
    expect((await hub.call('GET', '/v1/inbox/human-pat')).body.items).toContain(asked.body.filename);
    expect((await hub.call('GET', '/v1/inbox/human')).body.error.code).toBe('NOT_REGISTERED');
  });
});

describe('posting from a scratch file', () => {
  it('keeps the file frontmatter, stamps agent/timestamp/via, and refuses the same bytes twice', async () => {
    const file = '---\ntype: proposal\nlevers: [draft_n_max]\n---\nTry K=7 with the Q4_0 draft. @ben\n';
    expect((await hub.call('PUT', '/v1/scratch/cy/notes/k7.md', { token: cy, raw: file })).status).toBe(201);
    const res = await post(cy, { source: 'notes/k7.md' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ via: 'bucket', mentions_delivered: ['ben'] });
    const msg = await hub.call('GET', `/v1/messages/${res.body.filename}`);
    expect(msg.body.frontmatter).toMatchObject({
      type: 'proposal',
      levers: ['draft_n_max'],
      agent: 'cy',
      via: 'bucket',
    });
    expect(msg.body.frontmatter.timestamp).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
    expect(msg.body.body).toBe('Try K=7 with the Q4_0 draft. @ben\n');
    const again = await post(cy, { source: 'notes/k7.md' });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({
      code: 'ALREADY_PROMOTED',
      hint: `existing filename: ${res.body.filename}`,
    });
  });
});

describe('the list grammar', () => {
  let lister: string;
  const names: string[] = [];
  beforeAll(async () => {
    lister = await hub.register('lister');
    for (let i = 0; i < 7; i++)
      names.push(
        (await post(lister, { body: `entry ${i} ${i % 2 ? 'odd' : 'even'}`, type: i < 3 ? 'plan' : 'update' })).body
          .filename,
      );
  });

  it('returns filenames by default and full records with expand=true', async () => {
    const plain = await hub.call('GET', '/v1/messages?agent=lister&limit=3');
    expect(plain.body).toMatchObject({ matched: 7, items: names.slice(-3).reverse() });
    expect(plain.body.count).toBeGreaterThan(7);
    const full = await hub.call('GET', '/v1/messages?agent=lister&limit=1&expand=true');
    expect(full.body.items[0]).toMatchObject({
      filename: names[6],
      body: 'entry 6 even',
      frontmatter: { agent: 'lister' },
    });
  });

  it('pages newest-first with before=next and oldest-first with after=next, losing nothing', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: string[]; next: string | null } } = await hub.call(
        'GET',
        `/v1/messages?agent=lister&limit=3${cursor ? `&before=${cursor}` : ''}`,
      );
      seen.push(...page.body.items);
      cursor = page.body.next;
    } while (cursor);
    expect(seen).toEqual([...names].reverse());
    const asc = await hub.call('GET', `/v1/messages?agent=lister&order=asc&limit=4`);
    expect(asc.body.items).toEqual(names.slice(0, 4));
    const rest = await hub.call('GET', `/v1/messages?agent=lister&order=asc&limit=4&after=${asc.body.next}`);
    expect(rest.body).toMatchObject({ items: names.slice(4), next: null });
  });

  it('filters by type, q (case-insensitive), since and until', async () => {
    expect((await hub.call('GET', '/v1/messages?agent=lister&type=plan')).body.matched).toBe(3);
    expect((await hub.call('GET', '/v1/messages?agent=lister&q=ODD')).body.matched).toBe(3);
    expect((await hub.call('GET', '/v1/messages?agent=lister&q=100%25')).body.matched).toBe(0);
    const third = names[3]!.slice(0, 19);
    const since = await hub.call('GET', `/v1/messages?agent=lister&since=${third}&order=asc`);
    expect(since.body.items).toEqual(names.slice(3));
    const until = await hub.call('GET', `/v1/messages?agent=lister&until=${third}&order=asc`);
    expect(until.body.items).toEqual(names.slice(0, 4));
    const iso = await hub.call('GET', '/v1/messages?agent=lister&since=2000-01-01T00:00:00Z');
    expect(iso.body.matched).toBe(7);
    const future = await hub.call('GET', '/v1/messages?agent=lister&since=2100-01-01');
    expect(future.body.matched).toBe(0);
  });
});
